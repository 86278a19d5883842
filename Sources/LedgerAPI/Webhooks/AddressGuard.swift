import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The guard against server-side request forgery: a webhook may not reach loopback,
/// private, link-local, multicast or unspecified addresses (nor shared, reserved or
/// broadcast ones), judged on every address the receiver's name resolves to.
///
/// The check that counts is made at connect time by the courier's own proxy
/// (ConnectGuardProxy): it resolves the name once, checks those addresses here and
/// connects to a checked one, so a DNS answer that changes between lookups (rebinding)
/// cannot take a delivery elsewhere. The courier also asks `refusal(host:)` before each
/// send, for a quick refusal of a name that plainly points inward.
enum AddressGuard {
    /// Why a host may not be reached, or nil when every address it resolves to is public
    /// (or it resolves to none: the proxy reports that when it tries to connect).
    static func refusal(host: String) -> String? {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return refusal(host: host, addresses: resolve(name))
    }

    /// Why `host`, resolved to `addresses`, may not be reached (naming each forbidden
    /// address), or nil when every one is public.
    static func refusal(host: String, addresses: [[UInt8]]) -> String? {
        var named: [String] = []
        for address in addresses where isForbidden(address) && !named.contains(describe(address)) {
            named.append(describe(address))
        }
        guard !named.isEmpty else { return nil }
        let list = named.count == 1 ? named[0] : named.dropLast().joined(separator: ", ") + " and " + named.last!
        return "\(host) resolves to \(list), \(named.count == 1 ? "a loopback, private, link-local, multicast or reserved address" : "loopback, private, link-local, multicast or reserved addresses")"
    }

    /// Every address `name` resolves to, as raw bytes (4 for IPv4, 16 for IPv6).
    static func resolve(_ name: String) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0 else { return [] }
        defer { freeaddrinfo(list) }
        var out: [[UInt8]] = []
        var node = list
        while let info = node?.pointee {
            if info.ai_family == AF_INET, let raw = info.ai_addr {
                raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var a = sin.pointee.sin_addr
                    out.append(withUnsafeBytes(of: &a) { Array($0) })
                }
            } else if info.ai_family == AF_INET6, let raw = info.ai_addr {
                raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var a = sin6.pointee.sin6_addr
                    out.append(withUnsafeBytes(of: &a) { Array($0) })
                }
            }
            node = info.ai_next
        }
        return out
    }

    /// True for an address no webhook may reach.
    static func isForbidden(_ a: [UInt8]) -> Bool {
        if a.count == 4 {
            switch (a[0], a[1]) {
            case (0, _), (10, _), (127, _): return true             // this network, private, loopback
            case (169, 254), (192, 168): return true                // link-local, private
            case (172, 16...31): return true                        // private
            case (100, 64...127): return true                       // shared (carrier-grade NAT)
            case (192, 0) where a[2] == 0: return true              // IETF protocol assignments
            case (198, 18...19): return true                        // benchmarking
            case (224...255, _): return true                        // multicast, reserved, broadcast
            default: return false
            }
        }
        guard a.count == 16 else { return true }
        if a[0..<10].allSatisfy({ $0 == 0 }) && a[10] == 0xff && a[11] == 0xff { return isForbidden(Array(a[12..<16])) }  // v4-mapped
        if a[0..<12].allSatisfy({ $0 == 0 }) { return true }            // ::, ::1, v4-compatible
        if a[0] == 0xff { return true }                                 // multicast
        if a[0] == 0xfe && a[1] & 0xc0 == 0x80 { return true }          // link-local fe80::/10
        if a[0] == 0xfe && a[1] & 0xc0 == 0xc0 { return true }          // site-local fec0::/10
        if a[0] & 0xfe == 0xfc { return true }                          // unique local fc00::/7
        if a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b { return isForbidden(Array(a[12..<16])) }  // NAT64
        if a[0] == 0x20 && a[1] == 0x02 { return isForbidden(Array(a[2..<6])) }  // 6to4 carries an IPv4 address
        return false
    }

    static func describe(_ a: [UInt8]) -> String {
        if a.count == 4 { return a.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: a.count, by: 2).map { String(UInt16(a[$0]) << 8 | UInt16(a[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}
