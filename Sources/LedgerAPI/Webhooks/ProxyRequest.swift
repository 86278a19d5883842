/// Where a proxied request goes: a host (lower case, IPv6 without brackets) and a port.
/// The courier names its receiver the same way, to find the proxy's account of a refusal.
struct ProxyTarget: Hashable, Sendable, CustomStringConvertible {
    let host: String
    let port: Int

    init(host: String, port: Int) {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.host = bare.lowercased()
        self.port = port
    }

    /// "host:port" or "[v6]:port", as in a CONNECT line; nil when malformed or with credentials.
    init?(authority: Substring, defaultPort: Int?) {
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var host = authority, portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard let port = portText.map({ Int($0) }) ?? defaultPort, (1...65535).contains(port),
              !host.isEmpty, host != "[]" else { return nil }
        self.init(host: String(host), port: port)
    }

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The head of a request to the courier's proxy, as libcurl sends it through an HTTP
/// proxy: `CONNECT host:port HTTP/1.1` for https (a tunnel), or an absolute-form request
/// line (`POST http://host:port/path HTTP/1.1`) for plain http.
struct ProxyRequest: Sendable {
    /// The most a request head may take, its blank line included.
    static let headLimit = 16 * 1024

    let target: ProxyTarget
    /// The head to send the receiver (origin-form, hop-by-hop fields dropped,
    /// `Connection: close`); nil for a tunnel, which sends nothing of its own.
    let forwardedHead: [UInt8]?

    var isTunnel: Bool { forwardedHead == nil }

    /// Parses a complete head (up to and including the blank line); nil when it is not
    /// a CONNECT or an absolute-form http request.
    init?(head: [UInt8]) {
        guard head.allSatisfy({ $0 < 0x80 && $0 != 0 }) else { return nil }
        var lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        while lines.last == "" { lines.removeLast() }
        guard let requestLine = lines.first else { return nil }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0", !parts[0].isEmpty else { return nil }
        let fields = lines.dropFirst()
        guard fields.allSatisfy({ $0.contains(":") && !$0.hasPrefix(" ") && !$0.hasPrefix("\t") }) else { return nil }
        if parts[0] == "CONNECT" {
            guard let target = ProxyTarget(authority: parts[1], defaultPort: nil) else { return nil }
            self.target = target
            forwardedHead = nil
            return
        }
        guard let (target, path) = Self.absoluteForm(parts[1]) else { return nil }
        self.target = target
        forwardedHead = Self.originHead(method: parts[0], path: path, fields: Array(fields))
    }

    /// `http://authority/path?query` split into its target and origin-form path.
    private static func absoluteForm(_ text: Substring) -> (ProxyTarget, Substring)? {
        let scheme = "http://"
        guard text.lowercased().hasPrefix(scheme) else { return nil }
        let rest = text.dropFirst(scheme.count)
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        guard let target = ProxyTarget(authority: rest[..<end], defaultPort: 80) else { return nil }
        let path = rest[end...]
        return (target, path.isEmpty ? "/" : path.hasPrefix("?") ? Substring("/" + path) : path)
    }

    /// Fields the proxy consumes or replaces rather than passes on.
    private static let hopByHop: Set<String> = ["proxy-connection", "proxy-authorization", "connection", "keep-alive"]

    private static func originHead(method: Substring, path: Substring, fields: [String]) -> [UInt8] {
        var text = "\(method) \(path) HTTP/1.1\r\n"
        for field in fields {
            let name = field.prefix(while: { $0 != ":" }).lowercased()
            if !hopByHop.contains(name) { text += field + "\r\n" }
        }
        text += "Connection: close\r\n\r\n"
        return Array(text.utf8)
    }
}
