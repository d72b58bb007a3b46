import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// Forwards requests to the upstream app with AsyncHTTPClient, streaming both bodies.
struct ProxyResponder: Sendable {
    let client: HTTPClient
    let upstream: URL
    let timeout: Duration
    let forwarded: ForwardedHeaders

    /// Forwards `request` and returns the upstream's response, whose body streams as it arrives.
    /// - Throws: ``UpstreamError`` (502/504) when the upstream fails, ``OversizeHeadError`` (431)
    ///   when the head to forward is larger than AsyncHTTPClient can take, or the client's own
    ///   error when its request body could not be read.
    func forward(_ request: Request, clientAddress: String?) async throws -> Response {
        let url = target(for: request)
        var outgoing = HTTPClientRequest(url: url)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        outgoing.headers = forwarded.headers(for: request.head, clientAddress: clientAddress)
        let forwardedHeadBytes = OversizeHeadError.encodedSize(method: outgoing.method.rawValue, url: url, headers: outgoing.headers)
        guard forwardedHeadBytes <= OversizeHeadError.forwardableBytes else {
            throw OversizeHeadError(bytes: forwardedHeadBytes)
        }
        let length = request.headers[.contentLength].flatMap(Int.init)
        let requestBody = RequestBodyCompletion()
        if (length ?? 0) > 0 || request.headers[.transferEncoding] != nil {
            outgoing.body = .stream(
                ForwardedRequestBody(base: request.body, completion: requestBody),
                length: length.map { .known(Int64($0)) } ?? .unknown
            )
        } else {
            requestBody.finish()
        }
        let incoming: HTTPClientResponse
        do {
            incoming = try await client.execute(outgoing, timeout: TimeAmount(timeout))
        } catch let error as ClientBodyError {
            await requestBody.finishUnlessStartedThenWait()
            throw error.underlying
        } catch {
            await requestBody.finishUnlessStartedThenWait()
            throw Self.classify(error)
        }
        return response(from: incoming, after: requestBody)
    }

    private func target(for request: Request) -> String {
        var base = upstream.absoluteString
        if base.hasSuffix("/") { base.removeLast() }
        return base + (request.head.path ?? "/")
    }

    /// The response to the client; it finishes only once AsyncHTTPClient has stopped reading the
    /// request body (see ``RequestBodyCompletion``).
    private func response(from incoming: HTTPClientResponse, after requestBody: RequestBodyCompletion) -> Response {
        var fields = HTTPFields()
        var upstreamFields = HTTPFields()
        for (name, value) in incoming.headers {
            if let fieldName = HTTPField.Name(name) { upstreamFields.append(HTTPField(name: fieldName, value: value)) }
        }
        fields.append(contentsOf: HopByHopHeaders.endToEnd(upstreamFields, dropping: ["content-length"]))
        let isChunked = incoming.headers.contains(name: "Transfer-Encoding")
        let length = isChunked ? nil : incoming.headers.first(name: "Content-Length").flatMap(Int.init)
        let body = incoming.body
        return Response(
            status: HTTPResponse.Status(code: Int(incoming.status.code), reasonPhrase: incoming.status.reasonPhrase),
            headers: fields,
            body: ResponseBody(contentLength: length) { writer in
                var chunks = body.makeAsyncIterator()
                while true {
                    let chunk: ByteBuffer?
                    do {
                        chunk = try await chunks.next()
                    } catch {
                        throw UpstreamError(kind: .failedMidResponse, detail: "\(error)")
                    }
                    guard let chunk else { break }
                    try await writer.write(chunk)
                }
                await requestBody.finishUnlessStartedThenWait()
                try await writer.finish(nil)
            }
        )
    }

    private static func classify(_ error: any Error) -> UpstreamError {
        if let error = error as? HTTPClientError,
            [.connectTimeout, .deadlineExceeded, .readTimeout].contains(error)
        {
            return UpstreamError(kind: .timeout, detail: "\(error)")
        }
        return UpstreamError(kind: .unavailable, detail: "\(error)")
    }
}
