import ArgumentParser
import Kafka
import NIOCore

/// The records `smoke` writes and the check it applies to what it reads back.
enum SmokeRecord {
    static func message(index: Int, size: Int, runID: String, topic: String) -> KafkaProducerMessage {
        KafkaProducerMessage(
            topic: topic,
            key: ByteBuffer(string: "smoke-\(index)"),
            value: value(index: index, size: size),
            headers: [KafkaHeader(key: "smoke-run", string: runID), KafkaHeader(key: "smoke-index", string: String(index))]
        )
    }

    /// A deterministic value that differs per index, so a swapped or corrupted record shows.
    static func value(index: Int, size: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(size)
        var state = UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15 | 1
        while buffer.readableBytes < size {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            buffer.writeInteger(state)
        }
        return buffer.getSlice(at: 0, length: size)!
    }

    /// Reads until `count` records of run `runID` have arrived; fails on any difference.
    /// - Returns: The number of records verified.
    static func readBack(count: Int, size: Int, runID: String, from consumer: KafkaConsumer, timeout: Duration) async throws -> Int {
        try await withThrowingTaskGroup(of: Int?.self) { group in
            group.addTask {
                var seen = Set<Int>()
                for try await event in consumer.events {
                    guard case .message(let message) = event,
                          let run = message.headers.first(where: { $0.key == "smoke-run" })?.value,
                          String(buffer: run) == runID else { continue }
                    let index = try verify(message, size: size)
                    guard seen.insert(index).inserted else {
                        throw ValidationError("record \(index) was read twice")
                    }
                    try consumer.storeOffset(message)
                    if seen.count == count { return seen.count }
                }
                return seen.count
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let first else { throw ValidationError("timed out after \(timeout) waiting for \(count) records") }
            return first
        }
    }

    private static func verify(_ message: KafkaConsumerMessage, size: Int) throws -> Int {
        guard let indexHeader = message.headers.first(where: { $0.key == "smoke-index" })?.value,
              let index = Int(String(buffer: indexHeader)) else {
            throw ValidationError("record at \(message.position) has no smoke-index header")
        }
        guard message.key == ByteBuffer(string: "smoke-\(index)") else {
            throw ValidationError("record \(index) came back with a different key")
        }
        guard message.value == value(index: index, size: size) else {
            throw ValidationError("record \(index) came back with a different value")
        }
        return index
    }
}
