import Foundation
import NIOCore

/// Settings of the forwarding proxy.
public struct ProxyConfiguration: Sendable {
    /// The app requests are forwarded to (`http://` or `https://`, with a host).
    /// Default: `http://127.0.0.1:8000`.
    public var upstream: URL = URL(string: "http://127.0.0.1:8000")!

    /// How long to wait for the upstream's response head.
    /// Default: 30 seconds.
    public var upstreamTimeout: Duration = .seconds(30)

    /// How long to wait for a connection to the upstream.
    /// Default: 5 seconds.
    public var upstreamConnectTimeout: Duration = .seconds(5)

    /// Limits on client connections (head size, timeouts, how many).
    /// Default: see ``ConnectionLimits``.
    public var limits = ConnectionLimits()

    /// Peers whose `X-Forwarded-*` and `Forwarded` headers are kept and appended to; from any
    /// other peer those headers are replaced by what the proxy saw.
    /// Default: none (every client's forwarding headers are replaced).
    public var trustedProxies = TrustedProxies()

    /// How long a graceful shutdown waits for exchanges in flight (a slow download, say) before
    /// it closes their connections; their envelopes are still published or spooled.
    /// Default: 15 seconds, so that with the publisher's 10 s drain the process exits within
    /// Kubernetes' default 30 s grace period.
    public var shutdownTimeout: Duration = .seconds(15)

    /// Creates a configuration with the defaults above.
    public init() {}
}
