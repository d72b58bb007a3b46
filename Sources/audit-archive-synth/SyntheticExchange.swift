import AuditEnvelope
import NIOCore

/// The exchanges of a synthetic archive: routes, methods, statuses and outcomes in the
/// proportions of a busy JSON API, bodies of JSON documents whose size varies around a mean,
/// all drawn from one seeded generator.
struct SyntheticExchange {
    /// Route patterns with their method and how many of every 100 exchanges take them.
    static let routes: [(route: String, method: String, weight: Int)] = [
        ("/api/orders/{id}", "GET", 40), ("/api/orders", "POST", 25), ("/api/payments", "POST", 20),
        ("/api/payments/{id}", "GET", 10), ("/api/accounts/{id}", "PUT", 5),
    ]
    /// Statuses (`nil`: no response head, the upstream unavailable) per 1,000 exchanges.
    static let statuses: [(status: Int?, weight: Int)] = [
        (200, 800), (201, 120), (404, 40), (500, 20), (503, 15), (nil, 5),
    ]

    /// Draws one of `weighted` in proportion to its weight.
    static func pick<T>(_ weighted: [(T, Int)], _ random: inout SynthRandom) -> T {
        let total = weighted.reduce(0) { $0 + $1.1 }
        var draw = Int(random.next() % UInt64(total))
        for (value, weight) in weighted {
            if draw < weight { return value }
            draw -= weight
        }
        return weighted[weighted.count - 1].0
    }

    /// A JSON document of about `bytes` bytes: records of short words and numbers, as an API
    /// answers (it compresses about as well as real JSON).
    static func document(bytes: Int, _ random: inout SynthRandom) -> ByteBuffer {
        let words = ["pending", "settled", "EUR", "USD", "card", "transfer", "refund", "north", "south", "priority", "standard", "gift"]
        var out = ByteBuffer()
        out.reserveCapacity(bytes + 128)
        out.writeStaticString("{\"items\":[")
        var first = true
        while out.readableBytes < bytes {
            if !first { out.writeStaticString(",") }
            first = false
            let id = random.next()
            out.writeString("{\"id\":\"\(String(id, radix: 16))\",\"amount\":\(id % 100_000),\"state\":\"\(words[Int(id >> 20) % words.count])\",\"note\":\"\(words[Int(id >> 40) % words.count]) \(id % 977)\"}")
        }
        out.writeStaticString("]}")
        return out
    }

    /// Exchange `index` of a producer, starting at `start`.
    static func envelope(
        index: Int, producer: String, sequence: Int64, start: Int64, meanBodyBytes: Int, source: String, _ random: inout SynthRandom
    ) -> AuditEnvelope {
        let (route, method) = pick(routes.map { (($0.route, $0.method), $0.weight) }, &random)
        let status = pick(statuses.map { ($0.status, $0.weight) }, &random)
        // Sizes from a quarter to twice the mean; requests a quarter of responses.
        let responseBytes = max(16, meanBodyBytes / 4 + Int(random.next() % UInt64(max(1, meanBodyBytes * 7 / 4))))
        let requestBytes = method == "GET" ? 0 : responseBytes / 4
        func body(_ bytes: Int) -> BodyRecord {
            guard bytes > 0 else {
                return BodyRecord(size: 0, truncated: false, sha256: SHA256Hasher.hash(UnsafeRawBufferPointer(start: nil, count: 0)).hex, contentType: nil, contentEncoding: nil, data: ByteBuffer())
            }
            let data = document(bytes: bytes, &random)
            return BodyRecord(
                size: data.readableBytes, truncated: false, sha256: data.withUnsafeReadableBytes { SHA256Hasher.hash($0).hex },
                contentType: "application/json", contentEncoding: nil, data: data
            )
        }
        let target = route.replacingOccurrences(of: "{id}", with: String(random.next() % 1_000_000))
        let record = ExchangeRecord(
            exchangeID: UUIDv7.generate(unixMilliseconds: start / 1000, using: &random),
            requestID: "req-\(String(random.next(), radix: 16))", route: route, method: method,
            target: target, path: target,
            status: status, outcome: status == nil ? .upstreamUnavailable : .completed, outcomeDetail: nil,
            clientAddress: "10.0.\(index % 200).\(index % 250)", traceparent: nil,
            timings: ExchangeTimings(start: start, firstResponseByte: status == nil ? nil : start + 900, end: start + 1_500),
            request: HTTPMessageRecord(headers: [HeaderField(name: "Content-Type", value: "application/json")], body: body(requestBytes)),
            response: HTTPMessageRecord(headers: [HeaderField(name: "Content-Type", value: "application/json")], body: body(status == nil ? 0 : responseBytes)),
            redactions: [], producer: producer, sequence: sequence
        )
        return AuditEnvelope(record: record, source: source)
    }
}
