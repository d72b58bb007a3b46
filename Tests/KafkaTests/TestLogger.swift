import Logging

extension Logger {
    /// A logger for tests that expect client errors (an unreachable broker), so they do not flood the output.
    static var quiet: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }
}
