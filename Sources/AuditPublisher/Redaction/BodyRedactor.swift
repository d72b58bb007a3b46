import AuditEnvelope
import Foundation
import NIOCore

/// Redacts a body by what it is: JSON (declared, or recognised by its first byte, with or without
/// a UTF-8 byte order mark), NDJSON (line by line), or a form. A body that should hold fields
/// but cannot be read as its format (malformed JSON) is withheld: the fields to redact cannot be
/// found in it. A JSON body cut at the capture limit keeps its prefix, redacted up to the cut;
/// only a key the cut falls in (and nothing after it) is withheld. Other bodies are kept as they are.
struct BodyRedactor: Sendable {
    /// What redaction made of a body.
    enum Outcome: Sendable {
        case unchanged
        /// The body with values replaced, and where (JSON Pointers or field names, prefixed by
        /// `[line]` for NDJSON).
        case redacted(ByteBuffer, [String])
        /// Not stored, and why.
        case withheld(String)
    }

    let json: JSONRedactor
    let form: URLEncodedRedactor

    init(configuration: RedactionConfiguration) {
        let fields = KeyMatcher(configuration.fieldPatterns, caseSensitive: configuration.caseSensitive)
        json = JSONRedactor(fields: fields, pointers: configuration.jsonPointers)
        form = URLEncodedRedactor(names: fields)
    }

    /// Whether any body field can be redacted.
    var isActive: Bool { !json.isEmpty }

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Redacts `data`, whose `Content-Type` is `contentType`; `truncated` when the capture limit
    /// cut it.
    /// - Returns: The outcome, and whether the bytes to store (`data` when unchanged) were read
    ///   as exactly one well-formed JSON document, so that nobody needs to validate them again.
    func redact(_ data: ByteBuffer, contentType: String?, truncated: Bool) -> (outcome: Outcome, isJSON: Bool) {
        guard isActive, data.readableBytes > 0 else { return (.unchanged, false) }
        let mediaType = Self.mediaType(contentType)
        if mediaType == "application/x-www-form-urlencoded" {
            return (redactForm(data), false)
        }
        var body = data
        let hasMark = body.readableBytesView.starts(with: Self.byteOrderMark)
        if hasMark { body.moveReaderIndex(forwardBy: Self.byteOrderMark.count) }
        let isNDJSON = ["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"].contains(mediaType)
        guard isNDJSON || BodyRecord.declaresJSON(contentType) || Self.looksLikeJSON(body) else { return (.unchanged, false) }
        let outcome: Outcome
        if truncated, !isNDJSON, let prefix = json.redactPrefix(body) {
            outcome = Self.outcome(of: prefix)
        } else if !truncated, !isNDJSON, let (redacted, pointers) = json.redact(body) {
            outcome = pointers.isEmpty ? .unchanged : .redacted(redacted, pointers)
            if !hasMark { return (outcome, true) }
        } else if isNDJSON || body.readableBytesView.contains(UInt8(ascii: "\n")) {
            outcome = redactLines(body, truncated: truncated)
        } else if truncated {
            return (.withheld("cut at the capture limit and not the beginning of a JSON document, so fields could not be redacted"), false)
        } else {
            return (.withheld("not well-formed JSON, so fields could not be redacted"), false)
        }
        guard hasMark, case .redacted(var redacted, let pointers) = outcome else { return (outcome, false) }
        var marked = ByteBuffer(bytes: Self.byteOrderMark)
        marked.writeBuffer(&redacted)
        return (.redacted(marked, pointers), false)
    }

    /// A redacted prefix as an outcome: a withheld tail is listed beside the pointers.
    private static func outcome(of prefix: JSONRedactor.Prefix, line: Int? = nil) -> Outcome {
        let label = line.map { "[\($0)]" } ?? ""
        var listed = prefix.redacted.map { label + $0 }
        if prefix.withheldTail > 0 {
            listed.append("\(label) (withheld: the last \(prefix.withheldTail) bytes, a key cut at the capture limit)")
        }
        return listed.isEmpty ? .unchanged : .redacted(prefix.body, listed)
    }

    /// NDJSON: every non-empty line must be JSON; each is redacted as its own document (the last
    /// one as a prefix when the capture limit cut the body).
    private func redactLines(_ body: ByteBuffer, truncated: Bool) -> Outcome {
        var output = ByteBuffer()
        output.reserveCapacity(body.readableBytes)
        var pointers: [String] = []
        let lines = body.readableBytesView.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (number, line) in lines.enumerated() {
            if number > 0 { output.writeInteger(UInt8(ascii: "\n")) }
            let text = ByteBuffer(bytes: line)
            guard line.contains(where: { !Self.isWhitespace($0) }) else {
                output.writeBytes(line)
                continue
            }
            if truncated, number == lines.count - 1 {
                guard let prefix = json.redactPrefix(text) else {
                    return .withheld("line \(number + 1) is not the beginning of a JSON document, so fields could not be redacted")
                }
                if case .redacted(var redacted, let linePointers) = Self.outcome(of: prefix, line: number + 1) {
                    output.writeBuffer(&redacted)
                    pointers += linePointers
                } else {
                    output.writeBytes(line)
                }
                continue
            }
            guard let (redacted, linePointers) = json.redact(text) else {
                return .withheld("line \(number + 1) is not well-formed JSON, so fields could not be redacted")
            }
            var copy = redacted
            output.writeBuffer(&copy)
            pointers += linePointers.map { "[\(number + 1)]\($0)" }
        }
        return pointers.isEmpty ? .unchanged : .redacted(output, pointers)
    }

    private func redactForm(_ data: ByteBuffer) -> Outcome {
        guard let text = data.getString(at: data.readerIndex, length: data.readableBytes),
              text.utf8.elementsEqual(data.readableBytesView) else {
            return .withheld("a form body that is not UTF-8, so fields could not be redacted")
        }
        let (redacted, names) = form.redact(parameters: Substring(text))
        return names.isEmpty ? .unchanged : .redacted(ByteBuffer(string: redacted), names.map { JSONRedactor.pointer([$0]) })
    }

    /// JSON by content: the first byte that is not whitespace opens an object or an array.
    static func looksLikeJSON(_ body: ByteBuffer) -> Bool {
        guard let first = body.readableBytesView.first(where: { !isWhitespace($0) }) else { return false }
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The media type of a `Content-Type` value, lowercased, without parameters.
    static func mediaType(_ contentType: String?) -> String {
        guard let contentType else { return "" }
        return contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }
}
