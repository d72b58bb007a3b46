/// The per-message context handed to librdkafka as the message opaque and called once with the
/// message's delivery outcome.
final class DeliveryCallback: Sendable {
    let body: @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void

    init(_ body: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void) {
        self.body = body
    }
}
