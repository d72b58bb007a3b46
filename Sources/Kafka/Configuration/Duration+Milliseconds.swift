extension Duration {
    /// The duration in whole milliseconds, rounded down, as librdkafka's `*.ms` settings take it.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
