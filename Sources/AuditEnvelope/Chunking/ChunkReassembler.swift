import NIOCore

/// Reassembles chunked envelopes with bounded memory, and reports sets that stay incomplete
/// instead of dropping them silently.
///
/// `Position` is whatever the caller uses to locate a record (for example a partition and offset);
/// it comes back with incomplete sets so they can be reported and handled.
public struct ChunkReassembler<Position: Sendable & Comparable> {
    /// A chunk set that was given up: timed out, evicted to stay within the memory budget, or
    /// inconsistent once complete.
    public struct IncompleteSet: Sendable {
        /// The exchange id.
        public var id: String
        /// How many chunks the set has.
        public var count: Int
        /// The indices received.
        public var received: [Int]
        /// Where the received chunks were.
        public var positions: [Position]
        /// The received chunk values, in the order of ``received``, so that they can be kept.
        public var chunks: [ByteBuffer]
        /// Why it was given up.
        public var reason: String
    }

    /// What adding a record produced.
    public enum Outcome {
        /// The record was a whole envelope, or completed a set.
        case envelope(AuditEnvelope, positions: [Position])
        /// The record is part of a set still missing chunks.
        case pending
        /// Nothing new: a chunk already received.
        case duplicate
    }

    private struct PendingSet {
        var count: Int
        var totalBytes: Int
        var chunks: [Int: ByteBuffer] = [:]
        var positions: [Position] = []
        var first: EnvelopeRecord?
        var started: ContinuousClock.Instant
        /// Bytes of chunk values received.
        var receivedBytes = 0
    }

    /// Bookkeeping charged per chunk on top of its value and headers.
    static var chunkOverheadBytes: Int { 128 }

    /// The largest whole envelope accepted, in bytes.
    public let maxEnvelopeBytes: Int
    /// How long a set may wait for its missing chunks.
    public let timeout: Duration
    private let account: ChunkMemoryBudget.Account
    private var pending: [String: PendingSet] = [:]
    private var givenUp: [IncompleteSet] = []

    /// Creates a reassembler.
    /// - Parameters:
    ///   - maxEnvelopeBytes: The largest envelope accepted, whole or announced by chunk headers.
    ///     Default: 64 MiB.
    ///   - budget: The memory budget of incomplete sets, shared with other reassemblers. Default: a
    ///     budget of its own with the default bounds.
    ///   - timeout: How long a set may stay incomplete. Default: 5 minutes.
    public init(
        maxEnvelopeBytes: Int = 64 * 1024 * 1024,
        budget: ChunkMemoryBudget = ChunkMemoryBudget(),
        timeout: Duration = .seconds(300)
    ) {
        self.maxEnvelopeBytes = maxEnvelopeBytes
        self.account = budget.openAccount()
        self.timeout = timeout
    }

    /// Adds one record.
    /// - Throws: ``EnvelopeError`` for a record that is neither an envelope nor a consistent chunk
    ///   (`invalidChunk`), an envelope over ``maxEnvelopeBytes`` (`oversize`), or a decoding
    ///   error. A set that fails as a whole (its chunks do not add up) is given up instead, and
    ///   comes back from ``takeGivenUp()``.
    public mutating func add(
        _ record: EnvelopeRecord,
        at position: Position,
        now: ContinuousClock.Instant = .now
    ) throws(EnvelopeError) -> Outcome {
        defer { collectEvictions() }
        guard let header = try ChunkHeader.parse(record, maxEnvelopeBytes: maxEnvelopeBytes) else {
            guard record.value.readableBytes <= maxEnvelopeBytes else {
                throw EnvelopeError(.oversize, "envelope of \(record.value.readableBytes) bytes is over the \(maxEnvelopeBytes)-byte limit")
            }
            return .envelope(try KafkaBinaryCodec.decode(headers: record.headers, value: record.value), positions: [position])
        }
        let id = header.id
        var set = pending[id] ?? PendingSet(count: header.count, totalBytes: header.totalBytes, started: now)
        guard set.count == header.count, set.totalBytes == header.totalBytes else {
            throw EnvelopeError(.invalidChunk, "chunk \(header.index) of \(id) says \(header.count) chunks/\(header.totalBytes) bytes, earlier chunks said \(set.count)/\(set.totalBytes)")
        }
        guard set.chunks[header.index] == nil else { return .duplicate }
        guard set.receivedBytes + record.value.readableBytes <= set.totalBytes else {
            throw EnvelopeError(.invalidChunk, "chunk \(header.index) of \(id) takes the set past its announced \(set.totalBytes) bytes")
        }
        let charge = record.value.readableBytes + record.headers.reduce(Self.chunkOverheadBytes) { $0 + $1.name.utf8.count + $1.value.utf8.count }
        set.chunks[header.index] = record.value
        set.positions.append(position)
        set.receivedBytes += record.value.readableBytes
        if header.index == 0 { set.first = record }
        if set.chunks.count == set.count {
            pending[id] = nil
            account.budget.release(account, id: id)
            do throws(EnvelopeError) {
                return .envelope(try Self.assemble(set, id: id), positions: set.positions)
            } catch {
                givenUp.append(Self.incomplete(set, id: id, reason: error.reason))
                return .pending
            }
        }
        pending[id] = set
        account.budget.charge(account, id: id, bytes: charge, started: set.started)
        return .pending
    }

    /// Gives up sets older than the timeout; returns them and any given up since the last call.
    public mutating func expire(now: ContinuousClock.Instant = .now) -> [IncompleteSet] {
        for (id, set) in pending where now - set.started >= timeout {
            giveUp(id, reason: "missing chunks after \(timeout)")
        }
        return takeGivenUp()
    }

    /// The sets given up since the last call (evicted to stay within the budget, or whose chunks
    /// did not add up), without looking for timeouts.
    public mutating func takeGivenUp() -> [IncompleteSet] {
        collectEvictions()
        defer { givenUp = [] }
        return givenUp
    }

    /// The earliest position of a chunk still waiting for its set, if any: committing past it
    /// would lose that set on a restart.
    public var oldestPendingPosition: Position? {
        pending.values.compactMap { $0.positions.min() }.min()
    }

    /// The sets still waiting for chunks: exchange id and where their received chunks were.
    public var pendingPositions: [String: [Position]] {
        pending.mapValues(\.positions)
    }

    /// Bytes of chunk values held.
    public var heldBytes: Int { pending.values.reduce(0) { $0 + $1.receivedBytes } }

    /// Gives up the sets the shared budget evicted.
    private mutating func collectEvictions() {
        let budget = account.budget
        for id in budget.takeEvicted(account) {
            giveUp(id, reason: "evicted: incomplete chunk sets exceeded the memory budget (\(budget.maxBytes) bytes, \(budget.maxSets) sets)")
        }
    }

    private mutating func giveUp(_ id: String, reason: String) {
        guard let set = pending.removeValue(forKey: id) else { return }
        account.budget.release(account, id: id)
        givenUp.append(Self.incomplete(set, id: id, reason: reason))
    }

    private static func incomplete(_ set: PendingSet, id: String, reason: String) -> IncompleteSet {
        let received = set.chunks.keys.sorted()
        return IncompleteSet(
            id: id,
            count: set.count,
            received: received,
            positions: set.positions,
            chunks: received.compactMap { set.chunks[$0] },
            reason: reason
        )
    }

    private static func assemble(_ set: PendingSet, id: String) throws(EnvelopeError) -> AuditEnvelope {
        var value = ByteBuffer()
        value.reserveCapacity(set.receivedBytes)
        for index in 0..<set.count {
            guard var chunk = set.chunks[index] else {
                throw EnvelopeError(.invalidChunk, "chunk \(index) of \(id) is missing")
            }
            value.writeBuffer(&chunk)
        }
        guard value.readableBytes == set.totalBytes else {
            throw EnvelopeError(.invalidChunk, "chunks of \(id) add up to \(value.readableBytes) bytes, expected \(set.totalBytes)")
        }
        guard let first = set.first else {
            throw EnvelopeError(.invalidChunk, "chunk 0 of \(id) is missing")
        }
        let headers = first.headers.filter { !$0.name.hasPrefix("auditshipper_chunk_") && $0.name != "content-type" }
        return try KafkaBinaryCodec.decode(headers: headers, value: value)
    }
}
