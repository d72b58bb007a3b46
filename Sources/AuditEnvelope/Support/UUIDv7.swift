/// Time-ordered identifiers (RFC 9562 UUID version 7): 48 bits of Unix milliseconds, then
/// 74 random bits, so ids sort by creation time.
public enum UUIDv7 {
    /// A new UUIDv7 in lowercase `8-4-4-4-12` form.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(unixMilliseconds: WallClock.microseconds() / 1000, using: &generator)
    }

    /// A UUIDv7 for `unixMilliseconds` with random bits from `generator`.
    public static func generate(unixMilliseconds: Int64, using generator: inout some RandomNumberGenerator) -> String {
        let random: UInt64 = generator.next()
        let more: UInt64 = generator.next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 {
            bytes[index] = UInt8(truncatingIfNeeded: UInt64(bitPattern: unixMilliseconds) >> (8 * (5 - index)))
        }
        bytes[6] = 0x70 | UInt8(truncatingIfNeeded: random >> 8) & 0x0F
        bytes[7] = UInt8(truncatingIfNeeded: random)
        bytes[8] = 0x80 | UInt8(truncatingIfNeeded: random >> 16) & 0x3F
        for index in 9..<16 {
            bytes[index] = UInt8(truncatingIfNeeded: more >> (8 * (index - 9)))
        }
        let hex = bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }

    /// The Unix time in milliseconds that the UUIDv7 `text` carries (its first 48 bits), or
    /// `nil` when `text` is not a UUID of version 7.
    public static func unixMilliseconds(of text: String) -> Int64? {
        guard isValid(text) else { return nil }
        let hex = text.lowercased().filter { $0 != "-" }.prefix(12)
        return Int64(hex, radix: 16)
    }

    /// Whether `text` is a lowercase or uppercase UUID of version 7.
    public static func isValid(_ text: String) -> Bool {
        let characters = Array(text.lowercased())
        guard characters.count == 36 else { return false }
        for (index, character) in characters.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard character == "-" else { return false }
            } else if !character.isHexDigit {
                return false
            }
        }
        return characters[14] == "7" && "89ab".contains(characters[19])
    }
}
