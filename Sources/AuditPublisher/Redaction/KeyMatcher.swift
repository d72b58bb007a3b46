/// Decides whether a name (a JSON key, a form field, a query parameter) is sensitive.
///
/// A pattern is a name, or a name with `*` at its start, end or both: `*token*` matches every
/// name containing `token`, `api_*` every name starting with `api_`. Unless asked to be
/// case-sensitive, matching ignores ASCII case and the separators `_`, `-`, `.` and space
/// (clients spell `Password`, `PASSWORD`, `api_key`, `apiKey`, `api-key` and, in forms,
/// `api+key`).
///
/// Called for every key of every body, so it compares UTF-8 bytes and allocates only the folded
/// name (a 1 MB JSON body has tens of thousands of keys).
struct KeyMatcher: Sendable {
    private let exact: Set<[UInt8]>
    private let prefixes: [[UInt8]]
    private let suffixes: [[UInt8]]
    private let infixes: [[UInt8]]
    private let caseSensitive: Bool

    /// - Parameters:
    ///   - patterns: Names or `*` patterns; a lone `*` matches nothing (it would redact everything).
    ///   - caseSensitive: Whether `Password` and `password` differ.
    init<Patterns: Sequence<String>>(_ patterns: Patterns, caseSensitive: Bool) {
        self.caseSensitive = caseSensitive
        var exact: Set<[UInt8]> = []
        var prefixes: [[UInt8]] = []
        var suffixes: [[UInt8]] = []
        var infixes: [[UInt8]] = []
        for pattern in patterns {
            let leading = pattern.hasPrefix("*")
            let trailing = pattern.hasSuffix("*") && pattern.count > 1
            let core = Self.fold(pattern.dropFirst(leading ? 1 : 0).dropLast(trailing ? 1 : 0).utf8, caseSensitive: caseSensitive)
            guard !core.isEmpty else { continue }
            switch (leading, trailing) {
            case (false, false): exact.insert(core)
            case (false, true): prefixes.append(core)
            case (true, false): suffixes.append(core)
            case (true, true): infixes.append(core)
            }
        }
        self.exact = exact
        self.prefixes = prefixes
        self.suffixes = suffixes
        self.infixes = infixes
    }

    /// Whether no name can match.
    var isEmpty: Bool { exact.isEmpty && prefixes.isEmpty && suffixes.isEmpty && infixes.isEmpty }

    /// Whether `name` is sensitive.
    func matches(_ name: String) -> Bool {
        matches(folded: Self.fold(Substring(name).utf8, caseSensitive: caseSensitive))
    }

    /// Whether the name whose UTF-8 bytes are `name` is sensitive.
    func matches(utf8 name: UnsafeRawBufferPointer) -> Bool {
        matches(folded: Self.fold(name, caseSensitive: caseSensitive))
    }

    private func matches(folded: [UInt8]) -> Bool {
        if exact.contains(folded) { return true }
        if prefixes.contains(where: { folded.starts(with: $0) }) { return true }
        if suffixes.contains(where: { folded.count >= $0.count && folded[(folded.count - $0.count)...].elementsEqual($0) }) { return true }
        return infixes.contains { Self.contains(folded, $0) }
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count, let first = needle.first else { return false }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    /// UTF-8 bytes; unless case-sensitive, ASCII lowercased and without separators.
    private static func fold<Bytes: Collection<UInt8>>(_ name: Bytes, caseSensitive: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.count)
        for byte in name {
            if caseSensitive {
                bytes.append(byte)
            } else if byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: " ") {
                continue
            } else {
                bytes.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte)
            }
        }
        return bytes
    }
}
