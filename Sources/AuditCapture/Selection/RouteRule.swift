/// One rule of the capture selection: which requests it matches and what happens to them.
public struct RouteRule: Sendable, Hashable {
    /// What a matching rule does.
    public struct Action: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case capture, skip
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Capture the exchange.
        public static let capture = Action(.capture)
        /// Do not capture it (an exclude rule), even if a later rule would.
        public static let skip = Action(.skip)

        /// Parses `capture`/`include` or `skip`/`exclude`.
        public init?(name: String) {
            switch name.lowercased() {
            case "capture", "include": self.base = .capture
            case "skip", "exclude": self.base = .skip
            default: return nil
            }
        }

        public var description: String { base.rawValue }
    }

    /// Upper-case methods this rule matches; empty matches every method.
    public var methods: Set<String>
    /// The path pattern.
    public var path: PathPattern
    /// Capture or skip.
    public var action: Action
    /// The fraction of matching exchanges captured, from 0 to 1.
    public var sampleRate: Double
    /// Statuses kept; `nil` keeps all.
    public var statusFilter: StatusFilter?

    /// Creates a rule.
    /// - Throws: ``CaptureError`` for a sample rate outside 0...1.
    public init(
        methods: Set<String> = [],
        path: PathPattern,
        action: Action = .capture,
        sampleRate: Double = 1,
        statusFilter: StatusFilter? = nil
    ) throws(CaptureError) {
        guard (0...1).contains(sampleRate) else {
            throw CaptureError(key: "sample", "\(sampleRate) is not between 0 and 1")
        }
        self.methods = Set(methods.map { $0.uppercased() })
        self.path = path
        self.action = action
        self.sampleRate = sampleRate
        self.statusFilter = statusFilter
    }

    /// Parses the short form `"POST /api/orders/{id}"`, `"POST,PUT /api/**"` or `"/health"`.
    /// - Throws: ``CaptureError`` for a malformed rule.
    public init(shortForm: String, action: Action = .capture) throws(CaptureError) {
        let parts = shortForm.split(separator: " ", omittingEmptySubsequences: true)
        switch parts.count {
        case 1:
            try self.init(path: PathPattern(String(parts[0])), action: action)
        case 2:
            let methods = Set(parts[0].split(separator: ",").map { String($0) })
            try self.init(methods: methods, path: PathPattern(String(parts[1])), action: action)
        default:
            throw CaptureError(key: "route", "'\(shortForm)' is not 'METHOD[,METHOD] /path' or '/path'")
        }
    }

    /// Whether the rule matches a request.
    public func matches(method: String, path: Substring) -> Bool {
        matches(method: method) && self.path.matches(path)
    }

    /// Whether the rule matches a request's method.
    public func matches(method: String) -> Bool {
        methods.isEmpty || methods.contains(method)
    }
}
