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

    /// A framed record in two parts, written one after the other: the frame header with the
    /// payload's start (key and headers), and the envelope's value as it is (not copied).
    struct Frame {
        var head: ByteBuffer
        var value: ByteBuffer

        /// The frame's size on disk.
        var count: Int { head.readableBytes + value.readableBytes }
    }

    static func frame(_ entry: SpoolEntry) -> Frame {
        var head = ByteBuffer()
        head.reserveCapacity(headerBytes + entry.encodedBytes - entry.record.value.readableBytes)
        head.writeInteger(magic)
        head.writeInteger(UInt32(entry.encodedBytes))
        head.writeInteger(UInt32(0))
        entry.encodePrefix(into: &head)
        let prefix = head.withUnsafeReadableBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[headerBytes...])) }
        let checksum = entry.record.value.withUnsafeReadableBytes { CRC32C.checksum($0, seed: prefix) }
        head.setInteger(checksum, at: head.readerIndex + 8)
        return Frame(head: head, value: entry.record.value)
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
    /// next magic whose record checks out. The entries are slices of `file` (no copies).
    static func scan(_ file: ByteBuffer) -> ScanResult {
        var result = ScanResult()
        let base = file.readerIndex
        let count = file.readableBytes
        guard file.readableBytesView.starts(with: fileHeader) else {
            result.damaged = count == 0 ? 0 : 1
            return result
        }
        var index = fileHeader.count
        var inDamage = false
        while index < count {
            guard index + headerBytes <= count, let magicValue = file.getInteger(at: base + index, as: UInt32.self),
                let length32 = file.getInteger(at: base + index + 4, as: UInt32.self),
                let checksum = file.getInteger(at: base + index + 8, as: UInt32.self)
            else {
                result.tornTail = true
                break
            }
            let length = Int(length32)
            let start = index + headerBytes
            if magicValue == magic, length <= maximumPayload, start + length <= count {
                let matches = file.withUnsafeReadableBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<(start + length)])) } == checksum
                if matches, let payload = file.getSlice(at: base + start, length: length), let entry = SpoolEntry.decode(payload) {
                    result.entries.append(entry)
                    index = start + length
                    inDamage = false
                    continue
                }
            } else if magicValue == magic, start + length > count, length <= maximumPayload {
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
}
