import Foundation

/// A calendar day (`YYYY-MM-DD`), proleptic Gregorian, with no time zone of its own.
/// In the API a date always means a day in some city's time zone.
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...CivilDate.daysIn(month: month, year: year)).contains(day) else { return nil }
        self.year = year; self.month = month; self.day = day
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(_ text: String) {
        var text = text
        guard let d = text.withUTF8({ CivilDate(utf8: $0) }) else { return nil }
        self = d
    }

    /// Parses exactly `YYYY-MM-DD` from its UTF-8 bytes.
    public init?(utf8: UnsafeBufferPointer<UInt8>) {
        guard utf8.count == 10, let d = CivilDate(leading: utf8) else { return nil }
        self = d
    }

    /// Parses `YYYY-MM-DD` at the start of `bytes` and drops it.
    static func parse(_ bytes: inout ArraySlice<UInt8>) -> CivilDate? {
        guard let d = bytes.withUnsafeBufferPointer({ CivilDate(leading: $0) }) else { return nil }
        bytes.removeFirst(10)
        return d
    }

    /// The date `YYYY-MM-DD` in the first ten bytes of `b`.
    private init?(leading b: UnsafeBufferPointer<UInt8>) {
        func digits(_ from: Int, _ count: Int) -> Int? {
            var n = 0
            for i in from..<from + count {
                let d = b[i] &- 48
                guard d < 10 else { return nil }
                n = n * 10 + Int(d)
            }
            return n
        }
        guard b.count >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let y = digits(0, 4), let m = digits(5, 2), let d = digits(8, 2) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (negative before it), by the standard civil-calendar arithmetic
    /// over 400-year eras.
    public var daysSinceEpoch: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public init(daysSinceEpoch: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let d = dayOfYear - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = Int(yearOfEra + era * 400 + (m <= 2 ? 1 : 0))
        self.month = Int(m)
        self.day = Int(d)
    }

    public func adding(days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + Int64(days)) }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(10)
        write(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `YYYY-MM-DD` (the year zero-padded to four digits) to `bytes`: the one
    /// formatter behind `description`, the CSV writer and (through `write(at:)`) the JSON
    /// writer, with no string in between.
    public func write(to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.maxWrittenLength) { room in
            let n = write(at: room.baseAddress!)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: room[..<n]))
        }
    }

    /// The most bytes `write(at:)` writes: a sign, 19 digits of year, `-MM-DD`.
    public static var maxWrittenLength: Int { 26 }

    /// Writes `YYYY-MM-DD` at `p` (room for `maxWrittenLength` bytes); returns how many.
    public func write(at p: UnsafeMutablePointer<UInt8>) -> Int {
        var n: Int
        if (0...9999).contains(year) {
            p[0] = UInt8(48 + year / 1000); p[1] = UInt8(48 + year / 100 % 10)
            writeTwoDigits(year % 100, at: p + 2)
            n = 4
        } else {
            n = writeDecimal(Int64(year), at: p)
        }
        p[n] = UInt8(ascii: "-"); writeTwoDigits(month, at: p + n + 1)
        p[n + 3] = UInt8(ascii: "-"); writeTwoDigits(day, at: p + n + 4)
        return n + 6
    }
}

/// An IANA time zone, and the conversions between instants and local calendar days in it.
public struct Zone: Sendable, Hashable {
    public let identifier: String
    private let timeZone: TimeZone

    /// Nil for a name the system's time-zone database does not know.
    public init?(_ identifier: String) {
        guard !identifier.isEmpty, let tz = TimeZone(identifier: identifier) else { return nil }
        self.identifier = identifier
        self.timeZone = tz
    }

    public static func == (a: Zone, b: Zone) -> Bool { a.identifier == b.identifier }
    public func hash(into h: inout Hasher) { h.combine(identifier) }

    /// Offset from UTC in seconds at that instant.
    public func offset(at instant: Timestamp) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant.seconds))))
    }

    /// The calendar day of `instant` in this zone.
    public func localDate(of instant: Timestamp) -> CivilDate {
        let local = instant.seconds + offset(at: instant)
        return CivilDate(daysSinceEpoch: local.floorDivided(by: 86_400).quotient)
    }

    /// The first instant of the local day `date` (local midnight, or the first existing
    /// local time after it when a transition skips midnight).
    public func startOfDay(_ date: CivilDate) -> Timestamp {
        let localMidnight = date.daysSinceEpoch * 86_400
        // Offsets change at most a few times a year; two refinements settle on the
        // offset in force at that moment.
        var guess = localMidnight - offset(at: Timestamp(seconds: localMidnight))
        guess = localMidnight - offset(at: Timestamp(seconds: guess))
        var t = Timestamp(seconds: guess)
        // If midnight fell into a gap, step forward to the first instant of that day.
        while localDate(of: t) < date { t = t.adding(seconds: 900) }
        while localDate(of: t.adding(seconds: -1)) == date { t = t.adding(seconds: -1) }
        return t
    }

    /// The instants `[start, end)` that make up local day `date`.
    public func interval(of date: CivilDate) -> Range<Int64> {
        startOfDay(date).seconds..<startOfDay(date.adding(days: 1)).seconds
    }
}
