#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The peers (CIDR blocks) whose forwarding headers the proxy believes, such as an ingress
/// controller or a load balancer in front of it.
public struct TrustedProxies: Sendable, Equatable {
    /// One IPv4 or IPv6 block, such as `10.0.0.0/8` or `fd00::/8`; an address alone is a /32 or
    /// /128.
    public struct Block: Sendable, Equatable, CustomStringConvertible {
        let network: [UInt8]
        let prefixLength: Int

        /// Parses `address[/prefix]`; `nil` when it is not an IPv4 or IPv6 block.
        public init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let address = Self.bytes(of: String(parts[0])) else { return nil }
            let bits = address.count * 8
            var prefix = bits
            if parts.count == 2 {
                guard let parsed = Int(parts[1]), (0...bits).contains(parsed), parts[1].allSatisfy(\.isASCII) else { return nil }
                prefix = parsed
            }
            self.network = Self.masked(address, prefix)
            self.prefixLength = prefix
        }

        /// Whether `address` (text, IPv4 or IPv6) lies in this block.
        func contains(_ address: [UInt8]) -> Bool {
            address.count == network.count && Self.masked(address, prefixLength) == network
        }

        public var description: String {
            let family = network.count == 4 ? AF_INET : AF_INET6
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            _ = network.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &text, socklen_t(text.count)) }
            return "\(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))/\(prefixLength)"
        }

        /// The 4 or 16 bytes of an IPv4 or IPv6 address; an IPv4-mapped IPv6 address gives its
        /// IPv4 bytes.
        static func bytes(of text: String) -> [UInt8]? {
            var v4 = in_addr()
            if inet_pton(AF_INET, text, &v4) == 1 {
                return withUnsafeBytes(of: &v4) { Array($0) }
            }
            var v6 = in6_addr()
            guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
                return Array(bytes[12...])
            }
            return bytes
        }

        private static func masked(_ address: [UInt8], _ prefix: Int) -> [UInt8] {
            address.enumerated().map { index, byte in
                let kept = min(max(prefix - index * 8, 0), 8)
                return kept == 8 ? byte : byte & ~(0xFF >> kept)
            }
        }
    }

    /// The blocks, in no particular order.
    public var blocks: [Block]

    /// Creates a list of blocks.
    public init(_ blocks: [Block] = []) {
        self.blocks = blocks
    }

    /// Whether the peer at `address` is trusted; `false` for an unknown or unparseable address.
    public func trusts(_ address: String?) -> Bool {
        guard let address, !blocks.isEmpty, let bytes = Block.bytes(of: address) else { return false }
        return blocks.contains { $0.contains(bytes) }
    }
}
