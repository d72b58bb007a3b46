import AuditCapture
import AuditEnvelope
import NIOCore

/// Builds the record of one body: decodes a gzip or deflate body within limits, redacts it by
/// its format, and chooses the digests an auditor may see. A redacted, withheld or decoded body
/// gets the SHA-256 of what is stored (never of a redacted original); a keyed digest of the
/// original is added when a ``DigestKey`` is configured.
struct BodyRecordBuilder: Sendable {
    let redactor: BodyRedactor
    let decoding: BodyDecodingConfiguration
    let digestKey: DigestKey?
    /// Where a body in several chunks is joined.
    let pool: EnvelopeBufferPool

    /// The record of `captured`; `redactions` gains what was redacted or withheld, `scratch` the
    /// pooled buffer its chunks were joined in (to recycle once the envelope is encoded).
    func record(_ captured: CapturedBody, contentType: String?, contentEncoding: String?, side: String, redactions: inout [String], scratch: inout [ByteBuffer]) -> BodyRecord {
        let wire = captured.sha256()
        var data = joined(captured, scratch: &scratch)
        var decoded: String?
        var decodeError: String?
        if data.readableBytes > 0 {
            switch BodyDecoder.request(for: contentEncoding) {
            case .identity:
                break
            case .unsupported(let coding):
                decodeError = "'\(coding)' is not decoded (only gzip and deflate are)"
            case .decode(let coding):
                if !decoding.isEnabled {
                    decodeError = "decoding is turned off"
                } else if captured.truncated {
                    decodeError = "truncated at \(data.readableBytes) of \(captured.size) bytes: a cut stream is not decoded"
                } else {
                    do {
                        data = try BodyDecoder(maxBytes: decoding.maxBytes, maxRatio: decoding.maxRatio).decode(data, coding)
                        decoded = coding.rawValue
                    } catch {
                        decodeError = error.description
                    }
                }
            }
        }
        let outcome: BodyRedactor.Outcome
        var isJSON = false
        if let decodeError {
            outcome = redactor.isActive ? .withheld("content-encoded and not decoded (\(decodeError)), so fields could not be redacted") : .unchanged
        } else {
            (outcome, isJSON) = redactor.redact(data, contentType: contentType, truncated: captured.truncated)
        }
        var stored = data
        switch outcome {
        case .unchanged:
            break
        case .redacted(let redacted, let pointers):
            stored = redacted
            redactions += pointers.map { "\(side).body\($0)" }
        case .withheld(let reason):
            stored = ByteBuffer()
            redactions.append("\(side).body (withheld: \(reason))")
        }
        // Decoded bytes are classified as what they are; undecoded ones by their coding (base64).
        var record = BodyRecord(size: captured.size, truncated: captured.truncated, sha256: wire.hex, contentType: contentType,
                                contentEncoding: decoded == nil ? contentEncoding : nil, data: stored, isWellFormedJSON: isJSON)
        record.contentEncoding = contentEncoding
        record.truncatedReason = captured.truncatedReason
        record.decoded = decoded
        record.decodeError = decodeError
        let unchanged = if case .unchanged = outcome { true } else { false }
        if decoded != nil || !unchanged {
            record.sha256 = stored.withUnsafeReadableBytes { SHA256Hasher.hash($0) }.hex
            record.sha256Of = .stored
            if decoded != nil, unchanged { record.wireSha256 = wire.hex }
        }
        record.hmacSha256 = digestKey?.authenticate(wire)
        return record
    }

    /// The kept bytes in one buffer: the only chunk as it is, else the chunks copied into a
    /// buffer from the pool (also added to `scratch`).
    private func joined(_ captured: CapturedBody, scratch: inout [ByteBuffer]) -> ByteBuffer {
        guard captured.chunks.count > 1 else { return captured.chunks.first ?? ByteBuffer() }
        var buffer = pool.take(minimumCapacity: captured.chunks.reduce(0) { $0 + $1.readableBytes })
        for chunk in captured.chunks { buffer.writeImmutableBuffer(chunk) }
        scratch.append(buffer)
        return buffer
    }
}
