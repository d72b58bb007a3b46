/// What a writer checks of a partition's newest manifest before it resumes from it. Whoever can
/// write to the archive can plant a manifest that claims to be the head: a `lastOffset` far ahead
/// would make the writer skip every later record, and the witness announce the forgery.
enum HeadManifestCheck {
    /// Why `head` cannot be `topic`'s `partition` head under `configuration`, if it cannot: its
    /// file name and its own topic, partition and first offset must agree; with a signing key it
    /// must carry a valid signature by that key or one of
    /// ``ArchiveConfiguration/previousPublicKeys`` (unsigned only with
    /// ``ArchiveConfiguration/adoptsUnsignedHead``).
    static func problem(_ head: ManifestFile, topic: String, partition: Int32, configuration: ArchiveConfiguration) -> String? {
        let fileName = head.path.split(separator: "/").last.map(String.init) ?? head.path
        guard let (name, kind) = SegmentFileName.parse(fileName), kind == .manifest else {
            return "\(fileName) is not a manifest's file name"
        }
        let manifest = head.manifest
        guard name.topic == topic, name.partition == partition, manifest.topic == topic, manifest.partition == partition else {
            return "\(fileName) is named for \(name.topic)[\(name.partition)] and holds \(manifest.topic)[\(manifest.partition)], not \(topic)[\(partition)]"
        }
        guard name.startOffset == manifest.firstOffset else {
            return "\(fileName) is named for offset \(name.startOffset) but starts at \(manifest.firstOffset)"
        }
        guard let signingKey = configuration.signingKey else { return nil }
        if manifest.signature == nil, configuration.adoptsUnsignedHead { return nil }
        let keys = [signingKey.publicKey] + configuration.previousPublicKeys
        return manifest.signatureProblem(keys: keys).map { "\($0) (keys trusted here: \(keys.map(\.keyID).joined(separator: ", ")))" }
    }
}
