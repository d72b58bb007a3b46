import Testing
import TestSupport

@testable import AuditPublisher

@Suite("Publisher state machine")
struct PublisherStateMachineTests {
    typealias Machine = PublisherStateMachine

    static func reachable(_ durability: Durability = .memory, spoolIsEmpty: Bool = true) -> Machine {
        var machine = Machine(durability: durability, spoolIsEmpty: spoolIsEmpty)
        _ = machine.kafkaChecked(reachable: true)
        return machine
    }

    /// Runs one replay round to its load and reports what the load of an empty spool does.
    static func emptyLoad(_ machine: inout Machine) -> Machine.LoadAction? {
        guard case .load(let check) = machine.replayStep() else { return nil }
        return machine.segmentLoaded(check, found: false)
    }

    @Test("before the first check nothing is sent; the first check announces itself and picks direct, replaying or spooling")
    func probing() {
        var fresh = Machine(durability: .memory, spoolIsEmpty: true)
        #expect(fresh.mode == .probing)
        #expect(fresh.route() == .spool, "an exchange forced out before the check is kept, not sent blind")
        fresh.appendFinished(.main)
        #expect(fresh.kafkaChecked(reachable: true) == .announce(reachable: true))
        #expect(fresh.mode == .replaying, "what was spooled while probing replays first")

        var clean = Machine(durability: .memory, spoolIsEmpty: true)
        _ = clean.kafkaChecked(reachable: true)
        #expect(clean.mode == .direct)
        #expect(clean.kafkaChecked(reachable: true) == .none, "no change, nothing to log")
        #expect(clean.kafkaChecked(reachable: false) == .announce(reachable: false))
        #expect(clean.mode == .spooling)

        var leftovers = Machine(durability: .memory, spoolIsEmpty: false)
        _ = leftovers.kafkaChecked(reachable: true)
        #expect(leftovers.mode == .replaying, "an earlier run's spool goes before new exchanges")
        #expect(leftovers.route() == .spool)
    }

    @Test("an overflow leaves direct at once: what follows it is spooled behind it until a replay finds the spool empty")
    func overflowOrder() {
        var machine = Self.reachable()
        #expect(machine.route() == .send)
        machine.forceSpool()
        #expect(machine.mode == .replaying)
        #expect(machine.route() == .spool, "a newer exchange follows the overflowed one")
        // Both appends still pending: an empty read proves nothing.
        #expect(Self.emptyLoad(&machine) == .wait(.milliseconds(20)))
        machine.appendFinished(.main)
        machine.appendFinished(.main)
        guard case .load(let check) = machine.replayStep() else {
            Issue.record("expected a load")
            return
        }
        #expect(machine.segmentLoaded(check, found: true) == .replay)
        #expect(machine.segmentLoaded(check, found: false) == .resumedDirect)
        #expect(machine.mode == .direct)
        #expect(machine.route() == .send)
    }

    @Test("a route to the spool between a load and its result keeps the publisher off direct")
    func staleCheck() {
        var machine = Self.reachable(spoolIsEmpty: false)
        guard case .load(let check) = machine.replayStep() else {
            Issue.record("expected a load")
            return
        }
        #expect(machine.route() == .spool)
        #expect(machine.segmentLoaded(check, found: false) != .resumedDirect, "the append may land after the read")
        machine.appendFinished(.main)
        #expect(Self.emptyLoad(&machine) == .resumedDirect)
    }

    @Test("a delivery failure while spooling goes to the retry lane, and no segment replays before it is appended")
    func failureWhileSpooling() {
        var machine = Self.reachable()
        let early = machine.sendStarted(.fresh)
        _ = machine.kafkaChecked(reachable: false)
        #expect(machine.route() == .spool, "newer exchanges spool during the outage")
        machine.appendFinished(.main)
        _ = machine.kafkaChecked(reachable: true)
        #expect(machine.mode == .replaying)
        #expect(machine.replayStep() == .wait(.milliseconds(20)), "the early send is still in flight")
        #expect(machine.sendFinished(early, .failed) == .spool)
        #expect(machine.replayStep() == .wait(.milliseconds(20)), "its retry append is pending")
        machine.appendFinished(.retry)
        guard case .load = machine.replayStep() else {
            Issue.record("expected a load once the retry is in its lane")
            return
        }
    }

    @Test("each send has exactly one outcome: later ones are ignored")
    func oneOutcome() {
        var machine = Self.reachable()
        let sent = machine.sendStarted(.fresh)
        #expect(machine.inFlightCount == 1)
        #expect(machine.sendFinished(sent, .delivered) == .delivered)
        #expect(machine.sendFinished(sent, .failed) == .ignore)
        #expect(machine.sendFinished(sent, .delivered) == .ignore)
        #expect(machine.inFlightCount == 0)
        #expect(machine.mode == .direct, "an ignored failure does not spool anything")
    }

    @Test("too large: dropped whether fresh or replayed, never retried, and a replay is not held by it")
    func tooLarge() {
        var machine = Self.reachable(spoolIsEmpty: false)
        let fresh = machine.sendStarted(.fresh)
        #expect(machine.sendFinished(fresh, .tooLarge) == .dropTooLarge)
        #expect(machine.mode == .replaying)
        guard case .load(let check) = machine.replayStep() else {
            Issue.record("expected a load")
            return
        }
        #expect(machine.segmentLoaded(check, found: true) == .replay)
        let replayed = machine.sendStarted(.replayed)
        #expect(machine.replayStep() == .wait(.milliseconds(20)))
        #expect(machine.sendFinished(replayed, .tooLarge) == .dropTooLarge)
        #expect(machine.inFlightCount == 0)
        #expect(Self.emptyLoad(&machine) == .resumedDirect)
    }

    @Test("a replayed envelope that fails stays in the spool; nothing is appended for it")
    func replayFailure() {
        var machine = Self.reachable(spoolIsEmpty: false)
        let replayed = machine.sendStarted(.replayed)
        #expect(machine.sendFinished(replayed, .failed) == .keepInSpool)
        #expect(machine.isDrained == false, "the spool still holds it")
    }

    @Test("shutdown: draining keeps routing and replaying; once the producer is closed everything spools and replay stops")
    func shutdown() {
        var machine = Self.reachable(spoolIsEmpty: false)
        machine.shutdownStarted()
        #expect(machine.phase == .draining)
        #expect(machine.mayReplay)
        #expect(!machine.isDrained)
        #expect(Self.emptyLoad(&machine) == .resumedDirect)
        #expect(machine.isDrained)
        #expect(machine.route() == .send)
        let late = machine.sendStarted(.fresh)
        machine.producerClosed()
        #expect(machine.route() == .spool)
        machine.appendFinished(.main)
        #expect(machine.replayStep() == .stop)
        #expect(!machine.mayReplay)
        #expect(machine.sendFinished(late, .failed) == .spool, "purged at close: to the retry lane")
    }

    @Test("disk durability: every envelope goes through the spool, and the publisher never goes direct")
    func diskDurability() {
        var machine = Self.reachable(.disk)
        #expect(machine.mode == .replaying)
        #expect(machine.route() == .spool)
        machine.appendFinished(.main)
        #expect(Self.emptyLoad(&machine) == .wait(.milliseconds(50)))
        #expect(machine.mode == .replaying)
        #expect(machine.isDrained, "an empty spool with nothing in flight is drained")
    }

    @Test("an unreachable Kafka means drained (what is left stays spooled), and the spool's room is reported")
    func readiness() {
        var machine = Machine(durability: .memory, spoolIsEmpty: false)
        _ = machine.kafkaChecked(reachable: false)
        #expect(machine.isDrained)
        #expect(machine.spoolHasRoom)
        machine.spoolRoomChecked(false)
        #expect(!machine.spoolHasRoom)
        #expect(machine.replayStep() == .wait(.milliseconds(500)))
    }
}
