/// An envelope Kafka did not take, on its way from librdkafka's delivery-report thread to the
/// spool.
struct FailedDelivery: Sendable {
    var entry: SpoolEntry
    var exchangeID: String
    /// The drop reason if the spool cannot take it either.
    var reason: DropReason
}
