import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Following revised tolls over a real socket: long-polls, ETags, server-sent events.
@Suite("Changes feed")
struct ChangesFeedTests {
    let fixture = Shared.fixture

    /// A strike of its own for each test, in a city and year no other test uses.
    private func newStrike(city: String, year: Int) throws -> Int {
        let r = try fixture.server.client().post("/v1/strikes", key: fixture.reporter, """
            {"city": "\(city)", "occurred_at": "\(year)-03-01T01:00:00Z"}
            """)
        #expect(r.status == 201)
        return try #require(r.object["id"] as? Int)
    }

    private func revise(_ strike: Int, killed: Int) throws -> Int {
        let r = try fixture.server.client().post("/v1/strikes/\(strike)/revisions", key: fixture.reporter, """
            {"killed": \(killed), "source": {"name": "State Emergency Service", "kind": "emergency_service"}}
            """)
        #expect(r.status == 201)
        return try #require((r.object["revision"] as? [String: Any])?["seq"] as? Int)
    }

    @Test("a held long-poll is answered right after the commit, with the new revision and toll")
    func longPollWakes() throws {
        let strike = try newStrike(city: "Sumy", year: 2019)
        let head = try #require(fixture.server.client().get("/v1/changes?strike_id=\(strike)").object["next_since"] as? Int)
        let answered = Mutex<HTTPClient.Answer?>(nil)
        let started = Date()
        let poller = Thread {
            let a = try? fixture.server.client().get("/v1/changes?strike_id=\(strike)&since=\(head)&wait=20")
            answered.withLock { $0 = a }
        }
        poller.start()
        Thread.sleep(forTimeInterval: 0.3)
        #expect(answered.withLock { $0 } == nil, "the poll must be held while nothing is new")
        let seq = try revise(strike, killed: 2)
        while answered.withLock({ $0 }) == nil && Date().timeIntervalSince(started) < 15 { Thread.sleep(forTimeInterval: 0.01) }
        let answer = try #require(answered.withLock { $0 })
        #expect(answer.status == 200)
        let items = try #require(answer.object["items"] as? [[String: Any]])
        #expect(items.map { $0["seq"] as? Int } == [seq])
        #expect((items.first?["toll"] as? [String: Any])?["killed"] as? Int == 2)
        #expect(answer.object["next_since"] as? Int == seq)
        #expect(answer.header("ETag") == "\"\(seq)\"")
    }

    @Test("a long-poll with nothing new times out with 200 and no items, or 304 when conditional")
    func longPollTimeout() throws {
        let strike = try newStrike(city: "Poltava", year: 2018)
        let client = fixture.server.client()
        let head = try #require(client.get("/v1/changes?strike_id=\(strike)").object["next_since"] as? Int)
        let plain = try client.get("/v1/changes?strike_id=\(strike)&since=\(head)&wait=1")
        #expect(plain.status == 200)
        #expect((plain.object["items"] as? [Any])?.isEmpty == true)
        let conditional = try client.get("/v1/changes?strike_id=\(strike)&since=\(head)&wait=1", headers: [("If-None-Match", "\"\(head)\"")])
        #expect(conditional.status == 304)
        #expect(conditional.header("ETag") == "\"\(head)\"")
    }

    @Test("a conditional poll at the head gets 304 until a matching event is committed")
    func conditionalPoll() throws {
        let strike = try newStrike(city: "Chernihiv", year: 2017)
        let client = fixture.server.client()
        let first = try client.get("/v1/changes?strike_id=\(strike)")
        let since = try #require(first.object["next_since"] as? Int)
        #expect(first.header("ETag") == "\"\(since)\"")
        let unchanged = try client.get("/v1/changes?strike_id=\(strike)&since=\(since)", headers: [("If-None-Match", "\"\(since)\"")])
        #expect(unchanged.status == 304)
        #expect(unchanged.body.isEmpty)
        let seq = try revise(strike, killed: 1)
        let changed = try client.get("/v1/changes?strike_id=\(strike)&since=\(since)", headers: [("If-None-Match", "\"\(since)\"")])
        #expect(changed.status == 200)
        #expect((changed.object["items"] as? [[String: Any]])?.map { $0["seq"] as? Int } == [seq])
    }

    @Test("a follower of next_since sees every event once, in order, while 4 writers write at once")
    func orderingUnderConcurrentWriters() throws {
        let strikes = try (0..<4).map { try newStrike(city: "Mykolaiv", year: 2010 + $0) }
        let start = try #require(fixture.server.client().get("/v1/changes?city=Mykolaiv").object["next_since"] as? Int)
        let written = Mutex<[Int]>([])
        let done = Atomic<Int>(0)
        for strike in strikes {
            Thread {
                for k in 1...10 { if let seq = try? revise(strike, killed: k) { written.withLock { $0.append(seq) } } }
                done.add(1, ordering: .relaxed)
            }.start()
        }
        var seen: [Int] = []
        var since = start
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let page = try fixture.server.client().get("/v1/changes?city=Mykolaiv&since=\(since)&limit=7&wait=1")
            let items = page.object["items"] as? [[String: Any]] ?? []
            seen += items.compactMap { $0["seq"] as? Int }
            since = try #require(page.object["next_since"] as? Int)
            if done.load(ordering: .relaxed) == 4 && seen.count >= written.withLock({ $0.count }) && items.isEmpty { break }
        }
        #expect(seen == seen.sorted())
        #expect(Set(seen).count == seen.count, "no event twice")
        #expect(Set(seen) == Set(written.withLock { $0 }), "every acknowledged revision seen")
    }

    @Test("server-sent events: id, event and data lines, resumable with Last-Event-ID")
    func serverSentEvents() throws {
        let strike = try newStrike(city: "Zaporizhzhia", year: 2016)
        let a = try revise(strike, killed: 1)
        let b = try revise(strike, killed: 2)
        let socket = try Socket.connect(port: fixture.server.port, timeout: 10)
        defer { socket.close() }
        try socket.send(Array("GET /v1/changes/stream?strike_id=\(strike) HTTP/1.1\r\nHost: x\r\nLast-Event-ID: \(a)\r\n\r\n".utf8))
        var received = ""
        let c = try revise(strike, killed: 3)
        while !(received.contains("id: \(c)\n")) {
            let chunk = try socket.read()
            if chunk.isEmpty { break }
            received += String(decoding: chunk, as: UTF8.self)
        }
        #expect(received.hasPrefix("HTTP/1.1 200"))
        #expect(received.lowercased().contains("content-type: text/event-stream"))
        #expect(!received.contains("id: \(a)\n"), "Last-Event-ID resumes after that event")
        #expect(received.contains("id: \(b)\nevent: revision\ndata: {\"seq\":\(b),"))
        #expect(received.contains("id: \(c)\nevent: revision\ndata: "))
    }

    @Test("2,000 concurrent long-polls are all woken by one write")
    func manyLongPolls() throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)

        let strike = try newStrike(city: "Kherson", year: 2015)
        let head = try #require(fixture.server.client().get("/v1/changes?strike_id=\(strike)").object["next_since"] as? Int)
        let count = 2000
        var sockets: [Socket] = []
        defer { sockets.forEach { $0.close() } }
        let request = Array("GET /v1/changes?strike_id=\(strike)&since=\(head)&wait=30 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        for _ in 0..<count {
            let s = try Socket.connect(port: fixture.server.port, timeout: 20)
            try s.send(request)
            sockets.append(s)
        }
        Thread.sleep(forTimeInterval: 0.5)
        let seq = try revise(strike, killed: 7)
        var woken = 0
        for s in sockets {
            let answer = try HTTPClient.parse(try s.readToEnd())
            if answer.status == 200, (answer.object["items"] as? [[String: Any]])?.first?["seq"] as? Int == seq { woken += 1 }
        }
        #expect(woken == count)
    }
}

import Synchronization
