import Foundation

extension SegmentManifest {
    /// Why the manifest's signature does not prove it with one of `keys`, if it does not: not
    /// signed, another algorithm, a key not among `keys`, or a signature that does not verify.
    public func signatureProblem(keys: [ManifestPublicKey]) -> String? {
        guard let signature else {
            return "not signed, but signatures are required: written without a key, or rewritten"
        }
        guard signature.algorithm == Signature.ed25519 else { return "signed with '\(signature.algorithm)', not ed25519" }
        guard let key = keys.first(where: { $0.keyID == signature.keyID }) else {
            return "signed by key \(signature.keyID), which is not among the public keys given"
        }
        guard let value = Data(base64Encoded: signature.value), key.isValidSignature([UInt8](value), of: signedBytes()) else {
            return "signature does not verify with key \(signature.keyID): the manifest was changed after it was signed"
        }
        return nil
    }
}
