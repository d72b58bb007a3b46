@testable import AuditArchive
import AuditEnvelope
import Foundation
import NIOCore
import Testing
import TestSupport

/// What a query prunes before it reads: the hours a time range or an exchange id can touch,
/// the index entries a filter can match, and where the writer puts late envelopes so that
/// pruning by hour loses none.
@Suite("Pushdown: hours, index entries, late envelopes")
struct PushdownTests {
    static let hour = ArchiveLayout.hourMicroseconds
    /// 2026-11-21T10:00:00Z.
    static let ten: Int64 = 1_795_255_200_000_000

    @Test("a UUIDv7 gives back the millisecond it was made for; anything else gives nothing (seeded)")
    func uuidTime() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<500 {
            let milliseconds = Int64(random.next() % (1 << 48))
            let id = UUIDv7.generate(unixMilliseconds: milliseconds, using: &random)
            #expect(UUIDv7.unixMilliseconds(of: id) == milliseconds)
            #expect(UUIDv7.unixMilliseconds(of: id.uppercased()) == milliseconds)
        }
        for text in ["", "not-a-uuid", "0190a8c4-5b1e-4c3a-8d2e-1f2a3b4c5d6e", "0190a8c4-5b1e-7c3a-8d2e-1f2a3b4c5d6", "req-42", "../../etc"] {
            #expect(UUIDv7.unixMilliseconds(of: text) == nil, "\(text)")
        }
    }

    /// A time range and the first and last hours it touches.
    struct HourCase: Sendable, CustomStringConvertible {
        var from: Int64?
        var to: Int64?
        var first: Int64?
        var last: Int64?
        var description: String { "\(String(describing: from))..<\(String(describing: to))" }
    }

    static let hourCases: [HourCase] = [
        HourCase(from: 0, to: 3_600_000_000, first: 0, last: 3_600_000_000),
        HourCase(from: 1_800_000_000, to: 3_600_000_001, first: 0, last: 7_200_000_000),
        HourCase(from: nil, to: 1, first: nil, last: 3_600_000_000),
        HourCase(from: 7_200_000_000, to: nil, first: 7_200_000_000, last: nil),
        HourCase(from: -1, to: 0, first: -3_600_000_000, last: 0),
        HourCase(from: .max, to: .min, first: ArchiveLayout.hourStart(of: .max), last: ArchiveLayout.hourStart(of: .min).saturatingAdd(3_600_000_000)),
    ]

    @Test("a time range touches the hours from its start to the hour of its last instant, and the next; extreme times saturate", arguments: hourCases)
    func hourRange(_ test: HourCase) {
        let range = ArchiveCatalog.HourRange(from: test.from, to: test.to)
        #expect(range.first == test.first && range.last == test.last, "\(range)")
    }

    @Test("an exchange id's time bounds the hours read; an id that is no UUIDv7 bounds nothing")
    func idHours() {
        var random = SplitMix64(seed: 11)
        var filter = ExchangeFilter()
        filter.exchangeID = UUIDv7.generate(unixMilliseconds: (Self.ten + 30 * 60_000_000) / 1000, using: &random)
        let hours = filter.hours
        #expect(hours.contains(Self.ten) && hours.contains(Self.ten + Self.hour))
        #expect(!hours.contains(Self.ten - Self.hour) && !hours.contains(Self.ten + 2 * Self.hour))
        filter.exchangeID = "req-not-a-uuid"
        #expect(!filter.hours.isBounded)
    }

    @Test("a filter's verdict on an index entry is its verdict on the line the entry describes (seeded)")
    func entryVerdicts() throws {
        var random = SplitMix64(seed: 28)
        let routes = ["/a", "/b/{id}"]
        let methods = ["GET", "post"]
        let statuses: [Int?] = [200, 201, 404, 503, nil]
        func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
        var envelopes: [AuditEnvelope] = []
        for index in 0..<40 {
            var record = try ArchiveFixture.envelope(index: index, time: Self.ten + Int64(random.next() % 7_200_000_000)).record()
            record.route = pick(routes)
            record.method = pick(methods)
            record.status = pick(statuses)
            record.requestID = pick(["r1", "r2", "r3"])
            envelopes.append(AuditEnvelope(record: record, source: "test"))
        }
        envelopes.append(DropNotice(producer: "p", firstSequence: 1, lastSequence: 2, reason: "queue_full", time: Self.ten + 60_000_000).envelope(source: "test"))
        envelopes.append(ProducerMark(producer: "p", highestSequence: 40, time: Self.ten + 90_000_000).envelope(source: "test"))
        for _ in 0..<300 {
            var filter = ExchangeFilter()
            if random.next() % 2 == 0 { filter.from = Self.ten + Int64(random.next() % 7_200_000_000) }
            if random.next() % 2 == 0 { filter.to = Self.ten + Int64(random.next() % 7_200_000_000) }
            if random.next() % 3 == 0 { filter.route = pick(routes) }
            if random.next() % 3 == 0 { filter.method = pick(["get", "POST", "PUT"]) }
            if random.next() % 3 == 0 { filter.status = pick(["200", "2xx", "5xx", "404"]) }
            if random.next() % 4 == 0 { filter.requestID = pick(["r1", "r2"]) }
            if random.next() % 6 == 0 { filter.exchangeID = pick(envelopes).id }
            for envelope in envelopes {
                let event = try envelope.archiveEvent()
                let entry = SegmentIndex.Entry(line: 1, member: .init(offset: 0, length: 1), envelope: envelope, event: event, leaf: SHA256Hasher().finalize())
                var selected = filter.matches(envelope)
                switch event {
                case .exchange(let record): selected = selected && filter.matches(record)
                case .dropNotice, .mark: selected = selected && !filter.needsRecord
                }
                #expect(filter.mayMatch(entry) == selected, "\(filter) on \(entry)")
            }
        }
    }

    @Test("a late envelope stays in its segment when it is of the segment's hour or the one before; an older one starts a segment in its own hour")
    func lateEnvelopes() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        let archiver = try fixture.archiver(fixture.configuration())
        let minute: Int64 = 60_000_000
        let times = [Self.ten + 30 * minute, Self.ten + 40 * minute, Self.ten - 40 * minute, Self.ten - 110 * minute, Self.ten + 50 * minute, Self.ten + 65 * minute]
        var closed: [ClosedSegment] = []
        for (offset, time) in times.enumerated() {
            closed += try archiver.append(ArchiveInput(offset: Int64(offset), record: ArchiveFixture.records(ArchiveFixture.envelope(index: 0, time: time))[0]))
        }
        closed += try archiver.close()
        #expect(closed.map(\.manifest.count) == [3, 1, 1, 1])
        #expect(closed.map { ($0.manifestPath as NSString).deletingLastPathComponent.suffix(7) } == ["hour=10", "hour=08", "hour=10", "hour=11"])
        // Every envelope lies in its own hour's directory or the next one's.
        try ArchiveQuery.forEach(in: fixture.root, filter: ExchangeFilter(), onProblem: { Issue.record("\($0)") }) { exchange in
            let own = ArchiveLayout.hourDirectory(hourStart: ArchiveLayout.hourStart(of: exchange.envelope.time))
            let next = ArchiveLayout.hourDirectory(hourStart: ArchiveLayout.hourStart(of: exchange.envelope.time) + Self.hour)
            #expect(exchange.segmentPath.contains(own) || exchange.segmentPath.contains(next), "\(exchange.segmentPath)")
            return .proceed
        }
        #expect(try ArchiveVerifier.verify(root: fixture.root).passed)
    }

    @Test("a query bounded in time lists only the hours it can touch")
    func listsOnlyItsHours() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        let archiver = try fixture.archiver(fixture.configuration())
        for offset in 0..<6 {
            let time = Self.ten + Int64(offset) * Self.hour + 600_000_000
            _ = try archiver.append(ArchiveInput(offset: Int64(offset), record: ArchiveFixture.records(ArchiveFixture.envelope(index: 0, time: time))[0]))
        }
        _ = try archiver.close()
        var filter = ExchangeFilter()
        filter.from = Self.ten + 2 * Self.hour
        filter.to = Self.ten + 3 * Self.hour
        var plan: ArchiveQuery.Plan?
        var times: [Int64] = []
        try ArchiveQuery.forEach(in: DirectoryArchiveStore(root: fixture.root), filter: filter, onPlan: { plan = $0 }, onProblem: { Issue.record("\($0)") }) { exchange in
            times.append(exchange.envelope.time)
            return .proceed
        }
        #expect(times == [Self.ten + 2 * Self.hour + 600_000_000])
        // The hours 12 and 13 of the six, read through their indexes.
        #expect(plan?.indexedSegments == 2 && plan?.scannedSegments == 0, "\(String(describing: plan))")
    }
    @Test("a query naming a topic or a partition lists only that topic and reads only that partition's segments")
    func topicAndPartition() throws {
        let fixture = ArchiveFixture()
        defer { fixture.remove() }
        var ids: [Int32: [String]] = [:]
        for partition: Int32 in 0..<3 {
            let archiver = try fixture.archiver(fixture.configuration(maxRecords: 2), partition: partition)
            for offset in 0..<4 {
                let envelope = ArchiveFixture.envelope(index: offset)
                ids[partition, default: []].append(envelope.id)
                _ = try archiver.append(ArchiveInput(offset: Int64(offset), record: ArchiveFixture.records(envelope)[0]))
            }
            _ = try archiver.close()
        }
        func read(_ filter: ExchangeFilter) throws -> (ids: [String], plan: ArchiveQuery.Plan?) {
            var read: [String] = []
            var plan: ArchiveQuery.Plan?
            try ArchiveQuery.forEach(in: DirectoryArchiveStore(root: fixture.root), filter: filter, onPlan: { plan = $0 }, onProblem: { Issue.record("\($0)") }) { exchange in
                read.append(exchange.envelope.id)
                return .proceed
            }
            return (read, plan)
        }
        var filter = ExchangeFilter()
        filter.partition = 1
        let partition = try read(filter)
        #expect(partition.ids == ids[1] && partition.plan?.indexedSegments == 2)
        filter.topic = fixture.topic
        #expect(try read(filter).ids == ids[1])
        filter.topic = "another.topic"
        let other = try read(filter)
        #expect(other.ids.isEmpty && other.plan?.indexedSegments == 0 && other.plan?.directoriesListed == 1, "\(String(describing: other.plan))")
    }
}
