import Foundation

/// Where the project's own tools and fixtures are, as `scripts/test` sets them up.
enum ProjectPaths {
    /// The project root (`AUDITSHIPPER_ROOT`, else the working directory).
    static var root: String {
        ProcessInfo.processInfo.environment["AUDITSHIPPER_ROOT"] ?? FileManager.default.currentDirectoryPath
    }

    /// The Python of the project's venv (`AUDITSHIPPER_PYTHON`, else `.tools/venv/bin/python`).
    static var python: String {
        ProcessInfo.processInfo.environment["AUDITSHIPPER_PYTHON"] ?? "\(root)/.tools/venv/bin/python"
    }

    /// A file of `Tests/IntegrationTests/Fixtures`.
    static func fixture(_ name: String) -> String {
        "\(root)/Tests/IntegrationTests/Fixtures/\(name)"
    }
}
