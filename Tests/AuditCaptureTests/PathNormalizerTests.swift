@testable import AuditCapture
import Testing

@Suite("Path normalization")
struct PathNormalizerTests {
    /// RFC 3986 §5.4.1 and §5.4.2: the reference merged with the base path `/b/c/d;p`, then
    /// dot segments removed (§5.2.4).
    @Test("dot-segment removal matches RFC 3986 §5.4", arguments: [
        ("g", "/b/c/g"), ("./g", "/b/c/g"), ("g/", "/b/c/g/"), ("/g", "/g"), (".", "/b/c/"), ("./", "/b/c/"),
        ("..", "/b/"), ("../", "/b/"), ("../g", "/b/g"), ("../..", "/"), ("../../", "/"), ("../../g", "/g"),
        ("../../../g", "/g"), ("../../../../g", "/g"), ("/./g", "/g"), ("/../g", "/g"), ("g.", "/b/c/g."),
        (".g", "/b/c/.g"), ("g..", "/b/c/g.."), ("..g", "/b/c/..g"), ("./../g", "/b/g"), ("./g/.", "/b/c/g/"),
        ("g/./h", "/b/c/g/h"), ("g/../h", "/b/c/h"), ("g;x=1/./y", "/b/c/g;x=1/y"), ("g;x=1/../y", "/b/c/y"),
    ])
    func rfc3986Examples(reference: String, expected: String) {
        let merged = reference.hasPrefix("/") ? reference : "/b/c/" + reference
        #expect(PathNormalizer.removeDotSegments(merged) == expected)
        #expect(PathNormalizer.normalize(Substring(merged)).path == expected)
    }

    @Test("§5.2.4's own examples", arguments: [("/a/b/c/./../../g", "/a/g"), ("mid/content=5/../6", "/mid/6")])
    func sectionExamples(input: String, expected: String) {
        #expect(PathNormalizer.removeDotSegments(input) == expected)
    }

    @Test("escapes of unreserved characters are decoded, others kept upper-cased, empty segments collapsed",
          arguments: [
            ("/%6Frders/1", "/orders/1"), ("/%7Euser/%2d%2E%5F", "/~user/-._"), ("/a%2fb", "/a%2Fb"), ("/a%2Fb", "/a%2Fb"),
            ("//orders///1", "/orders/1"), ("/orders/1?x=%6F", "/orders/1"), ("/a/%2E%2E/orders", "/orders"),
            ("/", "/"), ("", "/"), ("/caf%C3%A9", "/caf%C3%A9"),
          ])
    func decoding(target: String, expected: String) {
        let normalized = PathNormalizer.normalize(Substring(target))
        #expect(normalized.path == expected)
        #expect(!normalized.hasBadEscapes)
    }

    @Test("a reading with every escape decoded is also offered, as frameworks route it")
    func fullyDecodedReading() {
        let normalized = PathNormalizer.normalize("/orders%2F1")
        #expect(normalized.path == "/orders%2F1")
        #expect(normalized.readings.contains("/orders/1"))
    }

    @Test("malformed escapes are flagged and kept literally", arguments: ["/orders/%zz", "/orders/%4", "/%", "/a%C3%28b"])
    func badEscapes(target: String) {
        let normalized = PathNormalizer.normalize(Substring(target))
        #expect(normalized.hasBadEscapes)
        #expect(normalized.readings.contains(normalized.path))
    }

    @Test("case folding and ;parameter stripping when configured")
    func options() {
        var matching = PathMatching()
        matching.caseInsensitive = true
        matching.stripSegmentParameters = true
        let normalized = PathNormalizer.normalize("/Orders;jsessionid=1/7;v=2", matching: matching)
        #expect(normalized.readings.first == "/orders/7")
    }

    static let rules: [RouteRule] = {
        // Skip rules first: the first matching rule decides.
        let specs: [(String, RouteRule.Action)] = [
            ("/internal/**", .skip), ("POST /orders/{id}", .capture), ("PUT /carts/*/items", .capture),
            ("/api/**", .capture), ("GET /v1/report*", .capture), ("/health", .capture),
        ]
        return specs.map { try! RouteRule(shortForm: $0.0, action: $0.1) }
    }()

    @Test("encoded variants of every rule kind are captured as the app routes them", arguments: [
        // literal and {id}
        ("POST", "/orders/1", true), ("POST", "/%6Frders/1", true), ("POST", "/%6f%72%64%65%72%73/1", true),
        ("POST", "//orders//1", true), ("POST", "/x/../orders/1", true), ("POST", "/orders/%2E/1", true),
        ("POST", "/orders%2F1", true), ("POST", "/orders/%zz", true),
        // *
        ("PUT", "/carts/7/%69tems", true), ("PUT", "/carts/%37/items", true),
        // **
        ("GET", "/%61pi/a/b", true), ("GET", "/api/%2e%2e/api/x", true),
        // prefix
        ("GET", "/v1/%72eports", true), ("GET", "/v1/%2E/report-2026", true),
        // literal
        ("GET", "/%68ealth", true), ("GET", "/health/.", true),
        // skip: encoded paths into a skipped route stay skipped
        ("GET", "/internal/x", false), ("GET", "/%69nternal/x", false), ("GET", "//internal/./x", false),
        ("GET", "/x/../internal/y", false),
        // nothing matches
        ("GET", "/orders/1", false), ("GET", "/other", false),
    ])
    func encodedVariants(method: String, target: String, captured: Bool) {
        let selector = RouteSelector(rules: Self.rules)
        #expect((selector.select(method: method, target: Substring(target)) != nil) == captured)
    }

    @Test("a skip rule cannot hide a path that another reading captures (fail closed)")
    func failClosed() throws {
        let selector = RouteSelector(rules: [
            try RouteRule(shortForm: "/internal/**", action: .skip), try RouteRule(shortForm: "/**"),
        ])
        // Literally under /internal, but /orders once its dot segments are removed.
        #expect(selector.select(method: "GET", target: "/internal/../orders") != nil)
    }
}
