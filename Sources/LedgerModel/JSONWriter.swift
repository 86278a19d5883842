/// Writes JSON straight into a byte buffer, members in the order they are written.
///
/// The API's answers are built with it: field order follows API.md, output is
/// byte-stable (so ETags and idempotent replays are exact), and nothing is reflected.
public struct JSONWriter: Sendable {
    /// The JSON written so far is `room[..<count]`; the rest of `room` is space to write
    /// into. Each value is written through one pointer into the array (one uniqueness
    /// check, one bounds check) rather than byte by byte through `append`.
    private var room: [UInt8]
    private var count = 0
    private var needsComma = false

    public init(capacity: Int = 512) { room = [UInt8](repeating: 0, count: max(capacity, 64)) }

    /// Writes with `body` at the end of `out` rather than into a buffer of its own: a
    /// stream of values (an export's features) appended to one chunk, with no array
    /// made, grown and copied per value.
    public static func append(to out: inout [UInt8], _ body: (inout JSONWriter) -> Void) {
        var w = JSONWriter(adopting: &out)
        body(&w)
        w.room.removeSubrange(w.count...)
        swap(&w.room, &out)
    }

    /// A writer going on after `bytes` (taken, leaving `bytes` empty).
    private init(adopting bytes: inout [UInt8]) {
        room = []
        swap(&room, &bytes)
        count = room.count
    }

    /// The JSON written so far.
    public var bytes: [UInt8] { Array(room[..<count]) }

    /// The JSON written, without a copy; the writer is left empty.
    public mutating func finish() -> [UInt8] {
        room.removeSubrange(count...)
        var done: [UInt8] = []
        swap(&done, &room)
        count = 0
        needsComma = false
        return done
    }

    /// How many bytes have been written so far.
    public var byteCount: Int { count }

    /// Runs `body` with a pointer to at least `maximum` bytes of free space, after the
    /// comma a value needs when `separated`; `body` returns how many bytes it wrote.
    @inline(__always)
    private mutating func write(upTo maximum: Int, separated: Bool, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        if room.count - count < maximum + 1 { grow(maximum + 1) }
        let comma = separated && needsComma
        let start = count
        count += room.withUnsafeMutableBufferPointer { buffer -> Int in
            var p = buffer.baseAddress! + start
            if comma { p.pointee = UInt8(ascii: ","); p += 1 }
            return body(p) + (comma ? 1 : 0)
        }
    }

    /// More room: at least `needed` bytes, a kilobyte at a time (the array's own capacity
    /// grows geometrically; a writer going on after a long chunk, `append(to:)`, zeroes a
    /// kilobyte, not the chunk's length).
    @inline(never)
    private mutating func grow(_ needed: Int) {
        room.append(contentsOf: repeatElement(0, count: max(needed, 1024)))
    }

    /// One byte; a comma before it when `separated` and a value came before.
    @inline(__always)
    private mutating func byte(_ b: UInt8, separated: Bool) {
        write(upTo: 1, separated: separated) { p in p.pointee = b; return 1 }
    }

    /// `{ ... }`; inside `body`, write members with the keyed methods.
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        byte(UInt8(ascii: "{"), separated: true)
        needsComma = false
        body(&self)
        byte(UInt8(ascii: "}"), separated: false)
        needsComma = true
    }

    /// `[ ... ]`; inside `body`, write elements with the unkeyed methods.
    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        byte(UInt8(ascii: "["), separated: true)
        needsComma = false
        body(&self)
        byte(UInt8(ascii: "]"), separated: false)
        needsComma = true
    }

    /// Writes `"key":` and leaves the writer ready for exactly one value. Keys written
    /// in the source are copied as they are: none needs an escape.
    public mutating func key(_ key: StaticString) {
        assert(!key.withUTF8Buffer { $0.contains(where: Self.needsEscape) }, "a key literal that needs an escape")
        if key.hasPointerRepresentation {
            writeKey(key.utf8Start, key.utf8CodeUnitCount)
        } else {
            key.withUTF8Buffer { writeKey($0.baseAddress!, $0.count) }
        }
    }

    private mutating func writeKey(_ utf8: UnsafePointer<UInt8>, _ length: Int) {
        write(upTo: length + 3, separated: true) { p in
            p[0] = UInt8(ascii: "\"")
            (p + 1).update(from: utf8, count: length)
            p[length + 1] = UInt8(ascii: "\""); p[length + 2] = UInt8(ascii: ":")
            return length + 3
        }
        needsComma = false
    }

    /// `key` for a name known only at run time, escaped as any string.
    public mutating func key(named key: String) {
        string(key)
        byte(UInt8(ascii: ":"), separated: false)
        needsComma = false
    }

    public mutating func null() { literal("null") }
    public mutating func bool(_ v: Bool) { literal(v ? "true" : "false") }
    public mutating func int<I: BinaryInteger>(_ v: I) {
        if let small = Int64(exactly: v) { int(small) } else { ascii(String(v)) }
    }
    /// The common case without the generic conversion (the generic one is not
    /// specialised across modules, and cost ten times as much).
    public mutating func int(_ v: Int64) {
        write(upTo: 20, separated: true) { p in writeDecimal(v, at: p) }
        needsComma = true
    }
    public mutating func int(_ v: Int) { int(Int64(v)) }
    public mutating func double(_ v: Double) {
        if v.isFinite, v == v.rounded(), abs(v) < 1e15 { int(Int64(v)) }
        else if v.isFinite {
            // `description`'s text, written in place (see `DoubleText`).
            write(upTo: DoubleText.maxLength, separated: true) { p in DoubleText.write(v, at: p) }
            needsComma = true
        }
        else { null() }
    }
    public mutating func string(_ v: String) {
        var v = v
        v.withUTF8 { utf8 in
            // Most strings need no escape: copy them whole. An escape takes at most 6 bytes.
            var plain = true
            for b in utf8 where Self.needsEscape(b) { plain = false; break }
            write(upTo: (plain ? utf8.count : 6 * utf8.count) + 2, separated: true) { p in
                p[0] = UInt8(ascii: "\"")
                var n = 1
                guard let base = utf8.baseAddress else { p[1] = UInt8(ascii: "\""); return 2 }
                if plain {
                    (p + 1).update(from: base, count: utf8.count)
                    n += utf8.count
                } else {
                    // The bytes between two that need an escape are copied a run at a time.
                    var run = 0
                    for i in 0..<utf8.count where Self.needsEscape(utf8[i]) {
                        (p + n).update(from: base + run, count: i - run)
                        n += i - run
                        n += Self.writeEscaping(utf8[i], at: p + n)
                        run = i + 1
                    }
                    (p + n).update(from: base + run, count: utf8.count - run)
                    n += utf8.count - run
                }
                p[n] = UInt8(ascii: "\"")
                return n + 1
            }
        }
        needsComma = true
    }
    /// Pre-encoded JSON, written as one value.
    public mutating func raw(_ json: [UInt8]) {
        json.withUnsafeBufferPointer { json in
            write(upTo: json.count, separated: true) { p in
                if let base = json.baseAddress { p.update(from: base, count: json.count) }
                return json.count
            }
        }
        needsComma = true
    }

    public mutating func string(_ v: String?) { if let v { string(v) } else { null() } }
    public mutating func int<I: BinaryInteger>(_ v: I?) { if let v { int(v) } else { null() } }
    public mutating func int(_ v: Int64?) { if let v { int(v) } else { null() } }
    public mutating func int(_ v: Int?) { if let v { int(Int64(v)) } else { null() } }
    public mutating func double(_ v: Double?) { if let v { double(v) } else { null() } }
    public mutating func timestamp(_ v: Timestamp?) {
        guard let v else { return null() }
        quoted(upTo: Timestamp.maxRFC3339Length) { v.writeRFC3339(at: $0) }
    }
    public mutating func date(_ v: CivilDate?) {
        guard let v else { return null() }
        quoted(upTo: CivilDate.maxWrittenLength) { v.write(at: $0) }
    }

    /// A value that `body` writes between quotes (at most `maximum` bytes, none needing an
    /// escape); `body` returns how many it wrote.
    @inline(__always)
    private mutating func quoted(upTo maximum: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        write(upTo: maximum + 2, separated: true) { p in
            p[0] = UInt8(ascii: "\"")
            let n = body(p + 1)
            p[n + 1] = UInt8(ascii: "\"")
            return n + 2
        }
        needsComma = true
    }

    public mutating func field(_ k: StaticString, _ v: String?) { key(k); string(v) }
    public mutating func field<I: BinaryInteger>(_ k: StaticString, _ v: I?) { key(k); int(v) }
    public mutating func field(_ k: StaticString, _ v: Double?) { key(k); double(v) }
    public mutating func field(_ k: StaticString, _ v: Bool) { key(k); bool(v) }

    // The commonest members (an id, a count, an instant, a date) are written with their
    // key in one go: one bounds check and one copy into the buffer for both.
    public mutating func field(_ k: StaticString, _ v: Int64?) {
        guard let v else { return keyed(k, upTo: 4) { p in Self.writeNull(at: p) } }
        keyed(k, upTo: 20) { p in writeDecimal(v, at: p) }
    }
    public mutating func field(_ k: StaticString, _ v: Int?) { field(k, v.map(Int64.init)) }
    public mutating func field(_ k: StaticString, _ v: Timestamp?) {
        guard let v else { return keyed(k, upTo: 4) { p in Self.writeNull(at: p) } }
        keyed(k, upTo: Timestamp.maxRFC3339Length + 2) { p in Self.quote(at: p) { v.writeRFC3339(at: $0) } }
    }
    public mutating func field(_ k: StaticString, _ v: CivilDate?) {
        guard let v else { return keyed(k, upTo: 4) { p in Self.writeNull(at: p) } }
        keyed(k, upTo: CivilDate.maxWrittenLength + 2) { p in Self.quote(at: p) { v.write(at: $0) } }
    }

    /// `"key":` and a value that `body` writes (at most `maximum` bytes; it returns how
    /// many), in one write.
    @inline(__always)
    private mutating func keyed(_ key: StaticString, upTo maximum: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        assert(!key.withUTF8Buffer { $0.contains(where: Self.needsEscape) }, "a key literal that needs an escape")
        guard key.hasPointerRepresentation else {
            self.key(key)
            write(upTo: maximum, separated: true, body)
            needsComma = true
            return
        }
        let name = key.utf8Start, length = key.utf8CodeUnitCount
        write(upTo: length + 3 + maximum, separated: true) { p in
            p[0] = UInt8(ascii: "\"")
            (p + 1).update(from: name, count: length)
            p[length + 1] = UInt8(ascii: "\""); p[length + 2] = UInt8(ascii: ":")
            return length + 3 + body(p + length + 3)
        }
        needsComma = true
    }

    /// A value that `body` writes at `p + 1`, between quotes; returns the bytes written.
    @inline(__always)
    private static func quote(at p: UnsafeMutablePointer<UInt8>, _ body: (UnsafeMutablePointer<UInt8>) -> Int) -> Int {
        p[0] = UInt8(ascii: "\"")
        let n = body(p + 1)
        p[n + 1] = UInt8(ascii: "\"")
        return n + 2
    }

    @inline(__always)
    private static func writeNull(at p: UnsafeMutablePointer<UInt8>) -> Int {
        p[0] = UInt8(ascii: "n"); p[1] = UInt8(ascii: "u"); p[2] = UInt8(ascii: "l"); p[3] = UInt8(ascii: "l")
        return 4
    }

    /// A literal token (`null`, `true`, `false`) as a value.
    private mutating func literal(_ token: StaticString) {
        token.withUTF8Buffer { utf8 in
            write(upTo: utf8.count, separated: true) { p in
                p.update(from: utf8.baseAddress!, count: utf8.count)
                return utf8.count
            }
        }
        needsComma = true
    }

    /// A number's ASCII text as a value.
    private mutating func ascii(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            write(upTo: utf8.count, separated: true) { p in
                p.update(from: utf8.baseAddress!, count: utf8.count)
                return utf8.count
            }
        }
        needsComma = true
    }

    @inline(__always)
    private static func needsEscape(_ b: UInt8) -> Bool {
        b < 0x20 || b == 0x7F || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\")
    }

    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : UInt8(ascii: "a") + v - 10 }

    /// Writes `b` at `p`, escaped if JSON needs it; returns how many bytes (1, 2 or 6).
    private static func writeEscaping(_ b: UInt8, at p: UnsafeMutablePointer<UInt8>) -> Int {
        switch b {
        case UInt8(ascii: "\""): p[0] = 0x5C; p[1] = 0x22; return 2
        case UInt8(ascii: "\\"): p[0] = 0x5C; p[1] = 0x5C; return 2
        case 0x0A: p[0] = 0x5C; p[1] = UInt8(ascii: "n"); return 2
        case 0x0D: p[0] = 0x5C; p[1] = UInt8(ascii: "r"); return 2
        case 0x09: p[0] = 0x5C; p[1] = UInt8(ascii: "t"); return 2
        case 0..<0x20, 0x7F:
            p[0] = 0x5C; p[1] = UInt8(ascii: "u"); p[2] = 48; p[3] = 48
            p[4] = hexDigit(b >> 4); p[5] = hexDigit(b & 15)
            return 6
        default: p[0] = b; return 1
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
