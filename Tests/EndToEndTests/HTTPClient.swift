import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small blocking HTTP/1.1 client over a real loopback socket, so the tests see
/// exactly the bytes the server sends.
struct HTTPClient: Sendable {
    let port: Int

    struct Answer: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body)) }
        var object: [String: Any] { (json as? [String: Any]) ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: String? = nil,
                 timeout: Double = 10) throws -> Answer {
        let socket = try Socket.connect(port: port, timeout: timeout)
        defer { socket.close() }
        var text = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (k, v) in headers { text += "\(k): \(v)\r\n" }
        if let body {
            if !headers.contains(where: { $0.0.lowercased() == "content-type" }) { text += "Content-Type: application/json\r\n" }
            text += "Content-Length: \(body.utf8.count)\r\n"
        }
        text += "\r\n"
        try socket.send(Array(text.utf8) + Array((body ?? "").utf8))
        return try Self.parse(socket.readToEnd(), head: method == "HEAD")
    }

    func get(_ target: String, headers: [(String, String)] = []) throws -> Answer {
        try request("GET", target, headers: headers)
    }

    func post(_ target: String, key: String?, _ body: String, headers: [(String, String)] = []) throws -> Answer {
        var h = headers
        if let key { h.append(("Authorization", "Bearer \(key)")) }
        return try request("POST", target, headers: h, body: body)
    }

    /// Parses one complete response (Content-Length, chunked, or until close).
    static func parse(_ bytes: [UInt8], head: Bool = false) throws -> Answer {
        guard let end = find(bytes, [13, 10, 13, 10]) else { throw E2EError("no complete response head in \(bytes.count) bytes") }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw E2EError("bad status line \(lines[0])") }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var body = Array(bytes[(end + 4)...])
        let answer = Answer(status: status, headers: headers, body: [])
        if head || status == 304 || status == 204 { return Answer(status: status, headers: headers, body: []) }
        if answer.header("Transfer-Encoding")?.lowercased() == "chunked" {
            var out: [UInt8] = []
            var i = 0
            while let lineEnd = find(Array(body[i...]), [13, 10]).map({ $0 + i }) {
                let size = Int(String(decoding: body[i..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16) ?? 0
                if size == 0 { break }
                out += body[(lineEnd + 2)..<min(body.count, lineEnd + 2 + size)]
                i = lineEnd + 2 + size + 2
                if i >= body.count { break }
            }
            body = out
        } else if let length = answer.header("Content-Length").flatMap(Int.init) {
            body = Array(body.prefix(length))
        }
        return Answer(status: status, headers: headers, body: body)
    }

    static func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}

/// A blocking TCP socket to 127.0.0.1.
final class Socket: @unchecked Sendable {
    let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// - Parameter receiveBuffer: the socket's receive buffer (`SO_RCVBUF`, set before
    ///   connecting so that the window stays small), for a reader that falls behind.
    static func connect(port: Int, timeout: Double = 10, receiveBuffer: Int32? = nil) throws -> Socket {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw E2EError("socket() failed: \(errno)") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard r == 0 else { Glibc.close(fd); throw E2EError("connect failed: \(errno)") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return Socket(fd: fd)
    }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw E2EError("send failed: \(errno)") }
            sent += n
        }
    }

    /// Reads what is available, up to `max` bytes; [] at end of stream; throws on timeout.
    func read(max: Int = 65536) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, max, 0) }
        if n < 0 { throw E2EError("recv failed or timed out: \(errno)") }
        return Array(buffer.prefix(n))
    }

    func readToEnd() throws -> [UInt8] {
        var out: [UInt8] = []
        while true {
            let chunk = try read()
            if chunk.isEmpty { return out }
            out += chunk
        }
    }

    func close() { Glibc.close(fd) }
}
