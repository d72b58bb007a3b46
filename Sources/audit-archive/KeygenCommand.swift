import ArgumentParser
import AuditArchive
import AuditEnvelope
import Foundation

/// `audit-archive keygen --out PREFIX`.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create an Ed25519 key pair for signing manifests.",
        discussion: """
            Writes PREFIX.key (PEM PKCS #8 private key, mode 0600) for audit-consumer
            --signing-key, and PREFIX.pub (PEM public key) for audit-archive verify --public-key,
            and prints the key id that manifests will name. Refuses to overwrite existing files.
            Keep the private key where only the consumer can read it (a Kubernetes Secret), and
            the public key with whoever verifies.
            """
    )

    @Option(help: "Path prefix of the two files written.")
    var out: String

    func run() throws {
        let privatePath = "\(out).key"
        let publicPath = "\(out).pub"
        let key = try withArchiveErrors { try ManifestSigningKey.generate() }
        let (privatePEM, publicPEM) = try withArchiveErrors { (try key.pem(), try key.publicKey.pem()) }
        try write(privatePEM, to: privatePath, mode: 0o600)
        try write(publicPEM, to: publicPath, mode: 0o644)
        print("key id: \(key.keyID)")
        print("private key: \(privatePath) (audit-consumer --signing-key)")
        print("public key: \(publicPath) (audit-archive verify --public-key)")
    }

    private func write(_ text: String, to path: String, mode: mode_t) throws {
        do {
            try PosixFile.createDurably(path, bytes: Array(text.utf8), permissions: mode)
        } catch {
            exitWithMessage("cannot create \(path): \(error)")
        }
    }
}
