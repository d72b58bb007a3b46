import AuditArchive
import Foundation
import NIOCore
import Testing

/// The S3 client against a real S3 endpoint (moto_server on 127.0.0.1): odd keys round-trip,
/// ranges, paged listings, deletes, and conditional writes that let only the first writer win.
@Suite("S3 client against moto", .serialized, .fixtures)
struct S3ClientTests {
    static func client(_ moto: MotoServer) throws -> S3Client {
        S3Client(configuration: S3Configuration(
            endpoint: try #require(URL(string: moto.url)), bucket: moto.bucket, region: "us-east-1",
            credentials: .init(accessKeyID: "AKIDTEST", secretAccessKey: "secret"), pathStyle: true))
    }

    @Test("put, get, ranged get, list in pages and delete, with keys holding spaces, '+', '%', unicode and emoji")
    func roundTrip() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let s3 = try Self.client(moto)
        let keys = ["archive/topic+1/p 0/00000000000000000042.log.gz", "archive/odd%key/ü-ሴ-😀.json", "archive/a=b&c?d#e/f", "archive/plain"]
        for (index, key) in keys.enumerated() {
            let body = ByteBuffer(string: String(repeating: "line \(index)\n", count: 100 + index))
            #expect(try await s3.put(key, body: body) == .created)
            #expect(try await s3.get(key, maximumBytes: 1 << 20) == body, "\(key)")
        }
        let whole = try #require(try await s3.get(keys[3], maximumBytes: 1 << 20))
        #expect(try await s3.get(keys[3], range: 5..<12, maximumBytes: 1 << 20) == whole.getSlice(at: 5, length: 7))
        #expect(try await s3.get("archive/missing", maximumBytes: 1024) == nil)
        await #expect(throws: S3Error.self) { try await s3.get(keys[0], maximumBytes: 10) }

        var listed: [S3Client.Object] = []
        var token: String?
        var pages = 0
        repeat {
            let page = try await s3.list(prefix: "archive/", after: token, pageSize: 3)
            listed += page.objects
            token = page.nextToken
            pages += 1
        } while token != nil && pages < 10
        #expect(pages == 2)
        #expect(Set(listed.map(\.key)) == Set(keys))
        #expect(listed.map(\.key) == listed.map(\.key).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        #expect(listed.first { $0.key == keys[3] }?.size == whole.readableBytes)
        #expect(try await s3.list(prefix: "archive/odd").objects.map(\.key) == [keys[1]])

        try await s3.delete(keys[0])
        try await s3.delete(keys[0])
        #expect(try await s3.get(keys[0], maximumBytes: 1 << 20) == nil)
    }

    @Test("two writers racing on one name with If-None-Match: exactly one creates it, the other learns it exists; the first bytes stay")
    func conditionalWrites() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let s3 = try Self.client(moto)
        let key = "archive/manifests/p0/00000000000000000000.json"
        let outcomes = try await withThrowingTaskGroup(of: (String, S3Client.PutOutcome).self) { group in
            for writer in ["writer-a", "writer-b", "writer-c"] {
                group.addTask { (writer, try await s3.put(key, body: ByteBuffer(string: "{\"by\":\"\(writer)\"}"), ifNew: true)) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        let winners = outcomes.filter { $0.value == .created }.map(\.key)
        #expect(winners.count == 1, "\(outcomes)")
        #expect(outcomes.values.filter { $0 == .alreadyExists }.count == 2)
        let stored = try #require(try await s3.get(key, maximumBytes: 1024))
        #expect(String(buffer: stored) == "{\"by\":\"\(winners.first ?? "")\"}")
        #expect(try await s3.put(key, body: ByteBuffer(string: "{\"by\":\"late\"}"), ifNew: true) == .alreadyExists)
        #expect(try await s3.put(key, body: ByteBuffer(string: "{\"by\":\"overwrite\"}")) == .created, "an unconditional put overwrites")
    }

    @Test("a missing bucket is an error naming the operation and S3's code")
    func missingBucket() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        var configuration = try Self.client(moto).configuration
        configuration.bucket = "no-such-bucket"
        let s3 = S3Client(configuration: configuration)
        do {
            _ = try await s3.put("k", body: ByteBuffer(string: "x"))
            Issue.record("a put into a missing bucket succeeded")
        } catch let error as S3Error {
            #expect(error.status == 404 && error.code == "NoSuchBucket", "\(error)")
            #expect("\(error)".contains("PUT k"))
        }
    }
}
