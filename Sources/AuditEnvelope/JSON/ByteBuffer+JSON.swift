import NIOCore

extension ByteBuffer {
    /// Writes `string` as a JSON string literal, quotes included.
    @discardableResult
    public mutating func writeJSONString(_ string: String) -> Int {
        var string = string
        return string.withUTF8 { writeJSONString(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// Writes valid UTF-8 text as a JSON string literal, escaping quotes, backslashes and control
    /// characters; other characters are copied as they are.
    @discardableResult
    public mutating func writeJSONString(utf8 text: UnsafeRawBufferPointer) -> Int {
        let start = writerIndex
        reserveCapacity(minimumWritableBytes: text.count + 2)
        writeInteger(UInt8(ascii: "\""))
        var runStart = 0
        for index in 0..<text.count {
            let byte = text[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            writeBytes(UnsafeRawBufferPointer(rebasing: text[runStart..<index]))
            switch byte {
            case UInt8(ascii: "\""): writeStaticString("\\\"")
            case UInt8(ascii: "\\"): writeStaticString("\\\\")
            case UInt8(ascii: "\n"): writeStaticString("\\n")
            case UInt8(ascii: "\r"): writeStaticString("\\r")
            case UInt8(ascii: "\t"): writeStaticString("\\t")
            default:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                writeStaticString("\\u00")
                writeInteger(hex[Int(byte >> 4)])
                writeInteger(hex[Int(byte & 0x0F)])
            }
            runStart = index + 1
        }
        writeBytes(UnsafeRawBufferPointer(rebasing: text[runStart..<text.count]))
        writeInteger(UInt8(ascii: "\""))
        return writerIndex - start
    }

    /// Writes `"key":`.
    public mutating func writeJSONKey(_ key: StaticString) {
        writeInteger(UInt8(ascii: "\""))
        writeStaticString(key)
        writeStaticString("\":")
    }
}
