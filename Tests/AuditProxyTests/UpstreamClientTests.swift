import AsyncHTTPClient
import NIOCore
import Testing

@testable import AuditProxy

/// The proxy's own upstream client takes its timeouts from ``ProxyConfiguration``.
@Suite("Upstream client settings")
struct UpstreamClientTests {
    @Test("connect and read timeouts come from the configuration; nothing is decompressed", arguments: [(1, 2), (5, 30), (60, 600)])
    func timeouts(connect: Int, read: Int) {
        var proxy = ProxyConfiguration()
        proxy.upstreamConnectTimeout = .seconds(connect)
        proxy.upstreamTimeout = .seconds(read)
        let configuration = UpstreamClient.configuration(for: proxy)
        #expect(configuration.timeout.connect == .seconds(Int64(connect)))
        #expect(configuration.timeout.read == .seconds(Int64(read)))
        guard case .disabled = configuration.decompression else {
            Issue.record("the upstream client decompresses responses")
            return
        }
    }
}
