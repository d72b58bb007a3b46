import Foundation

/// Parses sizes such as `1048576`, `512KiB`, `4MiB`, `1GiB`, `10MB` (binary and decimal units).
public enum ByteSize {
    /// The number of bytes `text` names, or `nil` when it is not a size.
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isNumber }
        guard !digits.isEmpty, let value = Int(digits) else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
        let multiplier: Int? = switch unit {
        case "", "b": 1
        case "k", "kb": 1000
        case "kib": 1 << 10
        case "m", "mb": 1_000_000
        case "mib": 1 << 20
        case "g", "gb": 1_000_000_000
        case "gib": 1 << 30
        default: nil
        }
        guard let multiplier else { return nil }
        let (result, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : result
    }
}
