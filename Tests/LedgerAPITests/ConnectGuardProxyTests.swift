import Foundation
@testable import LedgerAPI
import SocketHTTP
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The courier's guard proxy on its own (issue 16): the address it checks is the address
/// it connects to, from one lookup of its own, whatever the name says the next time.
@Suite struct ConnectGuardProxyTests {
    /// A resolver that answers `first` on its first call and `later` after, counting calls.
    final class RebindingResolver: Sendable {
        let calls = Atomic<Int>(0)
        let first: [[UInt8]], later: [[UInt8]]
        init(first: [[UInt8]], later: [[UInt8]]) { self.first = first; self.later = later }
        var resolve: ConnectGuardProxy.Resolver {
            { [self] _ in calls.add(1, ordering: .relaxed).newValue == 1 ? first : later }
        }
    }

    static let publicAddress: [UInt8] = [93, 184, 216, 34]
    static let loopback: [UInt8] = [127, 0, 0, 1]

    static func proxy(allowPrivate: Bool, _ resolver: RebindingResolver) throws -> ConnectGuardProxy {
        try ConnectGuardProxy(policy: .init(allowPrivateAddresses: allowPrivate, maxTunnels: 4, timeout: .seconds(5)),
                              resolve: resolver.resolve)
    }

    @Test func aNameRebindingToLoopbackAfterTheCourierLookedIsRefusedOnTheProxysOwnLookup() throws {
        let receiver = try CountingEcho()
        defer { receiver.stop() }
        let resolver = RebindingResolver(first: [Self.publicAddress], later: [Self.loopback])
        // The courier's quick check sees a public address...
        #expect(AddressGuard.refusal(host: "rebind.example", addresses: resolver.resolve("rebind.example")) == nil)
        let proxy = try Self.proxy(allowPrivate: false, resolver)
        defer { proxy.stop() }
        let since = ProxySocket.now
        for request in ["CONNECT rebind.example:\(receiver.port) HTTP/1.1\r\nHost: rebind.example:\(receiver.port)\r\n\r\n",
                        "POST http://rebind.example:\(receiver.port)/hook HTTP/1.1\r\nHost: rebind.example\r\nContent-Length: 2\r\n\r\n{}"] {
            // ...the proxy's own lookup, the one it would connect by, says loopback.
            let answer = try ProxyClient(proxy).exchange(request)
            #expect(answer.hasPrefix("HTTP/1.1 403 "), "\(answer)")
            #expect(answer.contains("rebind.example resolves to 127.0.0.1"), "\(answer)")
        }
        #expect(receiver.connections.load(ordering: .relaxed) == 0)
        #expect(proxy.connectionsMade.load(ordering: .relaxed) == 0)
        #expect(resolver.calls.load(ordering: .relaxed) == 3, "one lookup per request, none again to connect")
        let account = proxy.account(of: ProxyTarget(host: "Rebind.Example", port: receiver.port), since: since)
        #expect(account?.hasPrefix("refused: rebind.example resolves to 127.0.0.1") == true, "\(account ?? "none")")
        #expect(proxy.account(of: ProxyTarget(host: "rebind.example", port: receiver.port), since: ProxySocket.now) == nil)
    }

    @Test func aPrivateAddressIsRefusedWith403() throws {
        let receiver = try CountingEcho()
        defer { receiver.stop() }
        let resolver = RebindingResolver(first: [Self.publicAddress, [10, 0, 0, 7]], later: [Self.publicAddress])
        let proxy = try Self.proxy(allowPrivate: false, resolver)
        defer { proxy.stop() }
        let answer = try ProxyClient(proxy).exchange("CONNECT inside.example:443 HTTP/1.1\r\nHost: inside.example:443\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 403 Forbidden\r\n"), "\(answer)")
        #expect(answer.contains("refused: inside.example resolves to 10.0.0.7, a loopback, private"), "\(answer)")
        #expect(proxy.connectionsMade.load(ordering: .relaxed) == 0)
        #expect(receiver.connections.load(ordering: .relaxed) == 0)
    }

    @Test func withPrivateAllowedATunnelCarriesBytesToTheCheckedAddress() throws {
        let receiver = try CountingEcho()
        defer { receiver.stop() }
        // Were the name looked up again to connect, the second answer would lead nowhere.
        let resolver = RebindingResolver(first: [Self.loopback], later: [[192, 0, 2, 1]])
        let proxy = try Self.proxy(allowPrivate: true, resolver)
        defer { proxy.stop() }
        let client = try ProxyClient(proxy)
        let established = try client.exchange("CONNECT hooks.example:\(receiver.port) HTTP/1.1\r\nHost: hooks.example:\(receiver.port)\r\n\r\n",
                                              until: { $0.hasSuffix("\r\n\r\n") })
        #expect(established == "HTTP/1.1 200 Connection established\r\n\r\n")
        #expect(try client.exchange("\u{16}\u{03}\u{01} hello, receiver", until: { $0.hasSuffix("receiver") }) == "\u{16}\u{03}\u{01} hello, receiver")
        #expect(receiver.connections.load(ordering: .relaxed) == 1)
        #expect(resolver.calls.load(ordering: .relaxed) == 1)
    }

    @Test func withPrivateAllowedAnAbsoluteFormRequestGoesOnInOriginForm() throws {
        let receiver = try CountingEcho()
        defer { receiver.stop() }
        let resolver = RebindingResolver(first: [Self.loopback], later: [[192, 0, 2, 1]])
        let proxy = try Self.proxy(allowPrivate: true, resolver)
        defer { proxy.stop() }
        let request = "POST http://hooks.example:\(receiver.port)/hook?x=1 HTTP/1.1\r\nHost: hooks.example:\(receiver.port)\r\n"
            + "Proxy-Connection: Keep-Alive\r\nProxy-Authorization: Basic eDp5\r\nwebhook-id: msg_1_2\r\nContent-Length: 4\r\n\r\nbody"
        // The receiver echoes what reached it (and the proxy marks that `Connection: close` too).
        let echoed = try ProxyClient(proxy).exchange(request, until: { $0.hasSuffix("body") })
        let head = echoed.components(separatedBy: "\r\n")
        #expect(head.first == "POST /hook?x=1 HTTP/1.1", "\(echoed)")
        #expect(head.contains("Host: hooks.example:\(receiver.port)") && head.contains("webhook-id: msg_1_2"), "\(echoed)")
        #expect(!echoed.lowercased().contains("proxy-"), "\(echoed)")
        #expect(head.filter { $0.lowercased().hasPrefix("connection:") } == ["Connection: close"], "\(echoed)")
        #expect(receiver.connections.load(ordering: .relaxed) == 1)
        #expect(resolver.calls.load(ordering: .relaxed) == 1)
    }

    @Test func whatIsNotAProxyRequestIsAnswered400() throws {
        let resolver = RebindingResolver(first: [Self.loopback], later: [Self.loopback])
        let proxy = try Self.proxy(allowPrivate: true, resolver)
        defer { proxy.stop() }
        for garbage in ["hello\r\n\r\n", "GET /relative HTTP/1.1\r\nHost: a\r\n\r\n", "CONNECT nohost HTTP/1.1\r\n\r\n",
                        "GET http://user:pw@a.example/ HTTP/1.1\r\n\r\n", "GET ftp://a.example/ HTTP/1.1\r\n\r\n",
                        Self.headOverTheLimit] {
            let answer = try ProxyClient(proxy).exchange(garbage)
            #expect(answer.hasPrefix("HTTP/1.1 400 "), "\(garbage.prefix(40))")
        }
        #expect(resolver.calls.load(ordering: .relaxed) == 0)
    }

    /// One byte more than a head may take, with no end in it (all of it read before the 400).
    static let headOverTheLimit: String = {
        let start = "GET http://a.example/ HTTP/1.1\r\nX-Long: "
        return start + String(repeating: "a", count: ProxyRequest.headLimit + 1 - start.utf8.count)
    }()

    @Test func theReceiversAnswerIsMarkedConnectionCloseAfterInterimOnes() {
        var closer = ResponseHeadCloser()
        let first = closer.pass(Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nKeep-Alive: timeout=5\r\nConn".utf8))
        #expect(first.map { String(decoding: $0, as: UTF8.self) } == "HTTP/1.1 100 Continue\r\n\r\n")
        let rest = closer.pass(Array("ection: keep-alive\r\nDate: x\r\n\r\nbody".utf8))
        #expect(rest.map { String(decoding: $0, as: UTF8.self) } == "HTTP/1.1 204 No Content\r\nDate: x\r\nConnection: close\r\n\r\nbody")
        #expect(closer.pass(Array("more".utf8)) == Array("more".utf8))
    }

    @Test func targetsAreNamedAlikeFromAURLAndFromARequest() {
        #expect(ProxyTarget(authority: "[::1]:8443", defaultPort: nil) == ProxyTarget(host: "[::1]", port: 8443))
        #expect(ProxyTarget(authority: "Hooks.Example", defaultPort: 80) == ProxyTarget(host: "hooks.example", port: 80))
        #expect(ProxyTarget(authority: "hooks.example", defaultPort: nil) == nil)
        #expect(ProxyTarget(authority: "hooks.example:0", defaultPort: nil) == nil)
        #expect(ProxyTarget(authority: "a@hooks.example:80", defaultPort: nil) == nil)
    }
}

/// One connection to a proxy, written and read as text.
struct ProxyClient {
    let fd: Int32

    init(_ proxy: ConnectGuardProxy) throws {
        fd = try ProxySocket.connect(to: [127, 0, 0, 1], port: proxy.port, until: ProxySocket.now + 5_000_000_000).get()
    }

    /// Sends `text`, then reads until `done` says so or the proxy closes.
    func exchange(_ text: String, until done: (String) -> Bool = { _ in false }) throws -> String {
        let deadline = ProxySocket.now + 5_000_000_000
        _ = ProxySocket.write(fd, Array(text.utf8), until: deadline)
        var got: [UInt8] = []
        while !done(String(decoding: got, as: UTF8.self)), let more = ProxySocket.read(fd, until: deadline), !more.isEmpty {
            got += more
        }
        return String(decoding: got, as: UTF8.self)
    }
}

/// A TCP receiver on 127.0.0.1 that counts the connections it accepts and echoes what it reads.
final class CountingEcho: Sendable {
    let port: Int
    let connections = Atomic<Int>(0)
    private let fd: Int32
    private let running = Atomic<Bool>(true)

    init() throws {
        (fd, port) = try Listener.open(host: "127.0.0.1", port: 0, backlog: 16)
        Thread { [self] in acceptLoop() }.start()
    }

    func stop() { running.store(false, ordering: .relaxed) }

    private func acceptLoop() {
        defer { close(fd) }
        while running.load(ordering: .relaxed) {
            guard ProxySocket.wait(fd, for: Int16(POLLIN), until: ProxySocket.now + 100_000_000) else { continue }
            let client = accept(fd, nil, nil)
            guard client >= 0 else { continue }
            connections.add(1, ordering: .relaxed)
            Thread {
                defer { close(client) }
                while let bytes = ProxySocket.read(client, until: ProxySocket.now + 5_000_000_000), !bytes.isEmpty,
                      ProxySocket.write(client, bytes, until: ProxySocket.now + 5_000_000_000) {}
            }.start()
        }
    }
}
