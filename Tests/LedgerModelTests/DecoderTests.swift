import LedgerModel
import Testing

let rangeMessage = "must be an integer from 0 to 100000"

@Suite("Report.decode")
struct ReportDecodeTests {
    static let seed = #"""
    {"city": "Kiev", "occurred_at": "2025-10-10T05:30:00+03:00",
     "source": {"name": "Vitali Klitschko", "kind": "official"},
     "killed": 3, "injured": 3, "reported_at": "2025-10-10T06:10:00+03:00",
     "weapons": [{"kind": "drone"}], "description": "Apartment buildings hit", "note": "mayor on Telegram"}
    """#

    @Test func seedReport() throws {
        let r = try #require(decoded { () throws(ValidationError) in try Report.decode(json(Self.seed), now: now) })
        #expect(r.city == .name("Kiev"))
        #expect(r.occurredAt == ts("2025-10-10T02:30:00Z"))
        #expect(r.source == .inline(NewSource(name: "Vitali Klitschko", kind: .official)))
        #expect(r.killed == 3)
        #expect(r.injured == 3)
        #expect(r.reportedAt == ts("2025-10-10T03:10:00Z"))
        #expect(r.weapons == [Weapon(kind: .drone)])
        #expect(r.description == "Apartment buildings hit")
        #expect(r.note == "mayor on Telegram")
        #expect(r.strikeId == nil)
        #expect(r.damage == nil)
        #expect(r.location == nil)
        #expect(r.timePrecision == nil)
        #expect(r.hasFigures)
    }

    @Test func unknownFieldIsNamed() {
        let errors = fieldErrors { () throws(ValidationError) in
            try Report.decode(json(#"{"city": "Kyiv", "occurred_at": "2025-10-10T02:30:00Z", "source_id": 3, "kiled": 4}"#), now: now)
        }
        #expect(errors == [FieldError(field: "kiled", message: "is not a known field")])
    }

    /// PostgreSQL refuses U+0000 in text, so no engine is handed one: 422 on the field.
    @Test func aNulCharacterInTextIsRefused() {
        let errors = fieldErrors { () throws(ValidationError) in
            try Report.decode(json(#"{"strike_id": 7, "source": {"name": "Mayor\u0000", "kind": "official"}, "note": "a\u0000b", "killed": 1}"#), now: now)
        }
        #expect(Set(errors.map(\.field)) == ["source.name", "note"])
        #expect(errors.allSatisfy { $0.message == "must not contain the character U+0000" })
    }

    @Test func severalBadFieldsGiveSeveralErrors() {
        let errors = fieldErrors { () throws(ValidationError) in
            try Report.decode(json(#"""
            {"occurred_at": "yesterday", "source_id": 3, "killed": -1, "injured": "3", "typo": true, "time_precision": "second"}
            """#), now: now)
        }
        #expect(Set(errors.map(\.field)) == ["typo", "city", "occurred_at", "killed", "injured", "time_precision"])
        #expect(errors.count == 6)
        #expect(errors.first { $0.field == "killed" }?.message == rangeMessage)
        #expect(errors.first { $0.field == "injured" }?.message == rangeMessage)
        #expect(errors.first { $0.field == "city" }?.message == "is required unless strike_id names the strike")
        #expect(errors.first { $0.field == "typo" }?.message == "is not a known field")
    }

    @Test(arguments: ["-1", "100001", "1.5", "\"3\"", "true", "1e10", "[]", "{}", "-0.5", "9223372036854775808"])
    func killedOutOfRange(value: String) {
        for field in ["killed", "injured"] {
            let errors = fieldErrors { () throws(ValidationError) in
                try Report.decode(json(#"{"strike_id": 7, "source_id": 3, "\#(field)": \#(value)}"#), now: now)
            }
            #expect(errors == [FieldError(field: field, message: rangeMessage)])
        }
    }

    @Test(arguments: [("0", Int64(0)), ("100000", 100_000), ("3.0", 3), ("1e2", 100), ("4", 4)])
    func killedInRange(value: String, expected: Int64) throws {
        let r = try #require(decoded { () throws(ValidationError) in
            try Report.decode(json(#"{"strike_id": 7, "source_id": 3, "killed": \#(value)}"#), now: now)
        })
        #expect(r.killed == expected)
    }

    @Test func nullFiguresAreNotStated() throws {
        let r = try #require(decoded { () throws(ValidationError) in
            try Report.decode(json(#"{"strike_id": 7, "source_id": 3, "killed": null, "injured": 2}"#), now: now)
        })
        #expect(r.killed == nil)
        #expect(r.injured == 2)
        let none = try #require(decoded { () throws(ValidationError) in
            try Report.decode(json(#"{"strike_id": 7, "source_id": 3, "description": "no figures yet"}"#), now: now)
        })
        #expect(!none.hasFigures)
    }

    @Test(arguments: ["reported_at", "occurred_at"])
    func moreThanFiveMinutesInTheFutureIsRefused(field: String) {
        let body = { (t: String) in json(#"{"strike_id": 7, "source_id": 3, "\#(field)": "\#(t)"}"#) }
        // now is 08:00:00Z
        for accepted in ["2025-10-10T08:05:00Z", "2025-10-10T11:05:00+03:00", "2025-10-10T08:00:00Z", "2025-10-10T08:05:00.999Z"] {
            #expect(fieldErrors { () throws(ValidationError) in try Report.decode(body(accepted), now: now) }.isEmpty)
        }
        for refused in ["2025-10-10T08:05:01Z", "2025-10-10T11:05:01+03:00", "2025-10-11T00:00:00Z"] {
            let errors = fieldErrors { () throws(ValidationError) in try Report.decode(body(refused), now: now) }
            #expect(errors == [FieldError(field: field, message: "must not lie more than 5 minutes in the future")])
        }
    }

    @Test func reportWithStrikeIdNeedsNoCityOrOccurredAt() throws {
        let r = try #require(decoded { () throws(ValidationError) in
            try Report.decode(json(#"{"strike_id": 7, "source_id": 4, "killed": 4, "reported_at": "2025-10-10T07:45:00Z"}"#), now: now)
        })
        #expect(r.strikeId == 7)
        #expect(r.city == nil)
        #expect(r.occurredAt == nil)
        #expect(r.source == .id(4))
        // It may still name them.
        let named = try #require(decoded { () throws(ValidationError) in
            try Report.decode(json(#"{"strike_id": 7, "city": "Kyiv", "occurred_at": "2025-10-10T02:30:00Z", "source_id": 4}"#), now: now)
        })
        #expect(named.city == .name("Kyiv"))
    }

    @Test func withoutStrikeIdCityAndOccurredAtAreRequired() {
        let errors = fieldErrors { () throws(ValidationError) in
            try Report.decode(json(#"{"source_id": 4, "killed": 4}"#), now: now)
        }
        #expect(errors.contains(FieldError(field: "city", message: "is required unless strike_id names the strike")))
        #expect(errors.contains { $0.field == "occurred_at" })
        #expect(errors.count == 2)
        let nulls = fieldErrors { () throws(ValidationError) in
            try Report.decode(json(#"{"city": null, "occurred_at": null, "strike_id": null, "source_id": 4}"#), now: now)
        }
        #expect(Set(nulls.map(\.field)) == ["city", "occurred_at"])
    }

    @Test(arguments: ["0", "-7", "\"7\"", "7.5", "true"])
    func badStrikeId(value: String) {
        let errors = fieldErrors { () throws(ValidationError) in
            try Report.decode(json(#"{"strike_id": \#(value), "city": "Kyiv", "occurred_at": "2025-10-10T02:30:00Z", "source_id": 4}"#), now: now)
        }
        #expect(errors == [FieldError(field: "strike_id", message: "must be a positive integer id")])
    }

    @Test(arguments: [
        (#""Kiev""#, CityName.name("Kiev")), ("1", .id(1)), (#""1""#, .id(1)), (#""  Kyiv  ""#, .name("Kyiv")), (#""Київ""#, .name("Київ")),
    ])
    func cityByNameOrId(value: String, expected: CityName) throws {
        let r = try #require(decoded { () throws(ValidationError) in
            try Report.decode(json(#"{"city": \#(value), "occurred_at": "2025-10-10T02:30:00Z", "source_id": 4}"#), now: now)
        })
        #expect(r.city == expected)
    }

    @Test(arguments: ["0", "-1", "1.5", "[]", "{}", "true", #""""#, #""   ""#])
    func badCity(value: String) {
        let errors = fieldErrors { () throws(ValidationError) in
            try Report.decode(json(#"{"city": \#(value), "occurred_at": "2025-10-10T02:30:00Z", "source_id": 4}"#), now: now)
        }
        #expect(errors.map(\.field) == ["city"])
    }

    // MARK: source and source_id

    func sourceErrors(_ fields: String) -> [FieldError] {
        fieldErrors { () throws(ValidationError) in
            try Report.decode(json(#"{"strike_id": 7, "killed": 1\#(fields)}"#), now: now)
        }
    }

    @Test func sourceOrSourceIdIsRequired() {
        #expect(sourceErrors("") == [FieldError(field: "source", message: "source or source_id is required")])
        #expect(sourceErrors(#", "source": null, "source_id": null"#) == [FieldError(field: "source", message: "source or source_id is required")])
    }

    @Test func notBothSourceAndSourceId() {
        #expect(sourceErrors(#", "source_id": 3, "source": {"name": "Vitali Klitschko", "kind": "official"}"#)
                == [FieldError(field: "source", message: "give either source or source_id, not both")])
    }

    @Test func nullOneOfTheTwoIsAbsent() throws {
        #expect(sourceErrors(#", "source_id": null, "source": {"name": "Klitschko", "kind": "official"}"#).isEmpty)
        #expect(sourceErrors(#", "source_id": 3, "source": null"#).isEmpty)
    }

    @Test(arguments: ["0", "-3", "\"3\"", "3.5", "{}"])
    func badSourceId(value: String) {
        #expect(sourceErrors(#", "source_id": \#(value)"#) == [FieldError(field: "source_id", message: "must be a positive integer id")])
    }

    @Test func inlineSourceErrorsAreNamedUnderSource() {
        let missingKind = sourceErrors(#", "source": {"name": "Klitschko"}"#)
        #expect(missingKind == [FieldError(field: "source.kind", message: "is required")])
        let badKind = sourceErrors(#", "source": {"name": "Klitschko", "kind": "blog"}"#)
        #expect(badKind.map(\.field) == ["source.kind"])
        #expect(badKind.first?.message.contains("official") == true)
        let unknown = sourceErrors(#", "source": {"name": "Klitschko", "kind": "official", "handle": "@k"}"#)
        #expect(unknown == [FieldError(field: "source.handle", message: "is not a known field")])
        let several = sourceErrors(#", "source": {"name": "", "kind": "x", "reliability": "G"}"#)
        #expect(Set(several.map(\.field)) == ["source.name", "source.kind", "source.reliability"])
        let notObject = sourceErrors(#", "source": "Klitschko""#)
        #expect(notObject == [FieldError(field: "source", message: "must be a JSON object")])
    }

    @Test func inlineSourceWithAllFields() throws {
        let r = try #require(decoded { () throws(ValidationError) in
            try Report.decode(json(#"""
            {"strike_id": 7, "source": {"name": " Vitali Klitschko ", "kind": "official", "url": "https://t.me/vitaliy_klitschko", "reliability": "B"}}
            """#), now: now)
        })
        #expect(r.source == .inline(NewSource(name: "Vitali Klitschko", kind: .official, url: "https://t.me/vitaliy_klitschko", reliability: .B)))
    }

    // MARK: nested fields

    @Test func weaponsAndLocation() throws {
        let r = try #require(decoded { () throws(ValidationError) in
            try Report.decode(json(#"""
            {"strike_id": 7, "source_id": 1,
             "weapons": [{"kind": "drone", "model": "Shahed-136", "count": null}, {"kind": "missile", "model": "Iskander-M", "count": 2}],
             "location": {"latitude": 50.44, "longitude": 30.52}, "damage": "embassy damaged", "time_precision": "hour"}
            """#), now: now)
        })
        #expect(r.weapons == [Weapon(kind: .drone, model: "Shahed-136"), Weapon(kind: .missile, model: "Iskander-M", count: 2)])
        #expect(r.location == Location(latitude: 50.44, longitude: 30.52))
        #expect(r.damage == "embassy damaged")
        #expect(r.timePrecision == .hour)
    }

    @Test func nestedErrorsAreNamedWithTheirPath() {
        let errors = fieldErrors { () throws(ValidationError) in
            try Report.decode(json(#"""
            {"strike_id": 7, "source_id": 1,
             "weapons": [{"kind": "drone"}, {"kind": "laser"}, {"kind": "missile", "count": 0, "range": 5}, 3],
             "location": {"latitude": 91, "longitude": 30.52}}
            """#), now: now)
        }
        #expect(Set(errors.map(\.field)) == ["weapons[1].kind", "weapons[2].count", "weapons[2].range", "weapons[3]", "location.latitude"])
    }

    @Test(arguments: ["[]", "3", "\"x\"", "null", "true"])
    func bodyMustBeAnObject(body: String) {
        let errors = fieldErrors { () throws(ValidationError) in try Report.decode(json(body), now: now) }
        #expect(errors == [FieldError(field: "body", message: "must be a JSON object")])
    }
}

@Suite("Figures.decode")
struct FiguresDecodeTests {
    func figures(_ body: String) -> Figures? {
        try? Figures.decode(json(body), now: now)
    }
    func errors(_ body: String) -> [FieldError] {
        fieldErrors { () throws(ValidationError) in try Figures.decode(json(body), now: now) }
    }

    @Test func presidentsRevision() throws {
        let f = try #require(figures(#"{"killed": 4, "reported_at": "2025-10-10T07:45:00Z", "source_id": 4, "note": "raised the toll"}"#))
        #expect(f == Figures(killed: 4, injured: nil, reportedAt: ts("2025-10-10T07:45:00Z"), note: "raised the toll", source: .id(4)))
    }

    @Test func reportedAtDefaultsToAbsent() throws {
        let f = try #require(figures(#"{"injured": 0, "source": {"name": "SES", "kind": "emergency_service"}}"#))
        #expect(f.reportedAt == nil)
        #expect(f.killed == nil)
        #expect(f.injured == 0)
        #expect(f.source == .inline(NewSource(name: "SES", kind: .emergency_service)))
    }

    @Test(arguments: [
        #"{"source_id": 4}"#,
        #"{"source_id": 4, "killed": null, "injured": null}"#,
        #"{"source_id": 4, "killed": null}"#,
        #"{"source_id": 4, "injured": null}"#,
        #"{"source_id": 4, "note": "nothing stated"}"#,
    ])
    func atLeastOneFigureIsRequired(body: String) {
        let e = errors(body)
        #expect(e.count == 1)
        #expect(e.first?.field == "killed")
    }

    @Test func unknownFieldsAreNamed() {
        #expect(errors(#"{"killed": 4, "source_id": 4, "dead": 4, "strike_id": 7}"#).map(\.field) == ["dead", "strike_id"])
    }

    @Test func severalErrors() {
        let e = errors(#"{"killed": 100001, "injured": -2, "reported_at": "2025-10-10T08:05:01Z", "note": ""}"#)
        #expect(e.contains(FieldError(field: "killed", message: rangeMessage)))
        #expect(e.contains(FieldError(field: "injured", message: rangeMessage)))
        #expect(e.contains(FieldError(field: "reported_at", message: "must not lie more than 5 minutes in the future")))
        #expect(e.contains { $0.field == "note" })
        #expect(e.contains(FieldError(field: "source", message: "source or source_id is required")))
        #expect(e.count == 5)
    }

    @Test func reportedAtMustBeRFC3339() {
        for bad in [#""2025-10-10""#, #""2025-10-10T07:45Z""#, "1760082300", #""now""#] {
            let e = errors(#"{"killed": 4, "source_id": 4, "reported_at": \#(bad)}"#)
            #expect(e.map(\.field) == ["reported_at"])
        }
    }

    @Test func noteIsTrimmedAndLimited() throws {
        #expect(figures(#"{"killed": 1, "source_id": 1, "note": "  hi \n"}"#)?.note == "hi")
        let long = String(repeating: "x", count: 2001)
        #expect(errors(#"{"killed": 1, "source_id": 1, "note": "\#(long)"}"#).map(\.field) == ["note"])
        let max = String(repeating: "ї", count: 2000)
        #expect(figures(#"{"killed": 1, "source_id": 1, "note": "\#(max)"}"#)?.note == max)
    }
}

@Suite("NewStrike.decode")
struct NewStrikeDecodeTests {
    @Test func minimal() throws {
        let s = try NewStrike.decode(json(#"{"city": "Kyiv", "occurred_at": "2025-10-10T05:30:00+03:00"}"#), now: now)
        #expect(s == NewStrike(city: .name("Kyiv"), occurredAt: ts("2025-10-10T02:30:00Z")))
        #expect(s.timePrecision == .minute)
        #expect(s.weapons.isEmpty)
    }

    @Test func full() throws {
        let s = try NewStrike.decode(json(#"""
        {"city": 1, "occurred_at": "2025-10-10T02:30:00Z", "time_precision": "day", "location": {"latitude": 50, "longitude": -30.5},
         "weapons": [{"kind": "guided_bomb"}], "description": "d", "damage": "x"}
        """#), now: now)
        #expect(s == NewStrike(city: .id(1), occurredAt: ts("2025-10-10T02:30:00Z"), timePrecision: .day,
                               location: Location(latitude: 50, longitude: -30.5), weapons: [Weapon(kind: .guided_bomb)],
                               description: "d", damage: "x"))
    }

    @Test func requiredAndUnknownFields() {
        let e = fieldErrors { () throws(ValidationError) in try NewStrike.decode(json(#"{"killed": 3}"#), now: now) }
        #expect(e.contains(FieldError(field: "killed", message: "is not a known field")))
        #expect(e.contains(FieldError(field: "city", message: "is required")))
        #expect(e.contains(FieldError(field: "occurred_at", message: "is required")))
        #expect(e.count == 3)
    }

    @Test func futureOccurredAtIsRefused() {
        let e = fieldErrors { () throws(ValidationError) in
            try NewStrike.decode(json(#"{"city": "Kyiv", "occurred_at": "2025-10-10T08:05:01Z"}"#), now: now)
        }
        #expect(e == [FieldError(field: "occurred_at", message: "must not lie more than 5 minutes in the future")])
    }

    @Test func badValues() {
        let e = fieldErrors { () throws(ValidationError) in
            try NewStrike.decode(json(#"""
            {"city": "Kyiv", "occurred_at": "2025-10-10T02:30:00", "time_precision": "second", "location": [50, 30], "weapons": {"kind": "drone"}}
            """#), now: now)
        }
        #expect(Set(e.map(\.field)) == ["occurred_at", "time_precision", "location", "weapons"])
    }
}

@Suite("StrikePatch.decode: JSON merge patch")
struct StrikePatchDecodeTests {
    func patch(_ body: String) throws(ValidationError) -> StrikePatch {
        try StrikePatch.decode(json(body), now: now)
    }

    @Test func emptyPatch() throws {
        let p = try patch("{}")
        #expect(p.isEmpty)
        #expect(p == StrikePatch())
    }

    @Test func absentFieldsAreLeftAloneNullClears() throws {
        let p = try patch(#"{"description": null}"#)
        #expect(!p.isEmpty)
        #expect(p.description == .some(nil))
        #expect(p.damage == nil)           // absent: leave alone
        #expect(p.location == nil)
        #expect(p.weapons == nil)
        #expect(p.occurredAt == nil)
        #expect(p.timePrecision == nil)

        let l = try patch(#"{"location": null, "damage": null}"#)
        #expect(l.location == .some(nil))
        #expect(l.damage == .some(nil))
        #expect(l.description == nil)
    }

    @Test func valuesSetTheField() throws {
        let p = try patch(#"""
        {"description": "  new  ", "damage": "roof", "location": {"latitude": 50.1, "longitude": 30.2},
         "occurred_at": "2025-10-10T05:00:00+03:00", "time_precision": "hour", "weapons": [{"kind": "rocket", "count": 3}]}
        """#)
        #expect(p.description == .some("new"))
        #expect(p.damage == .some("roof"))
        #expect(p.location == .some(Location(latitude: 50.1, longitude: 30.2)))
        #expect(p.occurredAt == ts("2025-10-10T02:00:00Z"))
        #expect(p.timePrecision == .hour)
        #expect(p.weapons == [Weapon(kind: .rocket, count: 3)])
    }

    @Test func nullWeaponsClearTheList() throws {
        #expect(try patch(#"{"weapons": null}"#).weapons == [])
        #expect(try patch(#"{"weapons": []}"#).weapons == [])
    }

    @Test func occurredAtCannotBeClearedSoNullIsRefused() {
        let e = fieldErrors { () throws(ValidationError) in try patch(#"{"occurred_at": null, "time_precision": null}"#) }
        #expect(Set(e.map(\.field)) == ["occurred_at"])
    }

    @Test func nullTimePrecisionPutsBackTheDefault() throws {
        // API.md: in a PATCH, null removes the field; a strike without one is known to the minute.
        #expect(try patch(#"{"time_precision": null}"#).timePrecision == .minute)
        #expect(try patch(#"{}"#).timePrecision == nil)
    }

    @Test(arguments: ["killed", "injured", "city", "toll", "version", "id", "merged_into"])
    func casualtyFiguresAndOtherFieldsAreNotPatchable(field: String) {
        let e = fieldErrors { () throws(ValidationError) in try patch(#"{"\#(field)": 1}"#) }
        #expect(e == [FieldError(field: field, message: "is not a known field")])
    }

    @Test func futureOccurredAtIsRefused() {
        let e = fieldErrors { () throws(ValidationError) in try patch(#"{"occurred_at": "2025-10-10T09:00:00Z"}"#) }
        #expect(e == [FieldError(field: "occurred_at", message: "must not lie more than 5 minutes in the future")])
    }

    @Test func severalBadFields() {
        let e = fieldErrors { () throws(ValidationError) in
            try patch(#"{"description": 5, "damage": "", "location": {"latitude": 0}, "weapons": [{"kind": "spear"}], "extra": 1}"#)
        }
        #expect(Set(e.map(\.field)) == ["extra", "description", "damage", "location.longitude", "weapons[0].kind"])
    }
}

@Suite("NewSource.decode")
struct NewSourceDecodeTests {
    @Test func full() throws {
        let s = try NewSource.decode(json(#"{"name": "Vitali Klitschko", "kind": "official", "url": "https://t.me/vitaliy_klitschko", "reliability": "B"}"#))
        #expect(s == NewSource(name: "Vitali Klitschko", kind: .official, url: "https://t.me/vitaliy_klitschko", reliability: .B))
    }

    @Test(arguments: Source.Kind.allCases.map(\.rawValue))
    func everyKind(kind: String) throws {
        let s = try NewSource.decode(json(#"{"name": "n", "kind": "\#(kind)", "reliability": null, "url": null}"#))
        #expect(s.kind.rawValue == kind)
        #expect(s.reliability == nil)
        #expect(s.url == nil)
    }

    @Test func errors() {
        let e = fieldErrors { () throws(ValidationError) in try NewSource.decode(json(#"{"reliability": "G", "kind": "Official", "nam": "x"}"#)) }
        #expect(Set(e.map(\.field)) == ["nam", "name", "kind", "reliability"])
        #expect(e.first { $0.field == "name" }?.message == "is required")
        let tooLong = fieldErrors { () throws(ValidationError) in
            try NewSource.decode(json(#"{"name": "\#(String(repeating: "a", count: 201))", "kind": "media"}"#))
        }
        #expect(tooLong.map(\.field) == ["name"])
    }
}

@Suite("NewCity.decode")
struct NewCityDecodeTests {
    @Test func full() throws {
        let c = try NewCity.decode(json(#"""
        {"name": "Kyiv", "country": "UA", "region": "Kyiv", "timezone": "Europe/Kyiv", "latitude": 50.4501, "longitude": 30.5234,
         "aliases": ["Kiev", " Київ "]}
        """#))
        #expect(c == NewCity(name: "Kyiv", country: "UA", region: "Kyiv", timezone: "Europe/Kyiv", latitude: 50.4501, longitude: 30.5234,
                             aliases: ["Kiev", "Київ"]))
    }

    @Test func optionalFieldsMayBeLeftOut() throws {
        let c = try NewCity.decode(json(#"{"name": "Sumy", "country": "UA", "timezone": "Europe/Kyiv", "latitude": 51, "longitude": 35}"#))
        #expect(c.region == nil)
        #expect(c.aliases == [])
        #expect(c.latitude == 51)
    }

    @Test func everyRequiredFieldIsNamed() {
        let e = fieldErrors { () throws(ValidationError) in try NewCity.decode(json("{}")) }
        #expect(Set(e.map(\.field)) == ["name", "country", "timezone", "latitude", "longitude"])
        #expect(e.allSatisfy { $0.message == "is required" })
    }

    @Test(arguments: [
        ("country", #""ua""#), ("country", #""UKR""#), ("country", #""U1""#), ("country", "380"),
        ("timezone", #""Mars/Olympus_Mons""#), ("timezone", #""""#),
        ("latitude", "90.5"), ("latitude", "-91"), ("latitude", #""50""#),
        ("longitude", "180.1"), ("longitude", "null"),
        ("aliases", #""Kiev""#), ("aliases[1]", #"["Kiev", ""]"#), ("aliases[0]", "[3]"),
        ("population", "3000000"),
    ])
    func badField(field: String, value: String) {
        var body: [String: String] = ["name": #""Kyiv""#, "country": #""UA""#, "timezone": #""Europe/Kyiv""#, "latitude": "50.45", "longitude": "30.52"]
        body[field.hasPrefix("aliases") ? "aliases" : field] = value
        let text = "{" + body.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
        let e = fieldErrors { () throws(ValidationError) in try NewCity.decode(json(text)) }
        #expect(e.map(\.field) == [field])
    }
}

@Suite("VoidRequest.decode")
struct VoidRequestDecodeTests {
    @Test func reason() throws {
        #expect(try VoidRequest.decode(json(#"{"reason": "entered twice"}"#)).reason == "entered twice")
        #expect(try VoidRequest.decode(json(#"{"reason": "  entered twice\n"}"#)).reason == "entered twice")
    }

    @Test(arguments: [
        (#"{}"#, ["reason"]), (#"{"reason": null}"#, ["reason"]), (#"{"reason": "   "}"#, ["reason"]), (#"{"reason": 5}"#, ["reason"]),
        (#"{"reason": "x", "why": "y"}"#, ["why"]), (#"{"why": "y"}"#, ["why", "reason"]),
    ])
    func errors(body: String, fields: [String]) {
        let e = fieldErrors { () throws(ValidationError) in try VoidRequest.decode(json(body)) }
        #expect(e.map(\.field) == fields)
    }

    @Test func reasonLength() {
        let e = fieldErrors { () throws(ValidationError) in try VoidRequest.decode(json(#"{"reason": "\#(String(repeating: "a", count: 501))"}"#)) }
        #expect(e == [FieldError(field: "reason", message: "must be at most 500 characters")])
    }
}
