import ArgumentParser
import AuditArchive
import Foundation
import Kafka
import Logging

/// Where a reading command finds the witness topic `audit-consumer` publishes checkpoints to
/// (`verify --witness`, `prove --witness`).
struct WitnessOptions: ParsableArguments {
    @Option(name: .long, help: "Kafka bootstrap brokers (host:port, comma-separated) of the witness topic.")
    var witness: String?

    @Option(name: .long, help: "The witness topic audit-consumer publishes checkpoints to (--checkpoint-topic).")
    var checkpointTopic = "audit.archive.checkpoints"

    @Option(name: .long, parsing: .singleValue, help: "librdkafka property for reading the witness, name=value (repeatable), e.g. security.protocol=SASL_SSL.")
    var kafkaProperty: [String] = []

    @Option(name: .long, help: "Seconds allowed for reading the witness topic to its end.")
    var witnessTimeout = 60

    func validate() throws {
        guard (1...86_400).contains(witnessTimeout) else { throw ValidationError("--witness-timeout \(witnessTimeout) is not between 1 and 86400 seconds") }
        for property in kafkaProperty {
            guard let equals = property.firstIndex(of: "="), equals != property.startIndex else {
                throw ValidationError("--kafka-property '\(property)' is not name=value")
            }
        }
    }

    /// The checkpoints on the witness topic and the records that are not checkpoints, `nil`
    /// without `--witness`; exits 2 with the reason when the topic cannot be read.
    func read(clientID: String) async -> (checkpoints: [WitnessCheckpoint], invalid: [String])? {
        guard let witness else { return nil }
        var configuration = KafkaConsumerConfiguration(groupID: clientID)
        configuration.clientID = clientID
        configuration.bootstrapServers = witness.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for property in kafkaProperty {
            guard let equals = property.firstIndex(of: "=") else { continue }
            configuration.additionalProperties[String(property[..<equals])] = String(property[property.index(after: equals)...])
        }
        var logger = Logger(label: "audit-archive")
        logger.logLevel = .error
        do {
            return try await WitnessReader.read(topic: checkpointTopic, configuration: configuration, timeout: .seconds(witnessTimeout), logger: logger)
        } catch {
            exitWithMessage("--witness \(witness): cannot read the witness topic \(checkpointTopic): \(error)")
        }
    }
}
