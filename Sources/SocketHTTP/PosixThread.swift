import CSocketHTTPShims
import Glibc

/// Starts and joins the server's threads (event loops and workers).
enum PosixThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts a thread with SIGINT, SIGTERM and SIGPIPE blocked, so that those signals reach
    /// `runUntilSignalled` (or the process's own handling) and never an event loop.
    static func spawn(_ run: @escaping @Sendable () -> Void) -> pthread_t {
        var blocked = sigset_t()
        var previous = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGINT)
        sigaddset(&blocked, SIGTERM)
        sigaddset(&blocked, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }

        let context = Unmanaged.passRetained(Body(run)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { context in
            let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            body.run()
            return nil
        }, context)
        precondition(status == 0, "pthread_create failed: \(status)")
        return thread
    }

    /// Joins within `milliseconds`; false (and the thread left running, detached) if it did not end.
    static func join(_ thread: pthread_t, withinMilliseconds milliseconds: Int) -> Bool {
        if csockethttp_timedjoin(thread, milliseconds) == 0 { return true }
        pthread_detach(thread)
        return false
    }
}
