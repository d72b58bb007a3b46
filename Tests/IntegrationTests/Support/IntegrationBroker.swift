import Foundation
import Kafka
import Logging
import NIOCore

/// The broker that `scripts/test` starts on 127.0.0.1 and names in `KAFKA_BROKERS`.
enum IntegrationBroker {
    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "KAFKA_BROKERS is not set: integration tests need the broker that scripts/test starts on 127.0.0.1"
        }
    }

    static func bootstrapServers() throws -> [String] {
        guard let value = ProcessInfo.processInfo.environment["KAFKA_BROKERS"], !value.isEmpty else { throw Missing() }
        return value.split(separator: ",").map(String.init)
    }

    static var logger: Logger {
        var logger = Logger(label: "integration")
        logger.logLevel = .error
        return logger
    }

    /// A topic name no other test uses; Tansu creates it on first produce.
    static func uniqueTopic(_ prefix: String) -> String {
        "it-\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    static func producerConfiguration() throws -> KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration()
        configuration.bootstrapServers = try bootstrapServers()
        configuration.messageTimeout = .seconds(60)
        return configuration
    }

    /// A consumer configuration with the short session timeout that makes Tansu's group join
    /// take seconds instead of ~23 s.
    static func consumerConfiguration(group: String) throws -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(groupID: group)
        configuration.bootstrapServers = try bootstrapServers()
        configuration.sessionTimeout = .seconds(6)
        return configuration
    }

    /// Random bytes, different on every call.
    static func randomBytes(_ count: Int) -> ByteBuffer {
        var generator = SystemRandomNumberGenerator()
        var buffer = ByteBuffer()
        buffer.reserveCapacity(count + 8)
        while buffer.readableBytes < count {
            buffer.writeInteger(generator.next() as UInt64)
        }
        return buffer.getSlice(at: 0, length: count)!
    }
}
