import NIOCore

/// The per-connection rules that keep a client from holding the proxy: a request head is at most
/// ``ConnectionLimits/maxHeaderBytes`` and arrives within ``ConnectionLimits/headerReadTimeout``
/// of its first byte; a connection with nothing to do (between requests, or a request body that
/// stopped arriving) is closed after ``ConnectionLimits/idleTimeout``.
///
/// A pure state machine: the channel handler (``ConnectionGuardHandler``) feeds it bytes and
/// HTTP milestones and carries out the actions it returns. Bytes are counted on the wire, before
/// the HTTP decoder buffers them, so a head of any size costs at most the limit in memory.
struct ConnectionGuardStateMachine {
    /// Why a connection is closed by the guard; the metric label and log reason.
    enum Violation: String, Sendable, CaseIterable {
        case headerTooLarge = "header_too_large"
        case headerTimeout = "header_timeout"
        case idleTimeout = "idle_timeout"
        case bodyTimeout = "body_timeout"

        /// The status a client is told before the close, when no response has started.
        var status: (code: Int, reason: String)? {
            switch self {
            case .headerTooLarge: (431, "Request Header Fields Too Large")
            case .headerTimeout, .bodyTimeout: (408, "Request Timeout")
            case .idleTimeout: nil
            }
        }
    }

    /// What the handler does with bytes that arrived.
    enum ReadAction: Equatable {
        /// Pass them to the HTTP decoder.
        case forward
        /// Drop them and close the connection, answering first when `respond` is set.
        case reject(Violation, respond: Bool)
        /// Drop them: the connection is closing.
        case drop
    }

    /// What the handler does when its timer fires.
    enum TimerAction: Equatable {
        /// Nothing is due: arm the timer for this deadline, or leave it off when `nil`.
        case wait(until: NIODeadline?)
        /// Close the connection, answering first when `respond` is set.
        case close(Violation, respond: Bool)
    }

    private enum Phase: Equatable {
        /// Reading a request head: `bytes` of it so far (0 while the connection is idle),
        /// `matched` bytes of the CRLF CRLF that ends it, and when its first byte arrived.
        case head(bytes: Int, matched: Int, since: NIODeadline?)
        /// The head is complete; its body (possibly empty) is being read.
        case body
        /// The guard closed the connection.
        case closed
    }

    private static let headEnd: [UInt8] = Array("\r\n\r\n".utf8)

    let limits: ConnectionLimits
    private var phase: Phase = .head(bytes: 0, matched: 0, since: nil)
    /// A response head was written and its end not yet.
    private var responding = false
    /// Requests whose head was read and whose response has not ended.
    private var openRequests = 0
    /// The proxy asked for more bytes and none came yet: only then is a body's silence the
    /// client's (while the upstream is slow to take the body, the proxy stops reading).
    private var awaitingClient = false
    private var lastActivity: NIODeadline

    init(limits: ConnectionLimits, now: NIODeadline) {
        self.limits = limits
        self.lastActivity = now
    }

    /// Bytes arrived from the client.
    mutating func received(_ bytes: ByteBuffer, now: NIODeadline) -> ReadAction {
        lastActivity = now
        awaitingClient = false
        switch phase {
        case .closed:
            return .drop
        case .body:
            return .forward
        case .head(var count, var matched, let since):
            var ended = false
            let scanned = bytes.withUnsafeReadableBytes { raw -> Int in
                for (index, byte) in raw.enumerated() {
                    if byte == Self.headEnd[matched] {
                        matched += 1
                    } else {
                        matched = byte == Self.headEnd[0] ? 1 : 0
                    }
                    if matched == Self.headEnd.count {
                        ended = true
                        return index + 1
                    }
                }
                return raw.count
            }
            count += scanned
            if count > limits.maxHeaderBytes {
                return .reject(.headerTooLarge, respond: close(.headerTooLarge))
            }
            phase = ended ? .body : .head(bytes: count, matched: matched, since: since ?? now)
            if ended { openRequests += 1 }
            return .forward
        }
    }

    /// The proxy asked the socket for more bytes.
    mutating func readRequested(now: NIODeadline) {
        if !awaitingClient { lastActivity = now }
        awaitingClient = true
    }

    /// The HTTP decoder saw the end of a request: the next bytes start a new head.
    mutating func requestEnded(now: NIODeadline) {
        lastActivity = now
        if phase == .body { phase = .head(bytes: 0, matched: 0, since: nil) }
    }

    /// A response head was written.
    mutating func responseStarted() {
        responding = true
    }

    /// A response ended.
    mutating func responseEnded(now: NIODeadline) {
        responding = false
        openRequests = max(0, openRequests - 1)
        lastActivity = now
    }

    /// When the timer must next fire; `nil` when nothing is timed (a response is being produced).
    var deadline: NIODeadline? {
        switch phase {
        case .closed:
            return nil
        case .head(let bytes, _, let since):
            if bytes > 0, let since { return since + limits.headerReadTimeout }
            return openRequests == 0 && !responding ? lastActivity + limits.idleTimeout : nil
        case .body:
            return awaitingClient ? lastActivity + limits.idleTimeout : nil
        }
    }

    /// The timer fired at `now`.
    mutating func timerFired(now: NIODeadline) -> TimerAction {
        guard let due = deadline else { return .wait(until: nil) }
        guard now >= due else { return .wait(until: due) }
        let violation: Violation
        switch phase {
        case .head(let bytes, _, _): violation = bytes > 0 ? .headerTimeout : .idleTimeout
        case .body: violation = .bodyTimeout
        case .closed: return .wait(until: nil)
        }
        return .close(violation, respond: close(violation))
    }

    /// Marks the connection closed; whether the client can still be answered.
    private mutating func close(_ violation: Violation) -> Bool {
        phase = .closed
        return violation.status != nil && !responding
    }
}
