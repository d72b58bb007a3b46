import AuditArchive
import AuditEnvelope
import Foundation
import Testing

/// The signer against AWS's published SigV4 test suite (header signing): for every case the
/// canonical request, the string to sign and the signature must match byte for byte.
@Suite("SigV4 signer against AWS's test suite")
struct SigV4SignerTests {
    static let suite = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/aws-sigv4-test-suite")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: suite.path)) ?? []).filter { !$0.hasSuffix(".md") }.sorted()
    }

    struct Context: Decodable {
        struct Credentials: Decodable {
            var access_key_id: String
            var secret_access_key: String
            var token: String?
        }

        var credentials: Credentials
        var normalize: Bool
        var region: String
        var service: String
        var sign_body: Bool
        var timestamp: String
        var omit_session_token: Bool?
    }

    /// Parses a request as the suite writes it: request line, `Name:value` headers (continuation
    /// lines start with whitespace), a blank line, the body.
    static func request(_ text: String) throws -> (method: String, path: String, query: [(name: String, value: String)], headers: [(name: String, value: String)], body: String) {
        let parts = text.components(separatedBy: "\n\n")
        var lines = parts[0].components(separatedBy: "\n")
        let requestLine = lines.removeFirst()
        let method = String(requestLine.prefix { $0 != " " })
        let target = String(requestLine.dropFirst(method.count + 1).dropLast(" HTTP/1.1".count))
        let pathPart = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = try #require(String(pathPart[0]).removingPercentEncoding)
        var query: [(name: String, value: String)] = []
        if pathPart.count > 1, !pathPart[1].isEmpty {
            for pair in pathPart[1].split(separator: "&") {
                let nameValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                query.append((try #require(String(nameValue[0]).removingPercentEncoding),
                              try #require((nameValue.count > 1 ? String(nameValue[1]) : "").removingPercentEncoding)))
            }
        }
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            if line.first == " " || line.first == "\t", let last = headers.popLast() {
                headers.append((last.name, last.value + " " + line))
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        return (method, path, query, headers, parts.dropFirst().joined(separator: "\n\n"))
    }

    @Test("the suite is there: every case of aws-c-auth's v4 directory")
    func suitePresent() {
        #expect(Self.cases.count == 38)
    }

    @Test("canonical request, string to sign and signature match the suite's", arguments: Self.cases)
    func matches(name: String) throws {
        let directory = Self.suite.appendingPathComponent(name)
        func file(_ name: String) throws -> String { try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) }
        let context = try JSONDecoder().decode(Context.self, from: Data(try file("context.json").utf8))
        let parsed = try Self.request(try file("request.txt"))
        let signer = SigV4Signer(
            credentials: .init(accessKeyID: context.credentials.access_key_id, secretAccessKey: context.credentials.secret_access_key,
                               sessionToken: context.credentials.token),
            region: context.region, service: context.service, normalizesPath: context.normalize, signsPayloadHeader: context.sign_body,
            addsSessionTokenAfterSigning: context.omit_session_token ?? false)
        let request = SigV4Signer.Request(
            method: parsed.method, path: parsed.path, query: parsed.query, headers: parsed.headers,
            payloadHash: Array(parsed.body.utf8).withUnsafeBytes { SHA256Hasher.hash($0).hex })
        let date = try #require(ISO8601DateFormatter().date(from: context.timestamp))
        #expect(signer.canonicalRequest(for: request, date: date) == (try file("header-canonical-request.txt")))
        #expect(signer.stringToSign(for: request, date: date) == (try file("header-string-to-sign.txt")))
        let signature = try file("header-signature.txt").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(signer.signature(for: request, date: date) == signature)
        let authorization = signer.signingHeaders(for: request, date: date).first { $0.name == "authorization" }?.value
        #expect(authorization?.hasSuffix("Signature=\(signature)") == true)
    }
}
