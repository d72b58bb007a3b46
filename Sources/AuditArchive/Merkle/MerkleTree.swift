import AuditEnvelope

/// Merkle trees as RFC 9162 (Certificate Transparency 2.0, section 2.1) defines them, over a
/// segment's envelope lines in order: a leaf is SHA-256(0x00 || line), a node
/// SHA-256(0x01 || left || right), and a tree of n > 1 leaves splits at the largest power of two
/// below n. A segment's root is in its signed manifest, so one line with its audit path (about
/// log2(n) hashes) proves that line is in the segment without showing any other.
public enum MerkleTree {
    /// The leaf hash of `line` (without its newline): SHA-256(0x00 || line).
    public static func leafHash(_ line: UnsafeRawBufferPointer) -> SHA256Digest {
        var hasher = SHA256Hasher()
        withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: line)
        return hasher.finalize()
    }

    /// The hash of an inner node: SHA-256(0x01 || left || right).
    public static func nodeHash(_ left: SHA256Digest, _ right: SHA256Digest) -> SHA256Digest {
        var hasher = SHA256Hasher()
        withUnsafeBytes(of: UInt8(1)) { hasher.update(bufferPointer: $0) }
        left.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        right.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize()
    }

    /// The root (MTH) of the tree over `leaves` (leaf hashes, in order); of no leaves, the
    /// SHA-256 of nothing.
    public static func root(of leaves: ArraySlice<SHA256Digest>) -> SHA256Digest {
        switch leaves.count {
        case 0:
            return SHA256Hasher().finalize()
        case 1:
            return leaves[leaves.startIndex]
        default:
            let split = largestPowerOfTwo(below: leaves.count)
            return nodeHash(root(of: leaves.prefix(split)), root(of: leaves.dropFirst(split)))
        }
    }

    /// The audit path (PATH(m, D[n])) of leaf `index` of `leaves`: the sibling hashes from the
    /// leaf up to the root; `nil` when there is no such leaf.
    public static func inclusionPath(leaf index: Int, of leaves: ArraySlice<SHA256Digest>) -> [SHA256Digest]? {
        guard index >= 0, index < leaves.count else { return nil }
        guard leaves.count > 1 else { return [] }
        let split = largestPowerOfTwo(below: leaves.count)
        if index < split {
            return (inclusionPath(leaf: index, of: leaves.prefix(split)) ?? []) + [root(of: leaves.dropFirst(split))]
        }
        return (inclusionPath(leaf: index - split, of: leaves.dropFirst(split)) ?? []) + [root(of: leaves.prefix(split))]
    }

    /// Whether `path` proves that `leafHash` is leaf `index` of a tree of `treeSize` leaves with
    /// root `root`: RFC 9162's verification algorithm (section 2.1.3.2), step by step.
    public static func verifyInclusion(leafHash: SHA256Digest, index: Int, treeSize: Int, path: [SHA256Digest], root: SHA256Digest) -> Bool {
        guard index >= 0, index < treeSize else { return false }
        var fn = index
        var sn = treeSize - 1
        var hash = leafHash
        for sibling in path {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                hash = nodeHash(sibling, hash)
                while fn & 1 == 0, fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                hash = nodeHash(hash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && hash == root
    }

    /// The root of a tree built leaf by leaf, in memory of a few hashes whatever the number of
    /// leaves: the complete subtrees so far, largest first, as a binary counter holds its bits.
    /// RFC 9162's tree of n leaves is those subtrees joined from the right.
    public struct Builder: Sendable {
        private var subtrees: [(hash: SHA256Digest, leaves: Int)] = []
        /// Leaves added.
        public private(set) var count = 0

        /// Creates an empty tree.
        public init() {}

        /// Adds the next leaf's hash.
        public mutating func append(_ leaf: SHA256Digest) {
            count += 1
            subtrees.append((leaf, 1))
            while subtrees.count >= 2, subtrees[subtrees.count - 1].leaves == subtrees[subtrees.count - 2].leaves {
                let right = subtrees.removeLast()
                let left = subtrees.removeLast()
                subtrees.append((MerkleTree.nodeHash(left.hash, right.hash), left.leaves * 2))
            }
        }

        /// The root of the leaves added so far.
        public var root: SHA256Digest {
            guard var hash = subtrees.last?.hash else { return SHA256Hasher().finalize() }
            for subtree in subtrees.dropLast().reversed() { hash = MerkleTree.nodeHash(subtree.hash, hash) }
            return hash
        }
    }

    /// The largest power of two smaller than `count` (which is at least 2).
    static func largestPowerOfTwo(below count: Int) -> Int {
        var power = 1
        while power << 1 < count { power <<= 1 }
        return power
    }
}
