#if canImport(Glibc)
import Glibc
#endif

/// Carries bytes both ways between URLSession's connection to the proxy and the
/// receiver's, until either side closes, something fails or the deadline passes.
enum ProxyRelay {
    /// - Parameter closingResponses: for plain http, mark the receiver's answer
    ///   `Connection: close`, so that libcurl never reuses this connection (already tied to
    ///   one receiver) for a request to another.
    static func run(client: Int32, upstream: Int32, closingResponses: Bool, until deadline: UInt64) {
        var closer = closingResponses ? ResponseHeadCloser() : nil
        var fds = [pollfd(fd: client, events: Int16(POLLIN), revents: 0), pollfd(fd: upstream, events: Int16(POLLIN), revents: 0)]
        while true {
            for i in fds.indices { fds[i].revents = 0 }
            let ready = poll(&fds, 2, ProxySocket.millisecondsLeft(deadline))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return }
            if fds[0].revents != 0 {
                guard let bytes = ProxySocket.read(client, until: deadline), !bytes.isEmpty,
                      ProxySocket.write(upstream, bytes, until: deadline) else { return }
            }
            if fds[1].revents != 0 {
                guard let bytes = ProxySocket.read(upstream, until: deadline), !bytes.isEmpty else { return }
                let passed = closer == nil ? bytes : closer!.pass(bytes)
                guard let passed, ProxySocket.write(client, passed, until: deadline) else { return }
            }
        }
    }
}

/// Rewrites the first final response head of a stream to end with `Connection: close`
/// (interim 1xx heads pass as they are); everything after it passes untouched.
struct ResponseHeadCloser {
    private var pending: [UInt8] = []
    private var done = false

    /// What to send on now (perhaps nothing yet); nil when the head outgrows the limit.
    mutating func pass(_ bytes: [UInt8]) -> [UInt8]? {
        if done { return bytes }
        pending += bytes
        var out: [UInt8] = []
        while !done, let end = Self.headEnd(pending) {
            let head = Array(pending[..<end])
            pending.removeFirst(end)
            if Self.isInterim(head) { out += head } else { out += Self.closing(head); done = true }
        }
        if done {
            out += pending
            pending = []
        } else if pending.count > ProxyRequest.headLimit {
            return nil
        }
        return out
    }

    /// The index just past the first blank line, if the head is complete.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    private static func isInterim(_ head: [UInt8]) -> Bool {
        let status = head.dropFirst(9).prefix(3)
        return status.first == UInt8(ascii: "1") && status != Array("101".utf8)[...]
    }

    private static func closing(_ head: [UInt8]) -> [UInt8] {
        var lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        lines.removeAll { line in
            ["connection", "keep-alive", "proxy-connection"].contains(line.prefix(while: { $0 != ":" }).lowercased())
        }
        return Array((lines + ["Connection: close", "", ""]).joined(separator: "\r\n").utf8)
    }
}
