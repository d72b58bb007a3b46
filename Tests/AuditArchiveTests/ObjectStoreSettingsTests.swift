@testable import AuditArchive
import Foundation
import NIOCore
import TestSupport
import Testing

/// `s3://` roots, the S3 settings from the standard AWS variables, and the small helpers the
/// bucket writer relies on: table-driven, plus random prefixes with a fixed seed.
@Suite("Object-store settings")
struct ObjectStoreSettingsTests {
    @Test("s3:// roots parse into bucket and prefix; bad buckets and prefixes are refused with a reason", arguments: [
        ("s3://audit-archive", "audit-archive", ""),
        ("s3://audit-archive/", "audit-archive", ""),
        ("s3://audit.archive-1/prod/eu", "audit.archive-1", "prod/eu"),
        ("s3://abc//x/", "abc", "x"),
    ])
    func parses(root: String, bucket: String, prefix: String) throws {
        let location = try S3Location(root)
        #expect(location.bucket == bucket)
        #expect(location.prefix == prefix)
        #expect(location.key("t/dt=x/f") == (prefix.isEmpty ? "t/dt=x/f" : "\(prefix)/t/dt=x/f"))
        #expect(location.relative(location.key("t/f")) == "t/f")
    }

    @Test("refused roots", arguments: [
        ("s3://", "not a valid bucket name"),
        ("s3://ab", "not a valid bucket name"),
        ("s3://Audit", "not a valid bucket name"),
        ("s3://-abc", "not a valid bucket name"),
        ("s3://bucket_x", "not a valid bucket name"),
        ("s3://bucket/a/../b", "'..'"),
        ("s3://bucket/a/./b", "'.'"),
        ("/var/archive", "not an s3://"),
    ])
    func refuses(root: String, reason: String) {
        #expect { try S3Location(root) } throws: { error in
            (error as? ArchiveError)?.reason.contains(reason) == true
        }
    }

    @Test("random prefixes: a key made from a relative path maps back to it, and keys outside the prefix map to nothing")
    func randomPrefixes() throws {
        var generator = SplitMix64(seed: 0x5EED_0018)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789-_=+")
        for _ in 0..<500 {
            let parts = (0..<Int.random(in: 0...3, using: &generator)).map { _ in
                String((0..<Int.random(in: 1...8, using: &generator)).map { _ in alphabet.randomElement(using: &generator) ?? "a" })
            }
            let location = try S3Location("s3://bucket/" + parts.joined(separator: "/"))
            #expect(location.prefix == parts.joined(separator: "/"))
            let relative = "topic/dt=2026-11-30/hour=22/topic+0+00000000000000000000.manifest.json"
            #expect(location.relative(location.key(relative)) == relative)
            if !location.prefix.isEmpty {
                #expect(location.relative("other" + location.prefix + "/x") == nil)
            }
        }
    }

    @Test("S3 settings come from the AWS variables; the endpoint flag wins; addressing defaults to path with an endpoint")
    func environment() throws {
        let location = try S3Location("s3://bucket/prefix")
        let base = ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"]
        let aws = try S3Configuration(location: location, environment: base.merging(["AWS_REGION": "eu-west-1"]) { $1 })
        #expect(aws.endpoint.absoluteString == "https://s3.eu-west-1.amazonaws.com" && aws.region == "eu-west-1" && !aws.pathStyle)
        #expect(aws.host == "bucket.s3.eu-west-1.amazonaws.com")
        let fallbackRegion = try S3Configuration(location: location, environment: base.merging(["AWS_DEFAULT_REGION": "ap-south-1"]) { $1 })
        #expect(fallbackRegion.region == "ap-south-1")
        let minio = try S3Configuration(location: location, environment: base.merging(["AWS_ENDPOINT_URL_S3": "http://minio:9000", "AWS_SESSION_TOKEN": "token"]) { $1 })
        #expect(minio.pathStyle && minio.host == "minio:9000" && minio.credentials.sessionToken == "token" && minio.region == "us-east-1")
        let flag = try S3Configuration(location: location, environment: base.merging(["AWS_ENDPOINT_URL": "http://ignored:1"]) { $1 }, endpoint: "http://127.0.0.1:9000", addressing: .virtual)
        #expect(flag.host == "bucket.127.0.0.1:9000" && !flag.pathStyle)

        #expect { try S3Configuration(location: location, environment: ["AWS_ACCESS_KEY_ID": "AKID"]) } throws: { error in
            (error as? ArchiveError)?.reason.contains("AWS_SECRET_ACCESS_KEY") == true
        }
        for bad in ["ftp://host", "http://", "http://host/path", "http://host?x=1", "not a url"] {
            #expect(throws: ArchiveError.self, "\(bad)") { try S3Configuration(location: location, environment: base, endpoint: bad) }
        }
    }

    @Test("entity tags: the MD5 of known inputs (RFC 1321 test suite)", arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
    ])
    func md5(input: String, hex: String) {
        #expect(ContentMD5.hex(ByteBuffer(string: input)) == hex)
    }

    @Test("listing times parse with and without fractional seconds; anything else is no time")
    func listingDates() {
        #expect(S3Client.date("2026-11-30T22:57:24.000Z")?.timeIntervalSince1970 == 1_796_079_444)
        #expect(S3Client.date("2026-11-30T22:57:24Z")?.timeIntervalSince1970 == 1_796_079_444)
        #expect(S3Client.date("yesterday") == nil)
    }
}

/// The shared credentials file: profiles, comments, spacing, and what is refused.
@Suite("AWS shared credentials file")
struct SharedCredentialsFileTests {
    static let text = """
        # keys for the archive
        [default]
        aws_access_key_id = AKIDDEFAULT
        aws_secret_access_key=secret-default

        [archive]
        ; the archiver's own
        aws_access_key_id=AKIDARCHIVE
        aws_secret_access_key = secret/with+chars=
        aws_session_token = token
        [empty]
        aws_access_key_id =
        """

    @Test("profiles are read; a profile without both keys, or absent, gives nothing", arguments: [
        ("default", "AKIDDEFAULT", "secret-default", nil),
        ("archive", "AKIDARCHIVE", "secret/with+chars=", "token"),
        ("empty", nil, nil, nil),
        ("missing", nil, nil, nil),
    ] as [(String, String?, String?, String?)])
    func profiles(profile: String, key: String?, secret: String?, token: String?) {
        let credentials = SharedCredentialsFile.credentials(in: Self.text, profile: profile)
        #expect(credentials?.accessKeyID == key)
        #expect(credentials?.secretAccessKey == secret)
        #expect(credentials?.sessionToken == token)
    }

    @Test("AWS_SHARED_CREDENTIALS_FILE and AWS_PROFILE are used when the key variables are absent; a file without the profile is refused")
    func fromEnvironment() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("credentials-\(UUID().uuidString)").path
        try Self.text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let location = try S3Location("s3://bucket")
        let archive = try S3Configuration(location: location, environment: ["AWS_SHARED_CREDENTIALS_FILE": path, "AWS_PROFILE": "archive"])
        #expect(archive.credentials.accessKeyID == "AKIDARCHIVE" && archive.credentials.sessionToken == "token")
        let variablesWin = try S3Configuration(location: location, environment: ["AWS_SHARED_CREDENTIALS_FILE": path, "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B"])
        #expect(variablesWin.credentials.accessKeyID == "A")
        #expect { try S3Configuration(location: location, environment: ["AWS_SHARED_CREDENTIALS_FILE": path, "AWS_PROFILE": "empty"]) } throws: { error in
            (error as? ArchiveError)?.reason.contains("profile [empty]") == true
        }
        #expect(throws: ArchiveError.self) { try S3Configuration(location: location, environment: ["AWS_SHARED_CREDENTIALS_FILE": path + ".missing"]) }
    }
}
