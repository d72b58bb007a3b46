import ArgumentParser
import Hummingbird
import Logging

/// `example-upstream`: a small JSON API to put audit-producer in front of, for demos and
/// benchmarks.
@main
struct ExampleUpstream: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example-upstream",
        abstract: "A small JSON API for demos and benchmarks of audit-producer.",
        discussion: """
            Routes:
              POST /api/*/echo        the request body back, with its Content-Type
              GET  /api/items?bytes=N a JSON document of about N bytes (default 1024)
              GET  /healthz           ok
            """
    )

    @Option(help: "Address to listen on, host:port.")
    var listen: String = "127.0.0.1:8000"

    func run() async throws {
        let parts = listen.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else {
            throw ValidationError("--listen must be host:port (got '\(listen)')")
        }
        let router = Router()
        router.post("/api/*/echo") { request, _ in
            let body = try await request.body.collect(upTo: 256 << 20)
            return Response(
                status: .ok,
                headers: [.contentType: request.headers[.contentType] ?? "application/octet-stream"],
                body: ResponseBody(byteBuffer: body)
            )
        }
        router.get("/api/items") { request, _ in
            let bytes = request.uri.queryParameters.get("bytes", as: Int.self) ?? 1024
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: JSONDocument.make(bytes: min(max(bytes, 16), 64 << 20)))
            )
        }
        router.get("/healthz") { _, _ in "ok\n" }
        var logger = Logger(label: "example-upstream")
        logger.logLevel = .notice
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(String(parts[0]), port: port), serverName: nil),
            logger: logger
        )
        try await app.runService()
    }
}
