import Synchronization

/// One memory budget for the incomplete chunk sets of every partition a process reassembles:
/// bytes held (values, headers and bookkeeping) and the number of sets. When a charge takes it
/// past either bound, the oldest sets, whichever partition holds them, are marked evicted; their
/// owner gives them up (to its dead-letter file) the next time it adds a chunk or ticks.
///
/// Each ``ChunkReassembler`` draws on it through its own ``Account``; an account's sets are
/// released when the account goes away (a partition revoked).
public final class ChunkMemoryBudget: Sendable {
    /// One reassembler's share of the budget. Its sets are released when it is deinitialized.
    public final class Account: Sendable {
        let budget: ChunkMemoryBudget
        let number: Int

        fileprivate init(budget: ChunkMemoryBudget, number: Int) {
            self.budget = budget
            self.number = number
        }

        deinit { budget.closeAccount(number) }
    }

    private struct Key: Hashable {
        var account: Int
        var id: String
    }

    private struct Entry {
        var bytes: Int
        var started: ContinuousClock.Instant
        var sequence: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var heldBytes = 0
        var nextAccount = 0
        var nextSequence: UInt64 = 0
        var evicted: [Int: [String]] = [:]

        /// Removes the oldest entry and remembers it for its owner.
        mutating func evictOldest() {
            guard let oldest = entries.min(by: { ($0.value.started, $0.value.sequence) < ($1.value.started, $1.value.sequence) }) else { return }
            entries[oldest.key] = nil
            heldBytes -= oldest.value.bytes
            evicted[oldest.key.account, default: []].append(oldest.key.id)
        }
    }

    /// The most bytes held for incomplete sets.
    public let maxBytes: Int
    /// The most incomplete sets held.
    public let maxSets: Int
    private let state = Mutex(State())

    /// Creates a budget.
    /// - Parameters:
    ///   - maxBytes: Bytes of incomplete sets held at once. Default: 256 MiB.
    ///   - maxSets: Incomplete sets held at once. Default: 1,024.
    public init(maxBytes: Int = 256 * 1024 * 1024, maxSets: Int = 1024) {
        self.maxBytes = max(1, maxBytes)
        self.maxSets = max(1, maxSets)
    }

    /// A new account for one reassembler.
    public func openAccount() -> Account {
        let number = state.withLock { state in
            defer { state.nextAccount += 1 }
            return state.nextAccount
        }
        return Account(budget: self, number: number)
    }

    /// Bytes held now, across accounts.
    public var heldBytes: Int { state.withLock { $0.heldBytes } }

    /// Sets held now, across accounts.
    public var heldSets: Int { state.withLock { $0.entries.count } }

    /// Adds `bytes` to set `id` of `account` (creating it), then evicts the oldest sets while a
    /// bound is exceeded.
    func charge(_ account: Account, id: String, bytes: Int, started: ContinuousClock.Instant) {
        let maxBytes = self.maxBytes
        let maxSets = self.maxSets
        state.withLock { state in
            let key = Key(account: account.number, id: id)
            if var entry = state.entries[key] {
                entry.bytes += bytes
                state.entries[key] = entry
            } else {
                state.entries[key] = Entry(bytes: bytes, started: started, sequence: state.nextSequence)
                state.nextSequence += 1
            }
            state.heldBytes += bytes
            while state.heldBytes > maxBytes || state.entries.count > maxSets {
                state.evictOldest()
            }
        }
    }

    /// Releases set `id` of `account` (completed or given up by its owner).
    func release(_ account: Account, id: String) {
        state.withLock { state in
            if let entry = state.entries.removeValue(forKey: Key(account: account.number, id: id)) {
                state.heldBytes -= entry.bytes
            }
        }
    }

    /// The ids of `account`'s sets evicted since the last call.
    func takeEvicted(_ account: Account) -> [String] {
        state.withLock { state in state.evicted.removeValue(forKey: account.number) ?? [] }
    }

    private func closeAccount(_ number: Int) {
        state.withLock { state in
            for key in state.entries.keys where key.account == number {
                state.heldBytes -= state.entries.removeValue(forKey: key)?.bytes ?? 0
            }
            state.evicted[number] = nil
        }
    }
}
