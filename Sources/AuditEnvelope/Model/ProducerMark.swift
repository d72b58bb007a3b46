import NIOCore

/// A producer's high-water mark: the highest sequence number it has given so far, at a time.
/// The `data` of a `dev.auditshipper.http.mark.v1` event, published every `--mark-interval` and
/// at shutdown and archived like a drop notice. `audit-archive reconcile` counts the numbers
/// above the highest archived exchange and at or below the newest mark as lost (a deleted or
/// truncated tail), and reports a producer whose marks are archived but whose exchanges are not.
public struct ProducerMark: ProducerEvent, Equatable {
    /// The CloudEvents `type` of marks.
    public static let eventType = "dev.auditshipper.http.mark.v1"

    /// The producer id.
    public var producer: String
    /// The highest sequence number given so far (0 before the first exchange).
    public var highestSequence: Int64
    /// When the mark was made, in microseconds since the Unix epoch.
    public var time: Int64
    /// The producer's signature, when it has a signing key.
    public var signature: EventSignature?

    /// Creates a mark.
    public init(producer: String, highestSequence: Int64, time: Int64, signature: EventSignature? = nil) {
        self.producer = producer
        self.highestSequence = highestSequence
        self.time = time
        self.signature = signature
    }

    /// The JSON `data`, with the signature when it has one.
    public func encoded() -> ByteBuffer {
        var out = ByteBuffer()
        out.writeStaticString("{")
        out.writeJSONKey("specVersion"); out.writeStaticString("1,")
        out.writeJSONKey("producer"); out.writeJSONString(producer); out.writeStaticString(",")
        out.writeJSONKey("highestSequence"); out.writeString(String(highestSequence)); out.writeStaticString(",")
        out.writeJSONKey("time"); out.writeJSONString(RFC3339.format(microseconds: time))
        signature?.write(into: &out)
        out.writeStaticString("}")
        return out
    }

    /// Reads a mark's `data`.
    /// - Throws: ``EnvelopeError`` naming the first missing or impossible field.
    public static func decode(_ data: ByteBuffer) throws(EnvelopeError) -> ProducerMark {
        try JSONObjectFields.withObject(in: data, path: "data") { fields throws(EnvelopeError) in
            let highest = Int64(try fields.integer("highestSequence"))
            guard highest == 0 || SequenceNumber.valid.contains(highest) else {
                throw EnvelopeError(.invalidField, "data.highestSequence \(highest) is not a sequence number")
            }
            return ProducerMark(producer: try fields.string("producer"), highestSequence: highest, time: try fields.time("time"), signature: try EventSignature.decode(in: fields))
        }
    }
}
