import LedgerModel
import Testing

@Suite("JSON output of resources")
struct OutputTests {
    static let seedToll = Toll(killed: 4, injured: 3, asOf: Timestamp(rfc3339: "2025-10-10T07:45:00Z")!, revisions: 2)

    static let seedStrike = Strike(
        id: 7, city: CityRef(id: 1, name: "Kyiv"),
        occurredAt: Timestamp(rfc3339: "2025-10-10T05:30:00.250+03:00")!, timePrecision: .minute,
        localDate: CivilDate("2025-10-10")!, location: Location(latitude: 50.44, longitude: 30.52),
        weapons: [Weapon(kind: .drone, model: "Shahed-136"), Weapon(kind: .missile, model: "Iskander-M", count: 2)],
        description: "Apartment buildings hit in several districts",
        damage: "Dozens of residential buildings; Azerbaijani embassy damaged",
        toll: seedToll, mergedInto: nil, version: 3,
        createdAt: Timestamp(rfc3339: "2025-10-10T03:10:00Z")!, updatedAt: Timestamp(rfc3339: "2025-10-10T07:45:10Z")!)

    /// `YYYY-MM-DDTHH:MM:SSZ` exactly.
    static func isWholeSecondUTC(_ s: String) -> Bool {
        let shape = Array("dddd-dd-ddTdd:dd:ddZ")
        let chars = Array(s)
        return chars.count == shape.count && zip(chars, shape).allSatisfy { c, p in p == "d" ? c.isASCII && c.isNumber : c == p }
    }

    @Test func strikeAsInTheAPI() throws {
        let s = text(Self.seedStrike.jsonBytes)
        #expect(s == #"{"id":7,"city":{"id":1,"name":"Kyiv"},"occurred_at":"2025-10-10T02:30:00Z","time_precision":"minute","local_date":"2025-10-10","location":{"latitude":50.44,"longitude":30.52},"weapons":[{"kind":"drone","model":"Shahed-136","count":null},{"kind":"missile","model":"Iskander-M","count":2}],"description":"Apartment buildings hit in several districts","damage":"Dozens of residential buildings; Azerbaijani embassy damaged","toll":{"killed":4,"injured":3,"as_of":"2025-10-10T07:45:00Z","revisions":2,"range":{"killed":null,"injured":null}},"merged_into":null,"attack_id":null,"version":3,"created_at":"2025-10-10T03:10:00Z","updated_at":"2025-10-10T07:45:10Z"}"#)
        let v = try JSONValue.parse(Self.seedStrike.jsonBytes)
        #expect(keys(v) == ["id", "city", "occurred_at", "time_precision", "local_date", "location", "weapons", "description",
                            "damage", "toll", "merged_into", "attack_id", "version", "created_at", "updated_at"])
        for key in ["occurred_at", "created_at", "updated_at"] {
            guard case .string(let t)? = v[key] else { Issue.record("\(key) is not a string"); continue }
            #expect(Self.isWholeSecondUTC(t))
        }
    }

    @Test func strikeWritesNullsForMissingFields() throws {
        var s = Self.seedStrike
        s.location = nil; s.description = nil; s.damage = nil; s.weapons = []; s.toll = .empty; s.mergedInto = 9
        s.timePrecision = .day
        let v = try JSONValue.parse(s.jsonBytes)
        #expect(v["location"] == .null)
        #expect(v["description"] == .null)
        #expect(v["damage"] == .null)
        #expect(v["weapons"] == .array([]))
        #expect(v["merged_into"] == .integer(9))
        #expect(v["time_precision"] == .string("day"))
        #expect(v["toll"] == (try JSONValue.parse(Array(#"{"killed":null,"injured":null,"as_of":null,"revisions":0,"range":{"killed":null,"injured":null}}"#.utf8))))
        #expect(keys(v).count == 15)
    }

    @Test func strikeEtagFollowsVersion() {
        #expect(Self.seedStrike.etag == "\"v3\"")
    }

    @Test func toll() {
        #expect(text(Self.seedToll.jsonBytes) == #"{"killed":4,"injured":3,"as_of":"2025-10-10T07:45:00Z","revisions":2}"#)
        #expect(text(Toll.empty.jsonBytes) == #"{"killed":null,"injured":null,"as_of":null,"revisions":0}"#)
        #expect(text(Toll(killed: 0, injured: nil, asOf: ts("2025-10-10T05:30:00+03:00"), revisions: 1).jsonBytes)
                == #"{"killed":0,"injured":null,"as_of":"2025-10-10T02:30:00Z","revisions":1}"#)
    }

    @Test func derivedTollOfTheSeedWritesAsInTheAPI() {
        let toll = Toll.derive(from: [TollTests.mayor, TollTests.president])
        #expect(text(toll.jsonBytes) == #"{"killed":4,"injured":3,"as_of":"2025-10-10T07:45:00Z","revisions":2}"#)
    }

    static let revision = Revision(
        seq: 12, strikeId: 7, killed: 4, injured: nil,
        reportedAt: Timestamp(rfc3339: "2025-10-10T07:45:00Z")!, recordedAt: Timestamp(rfc3339: "2025-10-10T07:45:10.9Z")!,
        source: SourceRef(id: 4, name: "Volodymyr Zelensky", kind: .official),
        note: "raised the toll on social networks", voided: nil)

    @Test func revisionAsInTheAPI() throws {
        #expect(text(Self.revision.jsonBytes) == #"{"seq":12,"strike_id":7,"killed":4,"injured":null,"reported_at":"2025-10-10T07:45:00Z","recorded_at":"2025-10-10T07:45:10Z","source":{"id":4,"name":"Volodymyr Zelensky","kind":"official"},"note":"raised the toll on social networks","voided":null}"#)
        let v = try JSONValue.parse(Self.revision.jsonBytes)
        #expect(keys(v) == ["seq", "strike_id", "killed", "injured", "reported_at", "recorded_at", "source", "note", "voided"])
    }

    @Test func voidedRevision() throws {
        var r = Self.revision
        r.voided = Voiding(at: ts("2025-10-10T12:00:00+03:00"), reason: "entered \"twice\"")
        r.note = nil
        r.killed = nil
        r.injured = 3
        r.source = SourceRef(id: 5, name: "ДСНС", kind: .emergency_service)
        let v = try JSONValue.parse(r.jsonBytes)
        #expect(v["voided"] == .object([(key: "at", value: .string("2025-10-10T09:00:00Z")), (key: "reason", value: .string("entered \"twice\""))]))
        #expect(v["note"] == .null)
        #expect(v["killed"] == .null)
        #expect(v["injured"] == .integer(3))
        #expect(v["source"]?["kind"] == .string("emergency_service"))
        #expect(v["source"]?["name"] == .string("ДСНС"))
    }

    static let kyiv = City(id: 1, name: "Kyiv", country: "UA", region: "Kyiv", timezone: "Europe/Kyiv",
                           latitude: 50.4501, longitude: 30.5234, aliases: ["Kiev", "Київ", "Киев", "Kijów", "Kiew"])

    @Test func cityAsInTheAPI() throws {
        #expect(text(Self.kyiv.jsonBytes) == #"{"id":1,"name":"Kyiv","country":"UA","region":"Kyiv","timezone":"Europe/Kyiv","latitude":50.4501,"longitude":30.5234,"aliases":["Kiev","Київ","Киев","Kijów","Kiew"]}"#)
        let v = try JSONValue.parse(Self.kyiv.jsonBytes)
        #expect(keys(v) == ["id", "name", "country", "region", "timezone", "latitude", "longitude", "aliases"])
    }

    @Test func cityWithoutRegionOrAliases() throws {
        let c = City(id: 66, name: "Sumy", country: "UA", region: nil, timezone: "Europe/Kyiv", latitude: 51, longitude: -0.125)
        #expect(text(c.jsonBytes) == #"{"id":66,"name":"Sumy","country":"UA","region":null,"timezone":"Europe/Kyiv","latitude":51,"longitude":-0.125,"aliases":[]}"#)
        #expect(text(c.ref.jsonBytes) == #"{"id":66,"name":"Sumy"}"#)
    }

    @Test func source() {
        let s = Source(id: 3, name: "Vitali Klitschko", kind: .official, url: "https://t.me/vitaliy_klitschko", reliability: .B,
                       createdAt: ts("2025-10-10T03:10:00Z"))
        #expect(text(s.jsonBytes) == #"{"id":3,"name":"Vitali Klitschko","kind":"official","url":"https://t.me/vitaliy_klitschko","reliability":"B","created_at":"2025-10-10T03:10:00Z"}"#)
        let bare = Source(id: 4, name: "x", kind: .ngo, url: nil, reliability: nil, createdAt: ts("1969-07-20T20:17:40Z"))
        #expect(text(bare.jsonBytes) == #"{"id":4,"name":"x","kind":"ngo","url":null,"reliability":null,"created_at":"1969-07-20T20:17:40Z"}"#)
    }

    @Test func fieldErrorAndChangeEvent() throws {
        let e = FieldError(field: "city", message: "is not a known city", suggestions: ["Kharkiv"])
        #expect(text(e.jsonBytes) == #"{"field":"city","message":"is not a known city","suggestions":["Kharkiv"]}"#)
        #expect(text(FieldError(field: "killed", message: rangeMessage).jsonBytes) == #"{"field":"killed","message":"must be an integer from 0 to 100000"}"#)

        let event = ChangeEvent(seq: 12, kind: .revision, strikeId: 7, mergedStrikeId: nil, city: CityRef(id: 1, name: "Kyiv"),
                                revision: Self.revision, toll: Self.seedToll)
        let v = try JSONValue.parse(event.jsonBytes)
        #expect(keys(v) == ["seq", "type", "strike_id", "merged_strike_id", "city", "revision", "toll", "attack_id"])
        #expect(v["type"] == .string("revision"))
        #expect(v["merged_strike_id"] == .null)
        let merge = ChangeEvent(seq: 13, kind: .merge, strikeId: 9, mergedStrikeId: 7, city: CityRef(id: 1, name: "Kyiv"), revision: nil, toll: .empty)
        #expect(try JSONValue.parse(merge.jsonBytes)["revision"] == .null)
    }

    @Test func weaponsStorageRoundTrip() {
        let weapons = Self.seedStrike.weapons + [Weapon(kind: .guided_bomb, model: "KAB-500 \"quote\"", count: 100_000)]
        #expect(Weapon.decode(Weapon.encode(weapons)) == weapons)
        #expect(Weapon.encode([]) == "[]")
        #expect(Weapon.decode("not json") == [])
    }
}
