import Logging
import Testing

@testable import Kafka

@Suite("Configuration")
struct KafkaConfigurationTests {
    @Test("producer defaults are safe for auditing: idempotent, acks=all, bounded local queue")
    func producerDefaults() {
        let properties = KafkaProducerConfiguration().properties
        #expect(properties["enable.idempotence"] == "true")
        #expect(properties["acks"] == "all")
        #expect(properties["message.max.bytes"] == "1000000")
        #expect(properties["queue.buffering.max.kbytes"] == "65536")
        #expect(properties["linger.ms"] == "5")
        #expect(properties["message.timeout.ms"] == "300000")
    }

    @Test("typed settings map to librdkafka properties and pass-through properties win")
    func producerMapping() {
        var configuration = KafkaProducerConfiguration()
        configuration.bootstrapServers = ["127.0.0.1:1", "127.0.0.1:2"]
        configuration.compression = .zstd
        configuration.acks = .leader
        configuration.linger = .microseconds(2500)
        configuration.additionalProperties = ["security.protocol": "SASL_SSL", "linger.ms": "20"]
        let properties = configuration.properties
        #expect(properties["bootstrap.servers"] == "127.0.0.1:1,127.0.0.1:2")
        #expect(properties["compression.codec"] == "zstd")
        #expect(properties["acks"] == "1")
        #expect(properties["security.protocol"] == "SASL_SSL")
        #expect(properties["linger.ms"] == "20")
    }

    @Test("consumers never commit on their own")
    func consumerDefaults() {
        var configuration = KafkaConsumerConfiguration(groupID: "archive")
        configuration.sessionTimeout = .seconds(6)
        let properties = configuration.properties
        #expect(properties["group.id"] == "archive")
        #expect(properties["enable.auto.commit"] == "false")
        #expect(properties["enable.auto.offset.store"] == "false")
        #expect(properties["auto.offset.reset"] == "earliest")
        #expect(properties["session.timeout.ms"] == "6000")
    }

    @Test("an unknown property is refused with its name and librdkafka's message")
    func unknownProperty() throws {
        var configuration = KafkaProducerConfiguration()
        configuration.additionalProperties = ["no.such.property": "1"]
        let error = try #require(throws: KafkaError.self) {
            try KafkaProducer(configuration: configuration, logger: .quiet)
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.description.contains("no.such.property"))
        #expect(error.reason.contains("No such configuration property"))
    }

    @Test("an invalid value is refused with the property's name")
    func invalidValue() throws {
        var configuration = KafkaConsumerConfiguration(groupID: "g")
        configuration.additionalProperties = ["auto.offset.reset": "sideways"]
        let error = try #require(throws: KafkaError.self) {
            try KafkaConsumer(configuration: configuration, logger: .quiet)
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.reason.contains("auto.offset.reset"))
        #expect(error.reason.contains("Invalid value"))
    }

    @Test("codec names parse case-insensitively and unknown ones are rejected")
    func compressionNames() {
        #expect(KafkaCompression(name: "LZ4") == .lz4)
        #expect(KafkaCompression(name: "zstd") == .zstd)
        #expect(KafkaCompression(name: "brotli") == nil)
    }

    @Test("durations convert to whole milliseconds")
    func milliseconds() {
        #expect(Duration.seconds(3).wholeMilliseconds == 3000)
        #expect(Duration.microseconds(1999).wholeMilliseconds == 1)
        #expect(Duration.milliseconds(0).wholeMilliseconds == 0)
    }
}

extension KafkaConfigurationTests {
    @Test("durations become librdkafka milliseconds without a trap: clamped to 0 up to Int32.max for timeouts")
    func durationMilliseconds() {
        let cases: [(Duration, Int64, Int32)] = [
            (.milliseconds(1500), 1500, 1500),
            (.seconds(3_000_000), 3_000_000_000, .max),
            (.seconds(Int64.max), .max, .max),
            (.seconds(-5), -5000, 0),
            (.seconds(Int64.min), .min, 0),
            (.zero, 0, 0),
        ]
        for (duration, whole, timeout) in cases {
            #expect(duration.wholeMilliseconds == whole, "\(duration)")
            #expect(duration.timeoutMilliseconds == timeout, "\(duration)")
        }
    }
}
