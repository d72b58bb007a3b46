import ArgumentParser
import Foundation
import Kafka
import Logging
import NIOCore

/// Measures produce throughput of acknowledged records.
struct ProducePerfCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce-perf",
        abstract: "Produce records as fast as librdkafka accepts them and report acknowledged throughput.",
        discussion: """
            With --payload-file, each line of the file is one record (the format `kcat -P -l` reads),
            so both clients can send the very same bytes. Prints one line:
            records=N bytes=B seconds=S records_per_s=R mib_per_s=M
            """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "How many records to produce (ignored with --payload-file).")
    var count: Int = 10_000

    @Option(help: "The value size of each record, in bytes (ignored with --payload-file).")
    var size: Int = 1024

    @Option(help: "A file with one record value per line.")
    var payloadFile: String?

    @Option(help: "message.max.bytes for the producer.")
    var messageMaxBytes: Int = 2_097_152

    func run() async throws {
        let values = try loadValues()
        let producer = try KafkaProducer(
            configuration: connection.producerConfiguration(messageMaxBytes: messageMaxBytes),
            logger: Logger(label: "audit-kafka")
        )
        _ = try await producer.metadata(timeout: .seconds(10))
        let tally = DeliveryTally(expected: values.count)
        let start = ContinuousClock.now
        for value in values {
            try await producer.enqueue(KafkaProducerMessage(topic: connection.topic, value: value)) { tally.record($0) }
        }
        let (_, failed) = await tally.wait()
        let elapsed = (ContinuousClock.now - start).seconds
        await producer.close()
        if let first = failed.first { throw ValidationError("\(failed.count) deliveries failed, first: \(first)") }
        let bytes = values.reduce(0) { $0 + $1.readableBytes }
        print(String(format: "records=%d bytes=%d seconds=%.3f records_per_s=%.0f mib_per_s=%.2f",
                     values.count, bytes, elapsed, Double(values.count) / elapsed, Double(bytes) / 1_048_576 / elapsed))
    }

    private func loadValues() throws -> [ByteBuffer] {
        guard let payloadFile else {
            return (0..<count).map { SmokeRecord.value(index: $0, size: size) }
        }
        guard let handle = FileHandle(forReadingAtPath: payloadFile) else {
            throw ValidationError("cannot read --payload-file \(payloadFile)")
        }
        defer { try? handle.close() }
        // One read into one buffer; records are slices of it, so the bytes are not copied again.
        var file = ByteBuffer()
        while let chunk = try handle.read(upToCount: 8 << 20), !chunk.isEmpty {
            file.writeBytes(chunk)
        }
        let newlines = file.withUnsafeReadableBytes { bytes in
            bytes.indices.filter { bytes[$0] == UInt8(ascii: "\n") }
        }
        var values: [ByteBuffer] = []
        var start = 0
        for end in newlines + [file.readableBytes] {
            if end > start { values.append(file.getSlice(at: start, length: end - start)!) }
            start = end + 1
        }
        return values
    }
}
