import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A small upstream app on 127.0.0.1 (an ephemeral port) for proxy tests:
/// - `POST /api/echo`, `POST /internal/echo`: the request body back, with its content type and
///   encoding, and `X-Upstream-Saw-*` headers telling what reached the upstream;
/// - `POST /api/redirect`: `{}` with a `Location` whose query holds ``locationSecret``;
/// - `GET /slow`: three chunks 400 ms apart;
/// - `GET /hang`: answers after 3 s.
final class UpstreamApp: Sendable {
    /// The secret in the query of `/api/redirect`'s `Location`.
    static let locationSecret = "Sx-location-10"

    let port: Int
    private let task: Task<Void, any Error>

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    static func start() async throws -> UpstreamApp {
        let router = Router()
        let echo: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let body = try await request.body.collect(upTo: 64 << 20)
            var headers: HTTPFields = [:]
            headers[.contentType] = request.headers[.contentType] ?? "application/octet-stream"
            if let encoding = request.headers[.contentEncoding] { headers[.contentEncoding] = encoding }
            headers[HTTPField.Name("X-Upstream-Saw-Authorization")!] = request.headers[.authorization] ?? "-"
            headers[HTTPField.Name("X-Upstream-Saw-Request-ID")!] = request.headers[HTTPField.Name("X-Request-ID")!] ?? "-"
            headers[HTTPField.Name("X-Upstream-Saw-Forwarded-For")!] = request.headers[HTTPField.Name("X-Forwarded-For")!] ?? "-"
            headers[HTTPField.Name("X-Upstream-Saw-Body-Bytes")!] = String(body.readableBytes)
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: body))
        }
        router.post("/api/echo", use: echo)
        router.post("/api/redirect") { _, _ in
            Response(status: .ok, headers: [.location: "/next?token=\(Self.locationSecret)", .contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
        }
        router.post("/internal/echo", use: echo)
        router.get("/slow") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody { writer in
                for index in 0..<3 {
                    if index > 0 { try await Task.sleep(for: .milliseconds(400)) }
                    try await writer.write(ByteBuffer(string: "chunk-\(index)\n"))
                }
                try await writer.finish(nil)
            })
        }
        router.get("/hang") { _, _ in
            try await Task.sleep(for: .seconds(3))
            return "late"
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "upstream")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger
        )
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw ProcessRunner.Failure(command: "upstream", status: -1, output: "no port") }
        return UpstreamApp(port: port, task: task)
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() {
        task.cancel()
    }
}
