import Foundation
import LedgerModel
import Testing
@testable import LedgerSQLite
@testable import LedgerStore

let airForce = SourceSpec.inline(NewSource(name: "Air Force of Ukraine", kind: .military))

/// The seed night's attack: started 22:00 UTC on the 9th, over by 04:00 on the 10th.
let seedNight = NewAttack(country: "UA", startedAt: ts("2025-10-09T22:00:00Z"), endedAt: ts("2025-10-10T04:00:00Z"),
                          description: "about 500 drones and 20 missiles at Kyiv, Kharkiv, Odesa and Sumy")

@Suite struct StatementTests {
    @Test(arguments: Engine.available) func whoSaysWhat(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-10T12:00:00Z")) { (store, clock, _) throws in
            let id = try store.ingest(mayorReport, window: window).strike.id
            var s = try store.strike(id: id)
            #expect(s.statements?.count == 1)
            #expect(s.tollRange == TollRange(killed: (3, 3), injured: (3, 3)))
            clock.advance(60)
            let p = try store.ingest(presidentReport, window: window)
            s = try store.strike(id: id)
            #expect(s.toll.killed == 4)
            #expect(s.statements?.map(\.source.name) == ["Volodymyr Zelensky", "Vitali Klitschko"])
            #expect(s.statements?.map(\.killed) == [4, 3])
            #expect(s.statements?.map(\.injured) == [nil, 3])
            #expect(s.statements?.first?.reportedAt == ts("2025-10-10T10:45:00+03:00"))
            #expect(s.tollRange == TollRange(killed: (3, 4), injured: (3, 3)))
            // The mayor corrects himself: only his latest figure is his statement.
            _ = try store.appendRevision(toStrike: id, Figures(killed: 2, injured: nil, reportedAt: ts("2025-10-10T11:00:00+03:00"), source: mayor))
            s = try store.strike(id: id)
            #expect(s.statements?.map(\.killed) == [2, 4])
            #expect(s.statements?.first?.injured == 3)
            #expect(s.tollRange == TollRange(killed: (2, 4), injured: (3, 3)))
            // A void takes the president's figure away; the mayor's latest stays.
            _ = try store.voidRevision(seq: p.revision!.seq, reason: "misattributed")
            s = try store.strike(id: id)
            #expect(s.statements?.map(\.source.name) == ["Vitali Klitschko"])
            #expect(s.tollRange == TollRange(killed: (2, 2), injured: (3, 3)))
            // A list does not carry statements; the range is on every strike.
            let listed = try store.strikes(StrikeQuery()).first { $0.id == id }
            #expect(listed?.statements == nil)
            #expect(listed?.tollRange == TollRange(killed: (2, 2), injured: (3, 3)))
        }
    }

    @Test(arguments: Engine.available) func aMergeBringsTheMergedStrikesStatements(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-12T00:00:00Z")) { (store, _, _) throws in
            let a = try store.createStrike(NewStrike(city: .id(kyivId), occurredAt: ts("2025-10-10T02:30:00Z")))
            let b = try store.createStrike(NewStrike(city: .id(kyivId), occurredAt: ts("2025-10-11T02:30:00Z")))
            _ = try store.appendRevision(toStrike: a.id, Figures(killed: 3, injured: 3, reportedAt: ts("2025-10-10T03:10:00Z"), source: mayor))
            _ = try store.appendRevision(toStrike: b.id, Figures(killed: 4, injured: nil, reportedAt: ts("2025-10-10T07:45:00Z"), source: president))
            _ = try store.appendRevision(toStrike: b.id, Figures(killed: 5, injured: nil, reportedAt: ts("2025-10-10T02:00:00Z"), source: mayor))
            let merged = try store.merge(strike: a.id, into: b.id)
            #expect(merged.statements?.map(\.source.name) == ["Volodymyr Zelensky", "Vitali Klitschko"])
            // The mayor's latest killed figure over both strikes is a's 3 (reported later than his 5).
            #expect(merged.statements?.last?.killed == 3)
            #expect(merged.tollRange == TollRange(killed: (3, 4), injured: (3, 3)))
            let gone = try store.strike(id: a.id)
            #expect(gone.statements == [])
            #expect(gone.tollRange == TollRange())
        }
    }
}

@Suite struct AttackTests {
    func figures(_ lines: [StatedWeapon], at: String, _ source: SourceSpec = airForce) -> AttackFigures {
        AttackFigures(weapons: lines, reportedAt: ts(at), source: source)
    }

    @Test(arguments: Engine.available) func countsFollowTheTollRuleFieldByField(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-10T12:00:00Z")) { (store, _, _) throws in
            let attack = try store.createAttack(seedNight)
            #expect(attack.id == 1)
            #expect(attack.weapons == [])
            #expect(attack.strikes == [])
            let about = try store.appendAttackRevision(toAttack: attack.id, figures([
                StatedWeapon(model: "Shahed", figures: WeaponFigures(launched: 500), approximate: true),
                StatedWeapon(model: "Iskander", figures: WeaponFigures(launched: 20), approximate: true),
            ], at: "2025-10-10T05:00:00Z"))
            #expect(about.revision.weapons.map(\.model) == ["Shahed-136", "Iskander-M"])
            #expect(about.weapons.first?.approximate == true)
            let exact = try store.appendAttackRevision(toAttack: attack.id, figures([
                StatedWeapon(model: "Geran-2", figures: WeaponFigures(launched: 497, intercepted: 473, suppressed: 10)),
                StatedWeapon(model: "Iskander-M", figures: WeaponFigures(intercepted: 2)),
                StatedWeapon(model: "Kh-101", figures: WeaponFigures(launched: 14, intercepted: 12)),
            ], at: "2025-10-10T06:00:00Z"))
            var counts = try store.attack(id: attack.id).weapons
            #expect(counts.map(\.model) == ["Shahed-136", "Iskander-M", "Kh-101"])
            #expect(counts[0].figures == WeaponFigures(launched: 497, intercepted: 473, suppressed: 10))
            #expect(counts[0].approximate == false)
            // Iskander's launched is still the approximate 20; its interception is exact.
            #expect(counts[1].figures == WeaponFigures(launched: 20, intercepted: 2))
            #expect(counts[1].approximate == true)
            // An older statement (reported earlier) does not displace a later one.
            _ = try store.appendAttackRevision(toAttack: attack.id, figures([
                StatedWeapon(model: "Shahed-136", figures: WeaponFigures(launched: 450, hit: 20)),
            ], at: "2025-10-10T04:30:00Z"))
            counts = try store.attack(id: attack.id).weapons
            #expect(counts[0].figures == WeaponFigures(launched: 497, intercepted: 473, suppressed: 10, hit: 20))
            #expect(try store.attack(id: attack.id).revisions == 3)
            // A void brings back what the voided revision displaced.
            let voided = try store.voidAttackRevision(seq: exact.revision.seq, reason: "double count")
            #expect(voided.revision.voided?.reason == "double count")
            #expect(voided.revisions == 2)
            counts = try store.attack(id: attack.id).weapons
            #expect(counts.map(\.model) == ["Shahed-136", "Iskander-M"])
            #expect(counts[0].figures == WeaponFigures(launched: 500, hit: 20))
            #expect(counts[0].approximate == true)
            #expect(throws: StoreError.self) { try store.voidAttackRevision(seq: exact.revision.seq, reason: "again") }
            let history = try store.attackRevisions(ofAttack: attack.id, after: nil, limit: 10)
            #expect(history.map(\.seq) == [about.revision.seq, exact.revision.seq, exact.revision.seq + 1])
            #expect(history[1].voided != nil)
            #expect(try store.attackRevisions(ofAttack: attack.id, after: about.revision.seq, limit: 1).map(\.seq) == [exact.revision.seq])
        }
    }

    @Test(arguments: Engine.available) func unknownModelsAreRefusedWithSuggestions(_ engine: Engine) throws {
        try withStore(engine) { (store, _, _) throws in
            let attack = try store.createAttack(seedNight)
            do {
                _ = try store.appendAttackRevision(toAttack: attack.id, figures([
                    StatedWeapon(model: "Shahid-136", figures: WeaponFigures(launched: 5)),
                ], at: "2025-10-10T05:00:00Z"))
                Issue.record("an unknown model was accepted")
            } catch let e as StoreError {
                guard case .invalid(let v) = e else { Issue.record("\(e)"); return }
                #expect(v.errors.first?.field == "weapons[0].model")
                #expect(v.errors.first?.suggestions?.first == "Shahed-136")
            }
            // Strikes' weapons use the same catalogue.
            let s = try store.createStrike(NewStrike(city: .id(kyivId), occurredAt: ts("2025-10-10T02:30:00Z"),
                                                     weapons: [Weapon(kind: .missile, model: "iskander"), Weapon(kind: .drone)]))
            #expect(s.weapons == [Weapon(kind: .missile, model: "Iskander-M"), Weapon(kind: .drone)])
            #expect(throws: StoreError.self) {
                try store.createStrike(NewStrike(city: .id(kyivId), occurredAt: ts("2025-10-10T02:30:00Z"),
                                                 weapons: [Weapon(kind: .missile, model: "Iskandr-X9")]))
            }
            #expect(store.weaponCatalogue.model(named: "Геран-2") == nil)
            #expect(store.weaponCatalogue.model(named: "Герань-2")?.model == "Shahed-136")
            #expect(store.weaponCatalogue.model(named: "Gerbera")?.kind == .decoy)
            #expect(store.weaponCatalogue.model(named: "kh 101")?.model == "Kh-101")
        }
    }

    @Test(arguments: Engine.available) func linkedStrikesSumTheirTolls(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-10T12:00:00Z")) { (store, _, _) throws in
            let attack = try store.createAttack(seedNight)
            let other = try store.createAttack(NewAttack(country: "UA", startedAt: ts("2025-10-08T22:00:00Z")))
            let kyiv = try store.ingest(mayorReport, window: window).strike
            _ = try store.ingest(presidentReport, window: window)
            var report = Report(city: .name("Kharkiv"), occurredAt: ts("2025-10-10T01:00:00Z"), source: rescuers, killed: 1, injured: 9)
            report.attackId = attack.id
            let kharkiv = try store.ingest(report, window: window).strike
            #expect(kharkiv.attackId == attack.id)
            let odesa = try store.createStrike(NewStrike(city: .name("Odesa"), occurredAt: ts("2025-10-10T00:30:00Z"), attackId: attack.id))
            let odesa2 = try store.createStrike(NewStrike(city: .name("Odesa"), occurredAt: ts("2025-10-10T00:40:00Z")))
            _ = try store.appendRevision(toStrike: odesa2.id, Figures(killed: nil, injured: 2, source: rescuers))
            let version = try store.strike(id: kyiv.id).version
            var linked = try store.link(strikes: [kyiv.id, kyiv.id], toAttack: attack.id)
            #expect(try store.strike(id: kyiv.id).version == version + 1)
            #expect(linked.strikes?.map(\.id) == [odesa.id, kharkiv.id, kyiv.id])
            #expect(linked.strikes?.last?.statements?.count == 2)
            // A strike belongs to one attack.
            #expect(throws: StoreError.self) { try store.link(strikes: [kyiv.id], toAttack: other.id) }
            // A merge hands the link on to the strike merged into.
            _ = try store.merge(strike: odesa.id, into: odesa2.id)
            linked = try store.attack(id: attack.id)
            #expect(linked.strikes?.map(\.id) == [odesa2.id, kharkiv.id, kyiv.id])
            let toll = AttackToll(strikes: linked.strikes!)
            #expect(toll.killed == 5)
            #expect(toll.injured == 14)
            #expect(toll.strikes == 3)
            // Linking a merged strike links its group.
            #expect(try store.link(strikes: [odesa.id], toAttack: attack.id).strikes?.count == 3)
            // Casualties of the attack.
            var q = CasualtyQuery()
            q.attackId = attack.id
            #expect(try store.casualties(q).map(\.id).sorted() == [kyiv.id, kharkiv.id, odesa2.id].sorted())
            q.attackId = other.id
            #expect(try store.casualties(q).isEmpty)
            // Lists.
            var aq = AttackQuery()
            #expect(try store.attacks(aq).map(\.id) == [attack.id, other.id])
            aq.from = ts("2025-10-10T00:00:00Z")
            #expect(try store.attacks(aq).map(\.id) == [attack.id])
            aq = AttackQuery(); aq.country = "RU"
            #expect(try store.attacks(aq).isEmpty)
        }
    }

    @Test(arguments: Engine.available) func attackEventsAreInTheFeed(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-10T12:00:00Z")) { (store, _, _) throws in
            let attack = try store.createAttack(seedNight)
            let kyiv = try store.ingest(mayorReport, window: window).strike
            _ = try store.link(strikes: [kyiv.id], toAttack: attack.id)
            let head = store.changes.head
            let w = try store.appendAttackRevision(toAttack: attack.id, figures([
                StatedWeapon(model: "Shahed-136", figures: WeaponFigures(launched: 497, intercepted: 473)),
            ], at: "2025-10-10T06:00:00Z"))
            #expect(store.changes.head == head + 1)
            _ = try store.ingest(presidentReport, window: window)
            _ = try store.voidAttackRevision(seq: w.revision.seq, reason: "wrong night")
            let all = try store.changes(since: head, filter: FeedFilter(), limit: 10).items
            #expect(all.map(\.kind) == [.attack_revision, .revision, .attack_void])
            #expect(all[0].attackRevision?.weapons.first?.figures.launched == 497)
            #expect(all[0].attackCounts?.contains("\"launched\":497") == true)
            #expect(all[2].attackCounts == "[]")
            #expect(all[1].attackId == attack.id)
            let inKyiv = try store.changes(since: head, filter: FeedFilter(cityId: kyivId), limit: 10).items
            #expect(inKyiv.map(\.kind) == [.attack_revision, .revision, .attack_void])
            #expect(try store.changes(since: head, filter: FeedFilter(cityId: odesaId), limit: 10).items.isEmpty)
            let ofAttack = try store.changes(since: head, filter: FeedFilter(attackId: attack.id), limit: 2).items
            #expect(ofAttack.map(\.kind) == [.attack_revision, .revision])
            #expect(try store.changes(since: head, filter: FeedFilter(strikeId: kyiv.id), limit: 10).items.map(\.kind) == [.revision])
            // The hub agrees with the database.
            #expect(store.changes.hasEvent(after: head, matching: FeedFilter(cityId: kyivId)) == true)
            #expect(store.changes.hasEvent(after: head, matching: FeedFilter(cityId: odesaId)) == false)
            #expect(store.changes.hasEvent(after: head + 2, matching: FeedFilter(attackId: attack.id)) == true)
        }
    }

    /// Another process on the same PostgreSQL database learns of an attack event through
    /// NOTIFY and its catch-up read, with the cities the feed's filter needs.
    @Test(arguments: Engine.available.filter { $0 == .postgres })
    func anotherProcessHearsOfAttackEvents(_ engine: Engine) throws {
        try withStore(engine, at: ts("2025-10-10T12:00:00Z")) { (store, _, dir) throws in
            let other = try engine.reopen(dir)
            let attack = try store.createAttack(seedNight)
            let kyiv = try store.ingest(mayorReport, window: window).strike
            _ = try store.link(strikes: [kyiv.id], toAttack: attack.id)
            let w = try store.appendAttackRevision(toAttack: attack.id, figures([
                StatedWeapon(model: "Shahed-136", figures: WeaponFigures(launched: 497)),
            ], at: "2025-10-10T06:00:00Z"))
            let deadline = Date().addingTimeInterval(5)
            while other.changes.head < w.revision.seq && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            #expect(other.changes.head == w.revision.seq)
            #expect(other.changes.hasEvent(after: w.revision.seq - 1, matching: FeedFilter(cityId: kyivId)) == true)
            #expect(other.changes.hasEvent(after: w.revision.seq - 1, matching: FeedFilter(cityId: odesaId)) == false)
            #expect(other.changes.hasEvent(after: w.revision.seq - 1, matching: FeedFilter(attackId: attack.id)) == true)
            #expect(try other.changes(since: w.revision.seq - 1, filter: FeedFilter(cityId: kyivId), limit: 5).items.map(\.kind)
                    == [.attack_revision])
        }
    }
}
