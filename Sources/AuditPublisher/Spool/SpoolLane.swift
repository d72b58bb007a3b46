/// Which lane of the ``Spool`` an envelope goes to.
enum SpoolLane: Sendable {
    /// Envelopes spooled in their turn (outage, overflow, disk durability).
    case main
    /// Envelopes sent straight to Kafka whose delivery failed; replayed before the main lane,
    /// since they are older than anything in it.
    case retry
}
