import Foundation
import HTTPTypes

/// Headers that belong to one connection and are not forwarded (RFC 9110 §7.6.1), plus those the
/// proxy sets itself.
enum HopByHopHeaders {
    static let names: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
        "te", "trailer", "transfer-encoding", "upgrade",
    ]

    /// Headers the proxy recomputes for the next hop: the body length and `Expect` (answered here).
    static let recomputed: Set<String> = ["content-length", "expect", "host"]

    /// The end-to-end fields of `fields`: without hop-by-hop headers, those named in
    /// `Connection`, and `dropping` (lowercase names).
    static func endToEnd(_ fields: HTTPFields, dropping: Set<String> = []) -> [HTTPField] {
        let listed = Set(fields[values: .connection].flatMap { $0.split(separator: ",") }.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        })
        return fields.filter { field in
            let name = field.name.canonicalName
            return !names.contains(name) && !listed.contains(name) && !dropping.contains(name)
        }
    }
}
