/// What a request's `Accept-Encoding` (RFC 9110, 12.5.3) says about gzip.
enum AcceptEncoding {
    /// Whether to answer in gzip: `gzip` (or `x-gzip`, or `*` when neither is named) has
    /// a q-value above 0, and no explicit `identity` (or `*` standing for it) is
    /// preferred to it. A member with a malformed q-value counts as absent. No header,
    /// or an empty one, asks for identity.
    static func prefersGzip(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { prefersGzip($0) }
    }

    /// The same over the field's bytes, in one pass with no allocation.
    static func prefersGzip(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var gzip: Int? = nil
        var identity: Int? = nil
        var any: Int? = nil
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: ",") { end += 1 }
            if let (coding, q) = member(bytes, start..<end) {
                switch coding {
                case .gzip: gzip = max(gzip ?? 0, q)
                case .identity: identity = q
                case .any: any = q
                case .other: break
                }
            }
            start = end + 1
        }
        let gzipQ = gzip ?? any ?? 0
        guard gzipQ > 0 else { return false }
        guard let identityQ = identity ?? any else { return true }
        return gzipQ >= identityQ
    }

    private enum Coding { case gzip, identity, any, other }

    /// One member, `coding *( OWS ";" OWS parameter )`: the coding and its q-value in
    /// thousandths; nil when empty or its q-value is malformed.
    private static func member(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> (Coding, Int)? {
        var parts = range.lowerBound
        var end = parts
        while end < range.upperBound, bytes[end] != UInt8(ascii: ";") { end += 1 }
        let name = trimmed(bytes, parts..<end)
        guard !name.isEmpty else { return nil }
        var q = 1000
        while end < range.upperBound {
            parts = end + 1
            end = parts
            while end < range.upperBound, bytes[end] != UInt8(ascii: ";") { end += 1 }
            let parameter = trimmed(bytes, parts..<end)
            guard parameter.count >= 2, lower(bytes[parameter.lowerBound]) == UInt8(ascii: "q"),
                  bytes[parameter.lowerBound + 1] == UInt8(ascii: "=") else { continue }
            guard let value = qValue(bytes, (parameter.lowerBound + 2)..<parameter.upperBound) else { return nil }
            q = value
        }
        let coding: Coding
        if equalsIgnoringCase(bytes, name, "gzip") || equalsIgnoringCase(bytes, name, "x-gzip") {
            coding = .gzip
        } else if equalsIgnoringCase(bytes, name, "identity") {
            coding = .identity
        } else if name.count == 1, bytes[name.lowerBound] == UInt8(ascii: "*") {
            coding = .any
        } else {
            coding = .other
        }
        return (coding, q)
    }

    /// A q-value in thousandths: `0`, `0.5`, `1`, `1.000`; nil when malformed.
    private static func qValue(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard let first = range.first, bytes[first] == UInt8(ascii: "0") || bytes[first] == UInt8(ascii: "1") else { return nil }
        let whole = Int(bytes[first] - UInt8(ascii: "0"))
        if range.count == 1 { return whole * 1000 }
        guard bytes[first + 1] == UInt8(ascii: "."), range.count <= 5 else { return nil }
        var fraction = 0
        var scale = 100
        for index in (first + 2)..<range.upperBound {
            let digit = bytes[index]
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            fraction += Int(digit - UInt8(ascii: "0")) * scale
            scale /= 10
        }
        guard whole == 0 || fraction == 0 else { return nil }
        return whole * 1000 + fraction
    }

    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var low = range.lowerBound
        var high = range.upperBound
        while low < high, bytes[low] == 0x20 || bytes[low] == 0x09 { low += 1 }
        while high > low, bytes[high - 1] == 0x20 || bytes[high - 1] == 0x09 { high -= 1 }
        return low..<high
    }

    private static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>,
                                           _ lowercase: StaticString) -> Bool {
        guard range.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for (offset, index) in range.enumerated() where lower(bytes[index]) != expected[offset] { return false }
        return true
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}
