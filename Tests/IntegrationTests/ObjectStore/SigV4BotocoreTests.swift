import AuditArchive
import AuditEnvelope
import Foundation
import Testing
import TestSupport

/// The SigV4 signer against a real peer: botocore's S3 signer (scripts/lib/sigv4_botocore.py)
/// signs the same random requests (fixed seed), and every canonical request, string to sign and
/// signature must be identical.
@Suite("SigV4 signer against botocore", .fixtures)
struct SigV4BotocoreTests {
    struct Case: Encodable {
        var method: String
        var host: String
        var path: String
        var query: [[String]]
        var headers: [[String]]
        var body: String
        var timestamp: String
        var region: String
        var access_key: String
        var secret_key: String
        var token: String?
        var date: Date

        enum CodingKeys: String, CodingKey {
            case method, host, path, query, headers, body, timestamp, region, access_key, secret_key, token
        }
    }

    struct Signed: Decodable {
        var canonical: String
        var stringToSign: String
        var signature: String
    }

    static func pick<T>(_ items: [T], _ random: inout SplitMix64) -> T { items[Int(random.next() % UInt64(items.count))] }

    static func text(_ pool: [String], count: ClosedRange<Int>, _ random: inout SplitMix64) -> String {
        let length = count.lowerBound + Int(random.next() % UInt64(count.count))
        return (0..<length).map { _ in pick(pool, &random) }.joined()
    }

    /// Random requests: keys with spaces, reserved characters, percent signs, non-ASCII letters
    /// and emoji; repeated and empty query parameters; header values with runs of spaces and tabs;
    /// session tokens on some; dates over fifteen years.
    static func cases(count: Int, seed: UInt64) -> [Case] {
        var random = SplitMix64(seed: seed)
        let keyPool = Array("abcXYZ019-._~ +%=&?#!*'(),;:@$/").map(String.init) + ["ü", "ሴ", "😀", "é"]
        let queryPool = Array("abc XYZ019-._~+%=&/?").map(String.init) + ["ü", "ሴ"]
        let valuePool = Array("abcXYZ019-._~ \t\"',;:=/").map(String.init)
        let headerNames = ["content-type", "x-amz-meta-note", "x-amz-meta-owner", "if-none-match", "content-md5", "x-custom-thing", "cache-control"]
        return (0..<count).map { _ in
            var headers = [["host", pick(["127.0.0.1:9000", "s3.eu-west-1.amazonaws.com", "bucket.minio.local"], &random)]]
            var names = headerNames
            for _ in 0..<Int(random.next() % 4) {
                let name = names.remove(at: Int(random.next() % UInt64(names.count)))
                headers.append([name, " " + text(valuePool, count: 1...24, &random) + "  "])
            }
            let query = (0..<Int(random.next() % 4)).map { _ in
                [pick(["prefix", "list-type", "x-id", "max-keys", "ä", text(queryPool, count: 1...6, &random)], &random), text(queryPool, count: 0...12, &random)]
            }
            let date = Date(timeIntervalSince1970: 1_420_070_400 + Double(random.next() % 473_040_000))
            let keyDepth = 1 + Int(random.next() % 4)
            let key = (0..<keyDepth).map { _ in text(keyPool, count: 1...10, &random) }.joined(separator: "/")
            return Case(
                method: pick(["GET", "PUT", "POST", "DELETE", "HEAD"], &random),
                host: headers[0][1],
                path: "/archive-bucket/" + key,
                query: query,
                headers: headers,
                body: text(valuePool, count: 0...200, &random),
                timestamp: "",
                region: pick(["us-east-1", "eu-west-1", "ap-southeast-2"], &random),
                access_key: "AKID" + text(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567").map(String.init), count: 16...16, &random),
                secret_key: text(Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/").map(String.init), count: 40...40, &random),
                token: random.next() % 3 == 0 ? text(Array("abcdefXYZ0123456789+/=").map(String.init), count: 20...80, &random) : nil,
                date: date)
        }
    }

    @Test("300 random S3 requests: canonical request, string to sign and signature identical to botocore's")
    func matchesBotocore() async throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let cases = Self.cases(count: 300, seed: 0x5147_5634).map { item in
            var item = item
            item.timestamp = formatter.string(from: item.date)
            return item
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sigv4-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let encoder = JSONEncoder()
        try Data(cases.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n").utf8).write(to: file)
        let result = try await ProcessRunner.outcome([ProjectPaths.python, "\(ProjectPaths.root)/scripts/lib/sigv4_botocore.py", file.path], timeout: .seconds(120))
        #expect(result.status == 0, "\(result.standardError)")
        let lines = String(decoding: result.standardOutput, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == cases.count)
        var mismatches = 0
        for (item, line) in zip(cases, lines) {
            let peer = try JSONDecoder().decode(Signed.self, from: Data(line.utf8))
            let signer = SigV4Signer.s3(credentials: .init(accessKeyID: item.access_key, secretAccessKey: item.secret_key, sessionToken: item.token),
                                        region: item.region)
            let request = SigV4Signer.Request(
                method: item.method, path: item.path, query: item.query.map { ($0[0], $0[1]) }, headers: item.headers.map { ($0[0], $0[1]) },
                payloadHash: Array(item.body.utf8).withUnsafeBytes { SHA256Hasher.hash($0).hex })
            let canonical = signer.canonicalRequest(for: request, date: item.date)
            if canonical != peer.canonical || signer.signature(for: request, date: item.date) != peer.signature {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record("\(item.method) \(item.path)\nours:\n\(canonical)\nbotocore:\n\(peer.canonical)")
                }
            }
            #expect(signer.stringToSign(for: request, date: item.date) == peer.stringToSign || canonical != peer.canonical)
        }
        #expect(mismatches == 0, "\(mismatches) of \(cases.count) signatures differ from botocore's")
    }
}
