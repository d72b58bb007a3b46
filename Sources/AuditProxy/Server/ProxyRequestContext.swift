import Hummingbird
import NIOCore

/// The request context of the proxy listener: Hummingbird's basics plus the client's address,
/// which goes into the forwarding headers and the envelope.
public struct ProxyRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's address.
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
