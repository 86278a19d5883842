import LedgerModel
import Testing

@Suite("Timestamp: RFC 3339 in and out")
struct TimestampTests {
    @Test(arguments: [
        ("2025-10-10T02:31:00Z", "2025-10-10T02:31:00Z"),
        ("2025-10-10T05:31:00+03:00", "2025-10-10T02:31:00Z"),
        ("2025-10-09T21:01:00-05:30", "2025-10-10T02:31:00Z"),
        ("2025-10-10T02:31:00+00:00", "2025-10-10T02:31:00Z"),
        ("2025-10-10T02:31:00-00:00", "2025-10-10T02:31:00Z"),
        ("2025-10-10t02:31:00z", "2025-10-10T02:31:00Z"),
        ("2025-10-10T02:31:00z", "2025-10-10T02:31:00Z"),
        ("2025-10-10t02:31:00+03:00", "2025-10-09T23:31:00Z"),
        ("2025-10-10T02:31:00.999Z", "2025-10-10T02:31:00Z"),
        ("2025-10-10T02:31:00.5+03:00", "2025-10-09T23:31:00Z"),
        ("2025-10-10T02:31:00.123456789-05:30", "2025-10-10T08:01:00Z"),
        ("2025-10-10T00:30:00+03:00", "2025-10-09T21:30:00Z"),
        ("2025-12-31T23:30:00-01:00", "2026-01-01T00:30:00Z"),
        ("2025-01-01T01:00:00+02:00", "2024-12-31T23:00:00Z"),
        ("2025-10-10T02:31:00+14:00", "2025-10-09T12:31:00Z"),
        ("2025-10-10T02:31:00-12:00", "2025-10-10T14:31:00Z"),
        ("2025-10-10T23:59:59Z", "2025-10-10T23:59:59Z"),
    ])
    func parsesOffsetsAndWritesUTC(input: String, utc: String) throws {
        let t = try #require(Timestamp(rfc3339: input))
        #expect(t.rfc3339 == utc)
        #expect(t.description == utc)
    }

    @Test func fractionsAreDroppedNotRounded() {
        #expect(ts("2025-10-10T02:31:00.999999Z") == ts("2025-10-10T02:31:00Z"))
        #expect(ts("2025-10-10T02:31:00.000Z").seconds == ts("2025-10-10T02:31:00Z").seconds)
    }

    @Test func knownEpochValues() {
        #expect(ts("1970-01-01T00:00:00Z").seconds == 0)
        #expect(ts("1970-01-01T00:00:01Z").seconds == 1)
        #expect(ts("2025-10-10T02:31:00Z").seconds == 1_760_063_460)
        #expect(ts("2000-01-01T00:00:00Z").seconds == 946_684_800)
        #expect(Timestamp(seconds: 0).rfc3339 == "1970-01-01T00:00:00Z")
    }

    @Test(arguments: [
        ("1969-12-31T23:59:59Z", Int64(-1)),
        ("1969-12-31T00:00:00Z", Int64(-86_400)),
        ("1900-01-01T00:00:00Z", Int64(-2_208_988_800)),
        ("1970-01-01T02:00:00+03:00", Int64(-3_600)),
        ("0001-01-01T00:00:00Z", Int64(-62_135_596_800)),
    ])
    func datesBefore1970(input: String, seconds: Int64) throws {
        let t = try #require(Timestamp(rfc3339: input))
        #expect(t.seconds == seconds)
        #expect(Timestamp(seconds: seconds).rfc3339 == (input.hasSuffix("Z") ? input : "1969-12-31T23:00:00Z"))
    }

    @Test(arguments: [
        "2024-02-29T12:00:00Z", "2000-02-29T12:00:00Z", "2028-02-29T00:00:00Z", "1600-02-29T00:00:00Z",
    ])
    func leapDaysInLeapYears(input: String) throws {
        let t = try #require(Timestamp(rfc3339: input))
        #expect(t.rfc3339 == input)
    }

    @Test func leapDayArithmetic() {
        #expect(ts("2024-02-28T23:59:59Z").adding(seconds: 1).rfc3339 == "2024-02-29T00:00:00Z")
        #expect(ts("2024-02-29T23:59:59Z").adding(seconds: 1).rfc3339 == "2024-03-01T00:00:00Z")
        #expect(ts("2025-02-28T23:59:59Z").adding(seconds: 1).rfc3339 == "2025-03-01T00:00:00Z")
        #expect(ts("2024-12-31T00:00:00Z").seconds - ts("2024-01-01T00:00:00Z").seconds == 365 * 86_400)
        #expect(ts("2025-12-31T00:00:00Z").seconds - ts("2025-01-01T00:00:00Z").seconds == 364 * 86_400)
    }

    @Test(arguments: [
        "",                                 // empty
        "2025-10-10",                       // a date alone
        "2025-10-10T02:31Z",                // missing seconds
        "2025-10-10T02:31+03:00",           // missing seconds, with offset
        "2025-10-10T02:31:00",              // no offset
        "2025-02-30T00:00:00Z",             // no such day
        "2025-02-29T00:00:00Z",             // not a leap year
        "1900-02-29T00:00:00Z",             // not a leap year (century)
        "2025-13-01T00:00:00Z",             // month 13
        "2025-00-10T00:00:00Z",             // month 0
        "2025-10-00T00:00:00Z",             // day 0
        "2025-04-31T00:00:00Z",             // April has 30 days
        "2025-10-10T24:00:00Z",             // hour 24
        "2025-10-10T23:60:00Z",             // minute 60
        "2025-10-10T23:59:61Z",             // second 61
        "2025-10-10T02:31:00+3:00",         // one-digit offset hour
        "2025-10-10T02:31:00+0300",         // offset without colon
        "2025-10-10T02:31:00+03",           // offset without minutes
        "2025-10-10T02:31:00+24:00",        // offset hour 24
        "2025-10-10T02:31:00+03:60",        // offset minute 60
        "2025-10-10T02:31:00Zjunk",         // trailing junk
        "2025-10-10T02:31:00Z ",            // trailing space
        " 2025-10-10T02:31:00Z",            // leading space
        "2025-10-10T02:31:00+03:00Z",       // two offsets
        "2025-10-10T02:31:00.Z",            // empty fraction
        "2025-10-10T02:31:00,5Z",           // comma fraction
        "2025-10-10 02:31:00Z",             // space instead of T
        "2025-10-10X02:31:00Z",             // wrong separator
        "25-10-10T02:31:00Z",               // two-digit year
        "2025-1-10T02:31:00Z",              // one-digit month
        "2025-10-1T02:31:00Z",              // one-digit day
        "2025-10-10T2:31:00Z",              // one-digit hour
        "+2025-10-10T02:31:00Z",            // signed year
        "0000-01-01T00:00:00Z",             // year zero
        "2025/10/10T02:31:00Z",             // slashes
        "2025-10-10T02:31:00UTC",           // zone name
        "２０２５-10-10T02:31:00Z",          // non-ASCII digits
        "1760063460",                       // epoch seconds
    ])
    func rejectsInvalidForms(input: String) {
        #expect(Timestamp(rfc3339: input) == nil)
    }

    @Test func leapSecondFoldsOntoTheNextSecond() {
        #expect(Timestamp(rfc3339: "2016-12-31T23:59:60Z")?.rfc3339 == "2017-01-01T00:00:00Z")
    }

    @Test(arguments: [Int64(0), 1, -1, 59, 86_399, 86_400, -86_401, 951_782_400, 1_760_063_460, 4_102_444_799, -2_208_988_800, 253_402_300_799])
    func roundTripsThroughText(seconds: Int64) throws {
        let t = Timestamp(seconds: seconds)
        let text = t.rfc3339
        #expect(text.count == 20)
        #expect(text.hasSuffix("Z"))
        let back = try #require(Timestamp(rfc3339: text))
        #expect(back == t)
    }

    @Test func roundTripsEveryDayAcrossYears() {
        // Every midnight and a mid-day second from 1968 to 2030 survives format and parse.
        var t = ts("1968-01-01T00:00:00Z")
        let end = ts("2030-12-31T00:00:00Z")
        while t < end {
            #expect(Timestamp(rfc3339: t.rfc3339) == t)
            let noon = t.adding(seconds: 45_296) // 12:34:56
            #expect(noon.rfc3339.hasSuffix("T12:34:56Z"))
            t = t.adding(seconds: 86_400)
        }
    }

    @Test func ordering() {
        #expect(ts("2025-10-10T05:30:00+03:00") < ts("2025-10-10T02:31:00Z"))
        #expect(ts("2025-10-10T05:31:00+03:00") == ts("2025-10-10T02:31:00Z"))
        #expect([ts("2025-10-10T03:00:00Z"), ts("1969-01-01T00:00:00Z"), ts("2025-10-10T02:00:00Z")].sorted().map(\.rfc3339)
                == ["1969-01-01T00:00:00Z", "2025-10-10T02:00:00Z", "2025-10-10T03:00:00Z"])
    }
}

@Suite("CivilDate")
struct CivilDateTests {
    @Test(arguments: ["2025-10-10", "2024-02-29", "2000-02-29", "1970-01-01", "1969-12-31", "0001-01-01", "9999-12-31", "2025-12-31"])
    func parsesAndFormats(text: String) throws {
        let d = try #require(CivilDate(text))
        #expect(d.description == text)
        #expect(CivilDate(daysSinceEpoch: d.daysSinceEpoch) == d)
    }

    @Test func components() throws {
        let d = try #require(CivilDate("2025-10-10"))
        #expect(d.year == 2025)
        #expect(d.month == 10)
        #expect(d.day == 10)
        #expect(CivilDate(year: 2025, month: 10, day: 10) == d)
        #expect(CivilDate(year: 33, month: 1, day: 5)?.description == "0033-01-05")
    }

    @Test(arguments: [
        "", "2025-02-29", "2025-02-30", "1900-02-29", "2025-04-31", "2025-13-40", "2025-13-01", "2025-00-01",
        "2025-01-00", "2025-01-32", "0000-01-01", "2025-1-1", "25-10-10", "2025/10/10", "2025-10-10T00:00:00Z",
        "2025-10-10 ", " 2025-10-10", "2025-10-1a", "20251010", "-2025-10-10", "2025--10-10",
    ])
    func rejectsInvalidDates(text: String) {
        #expect(CivilDate(text) == nil)
    }

    @Test(arguments: [(2025, 2, 29), (2025, 2, 30), (2025, 13, 1), (2025, 0, 1), (2025, 6, 31), (0, 1, 1), (10000, 1, 1), (2025, 1, 0)])
    func rejectsImpossibleComponents(year: Int, month: Int, day: Int) {
        #expect(CivilDate(year: year, month: month, day: day) == nil)
    }

    @Test func daysInMonth() {
        #expect(CivilDate.daysIn(month: 2, year: 2024) == 29)
        #expect(CivilDate.daysIn(month: 2, year: 2025) == 28)
        #expect(CivilDate.daysIn(month: 2, year: 1900) == 28)
        #expect(CivilDate.daysIn(month: 2, year: 2000) == 29)
        #expect(CivilDate.daysIn(month: 4, year: 2025) == 30)
        #expect(CivilDate.daysIn(month: 12, year: 2025) == 31)
    }

    @Test func daysSinceEpoch() {
        #expect(day("1970-01-01").daysSinceEpoch == 0)
        #expect(day("1970-01-02").daysSinceEpoch == 1)
        #expect(day("1969-12-31").daysSinceEpoch == -1)
        #expect(day("2000-03-01").daysSinceEpoch == 11_017)
        #expect(day("2025-10-10").daysSinceEpoch == 20_371)
    }

    @Test(arguments: [
        ("2025-10-10", 1, "2025-10-11"),
        ("2025-10-31", 1, "2025-11-01"),
        ("2025-12-31", 1, "2026-01-01"),
        ("2026-01-01", -1, "2025-12-31"),
        ("2024-02-28", 1, "2024-02-29"),
        ("2024-02-29", 1, "2024-03-01"),
        ("2025-02-28", 1, "2025-03-01"),
        ("2025-03-01", -1, "2025-02-28"),
        ("2024-03-01", -1, "2024-02-29"),
        ("2025-10-10", 0, "2025-10-10"),
        ("2025-01-01", 365, "2026-01-01"),
        ("2024-01-01", 365, "2024-12-31"),
        ("2025-10-10", 366, "2026-10-11"),
        ("1970-01-01", -1, "1969-12-31"),
        ("1970-01-01", -365, "1969-01-01"),
        ("2025-10-10", -20_371, "1970-01-01"),
        ("2000-02-28", 2, "2000-03-01"),
        ("1900-02-28", 1, "1900-03-01"),
    ])
    func addingDays(start: String, days: Int, expected: String) {
        #expect(day(start).adding(days: days).description == expected)
    }

    @Test func ordering() {
        #expect(day("2025-10-09") < day("2025-10-10"))
        #expect(day("2024-12-31") < day("2025-01-01"))
        #expect(day("1969-12-31") < day("1970-01-01"))
        #expect(!(day("2025-10-10") < day("2025-10-10")))
    }
}

@Suite("Zone: local dates in a city's time zone")
struct ZoneTests {
    static let kyiv = Zone("Europe/Kyiv")!

    @Test func unknownZoneNamesGiveNil() {
        #expect(Zone("Mars/Olympus_Mons") == nil)
        #expect(Zone("") == nil)
        #expect(Zone("Europe/Kyiv ") == nil)
        #expect(Zone("Europe/Kyiv")?.identifier == "Europe/Kyiv")
    }

    @Test(arguments: [
        ("2025-10-09T22:30:00Z", "2025-10-10"),   // 01:30 local on the 10th
        ("2025-10-09T20:59:59Z", "2025-10-09"),   // summer: 23:59:59 local
        ("2025-10-09T21:00:00Z", "2025-10-10"),   // summer: 00:00:00 local
        ("2025-07-15T20:59:59Z", "2025-07-15"),
        ("2025-07-15T21:00:00Z", "2025-07-16"),
        ("2025-01-15T21:59:59Z", "2025-01-15"),   // winter: UTC+2
        ("2025-01-15T22:00:00Z", "2025-01-16"),
        ("2025-10-10T02:30:00Z", "2025-10-10"),
        ("2025-12-31T22:00:00Z", "2026-01-01"),
        ("2025-12-31T21:59:59Z", "2025-12-31"),
    ])
    func localDateInKyiv(instant: String, date: String) {
        #expect(Self.kyiv.localDate(of: ts(instant)).description == date)
    }

    @Test func offsetsInKyiv() {
        #expect(Self.kyiv.offset(at: ts("2025-07-01T12:00:00Z")) == 3 * 3600)
        #expect(Self.kyiv.offset(at: ts("2025-01-01T12:00:00Z")) == 2 * 3600)
        // Spring forward at 01:00 UTC on the last Sunday of March.
        #expect(Self.kyiv.offset(at: ts("2025-03-30T00:59:59Z")) == 2 * 3600)
        #expect(Self.kyiv.offset(at: ts("2025-03-30T01:00:00Z")) == 3 * 3600)
        // Fall back at 01:00 UTC on the last Sunday of October.
        #expect(Self.kyiv.offset(at: ts("2025-10-26T00:59:59Z")) == 3 * 3600)
        #expect(Self.kyiv.offset(at: ts("2025-10-26T01:00:00Z")) == 2 * 3600)
    }

    @Test func utcItself() throws {
        let utc = try #require(Zone("UTC"))
        #expect(utc.localDate(of: ts("2025-10-09T23:59:59Z")).description == "2025-10-09")
        #expect(utc.interval(of: day("2025-10-10")) == ts("2025-10-10T00:00:00Z").seconds..<ts("2025-10-11T00:00:00Z").seconds)
    }

    @Test(arguments: [
        // (date, start, end, hours)
        ("2025-03-30", "2025-03-29T22:00:00Z", "2025-03-30T21:00:00Z", 23),   // last Sunday of March
        ("2025-10-26", "2025-10-25T21:00:00Z", "2025-10-26T22:00:00Z", 25),   // last Sunday of October
        ("2024-03-31", "2024-03-30T22:00:00Z", "2024-03-31T21:00:00Z", 23),
        ("2024-10-27", "2024-10-26T21:00:00Z", "2024-10-27T22:00:00Z", 25),
        ("2025-03-29", "2025-03-28T22:00:00Z", "2025-03-29T22:00:00Z", 24),   // the day before
        ("2025-03-31", "2025-03-30T21:00:00Z", "2025-03-31T21:00:00Z", 24),   // the day after
        ("2025-10-25", "2025-10-24T21:00:00Z", "2025-10-25T21:00:00Z", 24),
        ("2025-10-27", "2025-10-26T22:00:00Z", "2025-10-27T22:00:00Z", 24),
        ("2025-10-10", "2025-10-09T21:00:00Z", "2025-10-10T21:00:00Z", 24),
        ("2025-01-15", "2025-01-14T22:00:00Z", "2025-01-15T22:00:00Z", 24),
    ])
    func kyivDaysAroundDST(date: String, start: String, end: String, hours: Int64) {
        let d = day(date)
        let interval = Self.kyiv.interval(of: d)
        #expect(Self.kyiv.startOfDay(d) == ts(start))
        #expect(interval.lowerBound == ts(start).seconds)
        #expect(interval.upperBound == ts(end).seconds)
        #expect(Int64(interval.count) == hours * 3600)
        // The interval is exactly the instants whose local date is that day.
        #expect(Self.kyiv.localDate(of: Timestamp(seconds: interval.lowerBound)) == d)
        #expect(Self.kyiv.localDate(of: Timestamp(seconds: interval.upperBound - 1)) == d)
        #expect(Self.kyiv.localDate(of: Timestamp(seconds: interval.lowerBound - 1)) == d.adding(days: -1))
        #expect(Self.kyiv.localDate(of: Timestamp(seconds: interval.upperBound)) == d.adding(days: 1))
    }

    @Test func consecutiveDaysTileTheYear() {
        // Over a whole year the local days are contiguous: 2 days of 23 and 25 hours, the rest 24.
        var d = day("2025-01-01")
        var lengths: [Int: Int] = [:]
        var previousEnd: Int64?
        while d < day("2026-01-01") {
            let i = Self.kyiv.interval(of: d)
            if let previousEnd { #expect(i.lowerBound == previousEnd) }
            previousEnd = i.upperBound
            lengths[i.count / 3600, default: 0] += 1
            d = d.adding(days: 1)
        }
        #expect(lengths == [23: 1, 24: 363, 25: 1])
    }

    @Test func midnightSkippedByATransition() throws {
        // Chile springs forward at local midnight: 2025-09-07 00:00 does not exist; the day starts at 01:00.
        let santiago = try #require(Zone("America/Santiago"))
        let d = day("2025-09-07")
        let start = santiago.startOfDay(d)
        #expect(santiago.localDate(of: start) == d)
        #expect(santiago.localDate(of: start.adding(seconds: -1)) == d.adding(days: -1))
        #expect(santiago.interval(of: d).count == 23 * 3600)
    }

    @Test func zonesAreComparedByIdentifier() {
        #expect(Zone("Europe/Kyiv") == Zone("Europe/Kyiv"))
        #expect(Zone("Europe/Kyiv") != Zone("Europe/Warsaw"))
    }
}

@Suite("Timestamp: the range of years")
struct TimestampRangeTests {
    @Test(arguments: [
        "9999-12-31T23:59:59-01:00",   // would be 10000-01-01T00:59:59Z
        "0001-01-01T00:00:00+01:00",   // would be 0000-12-31T23:00:00Z
        "0001-01-01T00:59:59+01:00",
    ])
    func instantsWhoseUTCFormLeavesFourDigitYearsAreRefused(input: String) {
        #expect(Timestamp(rfc3339: input) == nil)
    }

    @Test(arguments: [
        "9999-12-31T23:59:59Z", "9999-12-31T23:59:59+01:00", "0001-01-01T00:00:00Z", "0001-01-01T01:00:00+01:00",
        "0001-01-01T00:00:00-01:00",
    ])
    func everyAcceptedInstantWritesAFormTheParserAccepts(input: String) throws {
        let t = try #require(Timestamp(rfc3339: input))
        #expect(t.rfc3339.count == 20)
        #expect(Timestamp(rfc3339: t.rfc3339) == t)
    }
}
