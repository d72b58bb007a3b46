import AuditCapture
import AuditEnvelope
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@Suite("Capture middleware in a Hummingbird app (library mode)")
struct MiddlewareTests {
    static func app(
        rules: [String],
        limit: Int = 4 << 20,
        statusFilter: [String]? = nil,
        sink: CollectingSink,
        routes: (Router<BasicRequestContext>) -> Void
    ) throws -> some ApplicationProtocol {
        var configuration = CaptureConfiguration()
        configuration.rules = try rules.map { rule throws(CaptureError) in
            var parsed = try RouteRule(shortForm: rule)
            parsed.statusFilter = try statusFilter.map { filter throws(CaptureError) in try StatusFilter(filter) }
            return parsed
        }
        configuration.bodyCaptureLimit = limit
        let router = Router()
        router.add(middleware: try AuditCaptureMiddleware(configuration: configuration, sink: sink))
        routes(router)
        return Application(router: router)
    }

    static func echo(_ router: Router<BasicRequestContext>) {
        router.post("/api/echo") { request, _ in
            let body = try await request.body.collect(upTo: 16 << 20)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: body))
        }
        router.post("/other/echo") { request, _ in
            Response(status: .ok, body: ResponseBody(byteBuffer: try await request.body.collect(upTo: 16 << 20)))
        }
        router.get("/fail") { _, _ -> Response in throw HTTPError(.badRequest, message: "nope") }
        router.get("/status/{code}") { _, context in
            Response(status: .init(code: try context.parameters.require("code", as: Int.self)))
        }
    }

    static func json(bytes count: Int) -> ByteBuffer {
        var text = #"{"items":["#
        while text.utf8.count < count - 20 { text += #"{"id":12345,"v":"abcdef"},"# }
        text += #"{"id":0}]}"#
        return ByteBuffer(string: text)
    }

    @Test("a selected exchange is recorded with both bodies byte-identical and a request id")
    func capturesExchange() async throws {
        let sink = CollectingSink()
        let body = Self.json(bytes: 1 << 20)
        try await Self.app(rules: ["POST /api/**"], sink: sink, routes: Self.echo).test(.router) { client in
            try await client.execute(uri: "/api/echo?x=1", method: .post, headers: [.contentType: "application/json"], body: body) { response in
                #expect(response.status == .ok)
                #expect(response.body == body)
                let requestID = try #require(response.headers[HTTPField.Name("X-Request-ID")!])
                #expect(UUIDv7.isValid(requestID))
            }
        }
        let exchanges = try await sink.wait(for: 1)
        let exchange = try #require(exchanges.first)
        #expect(exchanges.count == 1)
        #expect(exchange.route == "/api/**")
        #expect(exchange.target == "/api/echo?x=1")
        #expect(exchange.outcome == .completed)
        #expect(exchange.status == 200)
        #expect(exchange.requestBody.joined() == body)
        #expect(exchange.responseBody.joined() == body)
        #expect(exchange.requestBody.isComplete && exchange.responseBody.isComplete)
        #expect(exchange.requestID == exchange.exchangeID)
        #expect(exchange.timings.start <= exchange.timings.firstResponseByte! && exchange.timings.firstResponseByte! <= exchange.timings.end)
    }

    @Test("an incoming X-Request-ID is propagated to the handler and returned")
    func propagatesRequestID() async throws {
        let sink = CollectingSink()
        try await Self.app(rules: ["/**"], sink: sink, routes: { router in
            router.get("/id") { request, _ in request.headers[HTTPField.Name("X-Request-ID")!] ?? "missing" }
        }).test(.router) { client in
            try await client.execute(uri: "/id", method: .get, headers: [HTTPField.Name("X-Request-ID")!: "abc-123"]) { response in
                #expect(String(buffer: response.body) == "abc-123")
                #expect(response.headers[HTTPField.Name("X-Request-ID")!] == "abc-123")
            }
        }
        #expect(try await sink.wait(for: 1).first?.requestID == "abc-123")
    }

    @Test("routes no rule selects are not recorded and not touched")
    func uncapturedRoute() async throws {
        let sink = CollectingSink()
        try await Self.app(rules: ["POST /api/**"], sink: sink, routes: Self.echo).test(.router) { client in
            try await client.execute(uri: "/other/echo", method: .post, body: ByteBuffer(string: "{}")) { response in
                #expect(response.headers[HTTPField.Name("X-Request-ID")!] == nil)
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(sink.exchanges.isEmpty)
    }

    @Test("a status filter keeps only matching exchanges")
    func statusFilter() async throws {
        let sink = CollectingSink()
        try await Self.app(rules: ["GET /status/*"], statusFilter: ["5xx"], sink: sink, routes: Self.echo).test(.router) { client in
            try await client.execute(uri: "/status/200", method: .get)
            try await client.execute(uri: "/status/503", method: .get)
        }
        let exchanges = try await sink.wait(for: 1)
        try await Task.sleep(for: .milliseconds(100))
        #expect(sink.exchanges.map(\.status) == [503])
        #expect(exchanges.first?.target == "/status/503")
    }

    @Test("a handler that throws still yields an exchange with the error's status")
    func handlerError() async throws {
        let sink = CollectingSink()
        try await Self.app(rules: ["/**"], sink: sink, routes: Self.echo).test(.router) { client in
            try await client.execute(uri: "/fail", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
        let exchange = try #require(try await sink.wait(for: 1).first)
        #expect(exchange.outcome == .handlerError)
        #expect(exchange.status == 400)
        #expect(exchange.outcomeDetail?.contains("nope") == true)
    }

    @Test("bodies over the cap are truncated in the copy but fully forwarded, sized and hashed")
    func truncation() async throws {
        let sink = CollectingSink()
        let body = Self.json(bytes: 50_000)
        try await Self.app(rules: ["POST /api/**"], limit: 10_000, sink: sink, routes: Self.echo).test(.router) { client in
            try await client.execute(uri: "/api/echo", method: .post, headers: [.contentType: "application/json"], body: body) { response in
                #expect(response.body == body)
            }
        }
        let exchange = try #require(try await sink.wait(for: 1).first)
        #expect(exchange.requestBody.truncated)
        #expect(exchange.requestBody.size == body.readableBytes)
        #expect(exchange.requestBody.joined() == body.getSlice(at: 0, length: 10_000))
        #expect(exchange.requestBody.chunks.reduce(0) { $0 + $1.readableBytes } == 10_000)
    }

    @Test("a streamed response keeps its Content-Length and arrives whole over a live server")
    func streamedResponseKeepsLength() async throws {
        let sink = CollectingSink()
        let chunks = (0..<3).map { ByteBuffer(string: String(repeating: Character(String($0)), count: 10_000)) }
        try await Self.app(rules: ["GET /stream"], sink: sink, routes: { router in
            router.get("/stream") { _, _ in
                Response(status: .ok, body: ResponseBody(contentLength: 30_000) { writer in
                    for chunk in chunks { try await writer.write(chunk) }
                    try await writer.finish(nil)
                })
            }
        }).test(.live) { client in
            try await client.execute(uri: "/stream", method: .get) { response in
                #expect(response.headers[.contentLength] == "30000")
                #expect(response.body.readableBytes == 30_000)
            }
        }
        let exchange = try #require(try await sink.wait(for: 1).first)
        // Chunks under 16 KiB are coalesced into one buffer.
        #expect(exchange.responseBody.chunks.count == 1)
        #expect(exchange.responseBody.joined() == ByteBuffer(string: chunks.map { String(buffer: $0) }.joined()))
        #expect(exchange.responseBody.size == 30_000)
    }

    @Test("a sink that records before responses end gets the whole exchange before the client has the last chunk")
    func recordsBeforeResponseEnds() async throws {
        let sink = GatedSink()
        let chunks = (0..<3).map { ByteBuffer(string: String(repeating: Character(String($0)), count: 20_000)) }
        var configuration = CaptureConfiguration()
        configuration.rules = [try RouteRule(shortForm: "GET /stream")]
        let router = Router()
        router.add(middleware: try AuditCaptureMiddleware(configuration: configuration, sink: sink))
        router.get("/stream") { _, _ in
            Response(status: .ok, body: ResponseBody(contentLength: 60_000) { writer in
                for chunk in chunks { try await writer.write(chunk) }
                try await writer.finish(nil)
            })
        }
        try await Application(router: router).test(.live) { client in
            let answered = Mutex(false)
            let request = Task {
                try await client.execute(uri: "/stream", method: .get) { response in
                    #expect(response.body.readableBytes == 60_000)
                    answered.withLock { $0 = true }
                }
            }
            for _ in 0..<200 where sink.exchanges.isEmpty {
                try await Task.sleep(for: .milliseconds(10))
            }
            let exchange = try #require(sink.exchanges.first)
            #expect(exchange.responseBody.size == 60_000, "the sink has the whole body")
            #expect(exchange.responseBody.isComplete)
            try await Task.sleep(for: .milliseconds(300))
            #expect(answered.withLock { $0 } == false, "the client must not have the whole response while the sink holds it")
            sink.open()
            try await request.value
            #expect(answered.withLock { $0 })
        }
    }
}
