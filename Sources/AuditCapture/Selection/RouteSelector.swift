/// Decides which exchanges to capture. Each reading of the request's normalized path (see
/// ``NormalizedPath``) is tried against the rules in order, the first matching rule deciding for
/// that reading; the exchange is captured when any reading's decision is to capture. No match
/// means no capture.
public struct RouteSelector: Sendable {
    /// What the selector decided for a request it captures.
    public struct Selection: Sendable {
        /// The capture rule that selected it.
        public var rule: RouteRule
        /// The request's normalized path.
        public var path: NormalizedPath
    }

    /// The rules, in order.
    public let rules: [RouteRule]
    /// How paths are read before matching.
    public let matching: PathMatching
    /// The rules' patterns as matched: lower-cased when matching ignores case.
    private let patterns: [PathPattern]

    /// Creates a selector.
    public init(rules: [RouteRule], matching: PathMatching = PathMatching()) {
        self.rules = rules
        self.matching = matching
        self.patterns = rules.map { rule in
            guard matching.caseInsensitive, let folded = try? PathPattern(rule.path.text.lowercased()) else { return rule.path }
            return folded
        }
    }

    /// The rule that captures the request with `method` and `target` (path and query, as
    /// received), or `nil` (no rule, skip rules only, or not sampled).
    public func select(method: String, target: Substring) -> Selection? {
        let path = PathNormalizer.normalize(target, matching: matching)
        for reading in path.readings {
            guard let index = rules.indices.first(where: { rules[$0].matches(method: method) && patterns[$0].matches(Substring(reading)) }),
                rules[index].action == .capture
            else { continue }
            let rule = rules[index]
            guard rule.sampleRate >= 1 || Double.random(in: 0..<1) < rule.sampleRate else { return nil }
            return Selection(rule: rule, path: path)
        }
        return nil
    }
}
