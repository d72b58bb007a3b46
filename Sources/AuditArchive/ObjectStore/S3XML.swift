/// Reads the few fields the archive needs from S3's XML answers (ListObjectsV2 and errors),
/// without a general XML parser: the elements it looks for hold text only. Entities are decoded;
/// anything malformed yields fewer fields, never a trap.
enum S3XML {
    /// The text of every `<name>…</name>` in `xml`, in order.
    static func values(of name: String, in xml: Substring) -> [String] {
        var values: [String] = []
        var rest = xml
        let open = "<\(name)>", close = "</\(name)>"
        while let start = rest.range(of: open), let end = rest[start.upperBound...].range(of: close) {
            values.append(decodeEntities(rest[start.upperBound..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        return values
    }

    /// The parts of `xml` between each `<name>` and its `</name>`.
    static func elements(_ name: String, in xml: Substring) -> [Substring] {
        var elements: [Substring] = []
        var rest = xml
        let open = "<\(name)>", close = "</\(name)>"
        while let start = rest.range(of: open), let end = rest[start.upperBound...].range(of: close) {
            elements.append(rest[start.upperBound..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return elements
    }

    static func decodeEntities(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var result = ""
        var rest = text
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semicolon) <= 10 else {
                result += "&"
                rest = rest[rest.index(after: amp)...]
                continue
            }
            let entity = rest[rest.index(after: amp)..<semicolon]
            switch entity {
            case "amp": result += "&"
            case "lt": result += "<"
            case "gt": result += ">"
            case "quot": result += "\""
            case "apos": result += "'"
            default:
                let number = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst(), radix: 10) : nil
                if let number, let scalar = Unicode.Scalar(number) { result.unicodeScalars.append(scalar) } else { result += "&\(entity);" }
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return result + rest
    }
}
