import ArgumentParser
import Foundation
import Kafka

/// Options shared by every subcommand.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Comma-separated bootstrap brokers (host:port). Env: KAFKA_BROKERS.")
    var brokers: String = ProcessInfo.processInfo.environment["KAFKA_BROKERS"] ?? "127.0.0.1:9092"

    @Option(name: .long, help: "The topic to use.")
    var topic: String = "audit.smoke"

    @Option(name: .long, help: "Compression codec: none, gzip, snappy, lz4 or zstd.")
    var compression: String = "lz4"

    @Option(name: .customLong("property"), parsing: .singleValue, help: "Extra librdkafka property as name=value (repeatable), e.g. security.protocol=SASL_SSL.")
    var properties: [String] = []

    var bootstrapServers: [String] {
        brokers.split(separator: ",").map { String($0.trimmingCharacters(in: .whitespaces)) }
    }

    func validate() throws {
        guard KafkaCompression(name: compression) != nil else {
            throw ValidationError("--compression must be one of none, gzip, snappy, lz4, zstd (got '\(compression)')")
        }
        for property in properties where !property.contains("=") {
            throw ValidationError("--property takes name=value (got '\(property)')")
        }
    }

    var additionalProperties: [String: String] {
        var result: [String: String] = [:]
        for property in properties {
            let parts = property.split(separator: "=", maxSplits: 1)
            result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }

    func producerConfiguration(messageMaxBytes: Int) -> KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration()
        configuration.bootstrapServers = bootstrapServers
        configuration.compression = KafkaCompression(name: compression) ?? .lz4
        configuration.messageMaxBytes = messageMaxBytes
        configuration.messageTimeout = .seconds(30)
        configuration.additionalProperties = additionalProperties
        return configuration
    }
}
