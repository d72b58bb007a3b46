import AuditArchive
import AuditEnvelope
import Foundation
import Logging
import NIOCore
import Testing

/// Taking a partition in a bucket (moto_server on 127.0.0.1) reads the partition's head object
/// and the manifest it names instead of listing the topic; the head object is a hint that is
/// checked, and every way it can be wrong ends in a listing, never in a fork.
@Suite("Taking a partition in a bucket", .serialized, .fixtures)
struct PartitionHeadObjectTests {
    /// One writer's turn at partition 0: where it resumed, whether its publish was refused, and
    /// how many listings moto served meanwhile.
    struct Turn {
        var startOffset: Int64?
        var refusal: ArchiveError?
        var listings: Int
    }

    @Test("a partition take reads the head object, no listing; a head object missing, of another partition or naming an interrupted publish means a listing; a stale one costs one refused publish, never a fork")
    func takeFromHeadObject() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let s3 = S3ArchiveRoot(moto: moto)
        let topic = "audit.heads"
        let staging = ArchiveHarness.temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: staging) }
        var configuration = ArchiveConfiguration(root: s3.url)
        configuration.objectStore = try s3.objectStore(staging: staging)
        let settings = configuration
        let client = try s3.client()
        let headKey = "\(s3.prefix)/\(topic)/.heads/\(topic)+0.json"

        func turn(archiving offsets: Range<Int> = 0..<0) async throws -> Turn {
            let before = try await Self.listings(moto, client)
            let (start, refusal) = try await ObjectStoreArchiveTests.offPool { () throws -> (Int64?, ArchiveError?) in
                let archiver = try PartitionArchiver(topic: topic, partition: 0, configuration: settings, chunkBudget: ChunkMemoryBudget(), logger: Logger(label: "heads"))
                let start = archiver.startOffset
                for index in offsets {
                    // Offset `index` always holds an exchange of the same hour, as a topic does,
                    // so a writer archiving it again picks the same directory however late.
                    let timestamp = 1_795_258_073_000 + Int64(index)
                    let envelope = ArchiveHarness.envelope(index: index, start: timestamp * 1000)
                    let record = EnvelopeChunker.records(for: envelope, messageMaxBytes: 1_000_000)[0]
                    _ = try archiver.append(ArchiveInput(offset: Int64(index), record: record, timestampMilliseconds: timestamp))
                }
                do throws(ArchiveError) {
                    _ = try archiver.close()
                    return (start, nil)
                } catch {
                    return (start, error)
                }
            }
            return Turn(startOffset: start, refusal: refusal, listings: try await Self.listings(moto, client) - before)
        }
        func plantHead(_ json: String) async throws {
            _ = try await client.put(headKey, body: ByteBuffer(string: json))
        }

        let first = try await turn(archiving: 0..<5)
        #expect(first.refusal == nil && first.listings > 0, "an empty partition has no head object: listed (\(first))")
        let second = try await turn(archiving: 5..<10)
        #expect(second.startOffset == 5 && second.refusal == nil, "\(second)")
        #expect(second.listings == 0, "the take read the head object, not a listing")
        let manifests = try await s3.manifestKeys().map { String($0.dropFirst("\(s3.prefix)/\(topic)/".count)) }
        try #require(manifests.count == 2, "\(manifests)")
        let resumed = try await turn()
        #expect(resumed.startOffset == 10 && resumed.listings == 0, "\(resumed)")

        try await client.delete(headKey)
        let missing = try await turn()
        #expect(missing.startOffset == 10 && missing.listings > 0, "no head object: listed (\(missing))")
        #expect(try await turn().listings == 0, "the listing wrote the head object again")

        let foreign = manifests[1].replacingOccurrences(of: "\(topic)+0+", with: "\(topic)+1+")
        for (why, json) in [
            ("another partition's manifest", #"{"manifest":"\#(foreign)"}"#),
            ("a path out of the topic", #"{"manifest":"../\#(manifests[1])"}"#),
            ("not JSON", "planted"),
            ("an interrupted publish", #"{"manifest":"\#(manifests[1])","pending":"\#(manifests[1].replacingOccurrences(of: ".manifest.json", with: ""))"}"#),
        ] {
            try await plantHead(json)
            let planted = try await turn()
            #expect(planted.startOffset == 10 && planted.listings > 0, "\(why): listed and resumed after the newest manifest (\(planted))")
        }

        // A head object naming the older manifest: the writer resumes too early, its publish
        // collides with the segment already there and is refused; the head object is removed,
        // so the next take lists and resumes after the newest manifest.
        try await plantHead(#"{"manifest":"\#(manifests[0])"}"#)
        let stale = try await turn(archiving: 5..<10)
        #expect(stale.startOffset == 5, "\(stale)")
        #expect(stale.refusal?.code == .conflict, "\(String(describing: stale.refusal))")
        #expect(try await client.get(headKey, maximumBytes: 1 << 16) == nil, "the conflict removed the head object")
        let healed = try await turn()
        #expect(healed.startOffset == 10 && healed.listings > 0, "\(healed)")
        #expect(try await s3.manifestKeys().count == 2, "no second chain")
        let report = try await s3.verify()
        #expect(report.passed && report.envelopes == 10, "\(report.problems)")
    }

    /// The listings moto has served so far, counted once a request made now shows in its log
    /// (it serves one request at a time and logs each as it answers).
    static func listings(_ moto: MotoServer, _ client: S3Client) async throws -> Int {
        let sentinel = "sentinel-\(UUID().uuidString)"
        _ = try await client.get(sentinel, maximumBytes: 1)
        try await Waiting.until("moto to log \(sentinel)", timeout: .seconds(20), interval: .milliseconds(20), detail: { moto.log.suffix(2_000).description }) {
            moto.log.contains(sentinel)
        }
        return moto.log.components(separatedBy: "list-type=2").count - 1
    }
}
