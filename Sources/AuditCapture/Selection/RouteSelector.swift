/// Decides which exchanges to capture: the first rule that matches a request decides; no match
/// means no capture.
public struct RouteSelector: Sendable {
    /// The rules, in order.
    public let rules: [RouteRule]

    /// Creates a selector.
    public init(rules: [RouteRule]) {
        self.rules = rules
    }

    /// The rule that captures this request, or `nil` (no rule, a skip rule, or not sampled).
    public func select(method: String, path: Substring) -> RouteRule? {
        guard let rule = rules.first(where: { $0.matches(method: method, path: path) }), rule.action == .capture else {
            return nil
        }
        guard rule.sampleRate >= 1 || Double.random(in: 0..<1) < rule.sampleRate else { return nil }
        return rule
    }
}
