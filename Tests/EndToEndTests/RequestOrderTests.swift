import Foundation
import Testing

/// API.md: a request is judged route, key, unknown id, If-Match, body size, content type,
/// JSON syntax, rules — even when its body is never read.
@Suite("Order of refusals")
struct RequestOrderTests {
    let fixture = Shared.fixture

    /// Sends a head announcing `length` body bytes (and sends none) and reads the answer.
    private func announce(_ method: String, _ path: String, length: Int, key: String?, expectContinue: Bool = false,
                          headers: [String] = []) throws -> (HTTPClient.Answer, String) {
        let socket = try Socket.connect(port: fixture.server.port, timeout: 10)
        defer { socket.close() }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(length)\r\n"
        if let key { head += "Authorization: Bearer \(key)\r\n" }
        if expectContinue { head += "Expect: 100-continue\r\n" }
        for h in headers { head += h + "\r\n" }
        try socket.send(Array((head + "\r\n").utf8))
        let raw = try socket.readToEnd()
        return (try HTTPClient.parse(raw), String(decoding: raw.prefix(64), as: UTF8.self))
    }

    @Test("an oversized body without a key gets 401, not 413; with a key, 413")
    func keyBeforeSize() throws {
        #expect(try announce("POST", "/v1/reports", length: 5_000_000, key: nil).0.status == 401)
        #expect(try announce("POST", "/v1/reports", length: 5_000_000, key: "sl_not_a_key").0.status == 401)
        #expect(try announce("POST", "/v1/reports", length: 5_000_000, key: fixture.reporter).0.status == 413)
    }

    @Test("route and method come first: 404 and 405 for oversized bodies too")
    func routeBeforeSize() throws {
        #expect(try announce("POST", "/v1/nowhere", length: 5_000_000, key: fixture.admin).0.status == 404)
        let wrongMethod = try announce("PUT", "/v1/reports", length: 5_000_000, key: fixture.admin).0
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.header("Allow") == "POST")
    }

    @Test("a role too low gets 403, and an unknown strike 404, before the body size")
    func roleAndIdBeforeSize() throws {
        #expect(try announce("POST", "/v1/revisions/1/void", length: 5_000_000, key: fixture.reporter).0.status == 403)
        #expect(try announce("POST", "/v1/strikes/999999999/revisions", length: 5_000_000, key: fixture.reporter).0.status == 404)
    }

    @Test("a stale If-Match gets 412 before the body size; a current one goes on to 413")
    func ifMatchBeforeSize() throws {
        let report = #"{"city": "Sumy", "occurred_at": "2025-10-09T22:00:00Z", "source": {"name": "Sumy OVA", "kind": "official"}}"#
        let created = try fixture.server.client().post("/v1/reports", key: fixture.reporter, report)
        let id = try #require((created.object["strike"] as? [String: Any])?["id"] as? Int)
        let version = try #require((created.object["strike"] as? [String: Any])?["version"] as? Int)
        let path = "/v1/strikes/\(id)"
        #expect(try announce("PATCH", path, length: 5_000_000, key: fixture.editor, headers: ["If-Match: \"v\(version + 7)\""]).0.status == 412)
        #expect(try announce("PATCH", path, length: 5_000_000, key: fixture.editor, headers: ["If-Match: \"v\(version)\""]).0.status == 413)
        #expect(try announce("PATCH", path, length: 5_000_000, key: fixture.editor, headers: ["If-Match: W/\"v\(version)\""]).0.status == 413)
    }

    @Test("Expect: 100-continue without a key is refused without 100 Continue")
    func noContinueForTheUnauthorised() throws {
        let (answer, start) = try announce("POST", "/v1/reports", length: 100, key: nil, expectContinue: true)
        #expect(answer.status == 401)
        #expect(!start.contains("100 Continue"))
    }
}
