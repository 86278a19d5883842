import SocketHTTP
#if canImport(Glibc)
import Glibc
#endif

/// The proxy's blocking socket calls, each bounded by a deadline (CLOCK_MONOTONIC
/// nanoseconds): nothing the proxy does waits past its tunnel's budget.
enum ProxySocket {
    static var now: UInt64 { monotonicNanoseconds() }

    /// Milliseconds left before `deadline`, for poll (0 once it has passed).
    static func millisecondsLeft(_ deadline: UInt64) -> Int32 {
        let current = now
        return current >= deadline ? 0 : Int32(min((deadline - current + 999_999) / 1_000_000, UInt64(Int32.max)))
    }

    /// Waits until `fd` is ready for `events`; false on timeout or error.
    static func wait(_ fd: Int32, for events: Int16, until deadline: UInt64) -> Bool {
        var p = pollfd(fd: fd, events: events, revents: 0)
        while true {
            let n = poll(&p, 1, millisecondsLeft(deadline))
            if n > 0 { return true }
            if n == 0 || errno != EINTR { return false }
        }
    }

    /// Up to `limit` bytes; empty at end of stream, nil on error or timeout.
    static func read(_ fd: Int32, limit: Int = 16 * 1024, until deadline: UInt64) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: limit)
        while wait(fd, for: Int16(POLLIN), until: deadline) {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, limit, Int32(MSG_DONTWAIT)) }
            if n >= 0 { return Array(buffer.prefix(n)) }
            if errno != EAGAIN && errno != EINTR { return nil }
        }
        return nil
    }

    /// Sends every byte; false on error, a closed peer or timeout.
    static func write(_ fd: Int32, _ bytes: [UInt8], until deadline: UInt64) -> Bool {
        var sent = 0
        while sent < bytes.count {
            guard wait(fd, for: Int16(POLLOUT), until: deadline) else { return false }
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                return false
            }
            sent += n
        }
        return true
    }

    /// A connection to exactly this address (4 or 16 bytes) and port, or nil with why.
    static func connect(to address: [UInt8], port: Int, until deadline: UInt64) -> Result<Int32, SocketFailure> {
        var storage = sockaddr_storage()
        let length: socklen_t
        if address.count == 4 {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: address) }
            withUnsafeMutableBytes(of: &storage) { s in withUnsafeBytes(of: sin) { s.copyMemory(from: $0) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        } else if address.count == 16 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: address) }
            withUnsafeMutableBytes(of: &storage) { s in withUnsafeBytes(of: sin6) { s.copyMemory(from: $0) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            return .failure(SocketFailure("not an IP address"))
        }
        let fd = socket(Int32(storage.ss_family), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(SocketFailure(errno: errno)) }
        let started = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        if started != 0 && errno != EINPROGRESS {
            let code = errno
            close(fd)
            return .failure(SocketFailure(errno: code))
        }
        guard wait(fd, for: Int16(POLLOUT), until: deadline) else {
            close(fd)
            return .failure(SocketFailure("timed out"))
        }
        var code: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &size)
        guard code == 0 else {
            close(fd)
            return .failure(SocketFailure(errno: code))
        }
        return .success(fd)
    }
}

/// Why a socket call failed, in words for an attempt's `error`.
struct SocketFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
    init(errno code: Int32) { description = String(cString: strerror(code)) }
}
