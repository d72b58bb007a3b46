import Foundation
import NIOCore

/// Chooses how a body is represented in the envelope.
enum BodyClassifier {
    struct Classification {
        var encoding: BodyEncoding
        var jsonError: String?
    }

    static func classify(_ data: ByteBuffer, contentType: String?, contentEncoding: String?) -> Classification {
        let declaredJSON = isJSONMediaType(contentType)
        let isIdentityEncoded = contentEncoding.map { $0.isEmpty || $0.lowercased() == "identity" } ?? true
        guard data.readableBytes > 0 else { return Classification(encoding: .text) }
        guard isIdentityEncoded else {
            return Classification(encoding: .base64, jsonError: declaredJSON ? "body is content-encoded (\(contentEncoding ?? ""))" : nil)
        }
        let jsonProblem = data.withUnsafeReadableBytes { JSONScanner.validate($0) }
        if jsonProblem == nil {
            return wellFormedJSON(data)
        }
        let isText = data.withUnsafeReadableBytes { String(validating: $0, as: UTF8.self) != nil }
        return Classification(encoding: isText ? .text : .base64, jsonError: declaredJSON ? jsonProblem?.description : nil)
    }

    /// The representation of bytes known to be one well-formed JSON document: embedded, unless a
    /// line break inside the value would split a one-event-per-line archive.
    static func wellFormedJSON(_ data: ByteBuffer) -> Classification {
        Classification(encoding: JSONPadding.valueHasLineBreak(data) ? .text : .json)
    }

    /// `application/json`, `text/json` and any `+json` structured syntax suffix.
    static func isJSONMediaType(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
        return mediaType == "application/json" || mediaType == "text/json" || mediaType.hasSuffix("+json")
    }
}
