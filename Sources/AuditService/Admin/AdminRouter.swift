import Hummingbird
import Prometheus

/// The admin listener's routes, on their own port so that probes and scrapes never compete with
/// the service's work:
/// - `GET /healthz`: liveness; 503 when only a restart can help.
/// - `GET /readyz`: readiness.
/// - `GET /metrics`: Prometheus text format.
public enum AdminRouter {
    /// Builds the router.
    /// - Parameters:
    ///   - health: Answers `/healthz`.
    ///   - readiness: Answers `/readyz`.
    ///   - registry: The registry `/metrics` emits.
    public static func make(
        health: @escaping @Sendable () -> AdminStatus,
        readiness: @escaping @Sendable () -> AdminStatus,
        registry: PrometheusCollectorRegistry
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in response(health()) }
        router.get("/readyz") { _, _ in response(readiness()) }
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
        return router
    }

    private static func response(_ status: AdminStatus) -> Response {
        Response(
            status: status.passes ? .ok : .serviceUnavailable,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: "\(status.message)\n"))
        )
    }
}
