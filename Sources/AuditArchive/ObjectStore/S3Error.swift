/// A request the store answered with an error, or an answer that could not be read.
public struct S3Error: Error, Sendable, CustomStringConvertible {
    /// The HTTP status (0 when none was received).
    public var status: Int
    /// S3's error code (`NoSuchBucket`, `AccessDenied`, ...), when the body named one.
    public var code: String?
    /// What was being done, e.g. `PUT segments/a.log`.
    public var operation: String

    public var description: String {
        "S3 \(operation): HTTP \(status)" + (code.map { " \($0)" } ?? "")
    }
}
