/// The verdicts of the keys one body has shown so far, by their raw bytes: a 1 MB JSON body
/// holds tens of thousands of keys but usually a handful of distinct ones, and comparing a few
/// bytes costs far less than decoding, hashing or matching the key again. Holds at most
/// ``capacity`` keys of at most ``maximumKeyBytes`` each; others are matched every time.
struct KeyVerdicts {
    static let capacity = 64
    static let maximumKeyBytes = 64

    private var storage: [UInt8] = []
    private var entries: [(start: Int, count: Int, verdict: Bool)] = []

    /// The verdict recorded for the raw key `key`, if any.
    func verdict(for key: UnsafeRawBufferPointer) -> Bool? {
        for entry in entries where entry.count == key.count {
            let matches = storage.withUnsafeBytes { stored in
                key.elementsEqual(UnsafeRawBufferPointer(rebasing: stored[entry.start..<(entry.start + entry.count)]))
            }
            if matches { return entry.verdict }
        }
        return nil
    }

    /// Records the verdict of `key`, while there is room.
    mutating func record(_ verdict: Bool, for key: UnsafeRawBufferPointer) {
        guard entries.count < Self.capacity, key.count <= Self.maximumKeyBytes else { return }
        entries.append((storage.count, key.count, verdict))
        storage.append(contentsOf: key)
    }
}
