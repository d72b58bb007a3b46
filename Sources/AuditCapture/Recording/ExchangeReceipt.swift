/// The number a sink gave an exchange as its response started: who numbered it and where in
/// that producer's sequence it stands. Returned to the client in the receipt header (when one is
/// configured), so a client can keep a ledger that `audit-archive reconcile` can be matched to.
public struct ExchangeReceipt: Sendable, Equatable {
    /// The id of the producer that numbered the exchange.
    public var producer: String
    /// The exchange's number in that producer's sequence.
    public var sequence: Int64

    /// Creates a receipt.
    public init(producer: String, sequence: Int64) {
        self.producer = producer
        self.sequence = sequence
    }

    /// The header value: `<producer>/<sequence>`.
    public var headerValue: String { "\(producer)/\(sequence)" }

    /// Reads a header value written by ``headerValue``; `nil` for anything else.
    public init?(headerValue: String) {
        guard let slash = headerValue.lastIndex(of: "/"), let sequence = Int64(headerValue[headerValue.index(after: slash)...]),
            slash > headerValue.startIndex
        else { return nil }
        self.init(producer: String(headerValue[..<slash]), sequence: sequence)
    }
}
