import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How the courier's URLSession is made to go through the guard proxy.
///
/// swift-corelibs-foundation keeps `URLSessionConfiguration.connectionProxyDictionary`
/// but never hands it to libcurl (its EasyHandle leaves every proxy option a TODO), so a
/// session so configured connects straight to the receiver. libcurl reads the proxy
/// environment variables instead, for every transfer it starts: `http_proxy` for http
/// URLs, `https_proxy` for https. The route is therefore the process's: once set, every
/// URLSession request of this process goes through the one guard proxy it shares, and
/// `no_proxy`/`NO_PROXY` are cleared, since a name listed there would skip the check.
/// Set once and never changed after, so no thread sees the environment half-written.
enum GuardedRoute {
    private static let shared = Mutex<ConnectGuardProxy?>(nil)

    /// The process's guard proxy, started (and the environment pointed at it) on first use.
    static func proxy(senders: Int, timeout: Duration) throws -> ConnectGuardProxy {
        try shared.withLock { current in
            if let current { return current }
            let policy = ConnectGuardProxy.Policy(allowPrivateAddresses: false, maxTunnels: max(1, senders) + 4, timeout: timeout)
            let proxy = try ConnectGuardProxy(policy: policy)
            pointEnvironment(at: proxy.port)
            current = proxy
            return proxy
        }
    }

    private static func pointEnvironment(at port: Int) {
        let url = "http://127.0.0.1:\(port)"
        setenv("http_proxy", url, 1)
        setenv("https_proxy", url, 1)
        unsetenv("no_proxy")
        unsetenv("NO_PROXY")
    }
}
