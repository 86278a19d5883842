/// An instant, in whole seconds since 1970-01-01T00:00:00Z.
///
/// The API reads RFC 3339 with any offset and drops fractions of a second; it always
/// writes UTC with `Z` in whole seconds, e.g. `2025-10-10T02:31:00Z`.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var seconds: Int64

    public init(seconds: Int64) { self.seconds = seconds }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.seconds < b.seconds }

    public func adding(seconds delta: Int64) -> Timestamp { Timestamp(seconds: seconds + delta) }

    /// The RFC 3339 UTC form, `YYYY-MM-DDTHH:MM:SSZ`.
    public var rfc3339: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        writeRFC3339(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the RFC 3339 UTC form to `bytes`: the one formatter behind `rfc3339`, the
    /// CSV writer and (through `writeRFC3339(at:)`) the JSON writer, with no string in between.
    public func writeRFC3339(to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.maxRFC3339Length) { room in
            let n = writeRFC3339(at: room.baseAddress!)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: room[..<n]))
        }
    }

    /// The most bytes `writeRFC3339(at:)` writes: a date, then `THH:MM:SSZ`.
    public static var maxRFC3339Length: Int { CivilDate.maxWrittenLength + 10 }

    /// Writes the RFC 3339 UTC form at `p` (room for `maxRFC3339Length` bytes); returns how many.
    public func writeRFC3339(at p: UnsafeMutablePointer<UInt8>) -> Int {
        let (days, secondOfDay) = seconds.floorDivided(by: 86_400)
        let n = CivilDate(daysSinceEpoch: days).write(at: p)
        let t = Int(secondOfDay)
        p[n] = UInt8(ascii: "T"); writeTwoDigits(t / 3600, at: p + n + 1)
        p[n + 3] = UInt8(ascii: ":"); writeTwoDigits(t / 60 % 60, at: p + n + 4)
        p[n + 6] = UInt8(ascii: ":"); writeTwoDigits(t % 60, at: p + n + 7)
        p[n + 9] = UInt8(ascii: "Z")
        return n + 10
    }

    public var description: String { rfc3339 }

    /// Parses RFC 3339 `date-time` (`T` or `t`, `Z`/`z` or `±HH:MM`, optional fraction).
    /// Returns nil for anything else, including impossible dates and times.
    public init?(rfc3339 text: String) {
        var bytes = Array(text.utf8)[...]
        guard bytes.count >= 20,
              let date = CivilDate.parse(&bytes),
              let t = bytes.popFirst(), t == UInt8(ascii: "T") || t == UInt8(ascii: "t"),
              let hour = Self.number(&bytes, digits: 2), bytes.popFirst() == UInt8(ascii: ":"),
              let minute = Self.number(&bytes, digits: 2), bytes.popFirst() == UInt8(ascii: ":"),
              let second = Self.number(&bytes, digits: 2),
              hour < 24, minute < 60, second < 61
        else { return nil }
        if bytes.first == UInt8(ascii: ".") {
            bytes.removeFirst()
            var fractionDigits = 0
            while let b = bytes.first, b >= 48, b <= 57 { bytes.removeFirst(); fractionDigits += 1 }
            guard fractionDigits > 0 else { return nil }
        }
        var offset = 0
        switch bytes.popFirst() {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            break
        case let sign? where sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"):
            guard let oh = Self.number(&bytes, digits: 2), bytes.popFirst() == UInt8(ascii: ":"),
                  let om = Self.number(&bytes, digits: 2), oh < 24, om < 60 else { return nil }
            offset = (oh * 60 + om) * 60 * (sign == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        guard bytes.isEmpty else { return nil }
        // A leap second (:60) is folded onto the next second's start; whole seconds only.
        let secondOfDay = Int64(hour * 3600 + minute * 60 + min(second, 59) + (second == 60 ? 1 : 0))
        let seconds = date.daysSinceEpoch * 86_400 + secondOfDay - Int64(offset)
        // The UTC form must stay within years 0001...9999, so that `rfc3339` is always
        // `YYYY-MM-DDTHH:MM:SSZ` and parses back.
        guard (Self.earliest...Self.latest).contains(seconds) else { return nil }
        self.seconds = seconds
    }

    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range of instants the API reads.
    static let earliest: Int64 = -62_135_596_800
    static let latest: Int64 = 253_402_300_799

    static func number(_ bytes: inout ArraySlice<UInt8>, digits: Int) -> Int? {
        var value = 0
        for _ in 0..<digits {
            guard let b = bytes.popFirst(), b >= 48, b <= 57 else { return nil }
            value = value * 10 + Int(b - 48)
        }
        return value
    }
}

/// Writes 0...99 at `p` as two ASCII digits.
@inline(__always)
func writeTwoDigits(_ v: Int, at p: UnsafeMutablePointer<UInt8>) {
    p[0] = UInt8(48 + v / 10); p[1] = UInt8(48 + v % 10)
}

/// Writes `v` in decimal at `p` (room for 20 bytes: a sign and 19 digits); returns how many.
@inline(__always)
func writeDecimal(_ v: Int64, at p: UnsafeMutablePointer<UInt8>) -> Int {
    var n = 0
    if v < 0 { p[0] = UInt8(ascii: "-"); n = 1 }
    var magnitude = v.magnitude
    let first = n
    repeat {
        p[n] = UInt8(48 + magnitude % 10)
        magnitude /= 10
        n += 1
    } while magnitude > 0
    // The digits went in least significant first.
    var (i, j) = (first, n - 1)
    while i < j { (p[i], p[j]) = (p[j], p[i]); i += 1; j -= 1 }
    return n
}

extension Int64 {
    /// Floor division with a non-negative remainder.
    func floorDivided(by d: Int64) -> (quotient: Int64, remainder: Int64) {
        var q = self / d, r = self % d
        if r < 0 { q -= 1; r += d }
        return (q, r)
    }
}
