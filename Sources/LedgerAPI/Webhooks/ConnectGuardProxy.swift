import Foundation
import SocketHTTP
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The courier's own forward proxy on 127.0.0.1, where the guard against request forgery
/// is kept at connect time: for each request URLSession sends through it, the proxy
/// resolves the receiver's name once, checks every address (AddressGuard), and connects
/// to a checked address itself, so that no second lookup can take the delivery elsewhere.
///
/// It speaks what libcurl sends an HTTP proxy: CONNECT for https (a tunnel; TLS stays
/// between URLSession and the receiver) and absolute-form requests for plain http. Each
/// connection has a thread of its own and the courier's timeout as its whole budget; at
/// most `maxTunnels` are open at once (more are answered 503).
final class ConnectGuardProxy: Sendable {
    /// Every address a name resolves to, as raw bytes (4 for IPv4, 16 for IPv6).
    typealias Resolver = @Sendable (String) -> [[UInt8]]

    struct Policy: Sendable {
        var allowPrivateAddresses = false
        var maxTunnels = 12
        var timeout: Duration = .seconds(10)
    }

    /// What the proxy last said about a target it did not connect to.
    struct Account: Sendable {
        let reason: String
        let atNanoseconds: UInt64
    }

    let port: Int
    let policy: Policy
    private let listener: Int32
    private let resolve: Resolver
    private let running = Atomic<Bool>(true)
    private let open = Atomic<Int>(0)
    private let accounts = Mutex<[ProxyTarget: Account]>([:])
    /// Connections made to receivers, for tests.
    let connectionsMade = Atomic<Int>(0)

    private static let accountsKept = 256

    init(policy: Policy, resolve: @escaping Resolver = AddressGuard.resolve) throws {
        (listener, port) = try Listener.open(host: "127.0.0.1", port: 0, backlog: 64)
        self.policy = policy
        self.resolve = resolve
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "strikeledger-webhook-proxy"
        thread.start()
    }

    /// Stops accepting; tunnels open end on their own deadline.
    func stop() { running.store(false, ordering: .sequentiallyConsistent) }

    /// Why the proxy did not connect to `target` at or after `since` (CLOCK_MONOTONIC
    /// nanoseconds), if it refused or failed to.
    func account(of target: ProxyTarget, since: UInt64) -> String? {
        accounts.withLock { $0[target] }.flatMap { $0.atNanoseconds >= since ? $0.reason : nil }
    }

    private func acceptLoop() {
        defer { close(listener) }
        while running.load(ordering: .relaxed) {
            guard ProxySocket.wait(listener, for: Int16(POLLIN), until: ProxySocket.now + 200_000_000) else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            admit(client)
        }
    }

    private func admit(_ client: Int32) {
        // A second past the courier's own timeout, so that URLSession's ends a slow delivery first.
        let deadline = ProxySocket.now + UInt64(policy.timeout.milliseconds + 1_000) * 1_000_000
        guard open.add(1, ordering: .relaxed).newValue <= policy.maxTunnels else {
            open.subtract(1, ordering: .relaxed)
            answer(client, 503, "the webhook proxy is busy", until: deadline)
            close(client)
            return
        }
        let thread = Thread { [self] in
            defer {
                close(client)
                open.subtract(1, ordering: .relaxed)
            }
            serve(client, until: deadline)
        }
        thread.name = "strikeledger-webhook-tunnel"
        thread.start()
    }

    private func serve(_ client: Int32, until deadline: UInt64) {
        guard let received = readHead(client, until: deadline), let request = ProxyRequest(head: received.head) else {
            answer(client, 400, "not a proxy request", until: deadline)
            return
        }
        let upstream: Int32
        switch connect(to: request.target, until: deadline) {
        case .success(let fd): upstream = fd
        case .failure(let refusal):
            note(refusal.reason, for: request.target)
            answer(client, refusal.status, refusal.reason, until: deadline)
            return
        }
        defer { close(upstream) }
        let opening = request.forwardedHead ?? []
        if request.isTunnel {
            guard ProxySocket.write(client, Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8), until: deadline) else { return }
        }
        guard ProxySocket.write(upstream, opening + received.rest, until: deadline) else { return }
        ProxyRelay.run(client: client, upstream: upstream, closingResponses: !request.isTunnel, until: deadline)
    }

    /// Why the proxy answers instead of connecting: 403 for a refused address, 502 otherwise.
    struct Refusal: Error {
        let status: Int
        let reason: String
    }

    /// One lookup of the target's name, every address checked, a connection to one of
    /// them (the checked address itself, never the name again).
    func connect(to target: ProxyTarget, until deadline: UInt64) -> Result<Int32, Refusal> {
        let addresses = resolve(target.host)
        guard !addresses.isEmpty else { return .failure(Refusal(status: 502, reason: "\(target.host) does not resolve")) }
        if !policy.allowPrivateAddresses, let why = AddressGuard.refusal(host: target.host, addresses: addresses) {
            return .failure(Refusal(status: 403, reason: "refused: " + why))
        }
        var failures: [String] = []
        for address in addresses {
            switch ProxySocket.connect(to: address, port: target.port, until: deadline) {
            case .success(let fd):
                connectionsMade.add(1, ordering: .relaxed)
                return .success(fd)
            case .failure(let failure):
                failures.append("\(AddressGuard.describe(address)): \(failure)")
            }
        }
        return .failure(Refusal(status: 502, reason: "could not connect to \(target) (\(failures.joined(separator: "; ")))"))
    }

    /// The request head and whatever came after it in the same reads; nil if it does not
    /// end within the limit or the deadline.
    private func readHead(_ fd: Int32, until deadline: UInt64) -> (head: [UInt8], rest: [UInt8])? {
        var bytes: [UInt8] = []
        while bytes.count <= ProxyRequest.headLimit {
            guard let more = ProxySocket.read(fd, until: deadline), !more.isEmpty else { return nil }
            bytes += more
            if let end = ResponseHeadCloser.headEnd(bytes), end <= ProxyRequest.headLimit {
                return (Array(bytes[..<end]), Array(bytes[end...]))
            }
        }
        return nil
    }

    private func note(_ reason: String, for target: ProxyTarget) {
        accounts.withLock { accounts in
            if accounts.count >= Self.accountsKept, let oldest = accounts.min(by: { $0.value.atNanoseconds < $1.value.atNanoseconds }) {
                accounts[oldest.key] = nil
            }
            accounts[target] = Account(reason: reason, atNanoseconds: ProxySocket.now)
        }
    }

    private func answer(_ fd: Int32, _ status: Int, _ reason: String, until deadline: UInt64) {
        let phrase = [400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway", 503: "Service Unavailable"][status] ?? "Error"
        let body = Array((reason + "\n").utf8)
        let head = "HTTP/1.1 \(status) \(phrase)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        _ = ProxySocket.write(fd, Array(head.utf8) + body, until: deadline)
    }
}
