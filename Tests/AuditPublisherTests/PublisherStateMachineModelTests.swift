import Testing
import TestSupport

@testable import AuditPublisher

/// The state machine driven by random events against a model of its world: a spool with two
/// lanes whose appends finish later, a partition that settles sends first in, first out (a
/// failure takes every later send in flight with it, as librdkafka's ordered retries do), and a
/// replay loop; envelopes are built several at once (up to ``World/buildWidth``), finish in any
/// order and are handed to the machine in the order they were taken (``OrderedBuilds``), and an
/// overflow waits for the builds in progress (the order gate). Whatever the interleaving, every
/// envelope reaches Kafka exactly once and in the order it arrived.
@Suite("Publisher state machine against a model")
struct PublisherStateMachineModelTests {
    struct World {
        var machine: PublisherStateMachine
        var next = 0
        var pendingMain: [Int] = []
        var pendingRetry: [Int] = []
        var mainLane: [Int] = []
        var retryLane: [Int] = []
        var inFlight: [(id: PublisherStateMachine.SendID, envelope: Int, batchIndex: Int?)] = []
        var kafka: [Int] = []
        var pendingCheck: PublisherStateMachine.SpoolCheck?
        var batch: (lane: SpoolLane, envelopes: [Int], outcomes: [Bool?])?
        var problems: [String] = []
        /// Envelopes being built, in the order they were taken, and whether each is built.
        var building: [(envelope: Int, built: Bool)] = []
        /// Overflowing envelopes waiting at the order gate for the builds in progress.
        var overflowsWaiting: [Int] = []
        static let buildWidth = 4

        init(durability: Durability) {
            machine = PublisherStateMachine(durability: durability, spoolIsEmpty: true)
        }

        /// The publishing loop takes the next envelope to build, unless an overflow waits at the gate.
        mutating func take() {
            guard overflowsWaiting.isEmpty, building.count < Self.buildWidth else { return }
            building.append((next, false))
            next += 1
        }

        /// One build in progress finishes, any of them; the built prefix is handed on in order.
        mutating func finishBuild(_ random: inout SplitMix64) {
            let unbuilt = building.indices.filter { !building[$0].built }
            guard !unbuilt.isEmpty else { return }
            building[unbuilt[Int(random.next() % UInt64(unbuilt.count))]].built = true
            while let first = building.first, first.built {
                building.removeFirst()
                publish(first.envelope)
            }
            if building.isEmpty {
                for envelope in overflowsWaiting { spill(envelope) }
                overflowsWaiting = []
            }
        }

        mutating func publish(_ envelope: Int) {
            switch machine.route() {
            case .send: inFlight.append((machine.sendStarted(.fresh), envelope, nil))
            case .spool: pendingMain.append(envelope)
            }
        }

        /// An exchange overflows: it waits at the gate while envelopes are being built.
        mutating func overflow() {
            if building.isEmpty { spill(next) } else { overflowsWaiting.append(next) }
            next += 1
        }

        mutating func spill(_ envelope: Int) {
            machine.forceSpool()
            pendingMain.append(envelope)
        }

        mutating func finishMainAppend() {
            guard !pendingMain.isEmpty else { return }
            mainLane.append(pendingMain.removeFirst())
            machine.appendFinished(.main)
        }

        mutating func finishRetryAppend() {
            guard !pendingRetry.isEmpty else { return }
            retryLane.append(pendingRetry.removeFirst())
            machine.appendFinished(.retry)
        }

        mutating func settleFirst(delivered: Bool) {
            guard !inFlight.isEmpty else { return }
            let settling = delivered ? [inFlight.removeFirst()] : inFlight
            if !delivered { inFlight = [] }
            for send in settling {
                let action = machine.sendFinished(send.id, delivered ? .delivered : .failed)
                switch (action, send.batchIndex) {
                case (.delivered, let index):
                    kafka.append(send.envelope)
                    if let index { batch?.outcomes[index] = true }
                case (.spool, nil): pendingRetry.append(send.envelope)
                case (.keepInSpool, let index?): batch?.outcomes[index] = false
                default: problems.append("send of \(send.envelope): unexpected \(action)")
                }
            }
            settleBatch()
        }

        mutating func takeCheck() {
            guard batch == nil, pendingCheck == nil, case .load(let check) = machine.replayStep() else { return }
            pendingCheck = check
        }

        mutating func load() {
            guard let check = pendingCheck else { return }
            pendingCheck = nil
            let lane: SpoolLane = retryLane.isEmpty ? .main : .retry
            let envelopes = lane == .retry ? retryLane : mainLane
            switch machine.segmentLoaded(check, found: !envelopes.isEmpty) {
            case .replay:
                batch = (lane, envelopes, Array(repeating: nil, count: envelopes.count))
                for (index, envelope) in envelopes.enumerated() {
                    guard machine.mayReplay else {
                        batch?.outcomes[index] = false
                        continue
                    }
                    inFlight.append((machine.sendStarted(.replayed), envelope, index))
                }
                settleBatch()
            case .resumedDirect:
                if !(mainLane.isEmpty && retryLane.isEmpty && pendingMain.isEmpty && pendingRetry.isEmpty) {
                    problems.append("went direct with \(mainLane) \(retryLane) \(pendingMain) \(pendingRetry) spooled")
                }
            case .wait:
                break
            }
        }

        /// A batch whose outcomes are all known: its delivered prefix leaves the lane.
        mutating func settleBatch() {
            guard let current = batch, current.outcomes.allSatisfy({ $0 != nil }) else { return }
            let prefix = current.outcomes.prefix { $0 == true }.count
            if current.lane == .retry { retryLane.removeFirst(prefix) } else { mainLane.removeFirst(prefix) }
            batch = nil
        }

        mutating func step(_ random: inout SplitMix64) {
            switch random.next() % 12 {
            case 0, 1: take()
            case 10, 11: finishBuild(&random)
            case 2: overflow()
            case 3: finishMainAppend()
            case 4: finishRetryAppend()
            case 5: settleFirst(delivered: true)
            case 6: settleFirst(delivered: random.next() % 4 != 0)
            case 7: _ = machine.kafkaChecked(reachable: random.next() % 3 != 0)
            case 8: takeCheck()
            default: load()
            }
        }

        /// Kafka back for good: everything settles, the spool drains.
        mutating func drain(_ random: inout SplitMix64) {
            _ = machine.kafkaChecked(reachable: true)
            for _ in 0..<10_000 {
                finishBuild(&random)
                finishMainAppend()
                finishRetryAppend()
                settleFirst(delivered: true)
                takeCheck()
                load()
                if machine.isDrained, building.isEmpty, batch == nil, inFlight.isEmpty, mainLane.isEmpty, retryLane.isEmpty { return }
            }
            problems.append("never drained: \(mainLane.count) main, \(retryLane.count) retry, \(inFlight.count) in flight")
        }
    }

    @Test("random interleavings: every envelope reaches Kafka exactly once, in order", arguments: [Durability.memory, .disk])
    func randomInterleavings(durability: Durability) {
        var random = SplitMix64(seed: durability == .memory ? 0x5EED_0015 : 0xD15C_0015)
        for round in 0..<300 {
            var world = World(durability: durability)
            _ = world.machine.kafkaChecked(reachable: random.next() % 2 == 0)
            for _ in 0..<(20 + Int(random.next() % 200)) { world.step(&random) }
            world.drain(&random)
            #expect(world.problems.isEmpty, "round \(round): \(world.problems)")
            #expect(world.kafka == Array(0..<world.next), "round \(round): Kafka holds \(world.kafka)")
            if durability == .memory {
                #expect(world.machine.mode == .direct, "round \(round)")
            } else {
                #expect(world.machine.mode == .replaying, "round \(round)")
            }
        }
    }
}
