import Foundation
import NIOCore

/// An Ed25519 signature a producer puts on its own events (drop notices and marks) with
/// `audit-producer --producer-signing-key`: over the event's `data` encoded without its
/// `signature` member (``DropNotice/signedBytes()``, ``ProducerMark/signedBytes()``), so that
/// `audit-archive reconcile --producer-public-key` believes only notices and marks that a
/// producer holding the key made, not anything someone who can write to the topic put there.
public struct EventSignature: Sendable, Equatable {
    /// The algorithm written and accepted.
    public static let ed25519 = "ed25519"

    /// The algorithm: `ed25519`.
    public var algorithm: String
    /// The signing key's id: the first 16 hex digits of the SHA-256 of its raw public key.
    public var keyID: String
    /// The signature, base64.
    public var value: String

    /// Creates a signature.
    public init(algorithm: String = ed25519, keyID: String, value: String) {
        self.algorithm = algorithm
        self.keyID = keyID
        self.value = value
    }

    /// Writes `,"signature":{…}` (after an object's last member).
    func write(into out: inout ByteBuffer) {
        out.writeStaticString(",")
        out.writeJSONKey("signature"); out.writeStaticString("{")
        out.writeJSONKey("algorithm"); out.writeJSONString(algorithm); out.writeStaticString(",")
        out.writeJSONKey("keyID"); out.writeJSONString(keyID); out.writeStaticString(",")
        out.writeJSONKey("value"); out.writeJSONString(value)
        out.writeStaticString("}")
    }

    /// The `signature` member of `fields`, if it has one.
    static func decode(in fields: JSONObjectFields) throws(EnvelopeError) -> EventSignature? {
        guard fields.optionalMember("signature") != nil else { return nil }
        let signature = try fields.object("signature")
        return EventSignature(algorithm: try signature.string("algorithm"), keyID: try signature.string("keyID"), value: try signature.string("value"))
    }
}

/// What signs a producer's events: an Ed25519 key (`audit-producer --producer-signing-key`).
public protocol EventSigner: Sendable {
    /// The key's id, as ``EventSignature/keyID``.
    var keyID: String { get }
    /// The raw Ed25519 signature of `message`.
    func signature(of message: ByteBuffer) throws -> [UInt8]
}

/// A producer's own event on the topic, which it may sign: a drop notice or a mark.
public protocol ProducerEvent: Sendable {
    /// Its CloudEvents `type`.
    static var eventType: String { get }
    /// When it was made, in microseconds since the Unix epoch.
    var time: Int64 { get }
    /// The producer's signature, when it has a signing key.
    var signature: EventSignature? { get set }
    /// The JSON `data`, with the signature when it has one.
    func encoded() -> ByteBuffer
}

extension ProducerEvent {
    /// Its envelope, with a new event id.
    public func envelope(source: String) -> AuditEnvelope {
        AuditEnvelope(id: UUIDv7.generate(), source: source, type: Self.eventType, time: time, data: encoded())
    }

    /// The bytes a signature covers: the `data` without its `signature` member.
    public func signedBytes() -> ByteBuffer {
        var unsigned = self
        unsigned.signature = nil
        return unsigned.encoded()
    }

    /// This event signed by `signer`.
    /// - Throws: What the signer throws.
    public func signed(by signer: any EventSigner) throws -> Self {
        var signed = self
        signed.signature = EventSignature(keyID: signer.keyID, value: Data(try signer.signature(of: signedBytes())).base64EncodedString())
        return signed
    }
}
