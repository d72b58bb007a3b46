import AuditCapture
import Hummingbird

/// The proxy listener: every method and path goes to the upstream, through the capture middleware.
enum ProxyRouter {
    static let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .head, .options]

    static func make(proxy: ProxyResponder, capture: AuditCaptureMiddleware<ProxyRequestContext>) -> Router<ProxyRequestContext> {
        let router = Router(context: ProxyRequestContext.self)
        router.add(middleware: capture)
        let handler: @Sendable (Request, ProxyRequestContext) async throws -> Response = { request, context in
            try await proxy.forward(request, clientAddress: context.remoteAddress?.ipAddress)
        }
        for method in methods {
            router.on("/", method: method, use: handler)
            router.on("**", method: method, use: handler)
        }
        return router
    }
}
