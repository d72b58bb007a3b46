import Foundation
import HTTPTypes
import NIOHTTP1

/// The headers a request carries upstream: its end-to-end fields with the forwarding headers set
/// at the trust boundary.
///
/// A client that is not a trusted proxy could otherwise claim any address or scheme in
/// `X-Forwarded-For`, `X-Forwarded-Proto`, `X-Forwarded-Host` or `Forwarded`, and the app (and
/// the audit trail) would believe it: from such a peer these headers are replaced by what the
/// proxy saw. From a trusted peer they are kept and the peer is appended.
struct ForwardedHeaders {
    static let forwardingNames: Set<String> = ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded", "x-real-ip"]

    let trustedProxies: TrustedProxies

    /// The headers to send upstream for `request` from the peer at `clientAddress`.
    func headers(for request: HTTPRequest, clientAddress: String?) -> HTTPHeaders {
        let trusted = trustedProxies.trusts(clientAddress)
        let dropped = trusted ? HopByHopHeaders.recomputed : HopByHopHeaders.recomputed.union(Self.forwardingNames)
        var headers = HTTPHeaders()
        for field in HopByHopHeaders.endToEnd(request.headerFields, dropping: dropped) {
            headers.add(name: field.name.rawName, value: field.value)
        }
        let host = request.authority
        if let clientAddress {
            let prior = trusted ? headers[canonicalForm: "X-Forwarded-For"].joined(separator: ", ") : ""
            headers.replaceOrAdd(name: "X-Forwarded-For", value: prior.isEmpty ? clientAddress : "\(prior), \(clientAddress)")
        }
        if !headers.contains(name: "X-Forwarded-Proto") { headers.add(name: "X-Forwarded-Proto", value: "http") }
        if let host, !headers.contains(name: "X-Forwarded-Host") { headers.add(name: "X-Forwarded-Host", value: host) }
        var element = clientAddress.map { ["for=\(Self.node($0))"] } ?? []
        if let host { element.append("host=\(Self.quoted(host))") }
        element.append("proto=http")
        let prior = trusted ? headers["Forwarded"].joined(separator: ", ") : ""
        let ours = element.joined(separator: ";")
        headers.replaceOrAdd(name: "Forwarded", value: prior.isEmpty ? ours : "\(prior), \(ours)")
        return headers
    }

    /// RFC 7239 §6: an IPv6 address is bracketed and the node quoted.
    private static func node(_ address: String) -> String {
        address.contains(":") ? "\"[\(address)]\"" : address
    }

    private static func quoted(_ value: String) -> String {
        let token = value.allSatisfy { $0.isLetter || $0.isNumber || "-._~!$&'*+^`|".contains($0) }
        guard !token else { return value }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
