/// Writes JSON straight into a byte buffer, members in the order they are written.
///
/// The API's answers are built with it: field order follows API.md, output is
/// byte-stable (so ETags and idempotent replays are exact), and nothing is reflected.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    /// Writes with `body` at the end of `out` rather than into a buffer of its own: a
    /// stream of values (an export's features) appended to one chunk, with no array
    /// made, grown and copied per value.
    public static func append(to out: inout [UInt8], _ body: (inout JSONWriter) -> Void) {
        var w = JSONWriter(capacity: 0)
        swap(&w.bytes, &out)
        body(&w)
        swap(&w.bytes, &out)
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    /// `{ ... }`; inside `body`, write members with the keyed methods.
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// `[ ... ]`; inside `body`, write elements with the unkeyed methods.
    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
        body(&self)
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"key":` and leaves the writer ready for exactly one value. Keys written
    /// in the source are copied as they are: none needs an escape.
    public mutating func key(_ key: StaticString) {
        key.withUTF8Buffer { utf8 in
            assert(!utf8.contains(where: Self.needsEscape), "a key literal that needs an escape")
            // `,"key":` laid out on the stack and appended at once: one append, not five
            // (a GeoJSON feature has 27 keys).
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: utf8.count + 4) { s in
                var n = 0
                if needsComma { s[n] = UInt8(ascii: ","); n += 1 }
                s[n] = UInt8(ascii: "\""); n += 1
                if let key = utf8.baseAddress { (s.baseAddress! + n).initialize(from: key, count: utf8.count) }
                n += utf8.count
                s[n] = UInt8(ascii: "\""); s[n + 1] = UInt8(ascii: ":"); n += 2
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: s[0..<n]))
            }
        }
        needsComma = false
    }

    /// `key` for a name known only at run time, escaped as any string.
    public mutating func key(named key: String) {
        separate()
        writeString(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func null() { separate(); bytes.append(contentsOf: [110, 117, 108, 108]) }
    public mutating func bool(_ v: Bool) { separate(); bytes.append(contentsOf: v ? Array("true".utf8) : Array("false".utf8)) }
    public mutating func int<I: BinaryInteger>(_ v: I) {
        separate()
        if let small = Int64(exactly: v) { writeInteger(small) } else { bytes.append(contentsOf: String(v).utf8) }
    }
    public mutating func double(_ v: Double) {
        separate()
        if v.isFinite, v == v.rounded(), abs(v) < 1e15 { bytes.append(contentsOf: String(Int64(v)).utf8) }
        else if v.isFinite { bytes.append(contentsOf: String(v).utf8) }
        else { bytes.append(contentsOf: [110, 117, 108, 108]) }
    }
    public mutating func string(_ v: String) { separate(); writeString(v) }
    /// Pre-encoded JSON, written as one value.
    public mutating func raw(_ json: [UInt8]) { separate(); bytes.append(contentsOf: json) }

    public mutating func string(_ v: String?) { if let v { string(v) } else { null() } }
    public mutating func int<I: BinaryInteger>(_ v: I?) { if let v { int(v) } else { null() } }
    public mutating func double(_ v: Double?) { if let v { double(v) } else { null() } }
    public mutating func timestamp(_ v: Timestamp?) {
        guard let v else { return null() }
        separate()
        bytes.append(UInt8(ascii: "\""))
        v.writeRFC3339(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }
    public mutating func date(_ v: CivilDate?) {
        guard let v else { return null() }
        separate()
        bytes.append(UInt8(ascii: "\""))
        v.write(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func field(_ k: StaticString, _ v: String?) { key(k); string(v) }
    public mutating func field<I: BinaryInteger>(_ k: StaticString, _ v: I?) { key(k); int(v) }
    public mutating func field(_ k: StaticString, _ v: Double?) { key(k); double(v) }
    public mutating func field(_ k: StaticString, _ v: Bool) { key(k); bool(v) }
    public mutating func field(_ k: StaticString, _ v: Timestamp?) { key(k); timestamp(v) }
    public mutating func field(_ k: StaticString, _ v: CivilDate?) { key(k); date(v) }

    /// Decimal digits of `v`, written straight into the buffer.
    private mutating func writeInteger(_ v: Int64) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = v.magnitude
        var digits: (UInt64, UInt64) = (0, 0)  // room for 20 digits, most significant last
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(48 + magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[i]) }
        }
    }

    private mutating func writeString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        // One pass: the bytes between two that need an escape are copied a run at a time
        // (most strings are one run; a description with quotes is a few).
        var s = s
        s.withUTF8 { utf8 in
            var run = 0
            for i in 0..<utf8.count where Self.needsEscape(utf8[i]) {
                if i > run { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i])) }
                writeEscaping(utf8[i])
                run = i + 1
            }
            if utf8.count > run { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func needsEscape(_ b: UInt8) -> Bool {
        b < 0x20 || b == 0x7F || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\")
    }

    private mutating func writeEscaping(_ b: UInt8) {
        switch b {
        case UInt8(ascii: "\""): bytes.append(0x5C); bytes.append(0x22)
        case UInt8(ascii: "\\"): bytes.append(0x5C); bytes.append(0x5C)
        case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
        case 0..<0x20, 0x7F:
            let hex: StaticString = "0123456789abcdef"
            bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 48, 48])
            hex.withUTF8Buffer { h in bytes.append(h[Int(b >> 4)]); bytes.append(h[Int(b & 15)]) }
        default: bytes.append(b)
        }
    }
}

/// A value that writes itself as JSON in the API's field order.
public protocol JSONWritable {
    func write(to json: inout JSONWriter)
}

extension JSONWritable {
    /// The value alone as a JSON document.
    public var jsonBytes: [UInt8] {
        var w = JSONWriter()
        write(to: &w)
        return w.bytes
    }
}
