import Logging
import Synchronization

/// Logs drops at most once per interval and reason, with the count since the last line, so an
/// outage produces a readable log instead of one line per exchange.
final class RateLimitedDropLog: Sendable {
    private struct Entry {
        var lastLogged: ContinuousClock.Instant?
        var suppressed = 0
    }

    private let interval: Duration
    private let logger: Logger
    private let entries = Mutex<[DropReason: Entry]>([:])

    init(logger: Logger, interval: Duration = .seconds(10)) {
        self.logger = logger
        self.interval = interval
    }

    func record(_ reason: DropReason, exchangeID: String, detail: String) {
        let now = ContinuousClock.now
        let suppressed = entries.withLock { entries -> Int? in
            var entry = entries[reason, default: Entry()]
            defer { entries[reason] = entry }
            if let last = entry.lastLogged, now - last < interval {
                entry.suppressed += 1
                return nil
            }
            defer { entry = Entry(lastLogged: now, suppressed: 0) }
            return entry.suppressed
        }
        guard let suppressed else { return }
        logger.error(
            "audit exchange dropped",
            metadata: [
                "reason": "\(reason.rawValue)",
                "exchange.id": "\(exchangeID)",
                "detail": "\(detail)",
                "dropped.since.last.log": "\(suppressed)",
            ]
        )
    }
}
