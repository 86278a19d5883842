import Foundation
import HTTPTypes
import Synchronization
@testable import SocketHTTP

/// State shared between a test and its handler.
final class TestState: Sendable {
    let streams = Mutex<[String: ResponseStream]>([:])
    let deferreds = Mutex<[String: DeferredResponse]>([:])
    let finishCounts = Mutex<[String: Int]>([:])
    let gateOpen = Atomic<Bool>(false)
    let blockedHandlers = Atomic<Int>(0)

    func finished(_ key: String) {
        finishCounts.withLock { $0[key, default: 0] += 1 }
    }

    func finishCount(_ key: String) -> Int { finishCounts.withLock { $0[key] ?? 0 } }

    func stream(_ id: String) -> ResponseStream? { streams.withLock { $0[id] } }
    func deferred(_ id: String) -> DeferredResponse? { deferreds.withLock { $0[id] } }
}

/// Routes used by the tests.
struct TestHandler: HTTPHandler {
    let state: TestState

    static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(head: HTTPResponse(status: status, headerFields: [.contentType: "text/plain"]), body: Array(text.utf8))
    }

    /// A JSON body of `count` bytes with a strong ETag of its own.
    static func tagged(_ count: Int, kept: GzipCache? = nil) -> Response {
        var body = Array("[".utf8)
        var i = 0
        while body.count < count - 1 {
            body += Array("\(i),".utf8)
            i += 1
        }
        body = Array(body.prefix(count - 1)) + Array("]".utf8)
        return Response(head: HTTPResponse(status: .ok, headerFields: [.contentType: "application/json", .eTag: "\"t\(count)\""]),
                        body: body, gzipCache: kept)
    }

    func handleInline(_ request: Request) -> Reply? {
        switch request.path {
        case "/inline": return .response(Self.text("inline"))
        case "/inline-tagged": return .response(Self.tagged(Int(Self.parameters(request.query)["n"] ?? "2000") ?? 2000))
        case "/not-modified": return .response(Response(head: HTTPResponse(status: .notModified, headerFields: [.eTag: "\"1\""])))
        default: return nil
        }
    }

    func handle(_ request: Request) -> Reply {
        let query = Self.parameters(request.query)
        switch request.path {
        case "/echo", "/", "/p":
            var fields = HTTPFields()
            fields[HTTPField.Name("X-Method")!] = request.head.method.rawValue
            fields[HTTPField.Name("X-Path")!] = request.head.path ?? ""
            fields[HTTPField.Name("X-Authority")!] = request.head.authority ?? ""
            fields[HTTPField.Name("X-Query")!] = String(request.query)
            fields[HTTPField.Name("X-Remote")!] = request.remoteAddress
            return .response(Response(head: HTTPResponse(status: .ok, headerFields: fields), body: request.body))
        case "/big":
            let count = Int(query["n"] ?? "1000000") ?? 1_000_000
            return .response(Response(head: HTTPResponse(status: .ok), body: [UInt8](repeating: UInt8(ascii: "b"), count: count)))
        case "/hello":
            return .response(Self.text("hello"))
        case "/tagged":
            return .response(Self.tagged(Int(query["n"] ?? "2000") ?? 2000))
        case "/no-content":
            return .response(Response(head: HTTPResponse(status: .noContent), body: Array("ignored".utf8)))
        case "/slow":
            usleep(UInt32(Int(query["ms"] ?? "300") ?? 300) * 1000)
            return .response(Self.text("slow"))
        case "/block":
            state.blockedHandlers.add(1, ordering: .relaxed)
            while !state.gateOpen.load(ordering: .relaxed) { usleep(2000) }
            return .response(Self.text("unblocked"))
        case "/deferred":
            let id = query["id"] ?? "d"
            let timeout = Int(query["timeout"] ?? "5000") ?? 5000
            let deferred = DeferredResponse(timeout: .milliseconds(timeout)) { Self.text("fallback", status: .gatewayTimeout) }
            deferred.onFinish { [state] in state.finished(id) }
            state.deferreds.withLock { $0[id] = deferred }
            if let after = query["complete-after"].flatMap({ Int($0) }) {
                Thread.detachNewThread {
                    usleep(UInt32(after) * 1000)
                    deferred.complete(query["tagged"].flatMap { Int($0) }.map { Self.tagged($0) } ?? Self.text("completed"))
                }
            }
            return .deferred(deferred)
        case "/stream":
            let id = query["id"] ?? "s"
            let heartbeat = query["heartbeat"].flatMap { Int($0) }
            let maxBuffered = Int(query["max"] ?? "1048576") ?? 1_048_576
            let stream = ResponseStream(heartbeat: heartbeat == nil ? nil : Array(": hb\n\n".utf8),
                                        heartbeatInterval: .milliseconds(heartbeat ?? 15_000),
                                        maxBufferedBytes: maxBuffered,
                                        closingNote: query["note"] == nil ? nil : Array(TestHandler.slowNote.utf8))
            stream.onFinish { [state] in state.finished(id) }
            state.streams.withLock { $0[id] = stream }
            if query["auto"] != nil {
                Thread.detachNewThread {
                    for word in ["alpha ", "beta ", "gamma"] {
                        usleep(20_000)
                        stream.write(Array(word.utf8))
                    }
                    stream.finish()
                }
            }
            return .stream(HTTPResponse(status: .ok, headerFields: [.contentType: "text/event-stream"]), stream)
        case "/download":
            // A download made as fast as the client takes it: `chunks` writes of `size`
            // bytes (each filled with its number) into a blocking stream of `max` bytes.
            let chunks = Int(query["chunks"] ?? "16") ?? 16, size = Int(query["size"] ?? "65536") ?? 65536
            let stream = ResponseStream(maxBufferedBytes: Int(query["max"] ?? "65536") ?? 65536, blocking: true,
                                        stallLimit: .seconds(5))
            Thread.detachNewThread {
                for i in 0..<chunks where !stream.write([UInt8](repeating: UInt8(i % 251), count: size)) { return }
                stream.finish()
            }
            return .stream(HTTPResponse(status: .ok), stream)
        default:
            if request.head.method != .get && request.head.method != .post && request.head.method != .head {
                return .response(Self.text("method not allowed", status: .methodNotAllowed))
            }
            return .response(Self.text("not found", status: .notFound))
        }
    }

    /// The closing note of `/stream?note`.
    static let slowNote = ": closed: too slow\n\n"

    static func parameters(_ query: Substring) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }
}

/// A started server for one test; shut down by `stop()`.
final class TestServer: Sendable {
    let server: HTTPServer
    let state = TestState()

    init(_ configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.eventLoopThreads = 2
        configuration.workerThreads = 4
        configuration.shutdownGracePeriod = .seconds(3)
        configure(&configuration)
        server = HTTPServer(configuration: configuration, handler: TestHandler(state: state))
        try server.start()
    }

    var port: Int { server.port }

    func client(receiveTimeout: Double = 5) throws -> RawClient {
        try RawClient(port: port, receiveTimeout: receiveTimeout)
    }

    func stop() { server.shutdown() }
}

/// Polls `condition` every 5 ms for up to `seconds`.
func eventually(_ seconds: Double = 3, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}
