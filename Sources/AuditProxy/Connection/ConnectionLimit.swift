import HummingbirdCore
import Logging

/// Stops accepting client connections while ``ConnectionLimits/maxConnections`` are open (new
/// ones wait in the listen backlog), counting each time the limit is reached. Hummingbird calls
/// it on the listener's event loop only.
struct ConnectionLimit: AvailableConnectionsDelegate {
    let maximum: Int
    let metrics: ProxyMetrics
    let logger: Logger
    private var open = 0

    init(maximum: Int, metrics: ProxyMetrics, logger: Logger) {
        self.maximum = maximum
        self.metrics = metrics
        self.logger = logger
    }

    mutating func connectionOpened() {
        open += 1
        if open == maximum {
            metrics.limitReached.increment()
            logger.warning("connection limit reached: not accepting until a connection closes", metadata: ["max-connections": "\(maximum)"])
        }
    }

    mutating func connectionClosed() {
        open -= 1
    }

    func isAcceptingNewConnections() -> Bool {
        open < maximum
    }
}
