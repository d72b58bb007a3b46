import AuditEnvelope

/// An error that says how the exchange it ended should be recorded (for example a proxy's
/// upstream timeout). Other errors are recorded as `handlerError`.
public protocol CaptureOutcomeError: Error {
    /// The outcome to record.
    var captureOutcome: ExchangeOutcome { get }
}
