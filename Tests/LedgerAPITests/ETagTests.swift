@testable import LedgerAPI
import Testing

@Suite("ETag digests")
struct ETagTests {
    /// Bytes of every length around the word size, so tails of 0 to 7 bytes all occur.
    static let samples: [[UInt8]] = (0...40).map { n in (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) } }

    @Test func aDigestFedInPiecesIsTheDigestOfTheWhole() {
        for bytes in Self.samples {
            for cut in 0...bytes.count {
                for second in cut...bytes.count {
                    var h = ETag.Hasher()
                    h.add(Array(bytes[..<cut])); h.add(Array(bytes[cut..<second])); h.add(Array(bytes[second...]))
                    #expect(h.tag == ETag.digest(bytes), "\(bytes.count) bytes cut at \(cut) and \(second)")
                }
            }
        }
    }

    @Test func differentBytesGetDifferentTags() {
        var tags = Set<String>()
        for bytes in Self.samples { tags.insert(ETag.digest(bytes)) }
        // Trailing zero bytes and one byte changed are told apart as well.
        tags.insert(ETag.digest([0])); tags.insert(ETag.digest([0, 0])); tags.insert(ETag.digest(Array(repeating: 0, count: 8)))
        tags.insert(ETag.digest(Array(#"{"killed":3}"#.utf8))); tags.insert(ETag.digest(Array(#"{"killed":4}"#.utf8)))
        #expect(tags.count == Self.samples.count + 5)
    }

    @Test func aTagIsAQuotedStrongEntityTag() {
        let tag = ETag.digest(Array("strikes".utf8))
        #expect(tag.hasPrefix("\"") && tag.hasSuffix("\"") && !tag.hasPrefix("W/"))
        #expect(ETag.digest(Array("strikes".utf8)) == tag)
    }
}
