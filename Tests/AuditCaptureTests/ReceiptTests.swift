import AuditCapture
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Receipts: the sink numbers an exchange as its response starts")
struct ReceiptTests {
    static let receipt = HTTPField.Name("X-Audit-Receipt")!

    @Test("a recorded response carries its number; unrecorded ones carry none, even one the handler forged")
    func receipts() async throws {
        let sink = NumberingSink()
        var configuration = CaptureConfiguration()
        configuration.rules = [try RouteRule(shortForm: "POST /api/**"), try RouteRule(shortForm: "GET /status/**")]
        configuration.rules[1].statusFilter = try StatusFilter(["5xx"])
        configuration.receiptHeader = "X-Audit-Receipt"
        let router = Router()
        router.add(middleware: try AuditCaptureMiddleware(configuration: configuration, sink: sink))
        router.post("/api/echo") { request, _ in
            Response(status: .ok, headers: [Self.receipt: "forged/1"], body: ResponseBody(byteBuffer: try await request.body.collect(upTo: 1 << 20)))
        }
        router.post("/api/fail") { _, _ -> Response in throw HTTPError(.badRequest) }
        router.get("/status/{code}") { _, context in
            Response(status: .init(code: try context.parameters.require("code", as: Int.self)), headers: [Self.receipt: "forged/2"])
        }
        router.get("/other") { _, _ in Response(status: .ok, headers: [Self.receipt: "forged/3"]) }

        let answered = try await Application(router: router).test(.router) { client in
            var answered: [String?] = []
            for index in 0..<3 {
                answered.append(try await client.execute(uri: "/api/echo", method: .post, body: .init(string: "{\"n\":\(index)}")) { response in
                    response.headers[Self.receipt]
                })
            }
            try await client.execute(uri: "/status/200", method: .get) { response in
                #expect(response.headers[Self.receipt] == nil, "filtered out by status: not recorded, no receipt")
            }
            answered.append(try await client.execute(uri: "/status/503", method: .get) { response in
                response.headers[Self.receipt]
            })
            try await client.execute(uri: "/other", method: .get) { response in
                #expect(response.headers[Self.receipt] == nil, "not captured: no receipt")
            }
            try await client.execute(uri: "/api/fail", method: .post) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[Self.receipt] == nil, "no response head from the handler: numbered when submitted")
            }
            return answered
        }
        #expect(answered == (1...4).map { "test-producer/\($0)" })
        #expect(answered.compactMap { $0.flatMap(ExchangeReceipt.init(headerValue:))?.sequence } == [1, 2, 3, 4])
        for _ in 0..<200 where sink.exchanges.count < 5 { try await Task.sleep(for: .milliseconds(10)) }
        let recorded = sink.exchanges
        #expect(recorded.count == 5)
        #expect(recorded.compactMap(\.sequence).sorted() == [1, 2, 3, 4], "each recorded response's number reaches the sink")
        #expect(recorded.filter { $0.sequence == nil }.map(\.outcome) == [.handlerError])
        #expect(recorded.first { $0.sequence == 1 }?.responseHeaders[Self.receipt] == "test-producer/1", "the envelope shows the header as sent")
        #expect(sink.lastNumber == 4, "nothing else was numbered")
    }

    @Test("receipt header values round-trip; other values are refused", arguments: [
        ("0191d4f2-7a3c-7def-8123-456789abcdef/42", true), ("p/1", true), ("a/b/7", true),
        ("42", false), ("/42", false), ("p/", false), ("p/x", false), ("p/1.5", false), ("", false),
    ])
    func parsing(value: String, valid: Bool) {
        let receipt = ExchangeReceipt(headerValue: value)
        #expect((receipt != nil) == valid)
        if let receipt { #expect(receipt.headerValue == value) }
    }
}
