import Foundation
import HTTPTypes
import LedgerAPI
import LedgerModel
import LedgerSQLite
import LedgerStore
import SocketHTTP
import Synchronization
import Testing

/// A clock the store reads, which a test moves by hand.
final class TestClock: Sendable {
    private let seconds: Atomic<Int64>
    init(_ rfc3339: String) { seconds = Atomic(Timestamp(rfc3339: rfc3339)!.seconds) }
    var now: Timestamp { Timestamp(seconds: seconds.load(ordering: .relaxed)) }
    func set(_ rfc3339: String) { seconds.store(Timestamp(rfc3339: rfc3339)!.seconds, ordering: .relaxed) }
    func advance(_ by: Int64) { seconds.add(by, ordering: .relaxed) }
}

/// A JSON value read with Foundation, navigated without ceremony.
struct J: CustomStringConvertible {
    let value: Any?
    init(_ value: Any?) { self.value = value }
    subscript(_ key: String) -> J { J((value as? [String: Any])?[key]) }
    subscript(_ index: Int) -> J {
        guard let a = value as? [Any], index >= 0, index < a.count else { return J(nil) }
        return J(a[index])
    }
    var int: Int? {
        guard let value, type(of: value) != Bool.self else { return nil }
        return (value as? NSNumber).map(\.intValue)
    }
    var double: Double? { (value as? NSNumber).map(\.doubleValue) }
    var string: String? { value as? String }
    var bool: Bool? { value as? Bool }
    var array: [J] { ((value as? [Any]) ?? []).map(J.init) }
    var count: Int { (value as? [Any])?.count ?? (value as? [String: Any])?.count ?? 0 }
    var isNull: Bool { value is NSNull }
    var exists: Bool { value != nil }
    var keys: Set<String> { Set((value as? [String: Any])?.keys.map { $0 } ?? []) }
    var description: String { value.map { "\($0)" } ?? "<missing>" }
}

/// One answer of the service.
struct Answer {
    let status: Int
    let headers: HTTPFields
    let body: [UInt8]
    var json: J { J(try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) }
    var text: String { String(decoding: body, as: UTF8.self) }
    subscript(_ key: String) -> J { json[key] }
    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
    var contentType: String? { headers[.contentType] }
    var etag: String? { headers[.eTag] }
    var location: String? { headers[.location] }
    var isProblem: Bool { contentType == "application/problem+json" }
}

/// A user's session against the service, in process.
struct APIClient {
    let service: LedgerService
    var key: String?

    func send(_ method: HTTPRequest.Method, _ path: String, body: String? = nil,
              contentType: String? = "application/json", headers: [String: String] = [:]) -> Answer {
        var fields = HTTPFields()
        if let key { fields[.authorization] = "Bearer \(key)" }
        if body != nil, let contentType { fields[.contentType] = contentType }
        for (k, v) in headers { fields[HTTPField.Name(k)!] = v }
        let head = HTTPRequest(method: method, scheme: "http", authority: "localhost", path: path, headerFields: fields)
        var request = Request(head: head, body: Array((body ?? "").utf8), remoteAddress: "127.0.0.1:1")
        // As the server calls the handler: a request with a body is screened before it is
        // read (what the screen found goes on with it), then answered inline on the event
        // loop or else on a worker.
        let reply: Reply
        var found: (any Sendable)?
        if body != nil, let refused = service.screen(head, found: &found) {
            reply = .response(refused)
        } else {
            request.screened = found
            reply = service.handleInline(request) ?? service.handle(request)
        }
        switch reply {
        case .response(let r):
            // As the server passes it on: 304 for a matching If-None-Match, gzip.
            let sent = OutputFilters().apply(r, to: head)
            return Answer(status: sent.head.status.code, headers: sent.head.headerFields, body: sent.body)
        case .deferred:
            Issue.record("\(method) \(path) was deferred"); return Answer(status: -1, headers: [:], body: [])
        case .stream:
            Issue.record("\(method) \(path) was a stream"); return Answer(status: -1, headers: [:], body: [])
        }
    }

    func get(_ path: String, headers: [String: String] = [:]) -> Answer { send(.get, path, headers: headers) }
    func post(_ path: String, _ body: String, headers: [String: String] = [:]) -> Answer {
        send(.post, path, body: body, headers: headers)
    }
    func patch(_ path: String, _ body: String, headers: [String: String] = [:]) -> Answer {
        send(.patch, path, body: body, headers: headers)
    }
    func with(key: String?) -> APIClient { APIClient(service: service, key: key) }
}

/// A fresh store on a temporary database, keys of every role, and the service.
final class Ledger: @unchecked Sendable {
    let directory: URL
    let store: LedgerStore
    let clock: TestClock
    let service: LedgerService
    let reporterKey: String, editorKey: String, adminKey: String, revokedKey: String

    init(clock start: String = "2025-10-10T03:00:00Z", configure: (inout APIConfiguration) -> Void = { _ in }) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let clock = TestClock(start)
        self.clock = clock
        store = try SQLiteStore(path: directory.appendingPathComponent("test.sqlite").path, clock: { clock.now })
        reporterKey = try store.createKey(name: "reporter", role: .reporter)
        editorKey = try store.createKey(name: "editor", role: .editor)
        adminKey = try store.createKey(name: "admin", role: .admin)
        revokedKey = try store.createKey(name: "gone", role: .admin)
        try store.revokeKey(name: "gone")
        var configuration = APIConfiguration()
        configure(&configuration)
        service = LedgerService(store: store, configuration: configuration)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    var anonymous: APIClient { APIClient(service: service, key: nil) }
    var reporter: APIClient { APIClient(service: service, key: reporterKey) }
    var editor: APIClient { APIClient(service: service, key: editorKey) }
    var admin: APIClient { APIClient(service: service, key: adminKey) }

    /// Creates a strike in `city` at `at` and returns its id.
    func strike(_ city: String = "Kyiv", at: String, extra: String = "") -> Int {
        let r = reporter.post("/v1/strikes", #"{"city": "\#(city)", "occurred_at": "\#(at)"\#(extra)}"#)
        #expect(r.status == 201, "creating a strike: \(r.text)")
        return r["id"].int ?? -1
    }

    /// Appends a revision and returns its seq.
    @discardableResult
    func revision(_ strike: Int, killed: Int? = nil, injured: Int? = nil, reportedAt: String, source: String = "Mayor") -> Int {
        var fields = [#""reported_at": "\#(reportedAt)""#, #""source": {"name": "\#(source)", "kind": "official"}"#]
        if let killed { fields.append(#""killed": \#(killed)"#) }
        if let injured { fields.append(#""injured": \#(injured)"#) }
        let r = reporter.post("/v1/strikes/\(strike)/revisions", "{" + fields.joined(separator: ", ") + "}")
        #expect(r.status == 201, "appending a revision: \(r.text)")
        return r["revision"]["seq"].int ?? -1
    }
}

/// Asserts an RFC 9457 problem with `status`; returns its JSON.
@discardableResult
func expectProblem(_ r: Answer, _ status: Int, _ comment: Comment? = nil,
                   sourceLocation: SourceLocation = #_sourceLocation) -> J {
    #expect(r.status == status, "\(comment?.description ?? "") got \(r.status): \(r.text)", sourceLocation: sourceLocation)
    #expect(r.contentType == "application/problem+json", sourceLocation: sourceLocation)
    let j = r.json
    #expect(j["type"].string == "about:blank", sourceLocation: sourceLocation)
    #expect(j["title"].string?.isEmpty == false, sourceLocation: sourceLocation)
    #expect(j["status"].int == status, sourceLocation: sourceLocation)
    #expect(j["detail"].string?.isEmpty == false, sourceLocation: sourceLocation)
    return j
}

/// True when `s` is an instant in UTC with `Z`, whole seconds: `2025-10-10T02:31:00Z`.
func isUTCWholeSeconds(_ s: String?) -> Bool {
    guard let s else { return false }
    return s.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/) != nil
}
