import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends requests to the proxy and straight to the upstream, reading whole responses.
struct HTTPTestClient {
    /// One connection per request: tests start and stop servers on ephemeral ports, and a pooled
    /// connection to a stopped server whose port was reused would fail a request for no reason
    /// of the server under test.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.maximumUsesPerConnection = 1
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    struct Reply: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: ByteBuffer
    }

    /// A client that keeps one connection to each host and sends its requests over it one after
    /// another, as a browser or SDK session does: each request reaches the server after the
    /// previous response was handled. Shut it down when done.
    static func keepAliveClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 1)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// A client that opens up to `connections` connections to a host at once, each used once,
    /// for tests that send that many requests concurrently: with the default pool (8 per host)
    /// the rest would queue, and a request queued longer than the connect timeout fails with
    /// `getConnectionFromPoolTimeout`, a limit of the test's client, not of the server. Shut it
    /// down when done.
    static func concurrentClient(connections: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.maximumUsesPerConnection = 1
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    static func send(
        _ url: String,
        method: HTTPMethod = .POST,
        headers: [(String, String)] = [],
        body: ByteBuffer? = nil,
        timeout: Duration = .seconds(30),
        using client: HTTPClient = client
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout.components.seconds * 1000)))
        let collected = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: collected)
    }

    /// End-to-end headers a proxy must pass unchanged (hop-by-hop and per-connection ones aside).
    static func endToEnd(_ headers: HTTPHeaders, ignoring: Set<String> = []) -> [String] {
        let perHop: Set<String> = ["connection", "keep-alive", "transfer-encoding", "date", "server", "x-request-id", "x-upstream-saw-request-id", "x-upstream-saw-forwarded-for"]
        return headers.filter { !perHop.contains($0.name.lowercased()) && !ignoring.contains($0.name.lowercased()) }
            .map { "\($0.name.lowercased()): \($0.value)" }.sorted()
    }
}
