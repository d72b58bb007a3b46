import AuditArchive
import Dispatch
import Kafka

/// The partition archivers of this member, confined to one serial dispatch queue: their work is
/// blocking file I/O and fsync, which must stay off the cooperative pool.
///
/// `@unchecked Sendable`: `archivers` is read and written only inside blocks that run on `queue`,
/// a serial queue, so no two accesses overlap; the archivers themselves never leave the queue.
final class ArchiverPool: @unchecked Sendable {
    private let queue = DispatchQueue(label: "auditshipper.archive")
    private var archivers: [KafkaTopicPartition: PartitionArchiver] = [:]

    /// Runs `body` on the queue with the archivers.
    func run<Result: Sendable>(
        _ body: @escaping @Sendable (inout [KafkaTopicPartition: PartitionArchiver]) throws -> Result
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Swift.Result { try body(&self.archivers) })
            }
        }
    }
}
