import NIOCore

/// Reading the client's request body failed while it was being forwarded (the client went away);
/// kept apart from upstream failures so that it is not reported as a 502.
struct ClientBodyError: Error, CustomStringConvertible {
    let underlying: any Error
    var description: String { "client request body: \(underlying)" }
}

/// The request body as forwarded upstream, marking read failures as the client's.
struct ForwardedRequestBody<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator())
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator

        mutating func next() async throws -> ByteBuffer? {
            do {
                return try await base.next()
            } catch {
                throw ClientBodyError(underlying: error)
            }
        }
    }
}
