import CSocketHTTPShims
import Glibc
import Synchronization

/// The thread-safe handle of one event-loop thread: its epoll instance and an eventfd that
/// wakes it when another thread posts a message. The loop's own state lives in
/// `EventLoopRunner`, which only that thread touches.
final class EventLoop: Sendable {
    private struct Inbox {
        var messages: [LoopMessage] = []
        var closed = false
        var wakePending = false
    }

    let index: Int
    let epollFD: Int32
    let wakeFD: Int32
    private let inbox = Mutex(Inbox())

    init(index: Int) throws(SocketError) {
        self.index = index
        let epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SocketError("epoll_create1", errno) }
        let wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else {
            let code = errno
            Glibc.close(epollFD)
            throw SocketError("eventfd", code)
        }
        self.epollFD = epollFD
        self.wakeFD = wakeFD
    }

    /// Queues a message and wakes the loop. False when the loop has already stopped.
    @discardableResult
    func post(_ message: LoopMessage) -> Bool {
        inbox.withLock { inbox in
            guard !inbox.closed else { return false }
            inbox.messages.append(message)
            if !inbox.wakePending {
                inbox.wakePending = true
                var one: UInt64 = 1
                _ = Glibc.write(wakeFD, &one, 8)
            }
            return true
        }
    }

    /// Takes every queued message (on the loop thread, after the eventfd fired).
    func takeMessages(into messages: inout [LoopMessage]) {
        var counter: UInt64 = 0
        _ = Glibc.read(wakeFD, &counter, 8)
        inbox.withLock { inbox in
            inbox.wakePending = false
            swap(&messages, &inbox.messages)
        }
    }

    /// Refuses further messages and closes the descriptors; returns what was still queued.
    func close() -> [LoopMessage] {
        let left = inbox.withLock { inbox -> [LoopMessage] in
            inbox.closed = true
            defer { inbox.messages = [] }
            return inbox.messages
        }
        Glibc.close(wakeFD)
        Glibc.close(epollFD)
        return left
    }
}
