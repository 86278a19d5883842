import LedgerModel

/// A request's query string, decoded, that refuses parameters the route does not know
/// and values that do not parse: every mistake is a 400 naming the parameter.
struct QueryParameters {
    /// The parameters in the order given. A query has a handful: a scan over them costs
    /// less than hashing every name into a dictionary and hashing it again to look it up.
    private var pairs: [(name: String, value: String)] = []

    init(_ raw: Substring, allowed: Set<String>) throws(APIError) {
        guard !raw.isEmpty else { return }
        // Split on the bytes of one contiguous buffer, not on Characters or through
        // UTF8View indices: `&`, `=`, `%` and `+` are ASCII (callgrind: a byte scan is a
        // fraction of grapheme breaking, and a buffer a fraction of the view's indices).
        // Decoded first, checked after, in the order given: the first mistake is the one told.
        var text = raw
        let decoded = text.withUTF8 { buffer -> [(name: String?, value: String?)] in
            var out: [(name: String?, value: String?)] = []
            var start = 0
            while start < buffer.count {
                var end = start
                while end < buffer.count && buffer[end] != UInt8(ascii: "&") { end += 1 }
                defer { start = end + 1 }
                if end == start { continue }
                var equals = start
                while equals < end && buffer[equals] != UInt8(ascii: "=") { equals += 1 }
                let name = Self.decode(UnsafeBufferPointer(rebasing: buffer[start..<equals]))
                let value = equals < end ? Self.decode(UnsafeBufferPointer(rebasing: buffer[(equals + 1)..<end])) : ""
                out.append((name, value))
            }
            return out
        }
        pairs.reserveCapacity(decoded.count)
        for (name, value) in decoded {
            guard let name else { throw .badRequest("query parameter is not valid percent-encoded UTF-8") }
            guard let value else { throw .badRequest("query parameter \(name) is not valid percent-encoded UTF-8") }
            guard allowed.contains(name) else {
                throw .badRequest("unknown query parameter \(name); " + (allowed.isEmpty ? "this endpoint takes none"
                    : "this endpoint takes " + allowed.sorted().joined(separator: ", ")))
            }
            // An empty value is the same as leaving the parameter out.
            if value.isEmpty { continue }
            if self[name] != nil { throw .badRequest("query parameter \(name) is given twice") }
            pairs.append((name, value))
        }
    }

    private subscript(name: String) -> String? {
        for pair in pairs where pair.name == name { return pair.value }
        return nil
    }

    /// Percent-decoding (and `+` as a space) of one name or value; nil when the result
    /// is not UTF-8 or a `%` is not followed by two hex digits.
    static func decode(_ utf8: UnsafeBufferPointer<UInt8>) -> String? {
        // Most names and values are plain ASCII with nothing encoded: taken as they are.
        if !utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") || $0 >= 0x80 }) {
            return String(decoding: utf8, as: UTF8.self)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var i = 0
        while i < utf8.count {
            let b = utf8[i]
            i += 1
            switch b {
            case UInt8(ascii: "+"): bytes.append(0x20)
            case UInt8(ascii: "%"):
                guard i + 1 < utf8.count, let hv = hex(utf8[i]), let lv = hex(utf8[i + 1]) else { return nil }
                bytes.append(hv << 4 | lv)
                i += 2
            default: bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: b - 48
        case 65...70: b - 55
        case 97...102: b - 87
        default: nil
        }
    }

    func string(_ name: String) -> String? { self[name] }

    func int(_ name: String, in range: ClosedRange<Int64>) throws(APIError) -> Int64? {
        guard let v = self[name] else { return nil }
        guard let i = Int64(v), range.contains(i), v.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 || $0 == 45 }) else {
            throw .badRequest("query parameter \(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return i
    }

    func date(_ name: String) throws(APIError) -> CivilDate? {
        guard let v = self[name] else { return nil }
        guard let d = CivilDate(v) else { throw .badRequest("query parameter \(name) must be a date YYYY-MM-DD") }
        return d
    }

    func instant(_ name: String) throws(APIError) -> Timestamp? {
        guard let v = self[name] else { return nil }
        guard let t = Timestamp(rfc3339: v) else { throw .badRequest("query parameter \(name) must be an RFC 3339 date-time") }
        return t
    }

    /// A range bound: a local date or an instant.
    func bound(_ name: String) throws(APIError) -> Bound? {
        guard let v = self[name] else { return nil }
        if let d = CivilDate(v) { return .date(d) }
        if let t = Timestamp(rfc3339: v) { return .instant(t) }
        throw .badRequest("query parameter \(name) must be a date YYYY-MM-DD or an RFC 3339 date-time")
    }

    func enumeration<E: RawRepresentable & CaseIterable>(_ name: String, _: E.Type) throws(APIError) -> E? where E.RawValue == String {
        guard let v = self[name] else { return nil }
        guard let e = E(rawValue: v) else {
            throw .badRequest("query parameter \(name) must be one of " + E.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return e
    }
}

enum Bound: Equatable {
    case date(CivilDate)
    case instant(Timestamp)
}
