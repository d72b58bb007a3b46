import AuditArchive
import Kafka
import Synchronization

/// A consumer-group member whose events the test writes, for driving ``ArchiveWorker`` in
/// process: assignments, revocations and records arrive when the test sends them (an idle event
/// every interval in between, as ``KafkaConsumer`` gives), and what the worker asks of the
/// group (starts, commits, leaving and rejoining) is recorded. Commits can be made to fail.
final class ScriptedConsumer: ArchiveConsumer {
    struct Events: AsyncSequence, Sendable {
        typealias Element = KafkaConsumerEvent
        let stream: AsyncStream<KafkaConsumerEvent>
        func makeAsyncIterator() -> AsyncStream<KafkaConsumerEvent>.AsyncIterator { stream.makeAsyncIterator() }
    }

    /// What the worker did with the group.
    struct Calls: Sendable {
        var subscriptions = 0
        var unsubscriptions = 0
        var starts: [[KafkaTopicPartitionOffset]] = []
        var commits: [KafkaTopicPartitionOffset] = []
        var failedCommits = 0
        var closed = false
    }

    struct CommitRefused: Error {}

    private let stream: AsyncStream<KafkaConsumerEvent>
    private let continuation: AsyncStream<KafkaConsumerEvent>.Continuation
    private let calls = Mutex(Calls())
    private let failingCommits = Mutex(0)
    private let ticker = Mutex<Task<Void, Never>?>(nil)

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: KafkaConsumerEvent.self)
    }

    /// Delivers `event` to the worker.
    private let highWatermark = Mutex<Int64?>(nil)

    func send(_ event: KafkaConsumerEvent) {
        continuation.yield(event)
    }

    /// The next offset the scripted broker reports for every partition (``watermarks(for:timeout:)``);
    /// `nil` (the default): past any offset a test uses.
    func setHighWatermark(_ offset: Int64?) {
        highWatermark.withLock { $0 = offset }
    }

    func watermarks(for partition: KafkaTopicPartition, timeout: Duration) async throws -> (low: Int64, high: Int64) {
        (0, highWatermark.withLock { $0 } ?? .max)
    }

    /// The next `count` commits fail.
    func failCommits(_ count: Int) {
        failingCommits.withLock { $0 = count }
    }

    var recorded: Calls { calls.withLock { $0 } }

    func subscribe(topics: [String]) throws {
        calls.withLock { $0.subscriptions += 1 }
    }

    func unsubscribe() throws {
        calls.withLock { $0.unsubscriptions += 1 }
    }

    func events(idleAfter interval: Duration) -> Events {
        let continuation = self.continuation
        ticker.withLock {
            $0 = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    continuation.yield(.idle)
                }
            }
        }
        return Events(stream: stream)
    }

    func startAssignedPartitions(at offsets: [KafkaTopicPartitionOffset]) throws {
        calls.withLock { $0.starts.append(offsets) }
    }

    func commit(_ offsets: [KafkaTopicPartitionOffset]) async throws {
        let fails = failingCommits.withLock { remaining in
            defer { remaining = max(0, remaining - 1) }
            return remaining > 0
        }
        if fails {
            calls.withLock { $0.failedCommits += 1 }
            throw CommitRefused()
        }
        calls.withLock { $0.commits += offsets }
    }

    /// Ends the events, as closing the real consumer does; the worker then stops.
    func close() async throws {
        calls.withLock { $0.closed = true }
        finish()
    }

    /// Ends the events from the test: the worker closes its segments and stops.
    func finish() {
        ticker.withLock { $0?.cancel() }
        continuation.finish()
    }
}
