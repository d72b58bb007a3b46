/// Calls a librdkafka function that reports failures by writing a message into a caller-owned
/// buffer, and returns its result along with that message.
func withErrorMessageBuffer<Result>(
    _ body: (UnsafeMutablePointer<CChar>, Int) -> Result
) -> (result: Result, message: String) {
    let capacity = 512
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buffer in
        buffer.initialize(repeating: 0)
        let result = body(buffer.baseAddress!, capacity)
        return (result, String(cString: buffer.baseAddress!))
    }
}
