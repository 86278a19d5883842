/// What a request's `Accept-Encoding` (RFC 9110, 12.5.3) says about gzip.
enum AcceptEncoding {
    /// Whether to answer in gzip: `gzip` (or `x-gzip`, or `*` when neither is named) has
    /// a q-value above 0, and no explicit `identity` (or `*` standing for it) is
    /// preferred to it. A member with a malformed q-value counts as absent. No header,
    /// or an empty one, asks for identity.
    static func prefersGzip(_ value: String) -> Bool {
        var gzip: Int? = nil
        var identity: Int? = nil
        var any: Int? = nil
        for member in value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true) {
            let parts = member.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
            let coding = trimmed(parts[0])
            guard !coding.isEmpty else { continue }
            var q = 1000
            var malformed = false
            for parameter in parts.dropFirst() {
                let p = trimmed(parameter)
                guard p.count >= 2, lower(p[p.startIndex]) == UInt8(ascii: "q"),
                      p[p.index(after: p.startIndex)] == UInt8(ascii: "=") else { continue }
                guard let value = qValue(p.dropFirst(2)) else { malformed = true; break }
                q = value
            }
            if malformed { continue }
            if equalsIgnoringCase(coding, "gzip") || equalsIgnoringCase(coding, "x-gzip") {
                gzip = max(gzip ?? 0, q)
            } else if equalsIgnoringCase(coding, "identity") {
                identity = q
            } else if coding.elementsEqual("*".utf8) {
                any = q
            }
        }
        let gzipQ = gzip ?? any ?? 0
        guard gzipQ > 0 else { return false }
        guard let identityQ = identity ?? any else { return true }
        return gzipQ >= identityQ
    }

    /// A q-value in thousandths: `0`, `0.5`, `1`, `1.000`; nil when malformed.
    private static func qValue(_ bytes: Substring.UTF8View.SubSequence) -> Int? {
        let digits = Array(bytes)
        guard let first = digits.first, first == UInt8(ascii: "0") || first == UInt8(ascii: "1") else { return nil }
        let whole = Int(first - UInt8(ascii: "0"))
        if digits.count == 1 { return whole * 1000 }
        guard digits[1] == UInt8(ascii: "."), digits.count <= 5 else { return nil }
        var fraction = 0
        var scale = 100
        for digit in digits.dropFirst(2) {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            fraction += Int(digit - UInt8(ascii: "0")) * scale
            scale /= 10
        }
        guard whole == 0 || fraction == 0 else { return nil }
        return whole * 1000 + fraction
    }

    private static func trimmed(_ bytes: Substring.UTF8View.SubSequence) -> Substring.UTF8View.SubSequence {
        var s = bytes
        while let c = s.first, c == 0x20 || c == 0x09 { s.removeFirst() }
        while let c = s.last, c == 0x20 || c == 0x09 { s.removeLast() }
        return s
    }

    private static func equalsIgnoringCase(_ bytes: Substring.UTF8View.SubSequence, _ lowercase: String) -> Bool {
        bytes.count == lowercase.utf8.count && zip(bytes, lowercase.utf8).allSatisfy { lower($0) == $1 }
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}
