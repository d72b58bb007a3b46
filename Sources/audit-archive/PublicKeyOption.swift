import AuditArchive

extension ManifestPublicKey {
    /// The key in the PEM file a `--public-key` option (or the option `name`) names; exits
    /// with status 2 and the reason when it cannot be read.
    static func option(_ path: String, name: String = "--public-key") -> ManifestPublicKey {
        do throws(ArchiveError) {
            return try ManifestPublicKey(contentsOfFile: path)
        } catch {
            exitWithMessage("\(name) \(error.reason)")
        }
    }
}
