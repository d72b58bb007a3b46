import Foundation

/// Waits on something a test can observe (a metric, a log line, a file, a topic) under a deadline,
/// instead of sleeping and hoping.
enum Waiting {
    struct TimedOut: Error, CustomStringConvertible {
        let what: String
        let timeout: Duration
        let detail: String
        var description: String { "waited \(timeout) for \(what), in vain\(detail.isEmpty ? "" : ":\n\(detail)")" }
    }

    /// Checks `condition` every `interval` until it holds.
    /// - Parameters:
    ///   - what: What is awaited, for the failure.
    ///   - detail: Called once on expiry, for the failure (a log tail, the last value seen).
    /// - Throws: ``TimedOut`` when `timeout` passes first; what `condition` throws.
    static func until(
        _ what: String,
        timeout: Duration,
        interval: Duration = .milliseconds(100),
        detail: () async -> String = { "" },
        _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try await condition() { return }
            guard ContinuousClock.now < deadline else { throw TimedOut(what: what, timeout: timeout, detail: await detail()) }
            try await Task.sleep(for: interval)
        }
    }
}
