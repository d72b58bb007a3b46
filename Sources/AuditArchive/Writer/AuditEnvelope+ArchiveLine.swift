import AuditEnvelope

extension AuditEnvelope {
    /// Checks that the envelope fits one archive line: data with a line break between its JSON
    /// tokens (valid JSON, but not what the publisher writes) would split it.
    /// - Throws: ``EnvelopeError`` (`invalidField`) when the data holds a line break.
    func checkSingleLine() throws(EnvelopeError) {
        let hasBreak = data.withUnsafeReadableBytes { bytes in
            bytes.contains(UInt8(ascii: "\n")) || bytes.contains(UInt8(ascii: "\r"))
        }
        if hasBreak {
            throw EnvelopeError(.invalidField, "envelope data has a line break between JSON tokens; an archive line must be one line")
        }
    }
}
