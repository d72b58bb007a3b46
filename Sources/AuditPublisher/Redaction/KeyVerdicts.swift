/// The verdicts of the keys one body has shown so far, by their raw bytes: a 1 MB JSON body
/// holds tens of thousands of keys but usually a handful of distinct ones, and comparing a few
/// bytes costs far less than decoding, hashing or matching the key again. Holds at most
/// ``capacity`` keys of at most ``maximumKeyBytes`` each; others are matched every time.
struct KeyVerdicts {
    static let capacity = 64
    static let maximumKeyBytes = 64

    /// A recorded key: its length and first eight bytes (all of a short key) to tell keys apart
    /// without a comparison, and where the rest is in ``storage``.
    private struct Entry {
        var count: Int
        var head: UInt64
        var start: Int
        var verdict: Bool
    }

    private var storage: [UInt8] = []
    private var entries: [Entry] = []

    /// The verdict recorded for the raw key `key`, if any; `head` is its ``head(of:)``, which a
    /// caller holding the bytes around the key can read as one word.
    @inline(__always)
    func verdict(for key: UnsafeRawBufferPointer, head: UInt64) -> Bool? {
        for entry in entries where entry.count == key.count && entry.head == head {
            if key.count <= 8 { return entry.verdict }
            let tail = storage.withUnsafeBytes { stored in
                UnsafeRawBufferPointer(rebasing: stored[(entry.start + 8)..<(entry.start + entry.count)]).elementsEqual(UnsafeRawBufferPointer(rebasing: key[8...]))
            }
            if tail { return entry.verdict }
        }
        return nil
    }

    /// Records the verdict of `key`, while there is room.
    mutating func record(_ verdict: Bool, for key: UnsafeRawBufferPointer, head: UInt64) {
        guard entries.count < Self.capacity, key.count <= Self.maximumKeyBytes else { return }
        entries.append(Entry(count: key.count, head: head, start: storage.count, verdict: verdict))
        storage.append(contentsOf: key)
    }

    /// The first eight bytes of `key` (fewer for a shorter key, zeros after), as one word, the
    /// first byte lowest.
    static func head(of key: UnsafeRawBufferPointer) -> UInt64 {
        if key.count >= 8 { return UInt64(littleEndian: key.loadUnaligned(as: UInt64.self)) }
        var head: UInt64 = 0
        for (position, byte) in key.enumerated() { head |= UInt64(byte) << (8 * UInt64(position)) }
        return head
    }

    /// ``head(of:)`` of the `count` bytes at `start` of `bytes`, read as one word when eight bytes
    /// are there to read (the key is followed by at least its closing quote and more).
    @inline(__always)
    static func head(of bytes: UnsafeRawBufferPointer, start: Int, count: Int) -> UInt64 {
        guard start + 8 <= bytes.count else { return head(of: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)])) }
        let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: start, as: UInt64.self))
        return count >= 8 ? word : word & ((1 << (8 * UInt64(count))) - 1)
    }
}
