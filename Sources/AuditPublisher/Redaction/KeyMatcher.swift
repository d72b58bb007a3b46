/// Decides whether a name (a JSON key, a form field, a query parameter) is sensitive.
///
/// A pattern is a name, or a name with `*` at its start, end or both: `*token*` matches every
/// name containing `token`, `api_*` every name starting with `api_`. Unless asked to be
/// case-sensitive, matching ignores case and the separators `_`, `-`, `.` and space (clients
/// spell `Password`, `PASSWORD`, `api_key`, `apiKey`, `api-key` and, in forms, `api+key`).
struct KeyMatcher: Sendable {
    private enum Pattern: Sendable {
        case prefix(String)
        case suffix(String)
        case contains(String)
    }

    private let exact: Set<String>
    private let patterns: [Pattern]
    private let caseSensitive: Bool

    /// - Parameters:
    ///   - patterns: Names or `*` patterns; a lone `*` matches nothing (it would redact everything).
    ///   - caseSensitive: Whether `Password` and `password` differ.
    init<Patterns: Sequence<String>>(_ patterns: Patterns, caseSensitive: Bool) {
        self.caseSensitive = caseSensitive
        var exact: Set<String> = []
        var wildcards: [Pattern] = []
        for raw in patterns {
            let pattern = caseSensitive ? raw : Self.fold(raw)
            let leading = pattern.hasPrefix("*")
            let trailing = pattern.hasSuffix("*") && pattern.count > 1
            let core = String(pattern.dropFirst(leading ? 1 : 0).dropLast(trailing ? 1 : 0))
            guard !core.isEmpty else { continue }
            switch (leading, trailing) {
            case (false, false): exact.insert(core)
            case (false, true): wildcards.append(.prefix(core))
            case (true, false): wildcards.append(.suffix(core))
            case (true, true): wildcards.append(.contains(core))
            }
        }
        self.exact = exact
        self.patterns = wildcards
    }

    /// Whether no name can match.
    var isEmpty: Bool { exact.isEmpty && patterns.isEmpty }

    /// Whether `name` is sensitive.
    func matches(_ name: String) -> Bool {
        let name = caseSensitive ? name : Self.fold(name)
        if exact.contains(name) { return true }
        return patterns.contains { pattern in
            switch pattern {
            case .prefix(let core): name.hasPrefix(core)
            case .suffix(let core): name.hasSuffix(core)
            case .contains(let core): name.contains(core)
            }
        }
    }

    /// Lowercased, without separators.
    private static func fold(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { !"_-. ".unicodeScalars.contains($0) })
    }
}
