import NIOCore

/// What a publisher could not send, announced on the topic: a range of its sequence numbers and
/// why they were dropped. The `data` of a `dev.auditshipper.http.drop.v1` event; archived like an
/// exchange, so that `audit-archive reconcile` can tell a dropped exchange from a lost one.
public struct DropNotice: ProducerEvent, Equatable {
    /// The CloudEvents `type` of drop notices.
    public static let eventType = "dev.auditshipper.http.drop.v1"

    /// The producer whose exchanges were dropped.
    public var producer: String
    /// The first sequence number dropped.
    public var firstSequence: Int64
    /// The last sequence number dropped (the range is contiguous, one reason).
    public var lastSequence: Int64
    /// The drop reason, as in `auditshipper_exchanges_dropped_total{reason}` (`queue_full`, …).
    public var reason: String
    /// When the notice was made, in microseconds since the Unix epoch.
    public var time: Int64
    /// The producer's signature, when it has a signing key.
    public var signature: EventSignature?

    /// Creates a notice.
    public init(producer: String, firstSequence: Int64, lastSequence: Int64, reason: String, time: Int64, signature: EventSignature? = nil) {
        self.producer = producer
        self.firstSequence = firstSequence
        self.lastSequence = lastSequence
        self.reason = reason
        self.time = time
        self.signature = signature
    }

    /// How many exchanges it covers.
    public var count: Int64 { lastSequence - firstSequence + 1 }

    /// The JSON `data`, with the signature when it has one.
    public func encoded() -> ByteBuffer {
        var out = ByteBuffer()
        out.writeStaticString("{")
        out.writeJSONKey("specVersion"); out.writeStaticString("1,")
        out.writeJSONKey("producer"); out.writeJSONString(producer); out.writeStaticString(",")
        out.writeJSONKey("firstSequence"); out.writeString(String(firstSequence)); out.writeStaticString(",")
        out.writeJSONKey("lastSequence"); out.writeString(String(lastSequence)); out.writeStaticString(",")
        out.writeJSONKey("count"); out.writeString(String(count)); out.writeStaticString(",")
        out.writeJSONKey("reason"); out.writeJSONString(reason); out.writeStaticString(",")
        out.writeJSONKey("time"); out.writeJSONString(RFC3339.format(microseconds: time))
        signature?.write(into: &out)
        out.writeStaticString("}")
        return out
    }

    /// Reads a notice's `data`.
    /// - Throws: ``EnvelopeError`` naming the first missing or impossible field.
    public static func decode(_ data: ByteBuffer) throws(EnvelopeError) -> DropNotice {
        try JSONObjectFields.withObject(in: data, path: "data") { fields throws(EnvelopeError) in
            let first = Int64(try fields.integer("firstSequence"))
            let last = Int64(try fields.integer("lastSequence"))
            guard SequenceNumber.valid.contains(first), SequenceNumber.valid.contains(last), last >= first else {
                throw EnvelopeError(.invalidField, "data: sequence range \(first)-\(last) is not a range of sequence numbers")
            }
            return DropNotice(
                producer: try fields.string("producer"), firstSequence: first, lastSequence: last, reason: try fields.string("reason"),
                time: try fields.time("time"), signature: try EventSignature.decode(in: fields)
            )
        }
    }
}
