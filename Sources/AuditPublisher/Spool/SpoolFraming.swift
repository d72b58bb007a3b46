import NIOCore

/// The framing of records in a spool segment: magic u32, payload length u32, CRC-32C of the
/// payload u32, payload. The magic lets a reader find the next record after a damaged one.
enum SpoolFraming {
    static let magic: UInt32 = 0xA5D1_7E57
    static let headerBytes = 12
    /// Segment files start with this line, naming the format.
    static let fileHeader = Array("AUDITSHIPPER-SPOOL 1\n".utf8)
    /// Larger lengths are treated as damage.
    static let maximumPayload = 512 * 1024 * 1024

    static func frame(_ entry: SpoolEntry) -> ByteBuffer {
        var payload = ByteBuffer()
        payload.reserveCapacity(entry.record.value.readableBytes + 1024)
        entry.encode(into: &payload)
        var framed = ByteBuffer()
        framed.reserveCapacity(payload.readableBytes + headerBytes)
        framed.writeInteger(magic)
        framed.writeInteger(UInt32(payload.readableBytes))
        framed.writeInteger(payload.withUnsafeReadableBytes { CRC32C.checksum($0) })
        framed.writeBuffer(&payload)
        return framed
    }

    /// What scanning a segment found.
    struct ScanResult {
        var entries: [SpoolEntry] = []
        /// Damaged records skipped (bad checksum, bad length, undecodable payload).
        var damaged = 0
        /// Whether the file ends in the middle of a record (a write cut short by a crash).
        var tornTail = false
    }

    /// Reads every intact record of a segment's bytes, skipping damaged ones by searching for the
    /// next magic whose record checks out.
    static func scan(_ file: ByteBuffer) -> ScanResult {
        var result = ScanResult()
        let bytes = Array(file.readableBytesView)
        guard bytes.starts(with: fileHeader) else {
            result.damaged = bytes.isEmpty ? 0 : 1
            return result
        }
        var index = fileHeader.count
        var inDamage = false
        while index < bytes.count {
            guard index + headerBytes <= bytes.count else {
                result.tornTail = true
                break
            }
            let magicValue = read32(bytes, index)
            let length = Int(read32(bytes, index + 4))
            let checksum = read32(bytes, index + 8)
            let start = index + headerBytes
            if magicValue == magic, length <= maximumPayload, start + length <= bytes.count {
                let matches = bytes[start..<(start + length)].withUnsafeBytes { CRC32C.checksum($0) } == checksum
                if matches, let entry = SpoolEntry.decode(ByteBuffer(bytes: bytes[start..<(start + length)])) {
                    result.entries.append(entry)
                    index = start + length
                    inDamage = false
                    continue
                }
            } else if magicValue == magic, start + length > bytes.count, length <= maximumPayload {
                result.tornTail = true
                break
            }
            if !inDamage {
                result.damaged += 1
                inDamage = true
            }
            index += 1
        }
        return result
    }

    private static func read32(_ bytes: [UInt8], _ index: Int) -> UInt32 {
        UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
    }
}
