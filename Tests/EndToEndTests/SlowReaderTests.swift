import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A reader of the event stream that falls more than 1 MiB behind is let go cleanly.
@Suite("Slow event-stream reader")
struct SlowReaderTests {
    static let note = ": closed: reader too slow, resume with Last-Event-ID\n\n"
    static let backlog = 4500

    /// Revisions with long notes, about 10 MB of events, imported before the server starts:
    /// more than the 1 MiB the server buffers plus what the kernel's socket buffers hold
    /// on loopback (up to 4 MiB each way).
    private static func importBacklog(_ database: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("slow-reader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cities = ["Kyiv", "Kharkiv", "Odesa", "Lviv"]
        let note = String(repeating: "the roof and three floors collapsed; ", count: 52)
        var csv = "city,occurred_at,killed,note\n"
        for i in 0..<Self.backlog {
            let day = Calendar(identifier: .gregorian).date(byAdding: .day, value: i, to: Date(timeIntervalSince1970: 946_728_000))!
            let at = ISO8601DateFormatter().string(from: day)
            csv += "\(cities[i % cities.count]),\(at),\(i % 7),\(note)#\(i)\n"
        }
        let file = dir.appendingPathComponent("backlog.csv")
        try Data(csv.utf8).write(to: file)
        let r = try ServerProcess.cli(["import", file.path, "--db", database, "--format", "csv", "--source", "backlog"])
        #expect(r.status == 0, "\(r.err)")
    }

    private static func slowReaderClosings(_ server: ServerProcess) throws -> Int? {
        let metrics = try server.client().get("/metrics").text
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("strikeledger_event_streams_closed_total{") && $0.contains("slow_reader") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") }
    }

    /// The chunked body's chunks, and whether the terminating chunk ended it.
    private static func chunks(of body: [UInt8]) -> (chunks: [String], terminated: Bool) {
        var chunks: [String] = []
        var i = 0
        while let cr = body[i...].firstIndex(of: UInt8(ascii: "\r")), cr + 1 < body.count, body[cr + 1] == UInt8(ascii: "\n") {
            guard let size = Int(String(decoding: body[i..<cr], as: UTF8.self), radix: 16) else { break }
            let start = cr + 2
            if size == 0 { return (chunks, Array(body[start...]) == Array("\r\n".utf8)) }
            guard start + size + 2 <= body.count else { break }
            chunks.append(String(decoding: body[start..<(start + size)], as: UTF8.self))
            i = start + size + 2
        }
        return (chunks, false)
    }

    @Test("cut at an event boundary, with a closing comment and the terminating chunk; counted; resumable")
    func slowReaderIsLetGoCleanly() throws {
        let server = try ServerProcess(prepare: Self.importBacklog)
        defer { _ = server.stop() }
        #expect(try Self.slowReaderClosings(server) == 0)

        let socket = try Socket.connect(port: server.port, timeout: 20, receiveBuffer: 4096)
        defer { socket.close() }
        try socket.send(Array("GET /v1/changes/stream HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        // It reads nothing until the server has let it go.
        let deadline = Date().addingTimeInterval(30)
        while try Self.slowReaderClosings(server) != 1 && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        try #require(try Self.slowReaderClosings(server) == 1, "the server let the reader go")

        let received = try socket.readToEnd()
        let split = try #require(HTTPClient.find(received, Array("\r\n\r\n".utf8)))
        let head = String(decoding: received[..<split], as: UTF8.self)
        #expect(head.hasPrefix("HTTP/1.1 200") && head.lowercased().contains("transfer-encoding: chunked"))
        let body = Array(received[(split + 4)...])
        let tail = Array("\(String(Self.note.utf8.count, radix: 16))\r\n\(Self.note)\r\n0\r\n\r\n".utf8)
        #expect(Array(body.suffix(tail.count)) == tail, "the last bytes: the note's chunk, then 0 CRLF CRLF")

        let (chunks, terminated) = Self.chunks(of: body)
        #expect(terminated)
        #expect(chunks.last == Self.note)
        // Every event before the note is whole: id, event, data (JSON), in seq order from 1.
        var ids: [Int] = []
        for chunk in chunks.dropLast() where !chunk.hasPrefix(":") {
            let lines = chunk.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 5 && lines[3].isEmpty && lines[4].isEmpty, "one whole event per chunk")
            guard lines.count == 5, lines[0].hasPrefix("id: "), lines[2].hasPrefix("data: ") else { continue }
            ids.append(Int(lines[0].dropFirst(4)) ?? -1)
            #expect((try? JSONSerialization.jsonObject(with: Data(lines[2].dropFirst(6).utf8))) != nil)
        }
        #expect(!ids.isEmpty && ids == Array(1...ids.count))
        let last = try #require(ids.last)
        #expect(last < Self.backlog, "the reader was let go before the end of the backlog")

        // Resuming with Last-Event-ID picks up at the next event.
        let again = try Socket.connect(port: server.port, timeout: 20)
        defer { again.close() }
        try again.send(Array("GET /v1/changes/stream HTTP/1.1\r\nHost: x\r\nLast-Event-ID: \(last)\r\n\r\n".utf8))
        var resumed = ""
        while !resumed.contains("id: \(last + 1)\n") && resumed.utf8.count < 1 << 20 {
            let chunk = try again.read()
            if chunk.isEmpty { break }
            resumed += String(decoding: chunk, as: UTF8.self)
        }
        #expect(resumed.contains("id: \(last + 1)\nevent: revision\n"))
        #expect(!resumed.contains("id: \(last)\n"))
    }
}
