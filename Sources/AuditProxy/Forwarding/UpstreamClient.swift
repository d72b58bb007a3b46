import AsyncHTTPClient
import NIOCore

/// The HTTP client through which the proxy reaches the upstream app, built from
/// ``ProxyConfiguration``: a proxy passes the app's answers on as they are, so it follows no
/// redirect (a 302 and its `Location` reach the client unchanged) and decompresses nothing; and
/// it opens as many upstream connections as it has client connections, so that no request
/// waits for a pooled connection (AsyncHTTPClient's default of 8 per host made the ninth
/// concurrent slow upload wait, and fail once it had waited the connect timeout).
enum UpstreamClient {
    /// The client's settings: connect timeout ``ProxyConfiguration/upstreamConnectTimeout``,
    /// read timeout ``ProxyConfiguration/upstreamTimeout``, up to
    /// ``ConnectionLimits/maxConnections`` connections, no redirects, no decompression.
    static func configuration(for proxy: ProxyConfiguration) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: TimeAmount(proxy.upstreamConnectTimeout), read: TimeAmount(proxy.upstreamTimeout))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, proxy.limits.maxConnections)
        configuration.decompression = .disabled
        configuration.redirectConfiguration = .disallow
        return configuration
    }

    /// A new client with ``configuration(for:)``; its owner shuts it down.
    static func make(for proxy: ProxyConfiguration) -> HTTPClient {
        HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration(for: proxy))
    }
}
