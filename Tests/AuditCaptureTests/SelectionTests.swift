import AuditCapture
import Testing

@Suite("Route selection")
struct SelectionTests {
    @Test("path patterns match literals, parameters, single and multi-segment wildcards, prefixes",
          arguments: [
            ("/api/orders/{id}", "/api/orders/42", true),
            ("/api/orders/{id}", "/api/orders/42/items", false),
            ("/api/orders/:id/items", "/api/orders/42/items", true),
            ("/api/*/items", "/api/orders/items", true),
            ("/api/**", "/api", true),
            ("/api/**", "/api/a/b/c", true),
            ("/api/**/export", "/api/a/b/export", true),
            ("/api/**/export", "/api/a/b/exports", false),
            ("/v1/report*", "/v1/reports", true),
            ("/v1/report*", "/v1/summary", false),
            ("/health", "/health/", true),
            ("/health", "/healthz", false),
          ])
    func patterns(pattern: String, path: String, expected: Bool) throws {
        #expect(try PathPattern(pattern).matches(Substring(path)) == expected)
    }

    @Test("malformed patterns are refused with the key")
    func badPattern() {
        let error = #expect(throws: CaptureError.self) { try PathPattern("api/orders") }
        #expect(error?.key == "path")
        #expect(throws: CaptureError.self) { try PathPattern("/api/{}") }
    }

    @Test("status filters take classes, codes and ranges")
    func statusFilter() throws {
        let filter = try StatusFilter(["4xx", "503", "200-201"])
        #expect(filter.matches(404))
        #expect(filter.matches(503))
        #expect(filter.matches(201))
        #expect(!filter.matches(500))
        #expect(!filter.matches(302))
        let error = #expect(throws: CaptureError.self) { try StatusFilter(["4xy"]) }
        #expect(error?.description.contains("4xy") == true)
    }

    @Test("the first matching rule decides, so an earlier skip rule excludes")
    func firstMatchWins() throws {
        let selector = RouteSelector(rules: [
            try RouteRule(shortForm: "POST /api/orders/{id}/internal", action: .skip),
            try RouteRule(shortForm: "POST,PUT /api/orders/**"),
            try RouteRule(shortForm: "/public/**"),
        ])
        #expect(selector.select(method: "POST", target: "/api/orders/7")?.rule.path.text == "/api/orders/**")
        #expect(selector.select(method: "PUT", target: "/api/orders/7") != nil)
        #expect(selector.select(method: "GET", target: "/api/orders/7") == nil)
        #expect(selector.select(method: "POST", target: "/api/orders/7/internal") == nil)
        #expect(selector.select(method: "DELETE", target: "/public/x") != nil)
        #expect(selector.select(method: "GET", target: "/other") == nil)
    }

    @Test("sampling captures about the configured fraction")
    func sampling() throws {
        let never = RouteSelector(rules: [try RouteRule(path: PathPattern("/**"), sampleRate: 0)])
        #expect((0..<1000).allSatisfy { _ in never.select(method: "GET", target: "/x") == nil })
        let half = RouteSelector(rules: [try RouteRule(path: PathPattern("/**"), sampleRate: 0.5)])
        let captured = (0..<4000).filter { _ in half.select(method: "GET", target: "/x") != nil }.count
        #expect((1700...2300).contains(captured))
        #expect(throws: CaptureError.self) { try RouteRule(path: PathPattern("/"), sampleRate: 1.5) }
    }

    @Test("short forms are parsed and malformed ones refused")
    func shortForm() throws {
        let rule = try RouteRule(shortForm: "post,Put /api/{x}")
        #expect(rule.methods == ["POST", "PUT"])
        #expect(rule.path.text == "/api/{x}")
        #expect(throws: CaptureError.self) { try RouteRule(shortForm: "POST /a extra") }
    }
}
