import AuditCapture
import Hummingbird

/// The proxy listener's router: every method and path goes to the upstream, through the capture
/// middleware when there is one.
enum ProxyRouter {
    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .head, .options]

    static func make(proxy: ProxyResponder, capture: AuditCaptureMiddleware<ProxyRequestContext>?, metrics: ProxyMetrics) -> Router<ProxyRequestContext> {
        let router = Router(context: ProxyRequestContext.self)
        if let capture { router.add(middleware: capture) }
        let handler: @Sendable (Request, ProxyRequestContext) async throws -> Response = { request, context in
            do {
                return try await proxy.forward(request, clientAddress: context.remoteAddress?.ipAddress)
            } catch let error as OversizeHeadError {
                metrics.closed(.headerTooLarge)
                throw error
            }
        }
        for method in methods {
            router.on("/", method: method, use: handler)
            router.on("**", method: method, use: handler)
        }
        return router
    }
}
