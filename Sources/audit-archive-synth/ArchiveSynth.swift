import ArgumentParser
import AuditArchive
import AuditEnvelope
import Foundation
import Logging
import NIOCore

/// `audit-archive-synth ROOT`: writes a synthetic archive through the consumer's own writer.
/// Synchronous: the writer blocks (files, fsync, and for a bucket each request), and runs on
/// the main thread, never on the cooperative pool that answers its requests.
@main
struct ArchiveSynth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit-archive-synth",
        abstract: "Write a synthetic audit archive (for benchmarks and tests) through audit-consumer's segment writer.",
        discussion: """
            Exchanges of a busy JSON API (five routes, mostly 2xx, some 4xx and 5xx, a few
            without a response), their event times --spacing-ms apart from --start, spread over
            --partitions partitions of one topic, with bodies of JSON documents around
            --body-bytes. One --seed always gives the same contents (exchange ids included).
            The files are what audit-consumer writes: segments, indexes, manifests (signed with
            --signing-key), hash chains, rotation by --segment-records and by the hour; into a
            directory, or into an s3://BUCKET/PREFIX root (--s3-endpoint; credentials as for
            audit-consumer) as the consumer uploads them. Prints a summary as one JSON line:
            exchanges, segments, bytes, seconds.
            """
    )

    @Argument(help: "The archive to write: a directory (created if missing) or s3://BUCKET/PREFIX; a topic already there is appended to, after its newest segment.")
    var root: String

    @Option(help: "S3 endpoint for an s3:// root, http(s)://host[:port].")
    var s3Endpoint: String?

    @Option(help: "The topic.")
    var topic = "audit.synthetic"

    @Option(help: "Exchanges to write.")
    var exchanges = 1_000

    @Option(help: "Partitions they are spread over, round robin.")
    var partitions = 4

    @Option(help: "The first exchange's start (RFC 3339).")
    var start = "2026-11-17T08:00:00Z"

    @Option(help: "Milliseconds between exchange starts.")
    var spacingMs = 1_000

    @Option(help: "Mean response body size in bytes (requests of POST and PUT routes are a quarter of it).")
    var bodyBytes = 16_384

    @Option(help: "Envelopes after which a segment closes.")
    var segmentRecords = 1_000

    @Option(help: "The seed of the contents.")
    var seed: UInt64 = 27

    @Option(help: "PEM Ed25519 private key the manifests are signed with (audit-archive keygen).")
    var signingKey: String?

    func validate() throws {
        guard (1...100_000_000).contains(exchanges) else { throw ValidationError("--exchanges must be 1 to 100000000") }
        guard (1...1024).contains(partitions) else { throw ValidationError("--partitions must be 1 to 1024") }
        guard (0...86_400_000).contains(spacingMs) else { throw ValidationError("--spacing-ms must be 0 to 86400000") }
        guard (0...64 * 1024 * 1024).contains(bodyBytes) else { throw ValidationError("--body-bytes must be 0 to 64 MiB") }
        guard (1...1_000_000).contains(segmentRecords) else { throw ValidationError("--segment-records must be 1 to 1000000") }
        guard RFC3339.parse(start) != nil else { throw ValidationError("--start '\(start)' is not an RFC 3339 time") }
        if let problem = ArchiveLayout.topicNameProblem(topic) { throw ValidationError("--topic: \(problem)") }
    }

    func run() throws {
        var configuration = ArchiveConfiguration(root: root)
        if S3Location.isObjectStore(root) {
            do {
                let location = try S3Location(root)
                let s3 = try S3Configuration(location: location, environment: ProcessInfo.processInfo.environment, endpoint: s3Endpoint)
                let staging = "\(ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp")/audit-archive-synth-\(ProcessInfo.processInfo.processIdentifier)"
                configuration.objectStore = ObjectStoreRoot(location: location, client: S3Client(configuration: s3), stagingDirectory: staging)
            } catch {
                throw ValidationError("\(root): \(error.reason)")
            }
        }
        configuration.rotation.maxRecords = segmentRecords
        configuration.rotation.maxOpenDuration = .seconds(86_400 * 365)
        configuration.writer = "audit-archive-synth"
        do {
            configuration.signingKey = try signingKey.map { path throws(ArchiveError) in try ManifestSigningKey(contentsOfFile: path) }
        } catch {
            throw ValidationError("--signing-key: \(error.reason)")
        }
        var logger = Logger(label: "audit-archive-synth")
        logger.logLevel = .error
        let budget = ChunkMemoryBudget()
        var archivers: [PartitionArchiver] = []
        for partition in 0..<Int32(partitions) {
            archivers.append(try PartitionArchiver(topic: topic, partition: partition, configuration: configuration, chunkBudget: budget, logger: logger))
        }
        var random = SynthRandom(seed: seed)
        let producers = ["synthetic-producer-a", "synthetic-producer-b"]
        var sequences: [Int64] = [0, 0]
        var offsets = archivers.map { $0.startOffset ?? 0 }
        var segments = 0
        var bytes = 0
        func count(_ closed: [ClosedSegment]) {
            segments += closed.count
            bytes += closed.reduce(0) { $0 + $1.manifest.segment.bytes }
        }
        let first = RFC3339.parse(start) ?? 0
        let started = ContinuousClock.now
        var reported = started
        for index in 0..<exchanges {
            let producer = index % producers.count
            sequences[producer] += 1
            let envelope = SyntheticExchange.envelope(
                index: index, producer: producers[producer], sequence: sequences[producer],
                start: first + Int64(index) * Int64(spacingMs) * 1000, meanBodyBytes: bodyBytes, source: "audit-archive-synth", &random
            )
            let partition = index % partitions
            let value = envelope.data
            let input = ArchiveInput(
                offset: offsets[partition], record: EnvelopeRecord(headers: KafkaBinaryCodec.headers(for: envelope), value: value),
                timestampMilliseconds: envelope.time / 1000
            )
            offsets[partition] += 1
            count(try archivers[partition].append(input))
            if ContinuousClock.now - reported >= .seconds(5) {
                reported = .now
                FileHandle.standardError.write(Data("\(index + 1)/\(exchanges) exchanges, \(segments) segments, \(bytes / 1_048_576) MiB\n".utf8))
            }
        }
        for archiver in archivers { count(try archiver.close()) }
        let seconds = Double((ContinuousClock.now - started).components.seconds) + Double((ContinuousClock.now - started).components.attoseconds) / 1e18
        print("{\"exchanges\":\(exchanges),\"segments\":\(segments),\"bytes\":\(bytes),\"seconds\":\(String(format: "%.1f", seconds))}")
    }
}
