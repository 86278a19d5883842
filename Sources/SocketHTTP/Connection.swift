import HTTPTypes

/// One client connection. Owned and touched only by its event loop's thread.
/// Kept small: buffers are empty until used and released when large.
final class Connection {
    enum Phase {
        /// Waiting for (the rest of) a request head.
        case awaitingHead
        /// Receiving a request body.
        case readingBody
        /// The handler has the request (inline or on the worker pool).
        case processing
        /// A deferred response is parked here.
        case deferred(DeferredResponse)
        /// A streaming response is being written.
        case streaming(ResponseStream)
        /// The final response is queued; the next request waits until it is sent.
        case responding
        /// Answered and half-closed; draining the peer's input until it closes.
        case lingering
        case closed
    }

    /// The request being received or answered.
    struct Exchange {
        var head: HTTPRequest
        var body: [UInt8] = []
        var isHead: Bool
        var minorVersion: Int
        var keepAlive: Bool
        var remainingBody = 0
        var chunked: ChunkedBodyDecoder? = nil
        /// What the handler's `screen` found, handed on with the request.
        var screened: (any Sendable)? = nil
    }

    let fd: Int32
    let id: ConnectionID
    let remoteAddress: String
    /// Index in the loop's list of live connections.
    var liveIndex = 0
    var phase = Phase.awaitingHead
    var parser: RequestHeadParser
    var exchange: Exchange? = nil

    /// Received bytes not yet parsed start at `inboundStart`.
    var inbound: [UInt8] = []
    var inboundStart = 0
    /// Bytes to send start at `outboundStart`.
    var outbound: [UInt8] = []
    var outboundStart = 0

    /// When the current phase times out (monotonic ns); 0 for never.
    var deadline: UInt64 = 0
    /// Bytes of the current request head have arrived (a timeout then answers 408).
    var requestStarted = false
    var closeAfterResponse = false
    /// The peer sent FIN.
    var peerClosed = false
    /// epoll reported the peer's FIN (it may still be behind unread data).
    var hangupSeen = false
    /// Reading stopped with input possibly left in the kernel (edge-triggered epoll:
    /// read again when the connection can take input).
    var readPaused = false
    var lastWriteProgress: UInt64 = 0
    var lastStreamWrite: UInt64 = 0
    /// The stream body is chunked (HTTP/1.1) rather than delimited by close (HTTP/1.0).
    var streamChunked = true

    init(fd: Int32, serial: UInt64, remoteAddress: String, limits: RequestHeadLimits) {
        self.fd = fd
        self.id = ConnectionID(fd: fd, serial: serial)
        self.remoteAddress = remoteAddress
        self.parser = RequestHeadParser(limits: limits)
    }

    var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    /// Phases that consume input as requests.
    var isReceiving: Bool {
        switch phase {
        case .awaitingHead, .readingBody: return true
        default: return false
        }
    }

    var isLingering: Bool {
        if case .lingering = phase { return true }
        return false
    }

    var pendingOutput: Int { outbound.count - outboundStart }
    var bufferedInput: Int { inbound.count - inboundStart }
}
