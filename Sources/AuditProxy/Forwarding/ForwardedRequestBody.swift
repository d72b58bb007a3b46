import NIOCore

/// Reading the client's request body failed while it was being forwarded (the client went away);
/// kept apart from upstream failures so that it is not reported as a 502.
struct ClientBodyError: Error, CustomStringConvertible {
    let underlying: any Error
    var description: String { "client request body: \(underlying)" }
}

/// The request body as forwarded upstream, marking read failures as the client's, and telling
/// ``RequestBodyCompletion`` when AsyncHTTPClient is done with it.
struct ForwardedRequestBody<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let completion: RequestBodyCompletion

    func makeAsyncIterator() -> AsyncIterator {
        guard completion.begin() else { return AsyncIterator(base: nil, token: nil) }
        return AsyncIterator(base: base.makeAsyncIterator(), token: RequestBodyCompletion.Token(completion))
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        /// `nil` when the exchange ended before AsyncHTTPClient began sending the body.
        var base: Base.AsyncIterator?
        /// Released with the iterator: AsyncHTTPClient drops it when it stops sending the body.
        let token: RequestBodyCompletion.Token?

        mutating func next() async throws -> ByteBuffer? {
            guard var iterator = base, let token else { return nil }
            defer { base = iterator }
            do {
                guard let chunk = try await iterator.next() else {
                    token.completion.finish()
                    return nil
                }
                return chunk
            } catch {
                token.completion.finish()
                throw ClientBodyError(underlying: error)
            }
        }
    }
}
