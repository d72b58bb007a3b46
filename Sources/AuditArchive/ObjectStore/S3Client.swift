import AsyncHTTPClient
import AuditEnvelope
import Foundation
import NIOCore
import NIOHTTP1

/// The object-store calls the archive needs, signed with ``SigV4Signer`` and sent with
/// AsyncHTTPClient (TLS for `https` endpoints): put (optionally only if the key is new), get
/// (whole or a byte range, bounded), list by prefix, delete.
public struct S3Client: Sendable {
    /// What a conditional put found.
    public enum PutOutcome: Sendable, Equatable {
        /// The object was written.
        case created
        /// Another writer had written the key first (`If-None-Match: *` answered 412).
        case alreadyExists
    }

    /// One object of a listing.
    public struct Object: Sendable, Equatable {
        public var key: String
        public var size: Int
        /// When it was written, if the store said (RFC 3339).
        public var lastModified: Date?
    }

    /// What a HEAD request says about an object.
    public struct ObjectInfo: Sendable, Equatable {
        public var size: Int
        /// The entity tag without quotes: for a single-part upload, the hex MD5 of the bytes.
        public var entityTag: String
    }

    /// One page of a listing, and the token of the next if there is one.
    public struct ListPage: Sendable {
        public var objects: [Object]
        /// With a delimiter: the keys' common prefixes up to the delimiter, each ending in it
        /// (the "directories" one level down).
        public var prefixes: [String] = []
        public var nextToken: String?
    }

    /// The largest error or listing body read.
    static let maximumControlBody = 4 * 1024 * 1024

    public let configuration: S3Configuration
    private let client: HTTPClient
    private let signer: SigV4Signer
    private let timeout: TimeAmount

    /// - Parameters:
    ///   - client: The HTTP client to send with; the caller owns its lifecycle.
    ///   - timeout: For each whole request.
    public init(configuration: S3Configuration, client: HTTPClient = .shared, timeout: TimeAmount = .seconds(60)) {
        self.configuration = configuration
        self.client = client
        self.signer = .s3(credentials: configuration.credentials, region: configuration.region)
        self.timeout = timeout
    }

    /// Writes `body` under `key`; with `ifNew`, only if no object has that key
    /// (`If-None-Match: *`), so that two writers racing on one name cannot both win.
    public func put(_ key: String, body: ByteBuffer, ifNew: Bool = false) async throws -> PutOutcome {
        let hash = body.withUnsafeReadableBytes { SHA256Hasher.hash($0).hex }
        // Content-Length is AsyncHTTPClient's to set; the payload hash covers the bytes.
        let headers = ifNew ? [("if-none-match", "*")] : []
        let response = try await send("PUT", key: key, headers: headers, body: body, payloadHash: hash)
        switch response.status.code {
        case 200:
            return .created
        case 412 where ifNew:
            return .alreadyExists
        default:
            throw try await failure(response, "PUT \(key)")
        }
    }

    /// The object's bytes (or those of `range`), or `nil` when there is no such key. An empty
    /// `range` gives empty bytes without asking the store.
    /// - Throws: ``S3Error``, also when the object is larger than `maximumBytes`.
    public func get(_ key: String, range: Range<Int>? = nil, maximumBytes: Int) async throws -> ByteBuffer? {
        if let range, range.isEmpty { return ByteBuffer() }
        let headers = range.map { [("range", "bytes=\($0.lowerBound)-\($0.upperBound - 1)")] } ?? []
        let response = try await send("GET", key: key, headers: headers)
        switch response.status.code {
        case 200, 206:
            do {
                return try await response.body.collect(upTo: maximumBytes)
            } catch {
                throw S3Error(status: Int(response.status.code), code: "TooLarge", operation: "GET \(key) (more than \(maximumBytes) bytes)")
            }
        case 404:
            return nil
        default:
            throw try await failure(response, "GET \(key)")
        }
    }

    /// One page of the keys under `prefix`, in key order (ListObjectsV2); with `delimiter`, keys
    /// past the next delimiter are given as their common prefixes instead.
    public func list(prefix: String, delimiter: String? = nil, after token: String? = nil, pageSize: Int = 1000) async throws -> ListPage {
        var query = [(name: "list-type", value: "2"), (name: "prefix", value: prefix), (name: "max-keys", value: String(pageSize))]
        if let delimiter { query.append((name: "delimiter", value: delimiter)) }
        if let token { query.append((name: "continuation-token", value: token)) }
        let response = try await send("GET", key: nil, query: query)
        guard response.status.code == 200 else { throw try await failure(response, "LIST \(prefix)") }
        let body = try await response.body.collect(upTo: Self.maximumControlBody)
        let xml = Substring(String(buffer: body))
        let objects = S3XML.elements("Contents", in: xml).compactMap { element -> Object? in
            guard let key = S3XML.values(of: "Key", in: element).first, let size = S3XML.values(of: "Size", in: element).first.flatMap({ Int($0) })
            else { return nil }
            let modified = S3XML.values(of: "LastModified", in: element).first.flatMap(Self.date)
            return Object(key: key, size: size, lastModified: modified)
        }
        let truncated = S3XML.values(of: "IsTruncated", in: xml).first == "true"
        let next = S3XML.values(of: "NextContinuationToken", in: xml).first
        // A truncated page without a way on would end the listing early, silently short.
        if truncated, (next ?? "").isEmpty {
            throw S3Error(status: 200, code: "NoContinuationToken", operation: "LIST \(prefix) (a truncated page without NextContinuationToken)")
        }
        let prefixes = S3XML.elements("CommonPrefixes", in: xml).compactMap { S3XML.values(of: "Prefix", in: $0).first }
        return ListPage(objects: objects, prefixes: prefixes, nextToken: truncated ? next : nil)
    }

    /// A listing's `LastModified` (RFC 3339, with or without fractional seconds).
    static func date(_ text: String) -> Date? {
        RFC3339.parse(text).map { Date(timeIntervalSince1970: Double($0) / 1_000_000) }
    }

    /// Consecutive empty pages with a continuation token after which a listing is an error.
    static let maximumEmptyPages = 100

    /// Every key under `prefix`, handed to `body` page by page as the pages arrive, so memory
    /// holds one page however many objects the prefix has.
    /// - Throws: ``S3Error``, also when the endpoint pages without progress; what `body` throws.
    public func forEachPage(prefix: String, _ body: ([Object]) async throws -> Void) async throws {
        try await forEachPage(prefix: prefix, delimiter: nil) { page in try await body(page.objects) }
    }

    /// Every page of the listing under `prefix` (with `delimiter`, its common prefixes too),
    /// handed to `body` as it arrives.
    /// - Throws: ``S3Error``, also when the endpoint pages without progress; what `body` throws.
    public func forEachPage(prefix: String, delimiter: String?, _ body: (ListPage) async throws -> Void) async throws {
        var token: String?
        var emptyPages = 0
        repeat {
            let page = try await list(prefix: prefix, delimiter: delimiter, after: token)
            // An endpoint that pages without progress (the same token again, or page after
            // empty page) would keep this loop going for ever.
            emptyPages = page.objects.isEmpty && page.prefixes.isEmpty ? emptyPages + 1 : 0
            if let next = page.nextToken, next == token || emptyPages > Self.maximumEmptyPages {
                throw S3Error(status: 0, code: "NoProgress", operation: "LIST \(prefix) (the endpoint pages without progress: token repeated or \(emptyPages) empty pages)")
            }
            try await body(page)
            token = page.nextToken
        } while token != nil
    }

    /// The object's size and entity tag, or `nil` when there is no such key.
    public func head(_ key: String) async throws -> ObjectInfo? {
        let response = try await send("HEAD", key: key)
        switch response.status.code {
        case 200:
            let tag = response.headers.first(name: "etag") ?? ""
            let size = response.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
            return ObjectInfo(size: size, entityTag: tag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
        case 404:
            return nil
        default:
            throw S3Error(status: Int(response.status.code), code: nil, operation: "HEAD \(key)")
        }
    }

    /// Streams the object into a new file at `path` (memory bounded by the transfer's buffers).
    /// - Returns: The bytes written, or `nil` when there is no such key.
    /// - Throws: ``S3Error``, also when the object is larger than `maximumBytes`; an error writing
    ///   the file.
    public func download(_ key: String, to path: String, maximumBytes: Int) async throws -> Int? {
        let response = try await send("GET", key: key)
        switch response.status.code {
        case 200:
            break
        case 404:
            return nil
        default:
            throw try await failure(response, "GET \(key)")
        }
        // A new file: nothing already at the path (a planted link) is written through.
        let descriptor = try ArchiveFile.createNew(path)
        defer { close(descriptor) }
        var written = 0
        for try await chunk in response.body {
            written += chunk.readableBytes
            guard written <= maximumBytes else {
                throw S3Error(status: 200, code: "TooLarge", operation: "GET \(key) (more than \(maximumBytes) bytes)")
            }
            try chunk.withUnsafeReadableBytes { raw throws(ArchiveError) in try ArchiveFile.write(descriptor, raw, path: path) }
        }
        return written
    }

    /// Deletes `key` (no error when it is already gone).
    public func delete(_ key: String) async throws {
        let response = try await send("DELETE", key: key)
        guard [200, 204, 404].contains(response.status.code) else { throw try await failure(response, "DELETE \(key)") }
    }

    private func send(
        _ method: String,
        key: String?,
        query: [(name: String, value: String)] = [],
        headers: [(String, String)] = [],
        body: ByteBuffer? = nil,
        payloadHash: String = SigV4Signer.emptyPayloadHash
    ) async throws -> HTTPClientResponse {
        let path = configuration.path(for: key)
        let signing = SigV4Signer.Request(method: method, path: path, query: query, headers: [("host", configuration.host)] + headers,
                                          payloadHash: payloadHash)
        let encodedQuery = SigV4Signer.encodedQuery(query)
        let scheme = configuration.endpoint.scheme ?? "https"
        var request = HTTPClientRequest(url: "\(scheme)://\(configuration.host)\(SigV4Signer.encodedPath(path))" + (encodedQuery.isEmpty ? "" : "?\(encodedQuery)"))
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers + signer.signingHeaders(for: signing, date: Date()).map({ ($0.name, $0.value) }) {
            request.headers.add(name: name, value: value)
        }
        if let body { request.body = .bytes(body) }
        return try await client.execute(request, timeout: timeout)
    }

    private func failure(_ response: HTTPClientResponse, _ operation: String) async throws -> S3Error {
        let body = (try? await response.body.collect(upTo: Self.maximumControlBody)) ?? ByteBuffer()
        let code = S3XML.values(of: "Code", in: Substring(String(buffer: body))).first
        return S3Error(status: Int(response.status.code), code: code, operation: operation)
    }
}
