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

    /// Appends the RFC 3339 UTC form to `bytes`: the one formatter behind `rfc3339` and
    /// the JSON writer, with no string in between.
    public func writeRFC3339(to bytes: inout [UInt8]) {
        let (days, secondOfDay) = seconds.floorDivided(by: 86_400)
        CivilDate(daysSinceEpoch: days).write(to: &bytes)
        let t = Int(secondOfDay)
        bytes.append(UInt8(ascii: "T")); appendTwoDigits(t / 3600, to: &bytes)
        bytes.append(UInt8(ascii: ":")); appendTwoDigits(t / 60 % 60, to: &bytes)
        bytes.append(UInt8(ascii: ":")); appendTwoDigits(t % 60, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
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

/// Appends 0...99 as two ASCII digits.
@inline(__always)
func appendTwoDigits(_ v: Int, to bytes: inout [UInt8]) {
    bytes.append(UInt8(48 + v / 10)); bytes.append(UInt8(48 + v % 10))
}

extension Int64 {
    /// Floor division with a non-negative remainder.
    func floorDivided(by d: Int64) -> (quotient: Int64, remainder: Int64) {
        var q = self / d, r = self % d
        if r < 0 { q -= 1; r += d }
        return (q, r)
    }
}
