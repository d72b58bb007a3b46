import Metrics
import Synchronization

/// The bytes that exchanges being captured may hold at once, across all of them, counted by the
/// capacity of the buffers they keep (not by payload). A capture that cannot reserve room keeps
/// its headers and hashes and truncates its body (`truncatedReason: memoryBudget`); the response
/// is never delayed for it. Room is given back when the exchange is handed to the sink, whose own
/// bound (the publisher's queue) takes over.
public final class CaptureMemoryBudget: Sendable {
    /// The budget in bytes.
    public let limit: Int
    private let reserved = Atomic<Int>(0)
    private let truncations = Counter(label: "auditshipper_capture_truncated_total", dimensions: [("reason", "memory_budget")])
    private let reservedGauge = Gauge(label: "auditshipper_capture_memory_bytes")

    /// Creates a budget of `limit` bytes.
    public init(limit: Int) {
        self.limit = limit
    }

    /// Bytes reserved now.
    public var inUse: Int { reserved.load(ordering: .relaxed) }

    /// Reserves `bytes`; `false`, with nothing reserved, when that would pass the limit.
    func reserve(_ bytes: Int) -> Bool {
        var current = reserved.load(ordering: .relaxed)
        while true {
            guard current + bytes <= limit else { return false }
            let (exchanged, original) = reserved.compareExchange(expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged {
                reservedGauge.record(current + bytes)
                return true
            }
            current = original
        }
    }

    /// Gives back `bytes` reserved earlier.
    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        let now = reserved.subtract(bytes, ordering: .relaxed).newValue
        reservedGauge.record(now)
    }

    /// Counts a body truncated for want of room.
    func countTruncation() {
        truncations.increment()
    }
}
