#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Splits a JSON body into the whitespace before its value, the value and the whitespace after.
enum JSONPadding {
    static func split(_ body: ByteBuffer) -> (leading: ByteBuffer, value: ByteBuffer, trailing: ByteBuffer) {
        let (start, end) = body.withUnsafeReadableBytes { bytes -> (Int, Int) in
            var start = 0
            var end = bytes.count
            while start < end, isWhitespace(bytes[start]) { start += 1 }
            while end > start, isWhitespace(bytes[end - 1]) { end -= 1 }
            return (start, end)
        }
        let base = body.readerIndex
        return (
            body.getSlice(at: base, length: start)!,
            body.getSlice(at: base + start, length: end - start)!,
            body.getSlice(at: base + end, length: body.readableBytes - end)!
        )
    }

    /// Whether the value (without surrounding whitespace) holds a raw line break, which would
    /// split a one-event-per-line archive; such bodies are stored as text instead.
    static func valueHasLineBreak(_ body: ByteBuffer) -> Bool {
        split(body).value.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress else { return false }
            return memchr(base, 0x0A, bytes.count) != nil || memchr(base, 0x0D, bytes.count) != nil
        }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
