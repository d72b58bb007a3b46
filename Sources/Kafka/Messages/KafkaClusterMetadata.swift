/// What the cluster told a client about itself.
public struct KafkaClusterMetadata: Sendable, Hashable {
    /// A broker of the cluster.
    public struct Broker: Sendable, Hashable {
        /// The broker id.
        public var id: Int32
        /// The advertised host.
        public var host: String
        /// The advertised port.
        public var port: Int32
    }

    /// The brokers the cluster advertises.
    public var brokers: [Broker]
    /// Partition counts by topic name.
    public var partitionCounts: [String: Int]
}
