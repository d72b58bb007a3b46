/// The publisher's decisions as a value: where each envelope goes (Kafka or the spool), when the
/// spool replays and when sending directly resumes, and the one outcome of every send.
///
/// Pure: no I/O, no clock, no callbacks. ``AuditPublisher`` keeps it in a `Mutex`, feeds it the
/// events of its tasks and of librdkafka's callbacks (which do nothing else), and performs the
/// actions its methods return after the lock is released.
///
/// Order: an envelope goes straight to Kafka only in ``Mode-swift.enum/direct``, which is
/// entered only once a replay found the spool empty with no append pending and none routed
/// since (``SpoolCheck``); anything that goes to the spool (an outage, a failed delivery, an
/// overflow) leaves `direct` in the same step, so nothing newer overtakes it. A failed delivery
/// goes to the retry lane, and no segment is replayed while a send is in flight or a retry
/// append is pending, so the retries of a direct period replay before anything spooled after it.
struct PublisherStateMachine: Sendable {
    /// Where new envelopes go.
    enum Mode: Equatable, Sendable {
        /// Kafka not checked yet: exchanges wait in the queue; anything forced out goes to the spool.
        case probing
        /// Kafka reachable and the spool empty: envelopes go straight to Kafka.
        case direct
        /// Kafka unreachable: envelopes go to the spool.
        case spooling
        /// Kafka reachable and the spool not (known to be) empty: the spool replays in order and
        /// new envelopes join its end.
        case replaying
    }

    /// How far the publisher is in stopping.
    enum Phase: Equatable, Sendable {
        case running
        /// Graceful shutdown: no new exchanges; queued ones are published, the spool replays on.
        case draining
        /// The Kafka producer is closed: everything left goes to the spool.
        case closed
    }

    /// Where an envelope goes.
    enum Route: Equatable, Sendable {
        case send
        case spool
    }

    /// What a send is: a new envelope or one replayed from the spool.
    enum SendKind: Equatable, Sendable {
        case fresh
        case replayed
    }

    /// Identifies one send from ``sendStarted(_:)`` to its outcome.
    struct SendID: Hashable, Sendable {
        fileprivate let value: UInt64
    }

    /// What Kafka made of a send.
    enum SendOutcome: Equatable, Sendable {
        case delivered
        /// Not taken (refused, or the delivery failed): worth retrying from the spool.
        case failed
        /// Larger than the broker takes: retrying cannot help.
        case tooLarge
    }

    /// What to do with a send's outcome.
    enum SendAction: Equatable, Sendable {
        /// A second outcome for the same send: nothing (each send has exactly one).
        case ignore
        /// Count it delivered (a replayed one: mark it delivered in its batch).
        case delivered
        /// Drop it as too large (a replayed one: and mark it done in its batch).
        case dropTooLarge
        /// A fresh envelope failed: append it to the spool's retry lane (the mode has left `direct`).
        case spool
        /// A replayed envelope failed: it stays in the spool for the next round.
        case keepInSpool
    }

    /// Proof that the spool was empty when checked: no append pending and the number of
    /// envelopes routed to the spool so far. Valid if none was routed since.
    struct SpoolCheck: Equatable, Sendable {
        fileprivate let routes: UInt64
        fileprivate let nothingPending: Bool
    }

    /// The replay loop's next step.
    enum ReplayStep: Equatable, Sendable {
        case wait(Duration)
        /// Read the oldest spool segment (sealing the active one if it is all there is).
        case load(SpoolCheck)
        case stop
    }

    /// What to do after a spool read.
    enum LoadAction: Equatable, Sendable {
        /// Send the segment's entries.
        case replay
        /// The spool was empty: envelopes go straight to Kafka again (log it).
        case resumedDirect
        case wait(Duration)
    }

    /// What to say about a Kafka check.
    enum ReachabilityAction: Equatable, Sendable {
        case none
        /// The first check, or a change: log it.
        case announce(reachable: Bool)
    }

    private(set) var mode: Mode = .probing
    private(set) var phase: Phase = .running
    private(set) var isReachable = false
    private(set) var spoolHasRoom = true
    private let durability: Durability
    private var hasChecked = false
    /// Whether envelopes may be in the spool: cleared only by a valid empty ``SpoolCheck``.
    private var spoolMayHoldEntries: Bool
    /// Envelopes routed to the spool's main lane whose append has not finished.
    private var pendingAppends = 0
    /// Failed deliveries routed to the retry lane whose append has not finished.
    private var pendingRetries = 0
    /// Envelopes routed to the spool, ever (wrapping).
    private var spoolRoutes: UInt64 = 0
    private var inFlight: [SendID: SendKind] = [:]
    private var nextSendID: UInt64 = 0

    /// - Parameters:
    ///   - durability: With `.disk` every envelope goes through the spool and `direct` is never entered.
    ///   - spoolIsEmpty: Whether the spool held nothing at start (an earlier run's envelopes go first).
    init(durability: Durability, spoolIsEmpty: Bool) {
        self.durability = durability
        self.spoolMayHoldEntries = !spoolIsEmpty
    }

    /// Sends whose outcome is not known yet.
    var inFlightCount: Int { inFlight.count }

    /// Whether a graceful shutdown has nothing left to wait for: the spool found empty and
    /// nothing in flight, or Kafka unreachable (what is left stays in the spool).
    var isDrained: Bool { !isReachable || (!spoolMayHoldEntries && inFlight.isEmpty && pendingAppends + pendingRetries == 0) }

    /// Whether a replay round may send its next entry.
    var mayReplay: Bool { mode == .replaying && phase != .closed }

    /// A Kafka check answered (`reachable`) or not.
    mutating func kafkaChecked(reachable: Bool) -> ReachabilityAction {
        let changed = !hasChecked || reachable != isReachable
        hasChecked = true
        isReachable = reachable
        if reachable {
            mode = (durability == .disk || spoolMayHoldEntries) ? .replaying : .direct
        } else {
            mode = .spooling
        }
        return changed ? .announce(reachable: reachable) : .none
    }

    /// Records whether the spool is below its size limit.
    mutating func spoolRoomChecked(_ hasRoom: Bool) {
        spoolHasRoom = hasRoom
    }

    /// Where the next envelope goes. A `.spool` route (to the main lane) must be followed by
    /// ``appendFinished(_:)``.
    mutating func route() -> Route {
        if mode == .direct, phase != .closed, durability == .memory { return .send }
        noteSpoolRoute(.main)
        return .spool
    }

    /// An envelope goes to the spool's main lane whatever the mode (it overflowed the queue, or
    /// durability is disk): everything after it follows. Must be followed by ``appendFinished(_:)``.
    mutating func forceSpool() {
        noteSpoolRoute(.main)
    }

    /// An append routed to `lane` has finished (stored or not).
    mutating func appendFinished(_ lane: SpoolLane) {
        switch lane {
        case .main: pendingAppends = max(0, pendingAppends - 1)
        case .retry: pendingRetries = max(0, pendingRetries - 1)
        }
    }

    /// An envelope is handed to the producer.
    mutating func sendStarted(_ kind: SendKind) -> SendID {
        nextSendID &+= 1
        let id = SendID(value: nextSendID)
        inFlight[id] = kind
        return id
    }

    /// A send's outcome; only the first one for a send counts.
    mutating func sendFinished(_ id: SendID, _ outcome: SendOutcome) -> SendAction {
        guard let kind = inFlight.removeValue(forKey: id) else { return .ignore }
        switch (outcome, kind) {
        case (.delivered, _): return .delivered
        case (.tooLarge, _): return .dropTooLarge
        case (.failed, .replayed): return .keepInSpool
        case (.failed, .fresh):
            noteSpoolRoute(.retry)
            return .spool
        }
    }

    /// The replay loop asks what to do next.
    mutating func replayStep() -> ReplayStep {
        if phase == .closed { return .stop }
        switch mode {
        case .probing, .spooling: return .wait(.milliseconds(500))
        case .direct: return .wait(.milliseconds(200))
        case .replaying:
            // Envelopes sent before (an outage, the last round) settle first, and the failed
            // ones among them reach the retry lane.
            guard inFlight.isEmpty, pendingRetries == 0 else { return .wait(.milliseconds(20)) }
            return .load(SpoolCheck(routes: spoolRoutes, nothingPending: pendingAppends == 0))
        }
    }

    /// A spool read for `check` found a segment (`found`) or an empty spool.
    mutating func segmentLoaded(_ check: SpoolCheck, found: Bool) -> LoadAction {
        if found { return mode == .replaying && phase != .closed ? .replay : .wait(.milliseconds(100)) }
        guard check.nothingPending, check.routes == spoolRoutes else { return .wait(.milliseconds(20)) }
        spoolMayHoldEntries = false
        guard durability == .memory, mode == .replaying else { return .wait(.milliseconds(50)) }
        mode = .direct
        return .resumedDirect
    }

    /// Graceful shutdown began: no new exchanges come.
    mutating func shutdownStarted() {
        if phase == .running { phase = .draining }
    }

    /// The producer is closed: whatever fails from now on, or is still routed, goes to the spool.
    mutating func producerClosed() {
        phase = .closed
    }

    private mutating func noteSpoolRoute(_ lane: SpoolLane) {
        switch lane {
        case .main: pendingAppends += 1
        case .retry: pendingRetries += 1
        }
        spoolRoutes &+= 1
        spoolMayHoldEntries = true
        if mode == .direct { mode = isReachable ? .replaying : .spooling }
    }
}
