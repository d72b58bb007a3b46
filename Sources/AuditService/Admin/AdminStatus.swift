/// One answer of a probe endpoint: whether it passes, and a line for the operator.
public struct AdminStatus: Sendable {
    /// Whether the probe passes (200) or not (503).
    public var passes: Bool
    /// Why, in a few words.
    public var message: String

    /// Creates a status.
    public init(passes: Bool, message: String) {
        self.passes = passes
        self.message = message
    }
}
