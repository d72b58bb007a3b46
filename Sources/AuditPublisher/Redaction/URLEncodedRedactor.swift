import Foundation

/// Redacts the values of sensitive parameters in `application/x-www-form-urlencoded` text: a
/// URL's query (the request target, a `Location` or `Referer` header) or a form body. Names are
/// compared decoded (`pass%77ord`, `api+key`); `&` and `;` both separate parameters, since some
/// servers split on either; every other byte is kept.
struct URLEncodedRedactor: Sendable {
    let names: KeyMatcher

    /// The query of a request target or URL redacted (path and fragment kept), and the names of
    /// the parameters redacted.
    func redact(url: String) -> (text: String, redacted: [String]) {
        guard let question = url.firstIndex(of: "?") else { return (url, []) }
        let afterQuestion = url.index(after: question)
        let fragment = url[afterQuestion...].firstIndex(of: "#") ?? url.endIndex
        let (query, redacted) = redact(parameters: url[afterQuestion..<fragment])
        guard !redacted.isEmpty else { return (url, []) }
        return (String(url[...question]) + query + String(url[fragment...]), redacted)
    }

    /// Form-encoded parameters (`a=1&b=2`) redacted, and the names of those redacted.
    func redact(parameters: Substring) -> (text: String, redacted: [String]) {
        var output = ""
        output.reserveCapacity(parameters.utf8.count)
        var redacted: [String] = []
        var start = parameters.startIndex
        while start <= parameters.endIndex {
            let end = parameters[start...].firstIndex { $0 == "&" || $0 == ";" } ?? parameters.endIndex
            let pair = parameters[start..<end]
            if let equals = pair.firstIndex(of: "="), names.matches(Self.decode(pair[..<equals])) {
                output += pair[...equals] + RedactionConfiguration.marker
                redacted.append(Self.decode(pair[..<equals]))
            } else {
                output += pair
            }
            guard end < parameters.endIndex else { break }
            output.append(parameters[end])
            start = parameters.index(after: end)
        }
        return (output, redacted)
    }

    /// A name as the application reads it: `+` is a space, `%XX` escapes decoded (kept as
    /// written when they do not decode).
    static func decode(_ name: Substring) -> String {
        let spaced = name.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
