import Testing
@testable import LedgerAPI

/// A query string as the endpoints read it: names and values percent-decoded, unknown or
/// repeated names and bad encodings refused with a 400 that names the parameter.
@Suite struct QueryParametersTests {
    private let allowed: Set<String> = ["city", "from", "to", "q"]

    private func parse(_ raw: String) throws(APIError) -> QueryParameters {
        try QueryParameters(raw[...], allowed: allowed)
    }

    private func refusal(_ raw: String) -> String? {
        do { _ = try parse(raw); return nil } catch { return error.detail }
    }

    @Test func namesAndValuesArePercentDecoded() throws {
        let q = try parse("city=%D0%9A%D0%B8%D1%97%D0%B2&q=Kryvyi+Rih&from=2025-10-10T00:00:00%2B03:00")
        #expect(q.string("city") == "Київ")
        #expect(q.string("q") == "Kryvyi Rih")
        #expect(q.string("from") == "2025-10-10T00:00:00+03:00")
        #expect(q.string("to") == nil)
        #expect(try parse("%63ity=Lviv").string("city") == "Lviv", "an encoded name is its decoded name")
    }

    @Test func emptyPairsAndEmptyValuesAreLeftOut() throws {
        let q = try parse("&&city=&q&to=2025-10-11&")
        #expect(q.string("city") == nil && q.string("q") == nil)
        #expect(q.string("to") == "2025-10-11")
        #expect(try parse("").string("city") == nil)
        // An empty value does not count as the first of two.
        #expect(try parse("city=&city=Kyiv").string("city") == "Kyiv")
    }

    @Test func badEncodingsAreRefused() {
        #expect(refusal("city=Ky%2") == "query parameter city is not valid percent-encoded UTF-8")
        #expect(refusal("city=%zzKyiv") == "query parameter city is not valid percent-encoded UTF-8")
        #expect(refusal("city=%FF") == "query parameter city is not valid percent-encoded UTF-8")
        #expect(refusal("ci%ty=Kyiv") == "query parameter is not valid percent-encoded UTF-8")
        #expect(refusal("city=Kyiv%") == "query parameter city is not valid percent-encoded UTF-8")
    }

    @Test func unknownAndRepeatedNamesAreRefusedTheFirstMistakeFirst() {
        #expect(refusal("city=Kyiv&colour=red") == "unknown query parameter colour; this endpoint takes city, from, q, to")
        #expect(refusal("city=Kyiv&city=Lviv") == "query parameter city is given twice")
        #expect(refusal("colour=red&city=%FF") == "unknown query parameter colour; this endpoint takes city, from, q, to")
        #expect(refusal("city=%FF&colour=red") == "query parameter city is not valid percent-encoded UTF-8")
        #expect((try? QueryParameters("a=1"[...], allowed: [])) == nil)
        #expect(throws: APIError.self) { try QueryParameters("a=1"[...], allowed: []) }
    }

    @Test func aQueryOfASubstringIsReadFromItsOwnBounds() throws {
        let target = "/v1/casualties?city=Kyiv&to=2025-10-11#frag"
        let start = target.index(after: target.firstIndex(of: "?")!)
        let end = target.firstIndex(of: "#")!
        let q = try QueryParameters(target[start..<end], allowed: allowed)
        #expect(q.string("city") == "Kyiv" && q.string("to") == "2025-10-11")
    }
}
