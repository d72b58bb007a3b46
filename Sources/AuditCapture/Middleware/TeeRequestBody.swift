import Hummingbird

/// The request body as the handler reads it, with every chunk also recorded.
struct TeeRequestBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let base: RequestBody
    let recorder: ExchangeRecorder

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), recorder: recorder)
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let recorder: ExchangeRecorder

        mutating func next() async throws -> ByteBuffer? {
            do {
                guard let chunk = try await base.next() else {
                    recorder.requestBody.complete()
                    return nil
                }
                recorder.requestBody.append(chunk)
                return chunk
            } catch {
                recorder.recordRequestFailure(error)
                throw error
            }
        }
    }
}
