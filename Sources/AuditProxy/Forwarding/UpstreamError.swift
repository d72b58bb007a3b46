import AuditCapture
import AuditEnvelope
import Hummingbird

/// The upstream could not be reached, timed out, or failed mid-response. The client gets 502 or
/// 504 and the exchange is recorded with the matching outcome.
struct UpstreamError: Error, HTTPResponseError, CaptureOutcomeError, CustomStringConvertible {
    enum Kind {
        case unavailable
        case timeout
        case failedMidResponse
    }

    let kind: Kind
    let detail: String

    var status: HTTPResponse.Status {
        kind == .timeout ? .gatewayTimeout : .badGateway
    }

    var captureOutcome: ExchangeOutcome {
        switch kind {
        case .unavailable: .upstreamUnavailable
        case .timeout: .upstreamTimeout
        case .failedMidResponse: .upstreamError
        }
    }

    var description: String { "upstream \(kind): \(detail)" }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let message = kind == .timeout ? "upstream timed out\n" : "upstream unavailable\n"
        return Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: message))
        )
    }
}
