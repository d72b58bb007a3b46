import NIOCore

/// The per-message context handed to librdkafka as the message opaque and called once with the
/// message's delivery outcome.
///
/// It also keeps the message's value alive: librdkafka is given the value's bytes without
/// copying them (see `auditshipper_produce`) and reads them until the delivery report, which is
/// when librdkafka releases this context.
final class DeliveryCallback: Sendable {
    let body: @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void
    /// The bytes librdkafka points into until the delivery report. Holding this reference keeps
    /// the storage allocated and, since no one can then mutate it in place (a writer gets a copy),
    /// unchanged.
    let value: ByteBuffer

    init(value: ByteBuffer, _ body: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void) {
        self.value = value
        self.body = body
    }
}
