import AsyncHTTPClient
import AuditCapture
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// The forwarding proxy as a service: a Hummingbird HTTP/1 listener that forwards every request
/// to the upstream app through the capture middleware, with the connection limits of
/// ``ConnectionLimits``, the trust boundary of ``TrustedProxies`` and a bounded graceful shutdown.
/// It reaches the upstream through an HTTP client of its own, built from the configuration
/// (connect and read timeouts; no redirects followed, nothing decompressed).
///
/// ```swift
/// let proxy = ProxyServer(configuration: configuration, capture: capture, logger: logger)
/// let group = ServiceGroup(services: [publisher, proxy.service(address: .hostname("0.0.0.0", port: 8080))], ...)
/// ```
public struct ProxyServer: Sendable {
    private let configuration: ProxyConfiguration
    private let client: HTTPClient
    private let responder: RouterResponder<ProxyRequestContext>
    private let registry: ConnectionRegistry
    private let metrics: ProxyMetrics
    private let logger: Logger

    /// Creates the proxy.
    /// - Parameters:
    ///   - configuration: Upstream, timeouts, limits and trusted proxies.
    ///   - capture: The capture middleware, or `nil` to forward only.
    ///   - logger: Where the proxy logs.
    public init(configuration: ProxyConfiguration, capture: AuditCaptureMiddleware<ProxyRequestContext>?, logger: Logger) {
        let metrics = ProxyMetrics()
        let client = UpstreamClient.make(for: configuration)
        let responder = ProxyResponder(
            client: client,
            upstream: configuration.upstream,
            timeout: configuration.upstreamTimeout,
            forwarded: ForwardedHeaders(trustedProxies: configuration.trustedProxies)
        )
        self.configuration = configuration
        self.client = client
        self.responder = ProxyRouter.make(proxy: responder, capture: capture, metrics: metrics).buildResponder()
        self.registry = ConnectionRegistry(metrics: metrics)
        self.metrics = metrics
        self.logger = logger
    }

    /// The Hummingbird application listening on `address` (a service on its own; tests run it
    /// with HummingbirdTesting's `.live`). Call ``shutdown()`` once it has stopped.
    public func application(
        address: BindAddress,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let limits = configuration.limits
        let registry = registry
        let metrics = metrics
        return Application(
            responder: responder,
            server: HTTPServerBuilder { responder in
                ProxyHTTP1Channel(responder: responder, limits: limits, registry: registry, metrics: metrics)
            },
            configuration: .init(
                address: address,
                serverName: nil,
                availableConnectionsDelegate: ConnectionLimit(maximum: limits.maxConnections, metrics: metrics, logger: logger)
            ),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    /// The proxy as a service whose graceful shutdown waits at most
    /// ``ProxyConfiguration/shutdownTimeout`` for exchanges in flight, then closes their
    /// connections (their envelopes record the disconnect and are still handed to the sink).
    /// Once the listener has stopped, the upstream client is shut down.
    public func service(address: BindAddress, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some Service {
        BoundedShutdownService(
            base: application(address: address, onServerRunning: onServerRunning),
            deadline: configuration.shutdownTimeout,
            registry: registry,
            client: client,
            logger: logger
        )
    }

    /// Shuts the upstream client down, after ``application(address:onServerRunning:)`` stopped
    /// (``service(address:onServerRunning:)`` does it itself).
    /// - Throws: What AsyncHTTPClient's shutdown throws.
    public func shutdown() async throws {
        try await client.shutdown()
    }
}

/// Runs a listener and, once a graceful shutdown begins, closes the connections still open after
/// `deadline`.
struct BoundedShutdownService<Base: Service>: Service {
    let base: Base
    let deadline: Duration
    let registry: ConnectionRegistry
    let client: HTTPClient
    let logger: Logger

    func run() async throws {
        do {
            try await runListener()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private func runListener() async throws {
        let (shutdown, begun) = AsyncStream.makeStream(of: Void.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [registry, logger, deadline] in
                var signals = shutdown.makeAsyncIterator()
                guard await signals.next() != nil else { return }
                // Cancelled when the listener finishes first.
                guard (try? await Task.sleep(for: deadline)) != nil, registry.count > 0 else { return }
                logger.warning("shutdown deadline passed: closing client connections still open", metadata: [
                    "connections": "\(registry.count)", "deadline": "\(deadline)",
                ])
                registry.closeAll()
            }
            try await withGracefulShutdownHandler {
                try await base.run()
            } onGracefulShutdown: {
                begun.yield()
            }
            group.cancelAll()
        }
    }
}
