import Testing
@testable import SocketHTTP

/// The parser core on its own, bytes in, head or error out.
@Suite struct RequestParserTests {
    static func parse(_ text: String, limits: RequestHeadLimits = RequestHeadLimits()) -> Result<ParsedRequestHead?, HTTPParseError> {
        var parser = RequestHeadParser(limits: limits)
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            do throws(HTTPParseError) { return .success(try parser.parse(buffer)) } catch { return .failure(error) }
        }
    }

    static func status(_ text: String, limits: RequestHeadLimits = RequestHeadLimits()) -> Int {
        switch parse(text, limits: limits) {
        case .success(let head): return head == nil ? 0 : 200
        case .failure(let error): return error.status
        }
    }

    @Test("valid heads", arguments: [
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a?b=c HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\n\r\n",
        "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.0\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET http://a.example/x?y HTTP/1.1\r\nHost: a.example\r\n\r\n",
        "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Tab:\tv\t\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: [::1]:80\r\nX-Obs-Text: caf\u{e9}\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0005\r\n\r\n",
    ])
    func valid(_ text: String) {
        #expect(Self.status(text) == 200)
    }

    @Test("refused heads", arguments: [
        ("GET / HTTP/1.1\nHost: a\n\n", 400),
        ("GET / HTTP/1.1\rHost: a\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nX\tY: z\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{7f}b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{1b}b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
        ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400),
        ("GET /\r\nHost: a\r\n\r\n", 400),
        ("GET / http/1.1\r\nHost: a\r\n\r\n", 400),
        ("GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\n".replacingOccurrences(of: "GET", with: "G(T"), 400),
        ("GET /\u{e9} HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("GET a HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n", 400),
        ("GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505),
        ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        ("GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505),
        ("GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3 3\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunkedx\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity, chunked\r\n\r\n", 501),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 101-dance\r\n\r\n", 417),
        ("GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nno colon\r\n\r\n", 400),
    ])
    func refused(_ text: String, _ expected: Int) {
        #expect(Self.status(text) == expected, "\(text.debugDescription)")
    }

    @Test func incompleteNeedsMore() {
        #expect(Self.status("GET / HTTP/1.1\r\nHost: a\r\n") == 0)
        #expect(Self.status("GET / HTTP/1.1\r\nHost: a\r\n\r") == 0)
        #expect(Self.status("GET / HT") == 0)
    }

    @Test func limits() {
        let limits = RequestHeadLimits(maxRequestLineBytes: 32, maxHeaderBytes: 64, maxHeaderCount: 3)
        #expect(Self.status("GET /\(String(repeating: "a", count: 40)) HTTP/1.1\r\n", limits: limits) == 414)
        #expect(Self.status("GET /\(String(repeating: "a", count: 40))", limits: limits) == 414)
        #expect(Self.status("GET / HTTP/1.1\r\nHost: a\r\nX: \(String(repeating: "b", count: 70))\r\n\r\n", limits: limits) == 431)
        #expect(Self.status("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: limits) == 431)
        #expect(Self.status("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n", limits: limits) == 200)
    }

    @Test func semantics() throws {
        func head(_ text: String) throws -> ParsedRequestHead {
            guard case .success(let head?) = Self.parse(text) else { throw HTTPParseError(0, "no head") }
            return head
        }
        #expect(try head("GET / HTTP/1.1\r\nHost: a\r\n\r\n").keepAlive)
        #expect(try !head("GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n").keepAlive)
        #expect(try !head("GET / HTTP/1.0\r\n\r\n").keepAlive)
        #expect(try head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keepAlive)
        #expect(try head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n").framing == .contentLength(12))
        #expect(try head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n").framing == .none)
        #expect(try head("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n").framing == .chunked)
        #expect(try head("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n\r\n").expectContinue)
        #expect(try !head("PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").expectContinue)
        #expect(try head("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n").isHead)
        let absolute = try head("GET http://h.example:81?q HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(absolute.absoluteAuthority != nil && absolute.path.count == 2)
    }

    static func decode(_ text: String, max: Int = 1000, split: Int? = nil) -> Result<(String, Int), HTTPParseError> {
        var decoder = ChunkedBodyDecoder(maxBodyBytes: max)
        var body: [UInt8] = []
        let bytes = Array(text.utf8)
        let cut = split ?? bytes.count
        func feed(_ part: [UInt8]) throws(HTTPParseError) -> Int {
            let result: Result<Int, HTTPParseError> = part.withUnsafeBufferPointer { pointer in
                do throws(HTTPParseError) { return .success(try decoder.decode(pointer, into: &body)) } catch { return .failure(error) }
            }
            return try result.get()
        }
        do throws(HTTPParseError) {
            var used = try feed(Array(bytes[..<cut]))
            if !decoder.isDone {
                used += try feed(Array(bytes[cut...]))
            }
            guard decoder.isDone else { return .failure(HTTPParseError(0, "incomplete")) }
            return .success((String(decoding: body, as: UTF8.self), used))
        } catch {
            return .failure(error)
        }
    }

    @Test func chunkedBodies() throws {
        for split in [nil, 1, 3, 7, 12] {
            let result = try Self.decode("4;a=b\r\nWiki\r\n5 ; x\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: v\r\n\r\nNEXT", split: split).get()
            #expect(result.0 == "Wikipedia in\r\n\r\nchunks.")
            #expect(result.1 == 57)
        }
        let refused: [(String, Int)] = [
            ("x\r\n", 400), ("\r\n", 400), (" 4\r\nWiki\r\n0\r\n\r\n", 400), ("4\nWiki\r\n0\r\n\r\n", 400),
            ("4\r\nWikiX\r\n0\r\n\r\n", 400), ("4\r\nWiki\n0\r\n\r\n", 400), ("4 5\r\n", 400),
            ("fffffffffffffffffff\r\n", 400), ("3e9\r\n", 413), ("0\r\nT: v\n\r\n", 400),
            ("0\r\n\r", 0), ("4;a\u{0}\r\n", 400), ("0\r\n bad\r\n\r\n", 400),
        ]
        for (text, status) in refused {
            switch Self.decode(text) {
            case .success: Issue.record("accepted \(text.debugDescription)")
            case .failure(let error): #expect(error.status == status, "\(text.debugDescription)")
            }
        }
    }
}
