import NIOCore

/// The members of one JSON object by key, with typed accessors that name the field on failure.
struct JSONObjectFields {
    let reader: JSONReader
    let path: String
    private let members: [String: JSONReader.Member]

    init(reader: JSONReader, range: Range<Int>, path: String) throws(EnvelopeError) {
        self.reader = reader
        self.path = path
        do throws(JSONScanError) {
            var members: [String: JSONReader.Member] = [:]
            for member in try reader.members(of: range) { members[member.key] = member }
            self.members = members
        } catch {
            throw EnvelopeError(error, in: path)
        }
    }

    /// Runs `body` with the fields of the JSON object `data` holds (validated first), named
    /// `path` in errors.
    static func withObject<Value>(in data: ByteBuffer, path: String, _ body: (JSONObjectFields) throws(EnvelopeError) -> Value) throws(EnvelopeError) -> Value {
        try data.withUnsafeReadableBytes { bytes throws(EnvelopeError) in
            let reader: JSONReader
            let root: Range<Int>
            do throws(JSONScanError) { (reader, root) = try JSONReader.validating(bytes) } catch { throw EnvelopeError(error, in: path) }
            return try body(try JSONObjectFields(reader: reader, range: root, path: path))
        }
    }

    /// An RFC 3339 time, in microseconds since the Unix epoch.
    func time(_ key: String) throws(EnvelopeError) -> Int64 {
        guard let time = RFC3339.parse(try string(key)) else { throw EnvelopeError(.invalidField, "\(path).\(key) is not an RFC 3339 time") }
        return time
    }

    func member(_ key: String) throws(EnvelopeError) -> JSONReader.Member {
        guard let member = members[key] else { throw EnvelopeError(.missingField, "\(path).\(key) is missing") }
        return member
    }

    func optionalMember(_ key: String) -> JSONReader.Member? {
        guard let member = members[key], !reader.isNull(member.value) else { return nil }
        return member
    }

    func string(_ key: String) throws(EnvelopeError) -> String {
        try decode(key, try member(key).value) { range throws(JSONScanError) in try reader.string(at: range) }
    }

    func optionalString(_ key: String) throws(EnvelopeError) -> String? {
        guard let member = optionalMember(key) else { return nil }
        return try decode(key, member.value) { range throws(JSONScanError) in try reader.string(at: range) }
    }

    func integer(_ key: String) throws(EnvelopeError) -> Int {
        try decode(key, try member(key).value) { range throws(JSONScanError) in try reader.integer(at: range) }
    }

    func optionalInteger(_ key: String) throws(EnvelopeError) -> Int? {
        guard let member = optionalMember(key) else { return nil }
        return try decode(key, member.value) { range throws(JSONScanError) in try reader.integer(at: range) }
    }

    func bool(_ key: String) throws(EnvelopeError) -> Bool {
        try decode(key, try member(key).value) { range throws(JSONScanError) in try reader.bool(at: range) }
    }

    func object(_ key: String) throws(EnvelopeError) -> JSONObjectFields {
        try JSONObjectFields(reader: reader, range: try member(key).value, path: "\(path).\(key)")
    }

    func array(_ key: String) throws(EnvelopeError) -> [Range<Int>] {
        try decode(key, try member(key).value) { range throws(JSONScanError) in try reader.elements(of: range) }
    }

    private func decode<Value>(
        _ key: String,
        _ range: Range<Int>,
        _ body: (Range<Int>) throws(JSONScanError) -> Value
    ) throws(EnvelopeError) -> Value {
        do throws(JSONScanError) {
            return try body(range)
        } catch {
            throw EnvelopeError(.invalidField, "\(path).\(key): \(error.reason)")
        }
    }
}
