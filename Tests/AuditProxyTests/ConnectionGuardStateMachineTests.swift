@testable import AuditProxy
import NIOCore
import Testing
import TestSupport

@Suite("Connection guard state machine")
struct ConnectionGuardStateMachineTests {
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func limits(maxHeaderBytes: Int = 100) -> ConnectionLimits {
        var limits = ConnectionLimits()
        limits.maxHeaderBytes = maxHeaderBytes
        limits.headerReadTimeout = .seconds(10)
        limits.idleTimeout = .seconds(60)
        return limits
    }

    static func bytes(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test("a head within the limit is forwarded, with its body in the same read uncounted")
    func headWithinLimit() {
        var machine = ConnectionGuardStateMachine(limits: Self.limits(), now: Self.start)
        let head = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n"
        #expect(machine.received(Self.bytes(head + String(repeating: "b", count: 500)), now: Self.start) == .forward)
        #expect(machine.received(Self.bytes(String(repeating: "b", count: 5000)), now: Self.start) == .forward)
    }

    @Test("a head over the limit is refused with 431, whether it arrives at once or byte by byte",
          arguments: [1, 7, 64, 1000])
    func headOverLimit(chunk: Int) {
        var machine = ConnectionGuardStateMachine(limits: Self.limits(), now: Self.start)
        let head = Array("GET / HTTP/1.1\r\nX-Big: \(String(repeating: "h", count: 200))\r\n\r\n".utf8)
        var actions: [ConnectionGuardStateMachine.ReadAction] = []
        for start in stride(from: 0, to: head.count, by: chunk) {
            actions.append(machine.received(ByteBuffer(bytes: head[start..<min(start + chunk, head.count)]), now: Self.start))
        }
        let refusals = actions.filter { if case .reject = $0 { true } else { false } }
        #expect(refusals == [.reject(.headerTooLarge, respond: true)])
        #expect(actions.drop { $0 == .forward }.dropFirst().allSatisfy { $0 == .drop })
    }

    @Test("the end of a head split across reads is found (CR LF CR LF in pieces)")
    func splitTerminator() {
        var machine = ConnectionGuardStateMachine(limits: Self.limits(maxHeaderBytes: 40), now: Self.start)
        for piece in ["GET / HTTP/1.1\r\nHost: x\r", "\n", "\r", "\n"] {
            #expect(machine.received(Self.bytes(piece), now: Self.start) == .forward)
        }
        // The head ended: body bytes are not counted against the head limit.
        #expect(machine.received(Self.bytes(String(repeating: "x", count: 100)), now: Self.start) == .forward)
    }

    @Test("the next head after a request ends is counted again")
    func keepAlive() {
        var machine = ConnectionGuardStateMachine(limits: Self.limits(maxHeaderBytes: 40), now: Self.start)
        #expect(machine.received(Self.bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), now: Self.start) == .forward)
        machine.requestEnded(now: Self.start)
        machine.responseStarted()
        machine.responseEnded(now: Self.start)
        #expect(machine.received(Self.bytes("GET /\(String(repeating: "a", count: 60)) HTTP/1.1\r\n"), now: Self.start)
            == .reject(.headerTooLarge, respond: true))
    }

    @Test("a pipelined head over the limit while a response is being written closes without an answer")
    func refusedDuringResponse() {
        var machine = ConnectionGuardStateMachine(limits: Self.limits(maxHeaderBytes: 40), now: Self.start)
        _ = machine.received(Self.bytes("GET / HTTP/1.1\r\n\r\n"), now: Self.start)
        machine.requestEnded(now: Self.start)
        machine.responseStarted()
        #expect(machine.received(Self.bytes(String(repeating: "a", count: 50)), now: Self.start)
            == .reject(.headerTooLarge, respond: false))
    }

    @Test("a head that stops arriving times out from its first byte, answered 408")
    func headerTimeout() {
        var machine = ConnectionGuardStateMachine(limits: Self.limits(), now: Self.start)
        #expect(machine.deadline == Self.start + .seconds(60))
        _ = machine.received(Self.bytes("GET / HT"), now: Self.start + .seconds(1))
        #expect(machine.deadline == Self.start + .seconds(11))
        _ = machine.received(Self.bytes("TP/1.1\r\n"), now: Self.start + .seconds(5))
        #expect(machine.timerFired(now: Self.start + .seconds(9)) == .wait(until: Self.start + .seconds(11)))
        #expect(machine.timerFired(now: Self.start + .seconds(11)) == .close(.headerTimeout, respond: true))
        #expect(machine.deadline == nil)
    }

    @Test("an idle keep-alive connection closes without an answer; a busy one is not timed")
    func idle() {
        var machine = ConnectionGuardStateMachine(limits: Self.limits(), now: Self.start)
        _ = machine.received(Self.bytes("GET / HTTP/1.1\r\n\r\n"), now: Self.start)
        machine.requestEnded(now: Self.start)
        #expect(machine.deadline == nil, "the upstream's timeout governs while the response is produced")
        machine.responseStarted()
        #expect(machine.deadline == nil)
        machine.responseEnded(now: Self.start + .seconds(3))
        #expect(machine.deadline == Self.start + .seconds(63))
        #expect(machine.timerFired(now: Self.start + .seconds(63)) == .close(.idleTimeout, respond: false))
    }

    @Test("a request body that stops arriving is timed only while the proxy waits for the client")
    func bodyTimeout() {
        var machine = ConnectionGuardStateMachine(limits: Self.limits(), now: Self.start)
        _ = machine.received(Self.bytes("POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nab"), now: Self.start)
        #expect(machine.deadline == nil, "not reading: the upstream is slow to take the body")
        machine.readRequested(now: Self.start + .seconds(100))
        machine.readRequested(now: Self.start + .seconds(110))
        #expect(machine.deadline == Self.start + .seconds(160))
        #expect(machine.timerFired(now: Self.start + .seconds(160)) == .close(.bodyTimeout, respond: true))
    }

    @Test("random byte streams in random pieces: refused exactly when the head outgrows the limit (fixed seed)")
    func randomStreams() {
        var generator = SplitMix64(seed: 0xA11D17)
        let alphabet: [UInt8] = [13, 10, 65, 32]
        for _ in 0..<3000 {
            let limit = Int.random(in: 8...200, using: &generator)
            let stream = (0..<Int.random(in: 0...400, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let headEnd = stream.count < 4 ? nil : (0...(stream.count - 4)).first { stream[$0..<$0 + 4] == [13, 10, 13, 10] }.map { $0 + 4 }
            let expectRefusal = (headEnd ?? stream.count) > limit
            var machine = ConnectionGuardStateMachine(limits: Self.limits(maxHeaderBytes: limit), now: Self.start)
            var refusals = 0
            var forwarded = 0
            var offset = 0
            while offset < stream.count {
                let end = min(stream.count, offset + Int.random(in: 1...40, using: &generator))
                switch machine.received(ByteBuffer(bytes: stream[offset..<end]), now: Self.start) {
                case .forward: forwarded = end
                case .reject: refusals += 1
                case .drop: #expect(refusals == 1)
                }
                offset = end
            }
            #expect(refusals == (expectRefusal ? 1 : 0), "limit \(limit), head end \(String(describing: headEnd)), \(stream.count) bytes")
            if expectRefusal { #expect(forwarded <= limit) }
        }
    }
}
