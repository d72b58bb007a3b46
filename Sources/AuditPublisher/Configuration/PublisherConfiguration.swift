import AuditEnvelope
import NIOCore

/// Settings of an ``AuditPublisher``.
public struct PublisherConfiguration: Sendable {
    /// The Kafka topic envelopes go to.
    /// Default: `audit.http.exchanges`.
    public var topic: String = "audit.http.exchanges"

    /// A request header whose value becomes the Kafka key (for example a tenant id), so that one
    /// tenant's exchanges stay in order on one partition; exchanges without it are keyed by
    /// their exchange id.
    /// Default: `nil` (key by exchange id).
    public var keyHeader: String?

    /// The most bytes of captured exchanges waiting between the request path and Kafka (with
    /// ``Durability/disk``: of exchanges and their envelopes on their way to the spool, while
    /// their responses wait).
    /// Default: 256 MiB.
    public var queueMaxBytes: Int = 256 * 1024 * 1024

    /// What happens to an exchange when the queue is full.
    /// Default: `.spool`.
    public var overflowPolicy: OverflowPolicy = .spool

    /// What an exchange survives before Kafka acknowledged it: `.memory` (queue, spool only when
    /// needed) or `.disk` (every exchange spooled before its response ends).
    /// Default: `.memory` (see BENCHMARKS.md for the cost of `.disk`).
    public var durability: Durability = .memory

    /// How many envelopes are built at once (decoding, redaction, encoding, hashing), on as many
    /// threads; they reach Kafka (or the spool) in arrival order whichever finishes first. Values
    /// below 1 count as 1.
    /// Default: the number of cores.
    public var buildThreads: Int = System.coreCount

    /// The Kafka message limit; larger envelopes are split into chunks.
    /// Default: 1,000,000 bytes (Kafka's default), the same as ``KafkaProducerConfiguration/messageMaxBytes``.
    public var messageMaxBytes: Int = 1_000_000

    /// The disk spool.
    /// Default: see ``SpoolConfiguration``.
    public var spool = SpoolConfiguration()

    /// What to redact when envelopes are built.
    /// Default: the credential headers listed in ``RedactionConfiguration``.
    public var redaction = RedactionConfiguration()

    /// How content-encoded bodies are decoded before redaction and embedding.
    /// Default: see ``BodyDecodingConfiguration``.
    public var bodyDecoding = BodyDecodingConfiguration()

    /// The key of keyed body digests (`hmacSha256`).
    /// Default: `nil` (no keyed digests).
    public var digestKey: DigestKey?

    /// The CloudEvents `source` of envelopes (service/instance).
    /// Default: `audit-producer`.
    public var eventSource: String = "audit-producer"

    /// How long a graceful shutdown waits for queued and in-flight envelopes to be acknowledged;
    /// what is left then goes to the spool.
    /// Default: 10 s.
    public var drainTimeout: Duration = .seconds(10)

    /// How often the publisher publishes its high-water mark (``ProducerMark``: the highest
    /// sequence number given so far); it publishes one at shutdown too.
    /// Default: 10 s.
    public var markInterval: Duration = .seconds(10)

    /// What signs drop notices and marks, so that `audit-archive reconcile
    /// --producer-public-key` can tell them from forgeries.
    /// Default: `nil` (unsigned).
    public var eventSigner: (any EventSigner)?

    /// Creates a configuration with the defaults above.
    public init() {}
}
