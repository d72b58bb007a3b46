/// Builds several envelopes at once and hands each on in arrival order: the one taken first is
/// delivered first, however the builds finish.
///
/// At most ``width`` builds run at a time; a finished build whose predecessors are still running
/// waits (with its envelope) for them. `next` and `deliver` run on the caller's task, one at a
/// time, so `deliver` sees the items in the order `next` gave them.
struct OrderedBuilds<Item: Sendable, Built: Sendable> {
    /// The most builds in progress at once (at least 1).
    let width: Int

    init(width: Int) {
        self.width = max(1, width)
    }

    /// Takes items from `next` (until it returns `nil`) while fewer than ``width`` are being built
    /// or waiting to be delivered, builds them concurrently and delivers them in order. Returns
    /// when every item taken was delivered.
    func run(
        next: () -> Item?,
        build: @escaping @Sendable (Item) async -> Built,
        deliver: (Item, Built) async -> Void
    ) async {
        await withTaskGroup(of: (Int, Item, Built).self) { group in
            var taken = 0
            var delivered = 0
            var finished: [Int: (Item, Built)] = [:]
            var exhausted = false
            func fill() {
                while !exhausted, taken - delivered < width {
                    guard let item = next() else {
                        exhausted = true
                        return
                    }
                    let index = taken
                    group.addTask { (index, item, await build(item)) }
                    taken += 1
                }
            }
            fill()
            while let (index, item, built) = await group.next() {
                finished[index] = (item, built)
                while let (item, built) = finished.removeValue(forKey: delivered) {
                    await deliver(item, built)
                    delivered += 1
                }
                fill()
            }
        }
    }
}
