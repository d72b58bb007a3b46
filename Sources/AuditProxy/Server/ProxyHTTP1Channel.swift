import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// The proxy's HTTP/1 child channel: Hummingbird's HTTP/1 pipeline with the proxy's guards around
/// the codec. From the socket up: ``ConnectionGuardHandler`` (raw bytes: head size and timeouts),
/// NIO's HTTP codec (with the same header limits), ``HTTP1ConnectionPolicy`` (100-continue,
/// HTTP/1.0 framing), the conversion to HTTP types and Hummingbird's connection state handler.
struct ProxyHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let limits: ConnectionLimits
    let registry: ConnectionRegistry
    let metrics: ProxyMetrics

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            registry.add(channel)
            var decoderLimits = NIOHTTPDecoderLimitConfiguration()
            decoderLimits.maxHeaderFieldSize = limits.maxHeaderBytes
            decoderLimits.maxHeaderListSize = limits.maxHeaderBytes
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(ConnectionGuardHandler(limits: limits, metrics: metrics, logger: logger))
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false,
                withErrorHandling: false,
                withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: decoderLimits
            )
            try pipeline.addHandler(HTTP1ConnectionPolicy())
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            // Hummingbird's: closes idle connections when the server quiesces on shutdown.
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}
