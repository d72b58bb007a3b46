import AuditEnvelope

extension AuditEnvelope {
    /// What an archive holds on a line: an exchange or a drop notice.
    enum ArchiveEvent {
        case exchange(ExchangeRecord)
        case dropNotice(DropNotice)
    }

    /// Decodes the event: an exchange (`dev.auditshipper.http.exchange.v1`) or a drop notice
    /// (`dev.auditshipper.http.drop.v1`).
    /// - Throws: ``EnvelopeError`` for another type or malformed data.
    func archiveEvent() throws(EnvelopeError) -> ArchiveEvent {
        if type == DropNotice.eventType { return .dropNotice(try DropNotice.decode(data)) }
        return .exchange(try record())
    }
}

extension AuditEnvelope.ArchiveEvent {
    /// When the event ended: the exchange's end, or the notice's time.
    var end: Int64 {
        switch self {
        case .exchange(let record): record.timings.end
        case .dropNotice(let notice): notice.time
        }
    }
}
