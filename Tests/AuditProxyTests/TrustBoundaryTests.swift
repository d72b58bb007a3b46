@testable import AuditProxy
import HTTPTypes
import NIOHTTP1
import Testing

@Suite("Trust boundary")
struct TrustBoundaryTests {
    @Test("CIDR blocks parse and match IPv4, IPv6 and IPv4-mapped addresses",
          arguments: [
            ("10.0.0.0/8", "10.200.3.4", true),
            ("10.0.0.0/8", "11.0.0.1", false),
            ("192.168.1.7", "192.168.1.7", true),
            ("192.168.1.7", "192.168.1.8", false),
            ("172.16.0.0/12", "172.31.255.255", true),
            ("172.16.0.0/12", "172.32.0.0", false),
            ("fd00::/8", "fd12:3456::1", true),
            ("fd00::/8", "fe80::1", false),
            ("127.0.0.1/32", "::ffff:127.0.0.1", true),
            ("0.0.0.0/0", "8.8.8.8", true),
            ("::/0", "8.8.8.8", false),
          ])
    func blocks(block: String, address: String, expected: Bool) throws {
        let proxies = TrustedProxies([try #require(TrustedProxies.Block(block))])
        #expect(proxies.trusts(address) == expected)
    }

    @Test("malformed blocks are refused", arguments: ["10.0.0.0/33", "10.0.0/8", "fd00::/129", "", "host.example", "10.0.0.0/-1", "10.0.0.0/8/8"])
    func malformed(text: String) {
        #expect(TrustedProxies.Block(text) == nil)
    }

    static func request(_ extra: [(String, String)]) -> HTTPRequest {
        var fields = HTTPFields()
        for (name, value) in extra { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return HTTPRequest(method: .post, scheme: nil, authority: "app.example", path: "/orders/1", headerFields: fields)
    }

    static let spoofed: [(String, String)] = [
        ("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil.example"),
        ("Forwarded", "for=1.2.3.4;proto=https"), ("X-Real-IP", "1.2.3.4"), ("X-Other", "kept"),
    ]

    @Test("from an untrusted peer, forwarding headers are replaced by what the proxy saw")
    func untrusted() {
        let headers = ForwardedHeaders(trustedProxies: TrustedProxies()).headers(for: Self.request(Self.spoofed), clientAddress: "203.0.113.9")
        #expect(headers["X-Forwarded-For"] == ["203.0.113.9"])
        #expect(headers["X-Forwarded-Proto"] == ["http"])
        #expect(headers["X-Forwarded-Host"] == ["app.example"])
        #expect(headers["Forwarded"] == ["for=203.0.113.9;host=app.example;proto=http"])
        #expect(headers["X-Real-IP"].isEmpty)
        #expect(headers["X-Other"] == ["kept"])
    }

    @Test("from a trusted peer, they are kept and the peer appended")
    func trusted() throws {
        let proxies = TrustedProxies([try #require(TrustedProxies.Block("10.0.0.0/8"))])
        let headers = ForwardedHeaders(trustedProxies: proxies).headers(for: Self.request(Self.spoofed), clientAddress: "10.1.2.3")
        #expect(headers["X-Forwarded-For"] == ["1.2.3.4, 10.1.2.3"])
        #expect(headers["X-Forwarded-Proto"] == ["https"])
        #expect(headers["X-Forwarded-Host"] == ["evil.example"])
        #expect(headers["Forwarded"] == ["for=1.2.3.4;proto=https, for=10.1.2.3;host=app.example;proto=http"])
    }

    @Test("an IPv6 peer is bracketed and quoted in Forwarded")
    func ipv6() {
        let headers = ForwardedHeaders(trustedProxies: TrustedProxies()).headers(for: Self.request([]), clientAddress: "2001:db8::1")
        #expect(headers["Forwarded"] == [#"for="[2001:db8::1]";host=app.example;proto=http"#])
    }
}

@Suite("HTTP/1.0 framing")
struct HTTP10FramingTests {
    typealias Framing = HTTP1ConnectionPolicy.RequestFraming

    @Test("responses to HTTP/1.0 requests are HTTP/1.0, never chunked, closed unless length-delimited and kept alive",
          arguments: [
            (false, false, ["content-length": "5"], true),
            (true, false, ["content-length": "5"], false),
            (true, false, ["transfer-encoding": "chunked"], true),
            (true, false, [:], true),
            (true, true, [:], false),
          ])
    func framing(keepAlive: Bool, isHead: Bool, headers: [String: String], closes: Bool) {
        var head = HTTPResponseHead(version: .http1_1, status: .ok, headers: HTTPHeaders(headers.map { ($0.key, $0.value) }))
        let close = HTTP1ConnectionPolicy.frameForHTTP10(&head, request: Framing(version: .http1_0, keepAlive: keepAlive, isHead: isHead))
        #expect(close == closes)
        #expect(head.version == .http1_0)
        #expect(head.headers["transfer-encoding"].isEmpty)
        #expect(head.headers["connection"] == [closes ? "close" : "keep-alive"])
    }
}
