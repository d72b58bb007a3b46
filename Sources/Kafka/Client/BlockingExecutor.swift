import Dispatch

/// Runs blocking librdkafka calls (flush, commit, poll with a timeout, close) on a dispatch
/// queue so that they never occupy a thread of Swift's cooperative pool.
struct BlockingExecutor: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label, attributes: .concurrent)
    }

    func run<Value: Sendable>(_ body: @escaping @Sendable () throws(KafkaError) -> Value) async throws(KafkaError) -> Value {
        let result: Result<Value, KafkaError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { () throws(KafkaError) in try body() })
            }
        }
        return try result.get()
    }

    func run<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}
