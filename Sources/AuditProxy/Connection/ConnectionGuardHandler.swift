import Logging
import NIOCore

/// Milestones of an HTTP/1 connection, sent by ``HTTP1ConnectionPolicy`` down the pipeline (as
/// outbound user events) to the ``ConnectionGuardHandler`` below the HTTP codec.
enum ConnectionMilestone: Sendable {
    case requestEnded
    case responseStarted
    case responseEnded
}

/// The first handler of a client connection, on the raw bytes: applies the
/// ``ConnectionGuardStateMachine`` (head size, header-read and idle timeouts) and answers a
/// violation itself, with a fixed `431` or `408` where no response has started, then closes.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var state: ConnectionGuardStateMachine
    private let metrics: ProxyMetrics
    private let logger: Logger
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?

    init(limits: ConnectionLimits, metrics: ProxyMetrics, logger: Logger) {
        self.state = ConnectionGuardStateMachine(limits: limits, now: .now())
        self.metrics = metrics
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        armTimer(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        switch state.received(bytes, now: .now()) {
        case .forward:
            context.fireChannelRead(data)
            armTimer(context: context)
        case .drop:
            // Draining what a refused client still sends, so that closing does not reset the
            // connection before it has read the answer.
            context.read()
        case .reject(let violation, let respond):
            close(context: context, violation: violation, respond: respond)
        }
    }

    func read(context: ChannelHandlerContext) {
        state.readRequested(now: .now())
        armTimer(context: context)
        context.read()
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let milestone = event as? ConnectionMilestone else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        switch milestone {
        case .requestEnded: state.requestEnded(now: .now())
        case .responseStarted: state.responseStarted()
        case .responseEnded: state.responseEnded(now: .now())
        }
        armTimer(context: context)
        promise?.succeed()
    }

    /// Keeps one timer at or before the state machine's deadline; a timer that fires early
    /// re-arms itself for the deadline as it stands then.
    private func armTimer(context: ChannelHandlerContext) {
        guard let deadline = state.deadline else { return }
        if let current = timerDeadline, current <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.timerFired(context: context)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        timerDeadline = nil
        switch state.timerFired(now: .now()) {
        case .wait:
            armTimer(context: context)
        case .close(let violation, let respond):
            close(context: context, violation: violation, respond: respond)
        }
    }

    private func close(context: ChannelHandlerContext, violation: ConnectionGuardStateMachine.Violation, respond: Bool) {
        timer?.cancel()
        timer = nil
        metrics.closed(violation)
        logger.debug("closing client connection", metadata: [
            "reason": "\(violation.rawValue)", "peer": "\(context.remoteAddress?.description ?? "?")",
        ])
        guard respond, let status = violation.status else {
            context.close(promise: nil)
            return
        }
        let body = "\(status.reason.lowercased())\n"
        let response = "HTTP/1.1 \(status.code) \(status.reason)\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: response)), promise: written)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        written.futureResult.whenComplete { _ in
            let context = loopBound.value
            context.close(mode: .output, promise: nil)
            context.read()
            context.eventLoop.scheduleTask(in: Self.lingerAfterAnswer) { loopBound.value.close(promise: nil) }
        }
    }

    /// How long a refused connection is drained after its answer before it is closed.
    static let lingerAfterAnswer: TimeAmount = .seconds(2)
}
