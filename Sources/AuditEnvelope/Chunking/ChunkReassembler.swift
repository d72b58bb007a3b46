import NIOCore

/// Reassembles chunked envelopes with bounded memory, and reports sets that stay incomplete
/// instead of dropping them silently.
///
/// `Position` is whatever the caller uses to locate a record (for example a partition and offset);
/// it comes back with incomplete sets so they can be reported and handled.
public struct ChunkReassembler<Position: Sendable & Comparable> {
    /// A chunk set that was given up: timed out, or evicted to stay under the memory bound.
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
        var bytes: Int { chunks.values.reduce(0) { $0 + $1.readableBytes } }
    }

    /// The most chunk bytes held at once; past it the oldest set is given up.
    public let maxPendingBytes: Int
    /// How long a set may wait for its missing chunks.
    public let timeout: Duration
    private var pending: [String: PendingSet] = [:]
    private var pendingBytes = 0
    private var givenUp: [IncompleteSet] = []

    /// Creates a reassembler.
    /// - Parameters:
    ///   - maxPendingBytes: The memory bound for incomplete sets. Default: 256 MiB.
    ///   - timeout: How long a set may stay incomplete. Default: 5 minutes.
    public init(maxPendingBytes: Int = 256 * 1024 * 1024, timeout: Duration = .seconds(300)) {
        self.maxPendingBytes = maxPendingBytes
        self.timeout = timeout
    }

    /// Adds one record.
    /// - Throws: ``EnvelopeError`` (code `invalidChunk`, or a decoding error) for a record that is
    ///   neither an envelope nor a consistent chunk.
    public mutating func add(
        _ record: EnvelopeRecord,
        at position: Position,
        now: ContinuousClock.Instant = .now
    ) throws(EnvelopeError) -> Outcome {
        guard let id = record.header(EnvelopeChunker.idHeader) else {
            return .envelope(try KafkaBinaryCodec.decode(headers: record.headers, value: record.value), positions: [position])
        }
        guard let index = record.header(EnvelopeChunker.indexHeader).flatMap(Int.init),
            let count = record.header(EnvelopeChunker.countHeader).flatMap(Int.init),
            let totalBytes = record.header(EnvelopeChunker.totalBytesHeader).flatMap(Int.init),
            count > 0, (0..<count).contains(index), totalBytes >= 0
        else {
            throw EnvelopeError(.invalidChunk, "chunk of \(id) has missing or invalid chunk headers")
        }
        var set = pending[id] ?? PendingSet(count: count, totalBytes: totalBytes, started: now)
        guard set.count == count, set.totalBytes == totalBytes else {
            throw EnvelopeError(.invalidChunk, "chunk \(index) of \(id) says \(count) chunks/\(totalBytes) bytes, earlier chunks said \(set.count)/\(set.totalBytes)")
        }
        guard set.chunks[index] == nil else { return .duplicate }
        set.chunks[index] = record.value
        set.positions.append(position)
        pendingBytes += record.value.readableBytes
        if index == 0 { set.first = record }
        if set.chunks.count == count {
            pending[id] = nil
            pendingBytes -= set.bytes
            return .envelope(try Self.assemble(set, id: id), positions: set.positions)
        }
        pending[id] = set
        evictOverBound()
        return .pending
    }

    /// Gives up sets older than the timeout; returns them and any evicted since the last call.
    public mutating func expire(now: ContinuousClock.Instant = .now) -> [IncompleteSet] {
        for (id, set) in pending where now - set.started >= timeout {
            giveUp(id, reason: "missing chunks after \(timeout)")
        }
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

    /// Bytes of chunks held.
    public var heldBytes: Int { pendingBytes }

    private mutating func evictOverBound() {
        while pendingBytes > maxPendingBytes, let oldest = pending.min(by: { $0.value.started < $1.value.started }) {
            giveUp(oldest.key, reason: "evicted: incomplete sets exceeded \(maxPendingBytes) bytes")
        }
    }

    private mutating func giveUp(_ id: String, reason: String) {
        guard let set = pending.removeValue(forKey: id) else { return }
        pendingBytes -= set.bytes
        let received = set.chunks.keys.sorted()
        givenUp.append(IncompleteSet(
            id: id,
            count: set.count,
            received: received,
            positions: set.positions,
            chunks: received.map { set.chunks[$0]! },
            reason: reason
        ))
    }

    private static func assemble(_ set: PendingSet, id: String) throws(EnvelopeError) -> AuditEnvelope {
        var value = ByteBuffer()
        value.reserveCapacity(set.totalBytes)
        for index in 0..<set.count {
            var chunk = set.chunks[index]!
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
