import Foundation
import Synchronization

/// Where fixture logs go: `AUDITSHIPPER_TEST_LOGS` (set by scripts/test, which prints the tails
/// of a stuck test's logs), else a folder under the temporary directory; one folder per test,
/// named after its id, holding a `TEST` file with the id itself.
enum FixtureLogs {
    static let root: String = {
        ProcessInfo.processInfo.environment["AUDITSHIPPER_TEST_LOGS"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("auditshipper-test-logs-\(getpid())").path
    }()

    private static let counter = Atomic<Int>(0)

    /// The log folder of the test with id `testID`, created if needed.
    static func directory(for testID: String) -> String {
        let path = "\(root)/\(fileName(testID).prefix(200))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let marker = "\(path)/TEST"
        if !FileManager.default.fileExists(atPath: marker) {
            _ = FileManager.default.createFile(atPath: marker, contents: Data(testID.utf8))
        }
        return path
    }

    /// A new log file's path in `directory`: `NAME-N.log`.
    static func newFile(in directory: String, name: String) -> String {
        let number = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return "\(directory)/\(fileName(name).prefix(60))-\(number).log"
    }

    /// `text` with every character but ASCII letters, digits, `.`, `_` and `-` replaced by `_`.
    static func fileName(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) ? Character($0) : "_" })
    }
}
