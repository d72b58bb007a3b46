import AuditCapture
import AuditService
import Foundation
import Yams

/// The routes file: which exchanges to capture and what to redact. YAML (or JSON, which is YAML).
///
/// ```yaml
/// routes:
///   - match: POST /api/orders/**        # METHOD[,METHOD] /path, or /path for any method
///     status: [4xx, 5xx]                # optional: keep only these statuses
///     sample: 0.5                       # optional: capture this fraction
///   - path: /api/internal/**            # same as match, split in two fields
///     methods: [GET]
///     action: skip                      # skip (exclude) or capture (default)
/// matching:                             # optional: how paths are read before rules match
///   caseInsensitive: false              # literal segments match regardless of case
///   stripSegmentParameters: false       # /orders;jsessionid=1/7 matches as /orders/7
/// captureLimit: 4MiB                    # optional: bytes kept per body
/// redact:
///   headers: [x-session-token]          # added to authorization, cookie, set-cookie, ...
///   jsonFields: [cvv2, "*iban*"]        # body fields (JSON, NDJSON, forms), added to the defaults
///   jsonPointers: [/payment/card/number, /items/*/ssn]
///   queryParams: [session]              # query parameters, added to the defaults
///   caseSensitive: false                # Password matches password (default)
///   defaultFields: true                 # false: only the fields listed here
///   defaultQueryParams: true            # false: only the parameters listed here (and fields)
/// ```
/// Rules are tried in order; the first that matches a request decides. Paths are always
/// normalized first (escapes of unreserved characters decoded, dot segments removed, empty
/// segments collapsed), and a rule captures when it matches any reading of the path.
struct RoutesFile: Decodable {
    struct Rule: Decodable {
        var match: String?
        var path: String?
        var methods: [String]?
        var action: String?
        var sample: Double?
        var status: [String]?
    }

    struct Redact: Decodable {
        var headers: [String]?
        var jsonFields: [String]?
        var jsonPointers: [String]?
        var queryParams: [String]?
        var caseSensitive: Bool?
        var defaultFields: Bool?
        var defaultQueryParams: Bool?
    }

    struct Matching: Decodable {
        var caseInsensitive: Bool?
        var stripSegmentParameters: Bool?
    }

    var routes: [Rule]?
    var matching: Matching?
    var captureLimit: String?
    var redact: Redact?

    /// Reads and validates the file.
    /// - Throws: ``ConfigurationError`` naming the file and the entry at fault.
    static func load(path: String) throws -> RoutesFile {
        let key = "routes file \(path)"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(key, "cannot read the file")
        }
        let text = String(decoding: data, as: UTF8.self)
        do {
            let document = try Yams.load(yaml: text)
            guard document != nil else { return RoutesFile() }
            try rejectUnknownKeys(in: document, key: key)
            return try YAMLDecoder().decode(RoutesFile.self, from: text)
        } catch let error as ConfigurationError {
            throw error
        } catch let error as DecodingError {
            throw ConfigurationError(key, Self.describe(error))
        } catch {
            throw ConfigurationError(key, "\(error)")
        }
    }

    /// The capture rules, in order.
    /// - Throws: ``ConfigurationError`` naming `routes[i].field`.
    func rules(file path: String) throws -> [RouteRule] {
        try (routes ?? []).enumerated().map { index, rule in
            let key = "routes file \(path) routes[\(index)]"
            do {
                let action = try rule.action.map { name in
                    guard let action = RouteRule.Action(name: name) else {
                        throw CaptureError(key: "action", "'\(name)' is not capture or skip")
                    }
                    return action
                } ?? .capture
                var parsed: RouteRule
                switch (rule.match, rule.path) {
                case (let match?, nil):
                    parsed = try RouteRule(shortForm: match, action: action)
                case (nil, let path?):
                    parsed = try RouteRule(methods: Set(rule.methods ?? []), path: PathPattern(path), action: action)
                default:
                    throw CaptureError(key: nil, "give exactly one of 'match' or 'path'")
                }
                if rule.match != nil, let methods = rule.methods {
                    parsed.methods.formUnion(methods.map { $0.uppercased() })
                }
                if let sample = rule.sample {
                    parsed = try RouteRule(methods: parsed.methods, path: parsed.path, action: parsed.action, sampleRate: sample)
                }
                parsed.statusFilter = try rule.status.map { try StatusFilter($0) }
                return parsed
            } catch let error as CaptureError {
                throw ConfigurationError(error.key.map { "\(key).\($0)" } ?? key, error.reason)
            }
        }
    }

    /// Codable ignores unknown keys; a misspelt `rotues:` must not silently capture nothing.
    private static func rejectUnknownKeys(in document: Any?, key: String) throws {
        let known: [String: Set<String>] = [
            "": ["routes", "matching", "captureLimit", "redact"],
            "matching": ["caseInsensitive", "stripSegmentParameters"],
            "routes": ["match", "path", "methods", "action", "sample", "status"],
            "redact": ["headers", "jsonFields", "jsonPointers", "queryParams", "caseSensitive", "defaultFields", "defaultQueryParams"],
        ]
        func check(_ object: Any?, _ section: String, _ location: String) throws {
            guard let dictionary = object as? [String: Any] else { return }
            for name in dictionary.keys where !(known[section]?.contains(name) ?? true) {
                let allowed = known[section]!.sorted().joined(separator: ", ")
                throw ConfigurationError(key, "unknown key '\(location)\(name)' (known: \(allowed))")
            }
        }
        guard let root = document as? [String: Any] else {
            throw ConfigurationError(key, "the top level must be a mapping with 'routes', 'matching', 'captureLimit' and 'redact'")
        }
        try check(root, "", "")
        for (index, rule) in ((root["routes"] as? [Any]) ?? []).enumerated() {
            try check(rule, "routes", "routes[\(index)].")
        }
        try check(root["redact"], "redact", "redact.")
        try check(root["matching"], "matching", "matching.")
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
            let location = path(context)
            return (location.isEmpty ? "" : "\(location.hasPrefix(".") ? String(location.dropFirst()) : location): ") + context.debugDescription
        @unknown default:
            return "\(error)"
        }
    }
}
