// The probe of CI stage 15 (scripts/ci.d/15-openapi-client.sh): it is compiled beside the client
// that swift-openapi-generator makes from the served /openapi.json, and decodes real answers of
// a running server with it. BASE is the server's URL; KEY a reporter's key.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import OpenAPIRuntime
import OpenAPIURLSession

/// Sets a header field as it is: the key, and an entity tag (swift-openapi-runtime 1.13
/// percent-encodes a header parameter's value, so `"v1"` would leave as `%22v1%22`).
struct Header: ClientMiddleware {
    let name: HTTPField.Name
    let value: String
    func intercept(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?))
        async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[name] = value
        return try await next(request, body, baseURL)
    }
}

struct ProbeFailure: Error, CustomStringConvertible {
    let description: String
}

func check(_ condition: Bool, _ what: String) throws {
    guard condition else { throw ProbeFailure(description: what) }
}

@main
struct Probe {
    static func main() async {
        do {
            let count = try await run()
            print("client: \(count) answers decoded by the generated client")
        } catch {
            print("client: FAIL: \(error)")
            exit(1)
        }
    }

    static func run() async throws -> Int {
        let environment = ProcessInfo.processInfo.environment
        guard let base = environment["BASE"].flatMap(URL.init(string:)), let key = environment["KEY"] else {
            throw ProbeFailure(description: "BASE and KEY must be set")
        }
        // No URL cache: it would answer a revalidation itself and hide the server's 304.
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let transport = URLSessionTransport(configuration: .init(session: URLSession(configuration: configuration)))
        let bearer = Header(name: .authorization, value: "Bearer \(key)")
        let client = Client(serverURL: base, transport: transport, middlewares: [bearer])
        var decoded = 0

        let health = try await client.getHealth().ok.body.json
        try check(health.status == .ok, "healthz status")
        decoded += 1

        // A report with a figure: a new strike, with nulls (location) and a revision.
        let occurred = Date(timeIntervalSinceNow: -3600)
        let report = try await client.createReport(body: .json(.init(
            city: .init(value1: "Kiev"), occurred_at: occurred,
            source: .init(name: "Vitali Klitschko", kind: .official),
            killed: 3, injured: nil, weapons: [.init(kind: .drone)]))).created.body.json
        try check(report.matched == false, "a new strike")
        try check(report.strike.city.name == "Kyiv", "Kiev is Kyiv")
        try check(report.strike.location == nil, "no location")
        try check(report.revision?.killed == 3 && report.revision?.injured == nil, "the revision's figures")
        try check(report.strike.toll.killed == 3, "the toll")
        decoded += 1

        // The strike, then its revalidation with the ETag it carried.
        let id = report.strike.id
        let first = try await client.getStrike(path: .init(id: id)).ok
        try check(first.body.json.id == id && first.headers.ETag == "\"v1\"", "getStrike and its ETag")
        let revalidating = Client(serverURL: base, transport: transport,
                                  middlewares: [bearer, Header(name: .ifNoneMatch, value: first.headers.ETag)])
        let again = try await revalidating.getStrike(path: .init(id: id)).notModified
        try check(again.headers.ETag == first.headers.ETag, "304 with the same ETag")
        decoded += 1

        // A second report without figures: revision null.
        let second = try await client.createReport(body: .json(.init(
            strike_id: id, source: .init(name: "Kyiv City Administration", kind: .official),
            description: "Apartment buildings hit"))).created.body.json
        try check(second.revision == nil && second.matched, "no revision, matched")
        decoded += 1

        let window = ISO8601DateFormatter()
        let casualties = try await client.getCasualties(query: .init(
            city: "Kyiv", from: window.string(from: occurred.addingTimeInterval(-60)),
            to: window.string(from: Date()))).ok.body.json
        try check(casualties.city?.name == "Kyiv" && casualties.totals.killed == 3, "casualties: \(casualties.totals)")
        decoded += 1

        let changes = try await client.listChanges(query: .init(since: 0)).ok.body.json
        // A feed item is a strike's event or an attack's (oneOf, told apart by `type`).
        guard case .StrikeChangeItem(let firstItem)? = changes.items.first else {
            throw ProbeFailure(description: "the feed's first item is not a strike's event")
        }
        try check(firstItem.revision?.killed == 3 && firstItem._type == .revision, "the feed's first item")
        try check(changes.next_since >= 1, "next_since")
        decoded += 1

        let cities = try await client.listCities(query: .init(q: "Kharkov")).ok.body.json
        try check(cities.items.first?.name == "Kharkiv", "Kharkov is Kharkiv")
        decoded += 1

        // An error: a problem+json document, decoded as one.
        let missing = try await client.getStrike(path: .init(id: 999_999)).notFound.body.application_problem_plus_json
        try check(missing.status == 404, "404 problem")
        decoded += 1
        return decoded
    }
}
