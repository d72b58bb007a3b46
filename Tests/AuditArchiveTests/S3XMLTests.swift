@testable import AuditArchive
import Testing
import TestSupport

@Suite("Reading S3's XML answers")
struct S3XMLTests {
    @Test("values and elements are found in order; entities decode; malformed parts yield nothing", arguments: [
        ("<Key>a</Key><Key>b &amp; c</Key>", "Key", ["a", "b & c"]),
        ("<Key>&lt;x&gt; &quot;q&quot; &apos;s&apos; &#233; &#x1F600;</Key>", "Key", ["<x> \"q\" 's' é 😀"]),
        ("<Key>unclosed", "Key", []),
        ("<Key>a</Key><Key>b", "Key", ["a"]),
        ("<Key>&unknown; &#xZZ; & alone &toolongentityname;</Key>", "Key", ["&unknown; &#xZZ; & alone &toolongentityname;"]),
        ("<Key>&#1114112;</Key>", "Key", ["&#1114112;"]),
        ("<Other>x</Other>", "Key", []),
        ("", "Key", []),
    ])
    func values(xml: String, name: String, expected: [String]) {
        #expect(S3XML.values(of: name, in: Substring(xml)) == expected)
    }

    @Test("a ListObjectsV2 page: keys and sizes per Contents element")
    func listing() {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated>\
            <Contents><Key>a/1.log</Key><Size>10</Size></Contents><Contents><Key>a/2 &amp;.log</Key><Size>20</Size></Contents>\
            <NextContinuationToken>tok==</NextContinuationToken></ListBucketResult>
            """
        let contents = S3XML.elements("Contents", in: Substring(xml))
        #expect(contents.map { S3XML.values(of: "Key", in: $0) } == [["a/1.log"], ["a/2 &.log"]])
        #expect(contents.map { S3XML.values(of: "Size", in: $0) } == [["10"], ["20"]])
        #expect(S3XML.values(of: "NextContinuationToken", in: Substring(xml)) == ["tok=="])
    }

    @Test("2,000 fixed-seed random documents of tags, entities and text: no trap, never more values than opening tags")
    func random() {
        var random = SplitMix64(seed: 0x5333_584D)
        func next() -> UInt64 { random.next() }
        let pieces = ["<Key>", "</Key>", "<Contents>", "</Contents>", "&amp;", "&#", "&#x", ";", "&", "a", "ü", "<", ">", "1F600", "99999999999"]
        for _ in 0..<2000 {
            let xml = (0..<Int(next() % 40)).map { _ in pieces[Int(next() % UInt64(pieces.count))] }.joined()
            let opening = xml.components(separatedBy: "<Key>").count - 1
            #expect(S3XML.values(of: "Key", in: Substring(xml)).count <= opening)
            _ = S3XML.elements("Contents", in: Substring(xml))
        }
    }
}
