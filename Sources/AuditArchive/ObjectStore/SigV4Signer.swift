import AuditEnvelope
import Foundation

/// AWS Signature Version 4 for HTTP requests (header form), as S3 and S3-compatible stores
/// (MinIO, Ceph, moto) check it.
///
/// Signing takes a request as its parts (method, decoded path, decoded query parameters, headers,
/// the payload's SHA-256) and returns the headers to add: `x-amz-date`, `x-amz-content-sha256`
/// when asked, `x-amz-security-token` with session credentials, and `authorization`. The steps
/// are AWS's: a canonical request (``canonicalRequest(for:date:)``), a string to sign
/// (``stringToSign(for:date:)``), a key derived from the secret, date, region and service, and the
/// HMAC-SHA256 of the string to sign under it. Held against AWS's published test suite and
/// botocore's signer in tests.
public struct SigV4Signer: Sendable {
    /// An access key, its secret, and for temporary credentials the session token.
    public struct Credentials: Sendable {
        public var accessKeyID: String
        public var secretAccessKey: String
        public var sessionToken: String?

        public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
        }
    }

    /// A request to sign. `path` and `query` are decoded (as the object key and parameters are
    /// meant); the signer percent-encodes them the way the request must be sent
    /// (``encodedPath(_:)``, ``encodedQuery(_:)``).
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [(name: String, value: String)]
        /// Headers as sent, in order; `host` must be among them. Names are compared
        /// case-insensitively; a name given twice is signed as one comma-joined value.
        public var headers: [(name: String, value: String)]
        /// The lowercase hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
        public var payloadHash: String

        public init(method: String, path: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)], payloadHash: String) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    /// The SHA-256 of an empty body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public let credentials: Credentials
    public let region: String
    public let service: String
    /// Whether the path's dot segments and repeated slashes are removed before signing: `true`
    /// for most AWS services, `false` for S3, whose keys may hold them.
    public let normalizesPath: Bool
    /// Whether the payload hash is sent and signed as `x-amz-content-sha256` (S3 requires it).
    public let signsPayloadHeader: Bool
    /// Whether the session token is sent unsigned, added after signing (some services want that).
    public let addsSessionTokenAfterSigning: Bool

    /// A signer for S3: no path normalization, `x-amz-content-sha256` signed.
    public static func s3(credentials: Credentials, region: String) -> SigV4Signer {
        SigV4Signer(credentials: credentials, region: region, service: "s3", normalizesPath: false, signsPayloadHeader: true)
    }

    public init(
        credentials: Credentials,
        region: String,
        service: String,
        normalizesPath: Bool = true,
        signsPayloadHeader: Bool = false,
        addsSessionTokenAfterSigning: Bool = false
    ) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.normalizesPath = normalizesPath
        self.signsPayloadHeader = signsPayloadHeader
        self.addsSessionTokenAfterSigning = addsSessionTokenAfterSigning
    }

    /// The headers to add to `request` so that it carries a valid signature made at `date`.
    public func signingHeaders(for request: Request, date: Date) -> [(name: String, value: String)] {
        let signed = withSigningHeaders(request, date: date)
        let canonical = CanonicalHeaders(signed.headers)
        let signature = signature(for: request, date: date)
        var added = signed.added
        added.append((
            "authorization",
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(date: date)), SignedHeaders=\(canonical.signedNames), Signature=\(signature)"
        ))
        if addsSessionTokenAfterSigning, let token = credentials.sessionToken { added.append(("x-amz-security-token", token)) }
        return added
    }

    /// The canonical request: method, encoded path, sorted encoded query, canonical headers,
    /// signed header names and payload hash, one per line.
    public func canonicalRequest(for request: Request, date: Date) -> String {
        let canonical = CanonicalHeaders(withSigningHeaders(request, date: date).headers)
        return [
            request.method.uppercased(),
            Self.encodedPath(normalizesPath ? Self.normalized(request.path) : request.path),
            Self.encodedQuery(request.query),
            canonical.block,
            canonical.signedNames,
            request.payloadHash,
        ].joined(separator: "\n")
    }

    /// The string to sign: algorithm, time, scope and the canonical request's SHA-256.
    public func stringToSign(for request: Request, date: Date) -> String {
        let hash = Array(canonicalRequest(for: request, date: date).utf8).withUnsafeBytes { SHA256Hasher.hash($0).hex }
        return ["AWS4-HMAC-SHA256", Self.timestamp(date), scope(date: date), hash].joined(separator: "\n")
    }

    /// The signature of `request` made at `date`.
    public func signature(for request: Request, date: Date) -> String {
        HMACSHA256.authenticationCode(of: Array(stringToSign(for: request, date: date).utf8), key: signingKey(date: date)).hex
    }

    /// `path` percent-encoded for a request line and the canonical request: every byte but the
    /// unreserved characters (`A-Z a-z 0-9 - . _ ~`) and `/` as `%XX`.
    public static func encodedPath(_ path: String) -> String {
        percentEncoded(path, keepingSlash: true)
    }

    /// Query parameters encoded like paths (`/` too) and sorted by name, then value.
    public static func encodedQuery(_ query: [(name: String, value: String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { parameter in
            (percentEncoded(parameter.name, keepingSlash: false), percentEncoded(parameter.value, keepingSlash: false))
        }
        let sorted = encoded.sorted { left, right in left.name == right.name ? left.value < right.value : left.name < right.name }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    private func withSigningHeaders(_ request: Request, date: Date) -> (headers: [(name: String, value: String)], added: [(name: String, value: String)]) {
        var added: [(name: String, value: String)] = [("x-amz-date", Self.timestamp(date))]
        if signsPayloadHeader { added.append(("x-amz-content-sha256", request.payloadHash)) }
        if !addsSessionTokenAfterSigning, let token = credentials.sessionToken { added.append(("x-amz-security-token", token)) }
        return (request.headers + added, added)
    }

    private func scope(date: Date) -> String {
        "\(Self.timestamp(date).prefix(8))/\(region)/\(service)/aws4_request"
    }

    private func signingKey(date: Date) -> [UInt8] {
        var key = Array("AWS4\(credentials.secretAccessKey)".utf8)
        for part in [String(Self.timestamp(date).prefix(8)), region, service, "aws4_request"] {
            key = HMACSHA256.authenticationCode(of: Array(part.utf8), key: key).bytes
        }
        return key
    }

    /// `YYYYMMDD'T'HHMMSS'Z'` in UTC.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return String(format: "%04d", parts.year ?? 0) + two(parts.month) + two(parts.day) + "T" + two(parts.hour) + two(parts.minute) + two(parts.second) + "Z"
    }

    /// Removes `.` and `..` segments and repeated slashes, keeping a trailing slash.
    static func normalized(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        let last = path.split(separator: "/", omittingEmptySubsequences: false).last
        let trailing = path.hasSuffix("/") || last == "." || last == ".."
        let joined = "/" + segments.joined(separator: "/")
        return trailing && !segments.isEmpty ? joined + "/" : joined
    }

    private static func percentEncoded(_ text: String, keepingSlash: Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                bytes.append(byte)
            case UInt8(ascii: "/") where keepingSlash:
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Headers in their canonical form: names lowercased, values trimmed with inner runs of
/// whitespace made one space, a repeated name's values joined by commas in order, sorted by name.
struct CanonicalHeaders {
    let entries: [(name: String, value: String)]

    init(_ headers: [(name: String, value: String)]) {
        var values: [String: [String]] = [:]
        for header in headers {
            let value = header.value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
            values[header.name.lowercased(), default: []].append(value)
        }
        entries = values.map { ($0.key, $0.value.joined(separator: ",")) }.sorted { $0.name < $1.name }
    }

    /// `name:value` lines, each ending in a line break.
    var block: String { entries.map { "\($0.name):\($0.value)\n" }.joined() }

    /// The names, `;`-separated.
    var signedNames: String { entries.map(\.name).joined(separator: ";") }
}
