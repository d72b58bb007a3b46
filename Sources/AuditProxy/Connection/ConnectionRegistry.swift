import NIOCore
import Synchronization

/// The open client connections, so that a graceful shutdown can close those still busy once its
/// deadline has passed (a client downloading slowly would otherwise hold the process).
final class ConnectionRegistry: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let metrics: ProxyMetrics

    init(metrics: ProxyMetrics) {
        self.metrics = metrics
    }

    /// Tracks `channel` until it closes.
    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let count = channels.withLock { channels in
            channels[id] = channel
            return channels.count
        }
        metrics.openConnections.record(count)
        channel.closeFuture.whenComplete { [self] _ in
            let count = channels.withLock { channels in
                channels[id] = nil
                return channels.count
            }
            metrics.openConnections.record(count)
        }
    }

    /// How many connections are open.
    var count: Int { channels.withLock { $0.count } }

    /// Closes every open connection.
    func closeAll() {
        let open = channels.withLock { Array($0.values) }
        for channel in open { channel.close(promise: nil) }
    }
}
