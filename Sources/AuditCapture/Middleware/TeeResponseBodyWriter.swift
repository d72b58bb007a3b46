import AuditEnvelope
import Hummingbird

/// Writes the response body to the client and records each chunk once it is written; the
/// exchange is handed off after `finish`. With `holdsLastChunk` each chunk is written only when
/// the next one arrives, and the last one only after the exchange was handed off.
struct TeeResponseBodyWriter: ResponseBodyWriter {
    var parent: any ResponseBodyWriter
    let recorder: ExchangeRecorder
    let holdsLastChunk: Bool
    private var held: ByteBuffer?
    private var sawFirstByte = false

    init(parent: any ResponseBodyWriter, recorder: ExchangeRecorder, holdsLastChunk: Bool) {
        self.parent = parent
        self.recorder = recorder
        self.holdsLastChunk = holdsLastChunk
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
        guard holdsLastChunk else {
            try await forward(buffer)
            return
        }
        if let previous = held { try await forward(previous) }
        held = buffer
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        recorder.recordFirstResponseByte()
        if let last = held {
            // The sink takes the exchange (the whole body) before the client can have it all.
            recorder.responseBody.append(last)
            recorder.responseBody.complete()
            await recorder.finish(outcome: .completed)
            try await parent.write(last)
            try await parent.finish(trailingHeaders)
            return
        }
        do {
            try await parent.finish(trailingHeaders)
        } catch {
            await recorder.finish(outcome: .clientDisconnected, detail: "response end: \(error)")
            throw error
        }
        recorder.responseBody.complete()
        await recorder.finish(outcome: .completed)
    }

    /// Writes a chunk to the client and records it.
    private mutating func forward(_ buffer: ByteBuffer) async throws {
        if !sawFirstByte {
            sawFirstByte = true
            recorder.recordFirstResponseByte()
        }
        do {
            try await parent.write(buffer)
        } catch {
            await recorder.finish(outcome: .clientDisconnected, detail: "response body: \(error)")
            throw error
        }
        recorder.responseBody.append(buffer)
    }
}
