import CSocketHTTPShims
import Glibc

/// The listening socket: non-blocking, SO_REUSEADDR, IPv4 or IPv6.
public enum Listener {
    /// Binds and listens; returns the descriptor and the bound port.
    public static func open(host: String, port: Int, backlog: Int32 = 4096) throws(SocketError) -> (fd: Int32, port: Int) {
        var storage = sockaddr_storage()
        var length: socklen_t = 0
        var family: Int32 = 0
        var name = host
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        guard (0...65535).contains(port) else { throw SocketError("bind (port out of range)", EINVAL) }

        var addr6 = sockaddr_in6()
        var addr4 = sockaddr_in()
        if inet_pton(AF_INET6, name, &addr6.sin6_addr) == 1 {
            family = AF_INET6
            addr6.sin6_family = sa_family_t(AF_INET6)
            addr6.sin6_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeBytes(of: addr6) { src in
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else if inet_pton(AF_INET, name, &addr4.sin_addr) == 1 {
            family = AF_INET
            addr4.sin_family = sa_family_t(AF_INET)
            addr4.sin_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeBytes(of: addr4) { src in
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        } else {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_flags = AI_PASSIVE
            var result: UnsafeMutablePointer<addrinfo>? = nil
            let status = getaddrinfo(name, String(port), &hints, &result)
            guard status == 0, let info = result else { throw SocketError("getaddrinfo(\(host))", EINVAL) }
            defer { freeaddrinfo(result) }
            family = info.pointee.ai_family
            length = info.pointee.ai_addrlen
            withUnsafeMutableBytes(of: &storage) {
                $0.copyMemory(from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(length)))
            }
        }

        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket", errno) }
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            Glibc.close(fd)
            throw SocketError("bind(\(host):\(port))", code)
        }
        guard listen(fd, backlog) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw SocketError("listen", code)
        }
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        return (fd, Self.port(of: actual))
    }

    static func port(of storage: sockaddr_storage) -> Int {
        var copy = storage
        return withUnsafePointer(to: &copy) { pointer -> Int in
            switch Int32(storage.ss_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            default:
                return 0
            }
        }
    }

    /// "127.0.0.1:53122" or "[::1]:53122".
    public static func describe(_ storage: sockaddr_storage) -> String {
        var copy = storage
        var text = [CChar](repeating: 0, count: 64)
        return withUnsafePointer(to: &copy) { pointer -> String in
            switch Int32(storage.ss_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address -> String in
                    var raw = address.pointee.sin_addr
                    inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
                    return "\(Self.string(text)):\(UInt16(bigEndian: address.pointee.sin_port))"
                }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address -> String in
                    var raw = address.pointee.sin6_addr
                    inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
                    return "[\(Self.string(text))]:\(UInt16(bigEndian: address.pointee.sin6_port))"
                }
            default:
                return ""
            }
        }
    }

    private static func string(_ text: [CChar]) -> String {
        String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
