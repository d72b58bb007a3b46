import ArgumentParser
import AuditArchive
import AuditEnvelope
import Foundation

/// Which body of an exchange a command writes.
enum BodySide: String, EnumerableFlag, ExpressibleByArgument {
    case request, response
}

extension ExchangeRecord {
    /// Writes the `side` body's bytes exactly as stored to standard output and checks them
    /// against the recorded SHA-256: exits 1 when they differ, and says on standard error when
    /// the body was truncated or redacted at capture.
    func writeBody(_ side: BodySide) {
        let body = side == .request ? request.body : response.body
        FileHandle.standardOutput.write(Data(body.data.readableBytesView))
        let name = side.rawValue
        let redacted = redactions.contains { $0.hasPrefix("\(name).body") }
        if body.sha256Of == .wire, body.truncated {
            exitWithMessage("note: the \(name) body was truncated at capture: \(body.captured) of \(body.size) bytes written; its sha256 covers all \(body.size)", status: 0)
        }
        if body.sha256Of == .wire, redacted {
            exitWithMessage("note: fields of the \(name) body were redacted at capture (a record from before redacted bodies got the digest of what is stored); its sha256 is of the original", status: 0)
        }
        let digest = ArchiveDigest.sha256(body.data)
        guard digest == body.sha256 else {
            exitWithMessage("the \(name) body's SHA-256 \(digest) does not match the recorded \(body.sha256)", status: 1)
        }
    }
}
