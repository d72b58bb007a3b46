import AuditPublisher
import Hummingbird
import Prometheus

/// The admin listener's routes, on their own port so that probes and scrapes never compete with
/// proxied traffic:
/// - `GET /healthz`: 200 while the process serves; 503 once the Kafka producer has failed fatally,
///   which only a restart fixes (liveness; the spool is replayed after the restart).
/// - `GET /readyz`: 200 when a Kafka broker answered the last check or the spool has room to
///   keep envelopes until it does, otherwise 503 (readiness).
/// - `GET /metrics`: Prometheus text format.
enum AdminRouter {
    static func make(publisher: AuditPublisher, registry: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ -> Response in
            guard let failure = publisher.fatalFailure else {
                return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
            }
            return Response(
                status: .serviceUnavailable,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "unhealthy: Kafka producer failed fatally, restart required: \(failure)\n"))
            )
        }
        router.get("/readyz") { _, _ -> Response in
            let ready = publisher.isReady
            let kafka = publisher.isKafkaReachable ? "kafka reachable" : "kafka unreachable"
            let spool = publisher.isReady && !publisher.isKafkaReachable ? ", spooling to disk" : ""
            return Response(
                status: ready ? .ok : .serviceUnavailable,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "\(ready ? "ready" : "not ready"): \(kafka)\(spool)\n"))
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
