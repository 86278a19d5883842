import LedgerModel
import Testing

/// `DoubleText` must write exactly what `Double.description` prints, for every value.
@Suite("Double text")
struct DoubleTextTests {
    /// A fixed-seed generator (SplitMix64), so a failure can be replayed.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func expectSame(_ v: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        let written = DoubleText.text(v)
        if written != v.description {
            Issue.record("\(written) is not \(v.description) (bit pattern \(v.bitPattern))", sourceLocation: sourceLocation)
        }
    }

    func power(_ k: Int) -> Double {
        var p = 1.0
        if k >= 0 { for _ in 0..<k { p *= 10 } } else { for _ in 0..<(-k) { p /= 10 } }
        return p
    }

    @Test func examples() {
        #expect(DoubleText.text(50.0) == "50.0")
        #expect(DoubleText.text(-50.25) == "-50.25")
        #expect(DoubleText.text(50.4501) == "50.4501")
        #expect(DoubleText.text(0.1) == "0.1")
        #expect(DoubleText.text(0.0001) == "0.0001")
        #expect(DoubleText.text(0.00001) == "1e-05")
        #expect(DoubleText.text(1e15) == "1000000000000000.0")
        #expect(DoubleText.text(1e16) == "1e+16")
        #expect(DoubleText.text(-0.0) == "-0.0")
        #expect(DoubleText.text(1.0 / 3) == "0.3333333333333333")
    }

    @Test func specialAndBoundaryValues() {
        var values: [Double] = [0, .infinity, .nan, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
                                1e-4, 1e15, 4_503_599_627_370_496, 4_503_599_627_370_495.5, 9_007_199_254_740_992, 0.5, 1]
        for e in -1074...1023 {
            let x = Double(sign: .plus, exponent: e, significand: 1)
            values += [x, x.nextUp, x.nextDown]
        }
        for k in -30...30 {
            let p = power(k)
            values += [p, p.nextUp, p.nextDown, 9.5 * p, 9.999999999999999 * p, 1.0000000000000002 * p, 5 * p, 2.5 * p]
        }
        for v in values { expectSame(v); expectSame(-v) }
    }

    @Test func integersAndEighths() {
        for i in -20_000...20_000 {
            expectSame(Double(i)); expectSame(Double(i) / 8); expectSame(Double(i) * 1e10); expectSame(Double(i) * 1e-7)
        }
    }

    @Test func coordinatesAndShortDecimals() {
        var rng = Seeded(state: 14)
        for _ in 0..<200_000 {
            let d = Double.random(in: -180...180, using: &rng)
            expectSame(d)
            for places in [1, 2, 4, 6, 9] { expectSame((d * power(places)).rounded() / power(places)) }
        }
    }

    @Test func randomBitPatternsAndRanges() {
        var rng = Seeded(state: 6)
        for _ in 0..<300_000 { expectSame(Double(bitPattern: rng.next())) }
        for range in [0.0..<1, 1e-4..<1e-2, 1e13..<1e15, 1e-6..<1e-3, 1e14..<1e17] {
            for _ in 0..<100_000 { expectSame(Double.random(in: range, using: &rng)) }
        }
    }

    @Test func writersUseIt() throws {
        var csv: [UInt8] = []
        CSV.appendRecord(to: &csv) { r in r.double(48.1234); r.double(-0.5); r.double(50); r.double(nil); r.double(1e-7) }
        #expect(String(decoding: csv, as: UTF8.self) == "48.1234,-0.5,50.0,,1e-07\r\n")
        var json = JSONWriter()
        json.array { a in a.double(48.1234); a.double(-0.5); a.double(50); a.double(1e-7); a.double(1e20); a.double(.nan) }
        #expect(String(decoding: json.bytes, as: UTF8.self) == "[48.1234,-0.5,50,1e-07,1e+20,null]")
    }
}
