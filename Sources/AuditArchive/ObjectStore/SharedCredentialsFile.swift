import AuditEnvelope
import Foundation

/// The AWS shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`): an INI file whose profile
/// sections hold `aws_access_key_id`, `aws_secret_access_key` and `aws_session_token`. Read so
/// that keys can be mounted as a file (a Kubernetes Secret volume) instead of sitting in the
/// environment.
enum SharedCredentialsFile {
    /// The largest file read.
    static let maximumBytes = 64 * 1024

    /// The credentials of `profile` in `text`, or `nil` when the profile or its keys are absent.
    static func credentials(in text: String, profile: String) -> SigV4Signer.Credentials? {
        var section: String?
        var values: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                section = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                continue
            }
            guard section == profile, let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            values[name] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        guard let key = values["aws_access_key_id"], !key.isEmpty, let secret = values["aws_secret_access_key"], !secret.isEmpty else { return nil }
        return SigV4Signer.Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: values["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The credentials of `profile` in the file at `path`.
    /// - Throws: ``ArchiveError`` (`objectStore`) when the file cannot be read or lacks them.
    static func credentials(atPath path: String, profile: String) throws(ArchiveError) -> SigV4Signer.Credentials {
        let data: Data
        do throws(SmallFile.Failure) {
            data = try SmallFile.read(path, maximumBytes: maximumBytes)
        } catch {
            throw ArchiveError(.objectStore, "AWS_SHARED_CREDENTIALS_FILE: \(error)")
        }
        guard let credentials = credentials(in: String(decoding: data, as: UTF8.self), profile: profile) else {
            throw ArchiveError(.objectStore, "AWS_SHARED_CREDENTIALS_FILE \(path) has no aws_access_key_id and aws_secret_access_key in profile [\(profile)]")
        }
        return credentials
    }
}
