import Dispatch
import Synchronization

/// Runs an async object-store call from the archive writer's blocking context (a lane's serial
/// dispatch queue, never the cooperative pool) and waits for it.
enum BlockingCall {
    /// Runs `operation` to completion on a task and returns its result on the calling thread.
    /// Must not be called from a task of the cooperative pool (it would hold a pool thread).
    static func run<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
        let finished = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<T, any Error>?>(nil)
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            finished.signal()
        }
        finished.wait()
        guard let result = outcome.withLock({ $0 }) else {
            throw ArchiveError(.objectStore, "an object-store call ended without a result")
        }
        return try result.get()
    }

    /// Runs an object-store call as ``run(_:)`` does, its failure an ``ArchiveError`` naming
    /// `operation` (an ``ArchiveError`` it throws stays as it is).
    static func objectStore<T: Sendable>(_ operation: String, _ body: @escaping @Sendable () async throws -> T) throws(ArchiveError) -> T {
        do {
            return try run(body)
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError(.objectStore, "\(operation): \(error)")
        }
    }
}
