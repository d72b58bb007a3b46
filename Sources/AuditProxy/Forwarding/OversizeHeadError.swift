import HTTPTypes
import Hummingbird
import NIOHTTP1

/// The request head that would go upstream is larger than AsyncHTTPClient can send safely; the
/// client gets `431` and nothing is forwarded.
///
/// AsyncHTTPClient 1.37 writes a request head in one flush; when the head is larger than the
/// connection's write buffer (64 KiB, NIO's default high watermark) the channel turns unwritable
/// and writable again inside that flush, its state machine starts the body before it records the
/// head as sent, and a `precondition` stops the process
/// (`HTTPRequestStateMachine.headSent()`). Seen here from the second such request on a pooled
/// connection (the first on a new connection goes through), and reproduced in-process by
/// `ProxyServerTests`. The proxy adds forwarding headers to what the client sent, so this is
/// checked on the head as forwarded, not only on the head as received.
struct OversizeHeadError: Error, HTTPResponseError, CustomStringConvertible {
    /// The largest forwarded head: the write buffer's high watermark, less what AsyncHTTPClient
    /// adds (`Host`, `Content-Length` or `Transfer-Encoding`).
    static let forwardableBytes = ConnectionLimits.maximumHeaderBytes - 512

    let bytes: Int

    var status: HTTPResponse.Status { .init(code: 431, reasonPhrase: "Request Header Fields Too Large") }

    var description: String { "request head of \(bytes) bytes as forwarded exceeds \(Self.forwardableBytes)" }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: "request header fields too large\n"))
        )
    }

    /// An upper bound of the bytes NIO encodes for `METHOD target HTTP/1.1`, each header line
    /// and the blank line (the whole URL stands in for the target).
    static func encodedSize(method: String, url: String, headers: HTTPHeaders) -> Int {
        headers.reduce(method.utf8.count + 1 + url.utf8.count + 11) { $0 + $1.name.utf8.count + 2 + $1.value.utf8.count + 2 } + 2
    }
}
