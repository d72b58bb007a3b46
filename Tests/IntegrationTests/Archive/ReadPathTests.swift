import AuditArchive
import AuditEnvelope
import Foundation
import NIOCore
import Testing

/// The auditor's read path against real parts: a bucket in moto read in place (requests and
/// bytes counted at the server), an index pointed elsewhere, and an archive written before
/// indexes.
@Suite("Reading archives by index, in place", .serialized, .fixtures)
struct ReadPathTests {
    /// One request moto served, as `Fixtures/serial_moto.py` logs it.
    struct Served: CustomStringConvertible {
        var method: String
        var path: String
        var range: String?
        var bytes: Int

        var isListing: Bool { path.contains("list-type=2") }
        var description: String { "\(method) \(path) range=\(range ?? "-") bytes=\(bytes)" }
    }

    /// The requests moto served after its first `after` log lines.
    static func served(_ moto: MotoServer, after: Int) -> [Served] {
        moto.log.split(separator: "\n").dropFirst(after).compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count == 5, fields[0] == "served", fields[3].hasPrefix("range="), fields[4].hasPrefix("bytes="),
                let bytes = Int(fields[4].dropFirst(6))
            else { return nil }
            let range = String(fields[3].dropFirst(6))
            return Served(method: String(fields[1]), path: String(fields[2]), range: range == "-" ? nil : range, bytes: bytes)
        }
    }

    /// The index entry of `exchangeID` in the index object at `key`.
    static func indexEntry(_ exchangeID: String, indexKey key: String, s3: S3ArchiveRoot) async throws -> SegmentIndex.Entry? {
        let bytes = try #require(try await s3.client().get(key, maximumBytes: SegmentIndex.maxFileBytes))
        return try SegmentIndex.decode(compressed: bytes, name: key).entries.first { $0.id == exchangeID }
    }

    /// Checks that a lookup asked for listings, index objects and one ranged read of the
    /// segment holding `exchangeID`'s member, nothing else, and returns the hours whose
    /// indexes it read.
    static func expectIndexAndOneMember(_ requests: [Served], exchangeID: String, s3: S3ArchiveRoot, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Set<String> {
        let objects = requests.filter { !$0.isListing }
        #expect(requests.allSatisfy { $0.method == "GET" }, "only reads: \(requests)", sourceLocation: sourceLocation)
        #expect(requests.filter(\.isListing).allSatisfy { $0.path.contains("delimiter=%2F") }, "every listing is of one level: \(requests)", sourceLocation: sourceLocation)
        let indexes = objects.filter { $0.path.hasSuffix(SegmentFileName.Kind.index.rawValue) }
        let segments = objects.filter { $0.path.hasSuffix(SegmentFileName.Kind.segment.rawValue) && !$0.path.hasSuffix(SegmentFileName.Kind.index.rawValue) && !$0.path.hasSuffix(SegmentFileName.Kind.deadLetters.rawValue) }
        #expect(indexes.count + segments.count == objects.count, "no manifest or other object read: \(objects)", sourceLocation: sourceLocation)
        #expect(!indexes.isEmpty, "indexes read: \(objects)", sourceLocation: sourceLocation)
        guard segments.count == 1, let member = segments.first, let range = member.range else {
            Issue.record("one ranged read of a segment: \(objects)", sourceLocation: sourceLocation)
            return []
        }
        // The index object beside that segment names the member read, byte for byte.
        let segmentKey = String(member.path.dropFirst("/\(s3.moto.bucket)/".count))
        let indexKey = segmentKey.replacingOccurrences(of: SegmentFileName.Kind.segment.rawValue, with: SegmentFileName.Kind.index.rawValue)
        let entry = try await indexEntry(exchangeID, indexKey: indexKey, s3: s3)
        #expect(entry.map { "bytes=\($0.offset)-\($0.offset + $0.length - 1)" } == range, "the member of \(exchangeID): \(String(describing: entry)), read \(range)", sourceLocation: sourceLocation)
        #expect(member.bytes == entry?.length, sourceLocation: sourceLocation)
        let segmentSize = try await s3.client().head(segmentKey)?.size ?? 0
        #expect(member.bytes < segmentSize, "a part of the segment: \(member.bytes) of \(segmentSize) bytes", sourceLocation: sourceLocation)
        return Set(indexes.compactMap { request in request.path.split(separator: "/").first { $0.hasPrefix("hour=") }.map(String.init) })
    }

    @Test("from moto, body --id and body --request-id --from --to transfer listings, the indexes of the hours they name and one ranged member, counted at the server")
    func lookupFromMoto() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let s3 = S3ArchiveRoot(moto: moto)
        let written = try await ProcessRunner.outcome([
            try ServiceProcess.binary("audit-archive-synth"), s3.url, "--s3-endpoint", moto.url, "--exchanges", "240", "--partitions", "2",
            "--spacing-ms", "60000", "--body-bytes", "80000", "--segment-records", "20", "--start", "2026-11-17T08:00:00Z",
        ], environment: s3.environment, timeout: .seconds(120))
        #expect(written.status == 0, "\(written.standardError)")

        // An exchange in the middle of the third hour.
        let found = try await ArchiveHarness.cli(["cat", s3.url, "--from", "2026-11-17T10:20:00Z", "--to", "2026-11-17T10:21:00Z", "--limit", "1"] + s3.cliArguments, environment: s3.environment)
        #expect(found.status == 0, "\(found.standardError)")
        struct Line: Decodable {
            struct Data: Decodable { var requestId: String }
            var id: String
            var data: Data
        }
        let line = try JSONDecoder().decode(Line.self, from: found.standardOutput)

        var mark = moto.log.split(separator: "\n").count
        let byID = try await ArchiveHarness.cli(["body", s3.url, "--id", line.id, "--response"] + s3.cliArguments, environment: s3.environment)
        #expect(byID.status == 0, "\(byID.standardError)")
        #expect(byID.standardOutput.count > 1_000)
        let idHours = try await Self.expectIndexAndOneMember(Self.served(moto, after: mark), exchangeID: line.id, s3: s3)
        #expect(idHours.isSubset(of: ["hour=10", "hour=11"]), "the id's hour and the next only: \(idHours)")

        mark = moto.log.split(separator: "\n").count
        let byRequest = try await ArchiveHarness.cli([
            "body", s3.url, "--request-id", line.data.requestId, "--from", "2026-11-17T10:00:00Z", "--to", "2026-11-17T11:00:00Z", "--response",
        ] + s3.cliArguments, environment: s3.environment)
        #expect(byRequest.status == 0, "\(byRequest.standardError)")
        #expect(byRequest.standardOutput == byID.standardOutput)
        let requestHours = try await Self.expectIndexAndOneMember(Self.served(moto, after: mark), exchangeID: line.id, s3: s3)
        #expect(requestHours == ["hour=10", "hour=11"], "the hour asked for and the next: \(requestHours)")
    }

    @Test("an index pointed at another member of its segment fails verify with --public-key and without, its manifest rehashed and relinked or not")
    func repointedIndex() async throws {
        let root = ArchiveHarness.temporaryRoot()
        let keys = try await ArchiveHarness.temporaryKeys("archive")
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: keys)
        }
        let written = try await ProcessRunner.outcome([
            try ServiceProcess.binary("audit-archive-synth"), root, "--exchanges", "40", "--partitions", "1", "--spacing-ms", "60000",
            "--body-bytes", "400000", "--segment-records", "10", "--signing-key", "\(keys)/archive.key",
        ], timeout: .seconds(120))
        #expect(written.status == 0, "\(written.standardError)")
        let keyed = ["--public-key", "\(keys)/archive.pub"]
        #expect(try await ArchiveHarness.cli(["verify", root] + keyed).status == 0)

        let segment = try #require(try ArchiveCatalog.scan(root: root).entries.dropFirst().first)
        _ = try await ProcessRunner.run([ProjectPaths.python, ProjectPaths.fixture("archive_attacker.py"), "repoint", root, segment.path(.manifest)])
        for arguments in [keyed, []] {
            let verify = try await ArchiveHarness.cli(["verify", root] + arguments)
            let output = String(decoding: verify.standardOutput, as: UTF8.self)
            #expect(verify.status == 1, "\(arguments): \(output)")
            #expect(output.contains("\(segment.name.fileName(.segment)): line 1 (in the member at bytes 0-") && output.contains("is not what the index says of it"), "\(arguments): \(output)")
            if !arguments.isEmpty {
                #expect(output.contains("\(segment.name.fileName(.manifest)): signature does not verify"), "\(output)")
            }
        }
        // The index alone edited, the manifest left as signed: its digest no longer matches.
        let untouched = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: untouched) }
        _ = try await ProcessRunner.outcome([
            try ServiceProcess.binary("audit-archive-synth"), untouched, "--exchanges", "40", "--partitions", "1", "--spacing-ms", "60000",
            "--body-bytes", "400000", "--segment-records", "10", "--signing-key", "\(keys)/archive.key",
        ], timeout: .seconds(120))
        let second = try #require(try ArchiveCatalog.scan(root: untouched).entries.dropFirst().first)
        var index = try Data(contentsOf: URL(fileURLWithPath: second.path(.index)))
        index[index.count - 5] ^= 0x01
        try index.write(to: URL(fileURLWithPath: second.path(.index)))
        let verify = try await ArchiveHarness.cli(["verify", untouched] + keyed)
        let output = String(decoding: verify.standardOutput, as: UTF8.self)
        #expect(verify.status == 1 && output.contains("\(second.name.fileName(.index)): content changed"), "\(output)")
    }

    @Test("an archive written before indexes (today's format until now) still verifies with its key, and cat, stats and body read it by scanning and say so")
    func preIndexArchive() async throws {
        let root = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.copyItem(atPath: ProjectPaths.fixture("pre-index-archive"), toPath: root)
        let verify = try await ArchiveHarness.cli(["verify", root, "--public-key", "\(root)/archive.pub"])
        let verifyOutput = String(decoding: verify.standardOutput, as: UTF8.self)
        #expect(verify.status == 0, "\(verifyOutput)")
        #expect(verifyOutput.contains("6 signatures valid") && verifyOutput.contains("6 of 6 segments were written before indexes"), "\(verifyOutput)")

        let stats = try await ArchiveHarness.cli(["stats", root])
        #expect(stats.status == 0 && String(decoding: stats.standardOutput, as: UTF8.self).contains("exchanges: 60"), "\(stats.standardError)")
        #expect(stats.standardError.contains("reading 6 segments whole") && stats.standardError.contains("written before indexes"), "\(stats.standardError)")

        let cat = try await ArchiveHarness.cli(["cat", root, "--limit", "1"])
        let id = try #require(try JSONSerialization.jsonObject(with: cat.standardOutput) as? [String: Any])["id"] as? String ?? ""
        let body = try await ArchiveHarness.cli(["body", root, "--id", id, "--response"])
        #expect(body.status == 0 && body.standardOutput.count > 100, "\(body.standardError)")
        #expect(body.standardError.contains("written before indexes"), "\(body.standardError)")
    }
}
