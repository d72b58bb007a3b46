import NIOCore
import NIOHTTP1

/// HTTP/1 rules the proxy applies per request, between NIO's HTTP codec and Hummingbird's:
/// - `Expect: 100-continue` is answered at once for HTTP/1.1 requests (curl waits a second for
///   bodies of 1 MB and more), and removed without an answer from HTTP/1.0 ones (RFC 9110
///   §10.1.1: a 100 response is not sent to an HTTP/1.0 client);
/// - a response to an HTTP/1.0 request is sent as HTTP/1.0: without a known length it is framed
///   by closing the connection (chunked coding does not exist in 1.0), and the connection closes
///   after it unless the client asked to keep it alive;
/// - the ``ConnectionGuardHandler`` below is told where requests and responses begin and end.
final class HTTP1ConnectionPolicy: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What framing a response needs from its request.
    struct RequestFraming: Equatable {
        var version: HTTPVersion
        var keepAlive: Bool
        var isHead: Bool
    }

    /// Requests read and not yet answered, oldest first.
    private var pending: [RequestFraming] = []
    private var closeAfterResponse = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(var head):
            pending.append(RequestFraming(version: head.version, keepAlive: head.isKeepAlive, isHead: head.method == .HEAD))
            if head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                head.headers.remove(name: "expect")
                if head.version.major == 1, head.version.minor >= 1 {
                    context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
                }
            }
            context.fireChannelRead(wrapInboundOut(.head(head)))
        case .body:
            context.fireChannelRead(data)
        case .end:
            context.triggerUserOutboundEvent(ConnectionMilestone.requestEnded, promise: nil)
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status.code >= 200:
            context.triggerUserOutboundEvent(ConnectionMilestone.responseStarted, promise: nil)
            if let request = pending.first, request.version.major == 1, request.version.minor == 0 {
                closeAfterResponse = Self.frameForHTTP10(&head, request: request)
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .head, .body:
            context.write(data, promise: promise)
        case .end:
            if !pending.isEmpty { pending.removeFirst() }
            guard closeAfterResponse else {
                context.write(data, promise: promise)
                context.triggerUserOutboundEvent(ConnectionMilestone.responseEnded, promise: nil)
                return
            }
            closeAfterResponse = false
            let written = promise ?? context.eventLoop.makePromise(of: Void.self)
            context.write(data, promise: written)
            context.triggerUserOutboundEvent(ConnectionMilestone.responseEnded, promise: nil)
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.futureResult.whenComplete { _ in loopBound.value.close(promise: nil) }
        }
    }

    /// Makes `head` an HTTP/1.0 response for `request`; `true` when the connection must close
    /// after it.
    static func frameForHTTP10(_ head: inout HTTPResponseHead, request: RequestFraming) -> Bool {
        head.version = .http1_0
        let bodyless = request.isHead || head.status.code == 204 || head.status.code == 304
        let delimited = bodyless || head.headers.contains(name: "content-length")
        head.headers.remove(name: "transfer-encoding")
        guard delimited, request.keepAlive else {
            head.headers.replaceOrAdd(name: "connection", value: "close")
            return true
        }
        head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
        return false
    }
}
