extension Duration {
    /// The duration in whole milliseconds, rounded down, as librdkafka's `*.ms` settings take it;
    /// past Int64's range it stops at the bound.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (total, carried) = milliseconds.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        return carried ? (seconds < 0 ? .min : .max) : total
    }

    /// The duration in whole milliseconds as librdkafka's timeout arguments take it: 0 up to
    /// `Int32.max` (about 24.8 days), whatever the duration.
    var timeoutMilliseconds: Int32 {
        Int32(clamping: Swift.max(0, wholeMilliseconds))
    }
}
