import AuditEnvelope
import Foundation
import NIOCore

/// A manifest signing key signs producer events too (`audit-producer --producer-signing-key`):
/// one Ed25519 key type, one PEM format, `audit-archive keygen` for both.
extension ManifestSigningKey: EventSigner {
    public func signature(of message: ByteBuffer) throws -> [UInt8] {
        try sign(message)
    }
}

extension EventSignature {
    /// Why this signature does not prove `signedBytes` with one of `keys`, if it does not.
    public func problem(signing signedBytes: ByteBuffer, keys: [ManifestPublicKey]) -> String? {
        guard algorithm == Self.ed25519 else { return "signed with '\(algorithm.prefix(40))', not ed25519" }
        guard let key = keys.first(where: { $0.keyID == keyID }) else {
            return "signed by key \(keyID.prefix(40)), which is not among the producer public keys given"
        }
        guard let value = Data(base64Encoded: value), key.isValidSignature([UInt8](value), of: signedBytes) else {
            return "the signature does not verify with key \(key.keyID)"
        }
        return nil
    }
}
