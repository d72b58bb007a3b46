import AuditArchive

extension ManifestPublicKey {
    /// The key in the PEM file a `--public-key` option names; exits with status 2 and the
    /// reason when it cannot be read.
    static func option(_ path: String) -> ManifestPublicKey {
        do throws(ArchiveError) {
            return try ManifestPublicKey(contentsOfFile: path)
        } catch {
            exitWithMessage("--public-key \(error.reason)")
        }
    }
}
