/// Why a body was truncated, as written in ``BodyRecord/truncatedReason``.
public enum TruncationReason: String, Sendable, CaseIterable {
    /// The body was longer than the per-body capture limit.
    case captureLimit
    /// The proxy's memory budget for bodies being captured was spent.
    case memoryBudget
}
