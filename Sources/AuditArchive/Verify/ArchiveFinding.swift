/// One thing a reader or the verifier found wrong or worth knowing, naming the file or
/// partition concerned.
public struct ArchiveFinding: Sendable, CustomStringConvertible {
    /// The file (or partition) concerned.
    public var subject: String
    /// What is wrong.
    public var message: String

    /// Creates a finding.
    public init(subject: String, message: String) {
        self.subject = subject
        self.message = message
    }

    public var description: String { "\(subject): \(message)" }
}
