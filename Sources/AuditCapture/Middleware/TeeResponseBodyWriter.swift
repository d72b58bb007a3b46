import AuditEnvelope
import Hummingbird

/// Writes the response body to the client and records each chunk once it is written; the
/// exchange is handed off after `finish`.
struct TeeResponseBodyWriter: ResponseBodyWriter {
    var parent: any ResponseBodyWriter
    let recorder: ExchangeRecorder
    private var sawFirstByte = false

    init(parent: any ResponseBodyWriter, recorder: ExchangeRecorder) {
        self.parent = parent
        self.recorder = recorder
    }

    mutating func write(_ buffer: ByteBuffer) async throws {
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

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        recorder.recordFirstResponseByte()
        do {
            try await parent.finish(trailingHeaders)
        } catch {
            await recorder.finish(outcome: .clientDisconnected, detail: "response end: \(error)")
            throw error
        }
        recorder.responseBody.complete()
        await recorder.finish(outcome: .completed)
    }
}
