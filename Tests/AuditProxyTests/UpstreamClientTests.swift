import AsyncHTTPClient
import NIOCore
import Testing

@testable import AuditProxy

/// The proxy's own upstream client takes its timeouts from ``ProxyConfiguration``.
@Suite("Upstream client settings")
struct UpstreamClientTests {
    @Test("timeouts and the connection count come from the configuration; nothing is decompressed", arguments: [(1, 2, 1), (5, 30, 1024), (60, 600, 50_000)])
    func settings(connect: Int, read: Int, connections: Int) {
        var proxy = ProxyConfiguration()
        proxy.upstreamConnectTimeout = .seconds(connect)
        proxy.upstreamTimeout = .seconds(read)
        proxy.limits.maxConnections = connections
        let configuration = UpstreamClient.configuration(for: proxy)
        #expect(configuration.timeout.connect == .seconds(Int64(connect)))
        #expect(configuration.timeout.read == .seconds(Int64(read)))
        #expect(configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit == connections, "one upstream connection per client connection")
        guard case .disabled = configuration.decompression else {
            Issue.record("the upstream client decompresses responses")
            return
        }
    }
}
