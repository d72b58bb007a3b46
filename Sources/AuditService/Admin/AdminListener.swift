import Hummingbird
import Logging
import Metrics
import Prometheus

/// The admin listener both services run: Prometheus metrics for the process and the
/// ``AdminRouter`` routes on their own address.
public enum AdminListener {
    /// Points swift-metrics at a new Prometheus registry and returns it. Call once per process.
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// The admin application, logging `admin listening` with its address once it serves.
    /// - Parameters:
    ///   - host: The address to listen on.
    ///   - port: The port (0 picks a free one).
    ///   - health: Answers `/healthz`.
    ///   - readiness: Answers `/readyz`.
    ///   - registry: The registry `/metrics` emits.
    ///   - logger: The service's logger.
    public static func application(
        host: String,
        port: Int,
        health: @escaping @Sendable () -> AdminStatus,
        readiness: @escaping @Sendable () -> AdminStatus,
        registry: PrometheusCollectorRegistry,
        logger: Logger
    ) -> Application<RouterResponder<BasicRequestContext>> {
        Application(
            router: AdminRouter.make(health: health, readiness: readiness, registry: registry),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                logger.info("admin listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")"])
            },
            logger: logger
        )
    }
}
