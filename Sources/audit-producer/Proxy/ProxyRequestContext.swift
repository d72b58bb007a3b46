import Hummingbird
import NIOCore

/// The request context of the proxy listener: Hummingbird's basics plus the client's address,
/// which goes into `X-Forwarded-For` and the envelope.
struct ProxyRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
