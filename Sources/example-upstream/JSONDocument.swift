import NIOCore

/// Deterministic JSON documents of a requested size.
enum JSONDocument {
    static func make(bytes: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(bytes + 64)
        buffer.writeString(#"{"items":["#)
        var index = 0
        while buffer.readableBytes < bytes - 48 {
            if index > 0 { buffer.writeString(",") }
            buffer.writeString(#"{"id":\#(index),"sku":"SKU-\#(index % 9973)","qty":\#(index % 7 + 1)}"#)
            index += 1
        }
        buffer.writeString("]}")
        return buffer
    }
}
