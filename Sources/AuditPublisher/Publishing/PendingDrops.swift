/// Drops not yet announced by a drop notice: ranges of sequence numbers, one reason each.
/// Consecutive numbers with the same reason join one range, so a burst of drops costs one
/// notice. Bounded: past `maxRanges` the oldest ranges are let go (counted by the caller's
/// metrics already; their numbers then show as unexplained gaps, failing closed).
struct PendingDrops {
    /// One range of dropped numbers.
    struct Range: Equatable {
        var reason: DropReason
        var first: Int64
        var last: Int64
    }

    /// The most ranges held between two announcements.
    static let maxRanges = 10_000

    private(set) var ranges: [Range] = []

    /// Adds a dropped number.
    mutating func add(_ sequence: Int64, reason: DropReason) {
        if let index = ranges.lastIndex(where: { $0.reason == reason && ($0.last + 1 == sequence || $0.first - 1 == sequence) }) {
            ranges[index].first = min(ranges[index].first, sequence)
            ranges[index].last = max(ranges[index].last, sequence)
            return
        }
        if ranges.count >= Self.maxRanges { ranges.removeFirst() }
        ranges.append(Range(reason: reason, first: sequence, last: sequence))
    }

    /// The ranges to announce now; none are kept.
    mutating func take() -> [Range] {
        defer { ranges = [] }
        return ranges
    }
}
