import AuditEnvelope

extension AuditEnvelope {
    /// What an archive holds on a line: an exchange, a drop notice or a producer's mark.
    enum ArchiveEvent {
        case exchange(ExchangeRecord)
        case dropNotice(DropNotice)
        case mark(ProducerMark)
    }

    /// Decodes the event: an exchange (`dev.auditshipper.http.exchange.v1`), a drop notice
    /// (`dev.auditshipper.http.drop.v1`) or a mark (`dev.auditshipper.http.mark.v1`).
    /// - Throws: ``EnvelopeError`` for another type or malformed data.
    func archiveEvent() throws(EnvelopeError) -> ArchiveEvent {
        switch type {
        case DropNotice.eventType: .dropNotice(try DropNotice.decode(data))
        case ProducerMark.eventType: .mark(try ProducerMark.decode(data))
        default: .exchange(try record())
        }
    }
}

extension AuditEnvelope.ArchiveEvent {
    /// When the event ended: the exchange's end, or the notice's time.
    var end: Int64 {
        switch self {
        case .exchange(let record): record.timings.end
        case .dropNotice(let notice): notice.time
        case .mark(let mark): mark.time
        }
    }
}
