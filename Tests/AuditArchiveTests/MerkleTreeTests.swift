import AuditArchive
import AuditEnvelope
import Foundation
import NIOCore
import Testing

/// RFC 9162 Merkle trees: roots for every size up to 1,000 against the RFC's definition written
/// out here, and inclusion proofs for every leaf of several sizes.
@Suite("Merkle trees (RFC 9162)")
struct MerkleTreeTests {
    /// SHA-256 of `bytes`.
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { SHA256Hasher.hash($0).bytes }
    }

    /// MTH(D[n]) exactly as RFC 9162 section 2.1.1 states it, over the data items themselves:
    /// the hash of nothing; SHA-256(0x00 || d0); or SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
    /// with k the largest power of two smaller than n.
    static func reference(_ items: ArraySlice<[UInt8]>) -> [UInt8] {
        if items.isEmpty { return sha256([]) }
        if items.count == 1 { return sha256([0x00] + items[items.startIndex]) }
        var k = 1
        while k * 2 < items.count { k *= 2 }
        return sha256([0x01] + reference(items.prefix(k)) + reference(items.dropFirst(k)))
    }

    static func items(_ count: Int) -> [[UInt8]] {
        (0..<count).map { Array("{\"line\":\($0)}".utf8) }
    }

    static func leaves(_ items: [[UInt8]]) -> [SHA256Digest] {
        items.map { item in item.withUnsafeBytes(MerkleTree.leafHash) }
    }

    @Test("known values: the empty tree is the SHA-256 of nothing, a leaf of nothing is SHA-256(0x00)")
    func knownValues() {
        #expect(MerkleTree.root(of: []).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(MerkleTree.Builder().root.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect([UInt8]().withUnsafeBytes(MerkleTree.leafHash).hex == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    }

    @Test("every size from 1 to 1,000: the root, built at once or leaf by leaf, is the RFC's MTH")
    func rootsUpToAThousand() {
        let items = Self.items(1_000)
        let leaves = Self.leaves(items)
        var builder = MerkleTree.Builder()
        for size in 1...1_000 {
            builder.append(leaves[size - 1])
            let expected = Self.reference(items.prefix(size))
            #expect(builder.root.bytes == expected, "size \(size), leaf by leaf")
            #expect(builder.count == size)
            if size <= 130 || size % 97 == 0 {
                #expect(MerkleTree.root(of: leaves.prefix(size)).bytes == expected, "size \(size)")
            }
        }
    }

    @Test("every leaf's audit path proves it, and nothing else", arguments: [1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 100])
    func inclusionProofs(_ size: Int) throws {
        let leaves = Self.leaves(Self.items(size))
        let root = MerkleTree.root(of: leaves[...])
        var depth = 0
        while (1 << depth) < size { depth += 1 }
        for index in 0..<size {
            let path = try #require(MerkleTree.inclusionPath(leaf: index, of: leaves[...]))
            #expect(path.count <= depth, "size \(size), leaf \(index): at most ceil(log2 n) hashes")
            #expect(MerkleTree.verifyInclusion(leafHash: leaves[index], index: index, treeSize: size, path: path, root: root))
            // Another leaf, another index, another size, a changed or extended path, another root:
            // each fails.
            #expect(!MerkleTree.verifyInclusion(leafHash: leaves[(index + 1) % size], index: index, treeSize: size, path: path, root: root) || size == 1)
            #expect(!MerkleTree.verifyInclusion(leafHash: leaves[index], index: index + 1, treeSize: size, path: path, root: root))
            // A size whose tree is deeper (a path of one size may fit a neighbouring size: the shape is all it checks).
            #expect(!MerkleTree.verifyInclusion(leafHash: leaves[index], index: index, treeSize: 2 * size + 1, path: path, root: root))
            #expect(!MerkleTree.verifyInclusion(leafHash: leaves[index], index: index, treeSize: size, path: path + [root], root: root))
            if !path.isEmpty {
                var changed = path
                var bytes = changed[0].bytes
                bytes[0] ^= 0x01
                changed[0] = try #require(SHA256Digest(bytes: bytes))
                #expect(!MerkleTree.verifyInclusion(leafHash: leaves[index], index: index, treeSize: size, path: changed, root: root))
                #expect(!MerkleTree.verifyInclusion(leafHash: leaves[index], index: index, treeSize: size, path: Array(path.dropLast()), root: root))
            }
            #expect(!MerkleTree.verifyInclusion(leafHash: leaves[index], index: index, treeSize: size, path: path, root: leaves[index]) || size == 1)
        }
        #expect(MerkleTree.inclusionPath(leaf: size, of: leaves[...]) == nil)
        #expect(MerkleTree.inclusionPath(leaf: -1, of: leaves[...]) == nil)
        #expect(!MerkleTree.verifyInclusion(leafHash: leaves[0], index: -1, treeSize: size, path: [], root: root))
    }

    @Test("the manifest records the root of its segment's lines, and verify recomputes it")
    func manifestRoot() throws {
        let (fixture, closed) = try VerifierTests.archive()
        defer { fixture.remove() }
        var lines: [ByteBuffer] = []
        try SegmentReader.forEachLine(inFileAt: VerifierTests.segmentPath(closed[1])) { lines.append($0) }
        let leaves = lines.map { $0.withUnsafeReadableBytes(MerkleTree.leafHash) }
        #expect(closed[1].manifest.merkleRoot == MerkleTree.root(of: leaves[...]).hex)
        var manifest = closed[1].manifest
        manifest.merkleRoot = MerkleTree.root(of: leaves.prefix(1)).hex
        try Data(manifest.encoded().readableBytesView).write(to: URL(fileURLWithPath: closed[1].manifestPath))
        let report = try ArchiveVerifier.verify(root: fixture.root)
        #expect(report.problems.contains { $0.message.contains("the Merkle root of its 2 lines") }, "\(report.problems)")
    }
}
