import AuditEnvelope
import NIOCore

/// Redacting the beginning of a JSON document that the capture limit cut: everything up to the
/// cut is judged as in a whole document, and only what cannot be judged is withheld.
extension JSONRedactor {
    /// A redacted prefix.
    struct Prefix {
        /// The prefix with sensitive values replaced; a value the cut falls in is replaced whole
        /// and ends the prefix.
        var body: ByteBuffer
        /// The JSON Pointers redacted.
        var redacted: [String]
        /// Bytes withheld at the end: a key the cut falls in (it cannot be judged).
        var withheldTail: Int
    }

    /// Redacts `body`, the first bytes of a JSON document.
    /// - Returns: `nil` when `body` is not the beginning of a JSON document (a syntax error
    ///   before the cut, or data after a complete document).
    func redactPrefix(_ body: ByteBuffer) -> Prefix? {
        body.withUnsafeReadableBytes { bytes -> Prefix? in
            // Replacements end at or before `keep`: only a cut key moves it back, and nothing follows that.
            guard let scan = PrefixScan(redactor: self, bytes: bytes).run() else { return nil }
            let body = JSONRedactor.splice(bytes, replacing: scan.replacements.map(\.range), upTo: scan.keep)
            return Prefix(body: body, redacted: scan.replacements.map(\.pointer), withheldTail: bytes.count - scan.keep)
        }
    }
}

/// One pass over the prefix of a JSON document with an explicit stack, checking the grammar up
/// to the cut (strings, escapes, UTF-8, numbers and literals are checked by ``JSONScanner``).
private struct PrefixScan {
    private enum Frame {
        case object(key: String?)
        case array(index: Int)
    }

    /// What the grammar allows next.
    private enum Expect {
        case value
        case valueOrClose
        case keyOrClose
        case key
        case colon
        case commaOrClose
        case end
    }

    /// What one token tells.
    private enum Token {
        /// It ends at this index, before the cut.
        case ends(Int)
        /// The cut falls inside it, or right after it where it may go on (a number, a literal).
        case cut
        case malformed
    }

    /// Where the scan goes after a value.
    private enum Step {
        case next(Int)
        case cut
        case malformed
    }

    let redactor: JSONRedactor
    let bytes: UnsafeRawBufferPointer
    private let scanner: JSONScanner
    private let reader: JSONReader
    private var stack: [Frame] = []
    private var expect = Expect.value
    private(set) var replacements: [(range: Range<Int>, pointer: String)] = []
    /// Where the bytes kept end.
    private(set) var keep: Int

    init(redactor: JSONRedactor, bytes: UnsafeRawBufferPointer) {
        self.redactor = redactor
        self.bytes = bytes
        self.scanner = JSONScanner(bytes)
        self.reader = JSONReader(bytes)
        self.keep = bytes.count
    }

    /// Scans to the cut; `nil` when the bytes are not the beginning of a JSON document.
    consuming func run() -> PrefixScan? {
        var index = scanner.skipWhitespace(from: 0)
        while index < bytes.count {
            let byte = bytes[index]
            switch expect {
            case .end:
                return nil
            case .colon:
                guard byte == UInt8(ascii: ":") else { return nil }
                expect = .value
                index += 1
            case .keyOrClose where byte == UInt8(ascii: "}"), .valueOrClose where byte == UInt8(ascii: "]"):
                stack.removeLast()
                valueEnded()
                index += 1
            case .keyOrClose, .key:
                guard byte == UInt8(ascii: "\"") else { return nil }
                switch token({ () throws(JSONScanError) -> Int in try scanner.skipString(at: index) }) {
                case .malformed:
                    return nil
                case .cut:
                    // A key the cut falls in cannot be judged: it and what follows are withheld.
                    keep = index
                    return self
                case .ends(let end):
                    stack[stack.count - 1] = .object(key: JSONRedactor.key(bytes, index..<end, reader: reader))
                    expect = .colon
                    index = end
                }
            case .commaOrClose:
                switch (byte, stack.last) {
                case (UInt8(ascii: ","), .object?):
                    expect = .key
                case (UInt8(ascii: ","), .array(let position)?):
                    stack[stack.count - 1] = .array(index: position + 1)
                    expect = .value
                case (UInt8(ascii: "}"), .object?), (UInt8(ascii: "]"), .array?):
                    stack.removeLast()
                    valueEnded()
                default:
                    return nil
                }
                index += 1
            case .value, .valueOrClose:
                switch value(at: index) {
                case .malformed: return nil
                case .cut: return self
                case .next(let next): index = next
                }
            }
            index = scanner.skipWhitespace(from: index)
        }
        return self
    }

    /// The value starting at `index`: a sensitive one is replaced whole (to the cut, if the cut
    /// falls in it), a container is entered, anything else is checked and kept.
    private mutating func value(at index: Int) -> Step {
        let path = path()
        let byKey = if case .object(let key?)? = stack.last { redactor.fields.matches(key) } else { false }
        let sensitive = byKey || redactor.pointers.contains { JSONRedactor.matches($0, path) }
        if !sensitive, bytes[index] == UInt8(ascii: "{") || bytes[index] == UInt8(ascii: "[") {
            guard stack.count < JSONScanner.maximumDepth else { return .malformed }
            let isObject = bytes[index] == UInt8(ascii: "{")
            stack.append(isObject ? .object(key: nil) : .array(index: 0))
            expect = isObject ? .keyOrClose : .valueOrClose
            return .next(index + 1)
        }
        switch token({ () throws(JSONScanError) -> Int in try scanner.skipValue(at: index) }) {
        case .malformed:
            return .malformed
        case .cut:
            if sensitive { replacements.append((index..<bytes.count, JSONRedactor.pointer(path))) }
            return .cut
        case .ends(let end):
            if sensitive { replacements.append((index..<end, JSONRedactor.pointer(path))) }
            valueEnded()
            return .next(end)
        }
    }

    private mutating func valueEnded() {
        expect = stack.isEmpty ? .end : .commaOrClose
    }

    /// Runs a strict scan of one token: one that ran out of input counts as cut, as does one that
    /// ends exactly at the cut (a number or literal there may go on past it); any other failure
    /// is malformed.
    private func token(_ scan: () throws(JSONScanError) -> Int) -> Token {
        do throws(JSONScanError) {
            let end = try scan()
            return end < bytes.count ? .ends(end) : .cut
        } catch {
            return error.ranOutOfInput || error.offset >= bytes.count ? .cut : .malformed
        }
    }

    private func path() -> [String] {
        stack.map { frame in
            switch frame {
            case .object(let key): key ?? ""
            case .array(let position): String(position)
            }
        }
    }
}
