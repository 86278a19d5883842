import LedgerModel
import Testing

@Suite("Toll.derive: the toll rule")
struct TollTests {
    // The seed report: the mayor first, then the president.
    static let mayor = RevisionFacts(seq: 10, killed: 3, injured: 3,
                                     reportedAt: Timestamp(rfc3339: "2025-10-10T06:10:00+03:00")!,
                                     recordedAt: Timestamp(rfc3339: "2025-10-10T03:10:05Z")!)
    static let president = RevisionFacts(seq: 12, killed: 4, injured: nil,
                                         reportedAt: Timestamp(rfc3339: "2025-10-10T07:45:00Z")!,
                                         recordedAt: Timestamp(rfc3339: "2025-10-10T07:45:10Z")!)

    @Test func seedCaseMayorThenPresident() {
        let toll = Toll.derive(from: [Self.mayor, Self.president])
        #expect(toll == Toll(killed: 4, injured: 3, asOf: ts("2025-10-10T07:45:00Z"), revisions: 2))
        #expect(toll.asOf == Self.president.reportedAt)
    }

    @Test func noRevisionsGiveNullsAndZero() {
        let toll = Toll.derive(from: [RevisionFacts]())
        #expect(toll.killed == nil)
        #expect(toll.injured == nil)
        #expect(toll.asOf == nil)
        #expect(toll.revisions == 0)
        #expect(toll == Toll.empty)
    }

    @Test func singleRevision() {
        let toll = Toll.derive(from: [Self.mayor])
        #expect(toll == Toll(killed: 3, injured: 3, asOf: ts("2025-10-10T03:10:00Z"), revisions: 1))
    }

    @Test func tiesOnReportedAtGoToTheHigherSeq() {
        let t = ts("2025-10-10T05:00:00Z")
        let a = RevisionFacts(seq: 5, killed: 2, injured: 9, reportedAt: t, recordedAt: ts("2025-10-10T05:01:00Z"))
        let b = RevisionFacts(seq: 9, killed: 7, injured: nil, reportedAt: t, recordedAt: ts("2025-10-10T05:02:00Z"))
        for history in [[a, b], [b, a]] {
            let toll = Toll.derive(from: history)
            #expect(toll == Toll(killed: 7, injured: 9, asOf: t, revisions: 2))
        }
    }

    @Test func laterReportedAtWinsOverHigherSeq() {
        // An older statement recorded late (higher seq) does not override a newer one.
        let newer = RevisionFacts(seq: 15, killed: 6, injured: 1, reportedAt: ts("2025-10-10T06:00:00Z"), recordedAt: ts("2025-10-10T06:00:00Z"))
        let backfilled = RevisionFacts(seq: 20, killed: 5, injured: 2, reportedAt: ts("2025-10-10T05:00:00Z"), recordedAt: ts("2025-10-10T09:00:00Z"))
        let toll = Toll.derive(from: [newer, backfilled])
        #expect(toll == Toll(killed: 6, injured: 1, asOf: ts("2025-10-10T06:00:00Z"), revisions: 2))
    }

    @Test func voidedRevisionsAreIgnoredAndCountedOut() {
        var voidedPresident = Self.president
        voidedPresident.voidedAt = ts("2025-10-10T09:00:00Z")
        let toll = Toll.derive(from: [Self.mayor, voidedPresident])
        #expect(toll == Toll(killed: 3, injured: 3, asOf: Self.mayor.reportedAt, revisions: 1))
    }

    @Test func allVoidedGivesNullsAndZero() {
        var m = Self.mayor, p = Self.president
        m.voidedAt = ts("2025-10-10T09:00:00Z")
        p.voidedAt = ts("2025-10-10T09:01:00Z")
        #expect(Toll.derive(from: [m, p]) == Toll.empty)
    }

    @Test func laterRevisionStatingOnlyInjured() {
        let ambulance = RevisionFacts(seq: 14, killed: nil, injured: 8,
                                      reportedAt: ts("2025-10-10T09:00:00Z"), recordedAt: ts("2025-10-10T09:00:30Z"))
        let toll = Toll.derive(from: [Self.mayor, Self.president, ambulance])
        #expect(toll == Toll(killed: 4, injured: 8, asOf: ts("2025-10-10T09:00:00Z"), revisions: 3))
    }

    @Test func killedAndInjuredComeFromDifferentRevisionsAsOfIsTheLatestUsed() {
        // injured from a later revision, killed from an earlier one: as_of is the later.
        let early = RevisionFacts(seq: 1, killed: 2, injured: nil, reportedAt: ts("2025-10-10T04:00:00Z"), recordedAt: ts("2025-10-10T04:00:00Z"))
        let late = RevisionFacts(seq: 2, killed: nil, injured: 5, reportedAt: ts("2025-10-10T05:00:00Z"), recordedAt: ts("2025-10-10T05:00:00Z"))
        #expect(Toll.derive(from: [early, late]) == Toll(killed: 2, injured: 5, asOf: ts("2025-10-10T05:00:00Z"), revisions: 2))
        // killed stated as zero is a figure, not "not stated".
        let zero = RevisionFacts(seq: 3, killed: 0, injured: nil, reportedAt: ts("2025-10-10T06:00:00Z"), recordedAt: ts("2025-10-10T06:00:00Z"))
        #expect(Toll.derive(from: [early, late, zero]) == Toll(killed: 0, injured: 5, asOf: ts("2025-10-10T06:00:00Z"), revisions: 3))
    }

    @Test func voidedLatestFallsBackToThePreviousStatement() {
        var p = Self.president
        p.voidedAt = ts("2025-10-10T08:00:00Z")
        let correction = RevisionFacts(seq: 20, killed: 5, injured: nil,
                                       reportedAt: ts("2025-10-10T07:00:00Z"), recordedAt: ts("2025-10-10T08:05:00Z"))
        #expect(Toll.derive(from: [Self.mayor, p, correction]) == Toll(killed: 5, injured: 3, asOf: ts("2025-10-10T07:00:00Z"), revisions: 2))
    }

    // MARK: knownAt

    @Test func knownAtIgnoresRevisionsRecordedAfterIt() {
        let toll = Toll.derive(from: [Self.mayor, Self.president], knownAt: ts("2025-10-10T05:00:00Z"))
        #expect(toll == Toll(killed: 3, injured: 3, asOf: Self.mayor.reportedAt, revisions: 1))
    }

    @Test func knownAtIncludesARevisionRecordedExactlyThen() {
        let toll = Toll.derive(from: [Self.mayor, Self.president], knownAt: Self.president.recordedAt)
        #expect(toll == Toll(killed: 4, injured: 3, asOf: Self.president.reportedAt, revisions: 2))
        // One second earlier, the president's revision was not yet recorded,
        // even though its reported_at lies before that moment.
        let before = Toll.derive(from: [Self.mayor, Self.president], knownAt: Self.president.recordedAt.adding(seconds: -1))
        #expect(before == Toll(killed: 3, injured: 3, asOf: Self.mayor.reportedAt, revisions: 1))
    }

    @Test func knownAtBeforeEverythingGivesTheEmptyToll() {
        #expect(Toll.derive(from: [Self.mayor, Self.president], knownAt: ts("2025-10-10T00:00:00Z")) == Toll.empty)
    }

    @Test func voidMadeAfterKnownAtStillCountsTheRevision() {
        var p = Self.president
        p.voidedAt = ts("2025-10-10T09:00:00Z")
        let then = Toll.derive(from: [Self.mayor, p], knownAt: ts("2025-10-10T08:59:59Z"))
        #expect(then == Toll(killed: 4, injured: 3, asOf: Self.president.reportedAt, revisions: 2))
        let nowToll = Toll.derive(from: [Self.mayor, p])
        #expect(nowToll == Toll(killed: 3, injured: 3, asOf: Self.mayor.reportedAt, revisions: 1))
    }

    @Test(arguments: ["2025-10-10T09:00:00Z", "2025-10-10T09:00:01Z", "2026-01-01T00:00:00Z"])
    func voidAtOrBeforeKnownAtRemovesTheRevision(knownAt: String) {
        var p = Self.president
        p.voidedAt = ts("2025-10-10T09:00:00Z")
        let toll = Toll.derive(from: [Self.mayor, p], knownAt: ts(knownAt))
        #expect(toll == Toll(killed: 3, injured: 3, asOf: Self.mayor.reportedAt, revisions: 1))
    }

    @Test func revisionFactsOfARevision() {
        let r = Revision(seq: 12, strikeId: 7, killed: 4, injured: nil, reportedAt: ts("2025-10-10T07:45:00Z"),
                         recordedAt: ts("2025-10-10T07:45:10Z"), source: SourceRef(id: 4, name: "Volodymyr Zelensky", kind: .official),
                         note: nil, voided: Voiding(at: ts("2025-10-10T09:00:00Z"), reason: "entered twice"))
        #expect(r.facts == RevisionFacts(seq: 12, killed: 4, injured: nil, reportedAt: ts("2025-10-10T07:45:00Z"),
                                         recordedAt: ts("2025-10-10T07:45:10Z"), voidedAt: ts("2025-10-10T09:00:00Z")))
    }

    // MARK: order of input

    static let history: [RevisionFacts] = {
        var voided = RevisionFacts(seq: 13, killed: 40, injured: 30, reportedAt: Timestamp(rfc3339: "2025-10-10T08:00:00Z")!,
                                   recordedAt: Timestamp(rfc3339: "2025-10-10T08:00:05Z")!)
        voided.voidedAt = Timestamp(rfc3339: "2025-10-10T08:10:00Z")!
        let tie = RevisionFacts(seq: 11, killed: 1, injured: 7, reportedAt: Timestamp(rfc3339: "2025-10-10T07:45:00Z")!,
                                recordedAt: Timestamp(rfc3339: "2025-10-10T07:46:00Z")!)
        return [mayor, president, voided, tie]
    }()

    static func permutations<T>(_ a: [T]) -> [[T]] {
        guard a.count > 1 else { return [a] }
        return a.indices.flatMap { i -> [[T]] in
            var rest = a
            let x = rest.remove(at: i)
            return permutations(rest).map { [x] + $0 }
        }
    }

    @Test(arguments: permutations(history))
    func orderOfInputDoesNotMatter(history: [RevisionFacts]) {
        // killed: president (seq 12) beats the tie (seq 11) at 07:45; injured: the tie's 7 is the latest stating it.
        let expected = Toll(killed: 4, injured: 7, asOf: ts("2025-10-10T07:45:00Z"), revisions: 3)
        #expect(Toll.derive(from: history) == expected)
        #expect(Toll.derive(from: history, knownAt: ts("2025-10-10T08:05:00Z"))
                == Toll(killed: 40, injured: 30, asOf: ts("2025-10-10T08:00:00Z"), revisions: 4))
        #expect(Toll.derive(from: history, knownAt: ts("2025-10-10T07:45:30Z"))
                == Toll(killed: 4, injured: 3, asOf: ts("2025-10-10T07:45:00Z"), revisions: 2))
    }
}
