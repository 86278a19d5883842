import Foundation
import Testing

/// The seed report's night as a whole (issue 17): one attack of about 500 drones and 20
/// missiles at Kyiv, Kharkiv, Odesa and Sumy, its counts revised, its strikes linked, and
/// who says what about Kyiv — over a real socket.
@Suite("Attack night")
struct AttackNightTests {
    let fixture = Shared.fixture

    @Test("the seed's night goes in and comes out whole")
    func seedNight() throws {
        let client = fixture.server.client()
        // A far-away night keeps this test's strikes apart from the other tests' on the shared server.
        let created = try client.post("/v1/attacks", key: fixture.reporter, """
            {"country": "UA", "started_at": "2022-12-28T23:00:00+02:00", "ended_at": "2022-12-29T07:00:00+02:00",
             "description": "about 500 drones and 20 missiles at Kyiv, Kharkiv, Odesa and Sumy"}
            """)
        #expect(created.status == 201)
        let attackId = try #require(created.object["id"] as? Int)
        #expect(created.header("Location") == "/v1/attacks/\(attackId)")
        let feedHead = try #require(try client.get("/v1/changes?since=999999999").object["next_since"] as? Int)

        // The morning statement: "about 500 drones and 20 missiles".
        let about = try client.post("/v1/attacks/\(attackId)/revisions", key: fixture.reporter, """
            {"source": {"name": "Air Force of Ukraine", "kind": "military"}, "reported_at": "2022-12-29T08:00:00+02:00",
             "approximate": true,
             "weapons": [{"model": "Shahed", "launched": 500}, {"model": "Iskander", "launched": 4},
                         {"model": "X-101", "launched": 16}]}
            """)
        #expect(about.status == 201)
        // Then the exact figures, with the interceptions: 497 drones, 20 missiles, 473 shot down.
        let exact = try client.post("/v1/attacks/\(attackId)/revisions", key: fixture.reporter, """
            {"source": {"name": "Air Force of Ukraine", "kind": "military"}, "reported_at": "2022-12-29T09:30:00+02:00",
             "weapons": [{"model": "Geran-2", "launched": 497, "intercepted": 460, "suppressed": 13},
                         {"model": "Iskander-M", "launched": 4, "intercepted": 1},
                         {"model": "Kh-101", "launched": 16, "intercepted": 12}]}
            """)
        #expect(exact.status == 201)
        let exactSeq = try #require((exact.object["revision"] as? [String: Any])?["seq"] as? Int)
        // An unknown model is refused with suggestions, as an unknown city is.
        let typo = try client.post("/v1/attacks/\(attackId)/revisions", key: fixture.reporter, """
            {"source": {"name": "Air Force of Ukraine", "kind": "military"}, "weapons": [{"model": "Shahid-136", "launched": 1}]}
            """)
        #expect(typo.status == 422)
        let typoErrors = try #require(typo.object["errors"] as? [[String: Any]])
        #expect(typoErrors.first?["field"] as? String == "weapons[0].model")
        #expect((typoErrors.first?["suggestions"] as? [String])?.first == "Shahed-136")

        // The strikes: Kyiv by reports (the mayor, then the president), the others by report and by link.
        let mayor = try client.post("/v1/reports", key: fixture.reporter, """
            {"city": "Kiev", "occurred_at": "2022-12-29T05:30:00+02:00", "attack_id": \(attackId),
             "source": {"name": "Vitali Klitschko", "kind": "official"},
             "killed": 3, "injured": 3, "reported_at": "2022-12-29T06:10:00+02:00",
             "weapons": [{"kind": "drone", "model": "Shahed"}, {"kind": "missile", "model": "Iskander"}]}
            """)
        #expect(mayor.status == 201)
        let kyiv = try #require((mayor.object["strike"] as? [String: Any])?["id"] as? Int)
        #expect((mayor.object["strike"] as? [String: Any])?["attack_id"] as? Int == attackId)
        let weapons = (mayor.object["strike"] as? [String: Any])?["weapons"] as? [[String: Any]]
        #expect(weapons?.compactMap { $0["model"] as? String } == ["Shahed-136", "Iskander-M"])
        let president = try client.post("/v1/reports", key: fixture.reporter, """
            {"city": "Київ", "occurred_at": "2022-12-29T07:00:00+02:00",
             "source": {"name": "Volodymyr Zelensky", "kind": "official"},
             "killed": 4, "reported_at": "2022-12-29T10:45:00+02:00"}
            """)
        #expect((president.object["strike"] as? [String: Any])?["id"] as? Int == kyiv)
        var others: [Int] = []
        for (city, killed, injured) in [("Kharkiv", 1, 9), ("Odesa", 0, 2), ("Sumy", 2, 5)] {
            let r = try client.post("/v1/reports", key: fixture.reporter, """
                {"city": "\(city)", "occurred_at": "2022-12-29T04:00:00+02:00",
                 "source": {"name": "State Emergency Service", "kind": "emergency_service"},
                 "killed": \(killed), "injured": \(injured)}
                """)
            #expect(r.status == 201)
            others.append(try #require((r.object["strike"] as? [String: Any])?["id"] as? Int))
        }
        // Linking needs an editor.
        let ids = others.map(String.init).joined(separator: ", ")
        let refused = try client.post("/v1/attacks/\(attackId)/strikes", key: fixture.reporter, #"{"strike_ids": [\#(ids)]}"#)
        #expect(refused.status == 403)
        let linked = try client.post("/v1/attacks/\(attackId)/strikes", key: fixture.editor, #"{"strike_ids": [\#(ids), \#(kyiv)]}"#)
        #expect(linked.status == 200)

        // The attack comes out whole.
        let attack = try client.get("/v1/attacks/\(attackId)")
        #expect(attack.status == 200)
        let counts = try #require(attack.object["weapons"] as? [[String: Any]])
        #expect(counts.compactMap { $0["model"] as? String } == ["Shahed-136", "Iskander-M", "Kh-101"])
        #expect(counts[0]["kind"] as? String == "drone")
        #expect(counts[0]["launched"] as? Int == 497)
        #expect(counts[0]["intercepted"] as? Int == 460)
        #expect(counts[0]["suppressed"] as? Int == 13)
        #expect(counts[0]["approximate"] as? Bool == false)
        let totals = try #require(attack.object["totals"] as? [[String: Any]])
        let missiles = totals.filter { ($0["kind"] as? String)?.hasSuffix("missile") == true }
        #expect(missiles.compactMap { $0["launched"] as? Int }.reduce(0, +) == 20)
        #expect(missiles.compactMap { $0["intercepted"] as? Int }.reduce(0, +) == 13)
        #expect(totals.first { $0["kind"] as? String == "drone" }?["launched"] as? Int == 497)
        #expect(counts[1]["kind"] as? String == "ballistic_missile")
        let strikes = try #require(attack.object["strikes"] as? [[String: Any]])
        #expect(Set(strikes.compactMap { ($0["city"] as? [String: Any])?["name"] as? String }) == ["Kyiv", "Kharkiv", "Odesa", "Sumy"])
        let toll = try #require(attack.object["toll"] as? [String: Int])
        #expect(toll == ["killed": 4 + 1 + 0 + 2, "injured": 3 + 9 + 2 + 5, "strikes": 4])

        // Who says what about Kyiv.
        for strike in [try client.get("/v1/strikes/\(kyiv)").object, strikes.first { $0["id"] as? Int == kyiv } ?? [:]] {
            let statements = try #require(strike["statements"] as? [[String: Any]])
            #expect(statements.compactMap { ($0["source"] as? [String: Any])?["name"] as? String } == ["Volodymyr Zelensky", "Vitali Klitschko"])
            #expect(statements[0]["killed"] as? Int == 4)
            #expect(statements[0]["injured"] is NSNull)
            #expect(statements[0]["reported_at"] as? String == "2022-12-29T08:45:00Z")
            #expect(statements[1]["killed"] as? Int == 3)
            #expect(statements[1]["injured"] as? Int == 3)
            let range = try #require((strike["toll"] as? [String: Any])?["range"] as? [String: Any])
            #expect(range["killed"] as? [Int] == [3, 4])
            #expect(range["injured"] as? [Int] == [3, 3])
            #expect(strike["attack_id"] as? Int == attackId)
        }

        // The feed shows the attack revision, with the attack's counts then.
        let feed = try client.get("/v1/changes?since=\(feedHead)&attack_id=\(attackId)")
        #expect(feed.status == 200)
        let items = try #require(feed.object["items"] as? [[String: Any]])
        let attackItems = items.filter { $0["type"] as? String == "attack_revision" }
        #expect(attackItems.count == 2)
        #expect(attackItems.last?["attack_id"] as? Int == attackId)
        #expect((attackItems.last?["revision"] as? [String: Any])?["seq"] as? Int == exactSeq)
        #expect(((attackItems.last?["weapons"] as? [[String: Any]])?.first)?["launched"] as? Int == 497)
        let inSumy = try client.get("/v1/changes?since=\(feedHead)&city=Sumy").object["items"] as? [[String: Any]]
        // Sumy's strike was linked after the revisions: they were not in Sumy then.
        #expect(inSumy?.contains { ($0["type"] as? String)?.hasPrefix("attack") == true } == false)

        // Casualties of the attack; the list of attacks of that night; the history.
        let casualties = try client.get("/v1/casualties?attack_id=\(attackId)")
        #expect((casualties.object["totals"] as? [String: Int]) == ["strikes": 4, "killed": 7, "injured": 19])
        let list = try client.get("/v1/attacks?from=2022-12-29&to=2022-12-29&country=UA")
        #expect((list.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [attackId])
        let history = try client.get("/v1/attacks/\(attackId)/revisions?limit=1")
        #expect((history.object["items"] as? [[String: Any]])?.count == 1)
        let next = try #require(history.object["next"] as? String)
        let rest = try client.get("/v1/attacks/\(attackId)/revisions?limit=1&after=\(next)")
        #expect((rest.object["items"] as? [[String: Any]])?.first?["seq"] as? Int == exactSeq)

        // A void (editor) brings back the approximate figures, and is in the feed.
        let void = try client.post("/v1/attack-revisions/\(exactSeq)/void", key: fixture.editor, #"{"reason": "double count"}"#)
        #expect(void.status == 200)
        #expect(((void.object["weapons"] as? [[String: Any]])?.first)?["launched"] as? Int == 500)
        #expect(((void.object["weapons"] as? [[String: Any]])?.first)?["approximate"] as? Bool == true)
        let again = try client.post("/v1/attack-revisions/\(exactSeq)/void", key: fixture.editor, #"{"reason": "again"}"#)
        #expect(again.status == 409)
        let voids = try client.get("/v1/changes?since=\(feedHead)&attack_id=\(attackId)").object["items"] as? [[String: Any]]
        #expect(voids?.last?["type"] as? String == "attack_void")
        let voidInSumy = try client.get("/v1/changes?since=\(feedHead)&city=Sumy").object["items"] as? [[String: Any]]
        #expect(voidInSumy?.contains { $0["type"] as? String == "attack_void" } == true)
    }
}
