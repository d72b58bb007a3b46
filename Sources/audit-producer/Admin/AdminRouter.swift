import AuditPublisher
import Hummingbird
import Prometheus

/// The admin listener's routes, on their own port so that probes and scrapes never compete with
/// proxied traffic:
/// - `GET /healthz`: 200 while the process serves (liveness).
/// - `GET /readyz`: 200 when a Kafka broker answered the last check, otherwise 503 (readiness).
/// - `GET /metrics`: Prometheus text format.
enum AdminRouter {
    static func make(publisher: AuditPublisher, registry: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            let ready = publisher.isKafkaReachable
            return Response(
                status: ready ? .ok : .serviceUnavailable,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: ready ? "ready: kafka reachable\n" : "not ready: kafka unreachable\n"))
            )
        }
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
        return router
    }
}
