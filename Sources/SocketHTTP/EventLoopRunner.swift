import CSocketHTTPShims
import Glibc
import HTTPTypes

/// The body of one event-loop thread: accepts connections, reads, parses, answers,
/// writes and times out. Everything here runs on that thread only; other threads talk
/// to it through `EventLoop.post`.
///
/// Connections are registered edge-triggered for input and output once, at accept, so
/// the loop never calls epoll_ctl on the hot path. A connection answers one request at
/// a time; pipelined requests wait in its input buffer.
final class EventLoopRunner {
    private static let listenerTag = UInt64.max
    private static let wakeTag = UInt64.max - 1
    private static let readBufferSize = 64 * 1024
    /// Input buffered while a request is being answered before reading pauses.
    private static let pipelineCap = 64 * 1024

    private let loop: EventLoop
    private let context: ServerContext
    private var connectionsByFD: [Connection?] = []
    private var live: [Connection] = []
    private var nextSerial: UInt64 = 1
    private var now: UInt64 = 0
    private var nextSweep: UInt64 = 0
    private var shuttingDown = false
    private var stopped = false
    private var listening = false
    private var acceptResumesAt: UInt64 = 0
    private let readBuffer: UnsafeMutableRawBufferPointer
    private var headScratch: [UInt8] = []
    private var encoder = ResponseEncoder()
    private let filters: OutputFilters
    private var messages: [LoopMessage] = []

    init(loop: EventLoop, context: ServerContext) {
        self.loop = loop
        self.context = context
        self.filters = context.configuration.outputFilters
        readBuffer = .allocate(byteCount: Self.readBufferSize, alignment: 16)
        headScratch.reserveCapacity(1024)
    }

    deinit {
        readBuffer.deallocate()
    }

    // MARK: - The loop

    func run() {
        now = monotonicNanoseconds()
        var wake = epoll_event()
        wake.events = EPOLLIN.rawValue
        wake.data.u64 = Self.wakeTag
        epoll_ctl(loop.epollFD, EPOLL_CTL_ADD, loop.wakeFD, &wake)
        startListening()

        let capacity = 512
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        let sweepMilliseconds = Int32(max(1, context.sweepInterval / 1_000_000))
        nextSweep = now + context.sweepInterval

        while !stopped {
            let idle = live.isEmpty && (listening || shuttingDown)
            let count = epoll_wait(loop.epollFD, events, Int32(capacity), idle ? -1 : sweepMilliseconds)
            now = monotonicNanoseconds()
            if count < 0 {
                if errno == EINTR { continue }
                context.logger.error("epoll_wait failed", metadata: ["errno": "\(errno)"])
                break
            }
            for i in 0..<Int(count) {
                let event = events[i]
                switch event.data.u64 {
                case Self.listenerTag: acceptConnections()
                case Self.wakeTag: handleMessages()
                default: handleSocketEvent(fd: Int32(truncatingIfNeeded: event.data.u64), flags: event.events)
                }
            }
            context.handler.turnEnded()
            if now >= nextSweep {
                sweep()
                nextSweep = now + context.sweepInterval
            }
            if shuttingDown && live.isEmpty { stopped = true }
        }

        var index = live.count - 1
        while index >= 0 {
            close(live[index])
            index -= 1
        }
        for message in loop.close() {
            switch message {
            case .reply(_, let reply): reply.abandon()
            case .adopt(let fd, _):
                Glibc.close(fd)
                context.openConnections.subtract(1, ordering: .relaxed)
            default: break
            }
        }
    }

    private func startListening() {
        guard !shuttingDown, !listening else { return }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue
        event.data.u64 = Self.listenerTag
        if epoll_ctl(loop.epollFD, EPOLL_CTL_ADD, context.listenFD, &event) == 0 { listening = true }
    }

    private func stopListening() {
        guard listening else { return }
        epoll_ctl(loop.epollFD, EPOLL_CTL_DEL, context.listenFD, nil)
        listening = false
    }

    // MARK: - Accepting

    private func acceptConnections() {
        for _ in 0..<64 {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    csockethttp_accept4(context.listenFD, $0, &length,
                                        Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK: return
                case EINTR, ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    context.logger.warning("accept paused: out of descriptors or memory", metadata: ["errno": "\(errno)"])
                    stopListening()
                    acceptResumesAt = now + 100_000_000
                    return
                case EINVAL, EBADF:
                    // The listener was shut down.
                    stopListening()
                    acceptResumesAt = UInt64.max
                    return
                default:
                    context.logger.warning("accept failed; pausing", metadata: ["errno": "\(errno)"])
                    stopListening()
                    acceptResumesAt = now + 100_000_000
                    return
                }
            }
            let open = context.openConnections.add(1, ordering: .relaxed).newValue
            if open > context.configuration.maxConnections {
                refuseOverCapacity(fd)
                context.openConnections.subtract(1, ordering: .relaxed)
                continue
            }
            var on: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            let loops = context.loops
            let target = loops.count > 1 ? context.acceptCount.add(1, ordering: .relaxed).newValue % loops.count : loop.index
            if target != loop.index {
                // Round-robin: one loop often wakes for a whole burst of connections.
                if !loops[target].post(.adopt(fd, Listener.describe(address))) {
                    Glibc.close(fd)
                    context.openConnections.subtract(1, ordering: .relaxed)
                }
                continue
            }
            register(fd, remoteAddress: Listener.describe(address))
        }
    }

    /// Starts serving an accepted connection on this loop.
    private func register(_ fd: Int32, remoteAddress: String) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
        event.data.u64 = UInt64(UInt32(bitPattern: fd))
        guard !shuttingDown, epoll_ctl(loop.epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else {
            Glibc.close(fd)
            context.openConnections.subtract(1, ordering: .relaxed)
            return
        }
        let connection = Connection(fd: fd, serial: nextSerial, remoteAddress: remoteAddress, limits: context.limits)
        nextSerial += 1
        connection.deadline = now + context.headerTimeout
        connection.lastWriteProgress = now
        let slot = Int(fd)
        if slot >= connectionsByFD.count {
            connectionsByFD.append(contentsOf: repeatElement(nil, count: max(slot + 1 - connectionsByFD.count, connectionsByFD.count)))
        }
        connectionsByFD[slot] = connection
        connection.liveIndex = live.count
        live.append(connection)
    }

    /// Past `maxConnections`: a 503 written straight away, then close.
    private func refuseOverCapacity(_ fd: Int32) {
        let response = ResponseEncoder.problem(status: 503, detail: "too many connections", retryAfter: true)
        var bytes: [UInt8] = []
        encoder.encodeHead(response.head, contentLength: response.body.count, chunked: false,
                           connection: .close, into: &bytes)
        bytes.append(contentsOf: response.body)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        Glibc.shutdown(fd, Int32(SHUT_WR))
        _ = recv(fd, readBuffer.baseAddress, readBuffer.count, Int32(MSG_DONTWAIT))
        Glibc.close(fd)
    }

    // MARK: - Socket events

    private func handleSocketEvent(fd: Int32, flags: UInt32) {
        guard fd >= 0, Int(fd) < connectionsByFD.count, let connection = connectionsByFD[Int(fd)] else { return }
        if flags & EPOLLERR.rawValue != 0 {
            close(connection)
            return
        }
        if flags & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue) != 0 {
            // After a FIN no new edge comes: read on to the end of the stream then.
            if flags & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue) != 0 { connection.hangupSeen = true }
            onReadable(connection)
        }
        if flags & EPOLLOUT.rawValue != 0 && !connection.isClosed && connection.pendingOutput > 0 {
            resume(connection)
            if case .streaming(let stream) = connection.phase, stream.blocking, !connection.isClosed,
               connection.pendingOutput <= stream.maxBufferedBytes {
                pumpAndSend(connection, stream)
            }
        }
    }

    /// Reads until the kernel has nothing more (edge-triggered), driving the connection
    /// after each read. When the event says the peer hung up, reads on to the end of the
    /// stream even after a short read: the edge that announced the end will not come again.
    private func onReadable(_ connection: Connection) {
        let base = readBuffer.baseAddress!
        while !connection.isClosed {
            let lingering = connection.isLingering
            if !lingering && !connection.isReceiving && connection.bufferedInput >= Self.pipelineCap {
                connection.readPaused = true
                return
            }
            let count = recv(connection.fd, base, Self.readBufferSize, 0)
            if count > 0 {
                if lingering { continue }
                if connection.inboundStart > 0 && connection.inboundStart == connection.inbound.count {
                    connection.inbound.removeAll(keepingCapacity: true)
                    connection.inboundStart = 0
                }
                connection.inbound.append(contentsOf: UnsafeRawBufferPointer(start: base, count: count))
                drive(connection)
                // A short read emptied the socket; new data brings a new edge.
                if count < Self.readBufferSize && !connection.hangupSeen && !connection.isLingering { return }
            } else if count == 0 {
                connection.peerClosed = true
                onPeerClosed(connection)
                return
            } else {
                switch errno {
                case EAGAIN, EWOULDBLOCK: return
                case EINTR: continue
                default:
                    close(connection)
                    return
                }
            }
        }
    }

    private func onPeerClosed(_ connection: Connection) {
        switch connection.phase {
        case .deferred, .streaming, .lingering:
            close(connection)  // the client is gone
        case .awaitingHead, .readingBody:
            drive(connection)  // answers complete buffered requests, then closes
        case .processing, .responding, .closed:
            break
        }
    }

    /// Drives the connection, then reads again if reading was paused and input is wanted.
    private func resume(_ connection: Connection) {
        drive(connection)
        if connection.readPaused && (connection.isReceiving || connection.isLingering) {
            connection.readPaused = false
            onReadable(connection)
        }
    }

    /// Advances the connection's state machine as far as the buffered bytes allow.
    private func drive(_ connection: Connection) {
        while true {
            if connection.pendingOutput > 0 { flush(connection) }
            switch connection.phase {
            case .responding:
                guard connection.pendingOutput == 0 else { return }
                finishExchange(connection)
            case .awaitingHead:
                guard parseHead(connection) else { return }
            case .readingBody:
                guard readBody(connection) else { return }
            case .processing, .deferred, .streaming, .lingering, .closed:
                return
            }
        }
    }

    // MARK: - Requests

    /// Parses the next request head; true when the phase changed.
    private func parseHead(_ connection: Connection) -> Bool {
        if connection.bufferedInput == 0 {
            if connection.peerClosed { close(connection) }
            return false
        }
        if !connection.requestStarted {
            connection.requestStarted = true
            connection.deadline = now + context.headerTimeout
        }
        let start = connection.inboundStart
        let result: Result<ParsedRequestHead?, HTTPParseError> = connection.inbound.withUnsafeBufferPointer { whole in
            let bytes = UnsafeBufferPointer(rebasing: whole[start...])
            do throws(HTTPParseError) {
                return .success(try connection.parser.parse(bytes))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .failure(let error):
            respondWithProblem(connection, status: error.status, detail: error.detail, close: true)
            return true
        case .success(nil):
            if connection.peerClosed {
                // Part of a head, then the end of the stream: answer, do not just drop it.
                respondWithProblem(connection, status: 400, detail: "the request head ended before its blank line", close: true)
                return true
            }
            return false
        case .success(let head?):
            startRequest(connection, head)
            return true
        }
    }

    private func startRequest(_ connection: Connection, _ head: ParsedRequestHead) {
        let start = connection.inboundStart
        let request: HTTPRequest? = connection.inbound.withUnsafeBufferPointer { whole in
            Self.makeRequest(UnsafeBufferPointer(rebasing: whole[start...]), head)
        }
        connection.inboundStart += head.length
        connection.requestStarted = false
        guard let request else {
            respondWithProblem(connection, status: 400, detail: "invalid request head", close: true)
            return
        }
        connection.exchange = Connection.Exchange(head: request, isHead: head.isHead, minorVersion: head.minorVersion,
                                                  keepAlive: head.keepAlive && !shuttingDown)
        if head.framing != .none {
            var found: (any Sendable)?
            if let refusal = context.handler.screen(request, found: &found) {
                connection.closeAfterResponse = true
                writeResponse(connection, refusal)
                return
            }
            connection.exchange!.screened = found
        }
        switch head.framing {
        case .none:
            dispatch(connection)
        case .contentLength(let length):
            guard length <= context.configuration.maxBodyBytes else {
                respondWithProblem(connection, status: 413,
                                   detail: "request body larger than \(context.configuration.maxBodyBytes) bytes",
                                   close: true)
                return
            }
            connection.exchange!.remainingBody = length
            connection.exchange!.body.reserveCapacity(length)
            connection.phase = .readingBody
            connection.deadline = now + context.headerTimeout
            if head.expectContinue && connection.bufferedInput < length { sendContinue(connection) }
        case .chunked:
            connection.exchange!.chunked = ChunkedBodyDecoder(maxBodyBytes: context.configuration.maxBodyBytes)
            connection.phase = .readingBody
            connection.deadline = now + context.headerTimeout
            if head.expectContinue && connection.bufferedInput == 0 { sendContinue(connection) }
        }
    }

    private static func makeRequest(_ bytes: UnsafeBufferPointer<UInt8>, _ head: ParsedRequestHead) -> HTTPRequest? {
        func string(_ range: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
        guard let method = HTTPRequest.Method(string(head.method)) else { return nil }
        var path = string(head.path)
        let authority: String?
        if let absolute = head.absoluteAuthority {
            authority = string(absolute)
            if path.isEmpty { path = "/" } else if path.utf8.first == UInt8(ascii: "?") { path = "/" + path }
        } else {
            authority = head.host.map(string)
        }
        var fields = HTTPFields()
        fields.reserveCapacity(head.fields.count)
        for field in head.fields {
            guard let name = HTTPField.Name(string(field.name)) else { return nil }
            fields.append(HTTPField(name: name, value: UnsafeBufferPointer(rebasing: bytes[field.value])))
        }
        return HTTPRequest(method: method, scheme: nil, authority: authority, path: path, headerFields: fields)
    }

    private func sendContinue(_ connection: Connection) {
        appendOutput(connection, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
    }

    /// Moves body bytes from the input buffer; true when the phase changed.
    private func readBody(_ connection: Connection) -> Bool {
        let available = connection.bufferedInput
        if available == 0 {
            if connection.peerClosed { return bodyEndedEarly(connection) }
            return false
        }
        let start = connection.inboundStart
        if connection.exchange!.chunked != nil {
            var decoder = connection.exchange!.chunked!
            var body = connection.exchange!.body
            connection.exchange!.body = []
            let outcome: Result<Int, HTTPParseError> = connection.inbound.withUnsafeBufferPointer { whole in
                let bytes = UnsafeBufferPointer(rebasing: whole[start...])
                do throws(HTTPParseError) {
                    return .success(try decoder.decode(bytes, into: &body))
                } catch {
                    return .failure(error)
                }
            }
            connection.exchange!.chunked = decoder
            connection.exchange!.body = body
            switch outcome {
            case .failure(let error):
                respondWithProblem(connection, status: error.status, detail: error.detail, close: true)
                return true
            case .success(let consumed):
                connection.inboundStart += consumed
                if connection.exchange!.chunked!.isDone {
                    dispatch(connection)
                    return true
                }
            }
        } else {
            let take = min(available, connection.exchange!.remainingBody)
            connection.inbound.withUnsafeBufferPointer { whole in
                connection.exchange!.body.append(contentsOf: UnsafeBufferPointer(rebasing: whole[start..<(start + take)]))
            }
            connection.inboundStart += take
            connection.exchange!.remainingBody -= take
            if connection.exchange!.remainingBody == 0 {
                dispatch(connection)
                return true
            }
        }
        connection.deadline = now + context.headerTimeout
        if connection.peerClosed { return bodyEndedEarly(connection) }
        return false
    }

    /// The peer ended its stream before the body was complete: a truncated request gets an
    /// answer (API.md: no request is dropped without one), then the connection closes.
    private func bodyEndedEarly(_ connection: Connection) -> Bool {
        respondWithProblem(connection, status: 400, detail: "the request body ended before its declared length", close: true)
        return true
    }

    /// Hands the complete request to the handler: inline first, else the worker pool.
    private func dispatch(_ connection: Connection) {
        connection.phase = .processing
        connection.deadline = 0
        let exchange = connection.exchange!
        connection.exchange!.body = []
        let request = Request(head: exchange.head, body: exchange.body, remoteAddress: connection.remoteAddress,
                              screened: exchange.screened)
        if let reply = context.handler.handleInline(request) {
            handleReply(connection, reply)
            return
        }
        let job = WorkerPool.Job(request: request, loop: loop, connection: connection.id)
        if !context.workers.submit(job) {
            respondWithProblem(connection, status: 503, detail: "the server is busy", close: false, retryAfter: true)
        }
    }

    // MARK: - Replies

    private func handleReply(_ connection: Connection, _ reply: Reply) {
        guard case .processing = connection.phase else {
            reply.abandon()
            return
        }
        switch reply {
        case .response(let response):
            answer(connection, response)
        case .deferred(let deferred):
            if connection.peerClosed {
                deferred.cancel()
                close(connection)
            } else if shuttingDown {
                if let response = deferred.expire() { answer(connection, response) } else { close(connection) }
            } else if let response = deferred.bind(LoopBinding(loop: loop, connection: connection.id)) {
                answer(connection, response)
            } else if deferred.isFinished {
                close(connection)
            } else {
                connection.phase = .deferred(deferred)
                connection.deadline = now + deferred.timeout.nanoseconds
            }
        case .stream(let head, let stream):
            if connection.peerClosed {
                stream.end()
                close(connection)
                return
            }
            startStream(connection, head, stream)
        }
    }

    /// Writes a handler's answer given on this thread (inline, or completing a parked
    /// exchange) through the output filters; one whose gzip form must be made now goes to
    /// the worker pool to be filtered there, off the event loop.
    private func answer(_ connection: Connection, _ response: Response) {
        guard !response.filtered, let exchange = connection.exchange else {
            writeResponse(connection, response)
            return
        }
        if let filtered = filters.apply(response, to: exchange.head, compressing: false) {
            writeResponse(connection, filtered)
            return
        }
        connection.phase = .processing
        connection.deadline = 0
        let job = WorkerPool.Job(request: Request(head: exchange.head, body: [], remoteAddress: connection.remoteAddress),
                                 loop: loop, connection: connection.id, answer: response)
        if !context.workers.submit(job) { writeResponse(connection, filters.apply(response, to: exchange.head)) }
    }

    /// Queues a complete response; the phase becomes `.responding`.
    private func writeResponse(_ connection: Connection, _ response: Response) {
        let exchange = connection.exchange
        var response = response
        if !response.filtered, let exchange {
            response = filters.apply(response, to: exchange.head)
        }
        let code = response.head.status.code
        let bodiless = code < 200 || code == 204 || code == 304
        let isHead = exchange?.isHead ?? false
        var contentLength: Int? = nil
        if !bodiless {
            contentLength = response.body.count
            if isHead && response.body.isEmpty, let declared = response.head.headerFields[.contentLength],
               let value = Int(declared), value >= 0 {
                contentLength = value
            }
        }
        let close = !(exchange?.keepAlive ?? false) || connection.closeAfterResponse || shuttingDown
        if close { connection.closeAfterResponse = true }
        let token: ResponseEncoder.ConnectionToken =
            close ? .close : (exchange?.minorVersion == 0 ? .keepAlive : .none)
        headScratch.removeAll(keepingCapacity: true)
        encoder.encodeHead(response.head, contentLength: contentLength, chunked: false, connection: token,
                           into: &headScratch)
        connection.phase = .responding
        connection.deadline = 0
        if bodiless || isHead {
            sendDirect(connection, headScratch, [])
        } else {
            sendDirect(connection, headScratch, response.body)
        }
    }

    /// Ends a parked exchange with the deferred response's fallback (time-out, shutdown),
    /// or closes when it was already completed elsewhere.
    private func answerWithFallback(_ connection: Connection, _ deferred: DeferredResponse) {
        if let response = deferred.expire() {
            answer(connection, response)
            resume(connection)
        } else {
            close(connection)
        }
    }

    /// An error the server answers itself, as application/problem+json.
    private func respondWithProblem(_ connection: Connection, status: Int, detail: String, close: Bool,
                                    retryAfter: Bool = false) {
        if close { connection.closeAfterResponse = true }
        if connection.exchange == nil {
            let placeholder = HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/")
            connection.exchange = Connection.Exchange(head: placeholder, isHead: false, minorVersion: 1, keepAlive: false)
        }
        writeResponse(connection, ResponseEncoder.problem(status: status, detail: detail, retryAfter: retryAfter))
    }

    /// After the response is sent: the next request, or close.
    private func finishExchange(_ connection: Connection) {
        connection.exchange = nil
        if connection.closeAfterResponse || shuttingDown {
            beginLingeringClose(connection)
            return
        }
        connection.phase = .awaitingHead
        connection.parser.reset()
        connection.requestStarted = false
        connection.deadline = now + context.idleTimeout
        if connection.inboundStart == connection.inbound.count {
            if connection.inbound.capacity > 16 * 1024 {
                connection.inbound = []
            } else {
                connection.inbound.removeAll(keepingCapacity: true)
            }
            connection.inboundStart = 0
        } else if connection.inboundStart >= 16 * 1024 {
            connection.inbound.removeFirst(connection.inboundStart)
            connection.inboundStart = 0
        }
    }

    /// Half-closes so that the peer sees the end of our answer, then discards its input
    /// for a while instead of resetting the connection under it.
    private func beginLingeringClose(_ connection: Connection) {
        if connection.peerClosed {
            close(connection)
            return
        }
        Glibc.shutdown(connection.fd, Int32(SHUT_WR))
        connection.phase = .lingering
        // Shutting down, the peer gets less time to read our answer and close.
        connection.deadline = now + (shuttingDown ? min(context.lingerTimeout, 200_000_000) : context.lingerTimeout)
        connection.inbound = []
        connection.inboundStart = 0
        connection.readPaused = true
    }

    // MARK: - Streams

    private func startStream(_ connection: Connection, _ head: HTTPResponse, _ stream: ResponseStream) {
        let code = head.status.code
        if code < 200 || code == 204 || code == 304 {
            // These statuses have no body to stream.
            stream.end()
            writeResponse(connection, Response(head: head))
            return
        }
        let exchange = connection.exchange!
        let chunked = exchange.minorVersion >= 1
        connection.streamChunked = chunked
        let close = !chunked || !exchange.keepAlive || connection.closeAfterResponse || shuttingDown
        if close { connection.closeAfterResponse = true }
        headScratch.removeAll(keepingCapacity: true)
        encoder.encodeHead(head, contentLength: nil, chunked: chunked,
                           connection: close ? .close : .none, into: &headScratch)
        appendOutput(connection, headScratch)
        connection.lastStreamWrite = now
        if exchange.isHead {
            stream.end()
            connection.phase = .responding
            return
        }
        connection.phase = .streaming(stream)
        connection.deadline = 0
        stream.bind(LoopBinding(loop: loop, connection: connection.id))
        pumpStream(connection, stream)
        if shuttingDown, case .streaming = connection.phase { endStream(connection, stream) }
    }

    /// Frames what the stream's writers queued and sends what the socket takes. A blocking
    /// stream whose pump held back (its output over the limit) is pumped again as soon as
    /// that output has gone out: nothing else would wake it. Its writer's wake-up is
    /// already posted (and the writer waits for the pump), and a socket that took the
    /// output without ever filling gives no EPOLLOUT. (A 1,000,000-strike GeoJSON export
    /// stalled there, the writer giving up after its stall limit and the client waiting on.)
    private func pumpAndSend(_ connection: Connection, _ stream: ResponseStream) {
        while true {
            let heldBack = stream.blocking && connection.pendingOutput > stream.maxBufferedBytes
            pumpStream(connection, stream)
            if connection.isClosed { return }
            resume(connection)
            guard heldBack, !connection.isClosed, case .streaming = connection.phase,
                  connection.pendingOutput <= stream.maxBufferedBytes else { return }
        }
    }

    /// Frames what the stream's writers queued.
    private func pumpStream(_ connection: Connection, _ stream: ResponseStream) {
        // A blocking stream is taken only as fast as the client reads: while its output
        // waits, the writer waits too, and the pump resumes once the output is sent.
        if stream.blocking && connection.pendingOutput > stream.maxBufferedBytes { return }
        let pending = stream.drain()
        if pending.aborted {
            close(connection)
            return
        }
        var tooSlow = pending.tooSlow
        for chunk in pending.chunks {
            // A chunk is sent whole or not at all: past the limit, the client is too slow.
            if !stream.blocking && connection.pendingOutput > 0
                && connection.pendingOutput + chunk.count > stream.maxBufferedBytes {
                tooSlow = true
                break
            }
            appendStreamChunk(connection, chunk)
        }
        if !pending.chunks.isEmpty { connection.lastStreamWrite = now }
        if tooSlow {
            endSlowStream(connection, stream)
        } else if pending.finishRequested {
            endStream(connection, stream)
        }
    }

    /// Ends a stream whose client reads too slowly at a chunk boundary: the stream's
    /// closing note, the terminating chunk, then the connection closes once the client
    /// has read them (or the write timeout passes).
    private func endSlowStream(_ connection: Connection, _ stream: ResponseStream) {
        stream.markTooSlow()
        if let note = stream.closingNote { appendStreamChunk(connection, note) }
        connection.closeAfterResponse = true
        endStream(connection, stream)
    }

    private func appendStreamChunk(_ connection: Connection, _ chunk: [UInt8]) {
        if connection.streamChunked {
            var frame: [UInt8] = []
            frame.reserveCapacity(chunk.count + 12)
            ResponseEncoder.appendHex(chunk.count, to: &frame)
            frame.append(contentsOf: "\r\n".utf8)
            frame.append(contentsOf: chunk)
            frame.append(contentsOf: "\r\n".utf8)
            appendOutput(connection, frame)
        } else {
            appendOutput(connection, chunk)
        }
    }

    private func endStream(_ connection: Connection, _ stream: ResponseStream) {
        if connection.streamChunked { appendOutput(connection, Array("0\r\n\r\n".utf8)) }
        stream.end()
        connection.phase = .responding
    }

    // MARK: - Writing

    /// Sends head and body with one sendmsg when nothing is queued; queues the rest.
    private func sendDirect(_ connection: Connection, _ head: [UInt8], _ body: [UInt8]) {
        guard connection.pendingOutput == 0 else {
            appendOutput(connection, head)
            appendOutput(connection, body)
            return
        }
        let total = head.count + body.count
        var sent = 0
        while true {
            let result = head.withUnsafeBytes { headBytes in
                body.withUnsafeBytes { bodyBytes -> Int in
                    var vectors = (iovec(iov_base: UnsafeMutableRawPointer(mutating: headBytes.baseAddress), iov_len: headBytes.count),
                                   iovec(iov_base: UnsafeMutableRawPointer(mutating: bodyBytes.baseAddress), iov_len: bodyBytes.count))
                    return withUnsafeMutableBytes(of: &vectors) { raw -> Int in
                        var message = msghdr()
                        message.msg_iov = raw.baseAddress!.assumingMemoryBound(to: iovec.self)
                        message.msg_iovlen = bodyBytes.isEmpty ? 1 : 2
                        return sendmsg(connection.fd, &message, Int32(MSG_NOSIGNAL))
                    }
                }
            }
            if result >= 0 {
                sent = result
                break
            }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { break }
            close(connection)
            return
        }
        if sent > 0 { connection.lastWriteProgress = now }
        guard sent < total else { return }
        if sent < head.count {
            appendOutput(connection, Array(head[sent...]))
            appendOutput(connection, body)
        } else {
            appendOutput(connection, Array(body[(sent - head.count)...]))
        }
    }

    private func appendOutput(_ connection: Connection, _ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        if connection.pendingOutput == 0 {
            connection.lastWriteProgress = now
            if connection.outbound.isEmpty {
                connection.outbound = bytes
                connection.outboundStart = 0
                return
            }
            connection.outbound.removeAll(keepingCapacity: true)
            connection.outboundStart = 0
        } else if connection.outboundStart >= 64 * 1024 {
            connection.outbound.removeFirst(connection.outboundStart)
            connection.outboundStart = 0
        }
        connection.outbound.append(contentsOf: bytes)
    }

    /// Sends queued output until done or the socket is full.
    private func flush(_ connection: Connection) {
        while connection.pendingOutput > 0 {
            let start = connection.outboundStart
            let result = connection.outbound.withUnsafeBytes { bytes in
                send(connection.fd, bytes.baseAddress! + start, bytes.count - start, Int32(MSG_NOSIGNAL))
            }
            if result > 0 {
                connection.outboundStart += result
                connection.lastWriteProgress = now
            } else if result < 0 && errno == EINTR {
                continue
            } else if result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return
            } else {
                close(connection)
                return
            }
        }
        if connection.outbound.capacity > 64 * 1024 {
            connection.outbound = []
        } else {
            connection.outbound.removeAll(keepingCapacity: true)
        }
        connection.outboundStart = 0
    }

    // MARK: - Closing

    private func close(_ connection: Connection) {
        switch connection.phase {
        case .closed: return
        case .deferred(let deferred): deferred.cancel()
        case .streaming(let stream): stream.end()
        default: break
        }
        connection.phase = .closed
        Glibc.close(connection.fd)
        let slot = Int(connection.fd)
        if slot < connectionsByFD.count, connectionsByFD[slot] === connection { connectionsByFD[slot] = nil }
        let index = connection.liveIndex
        let last = live.removeLast()
        if last !== connection {
            live[index] = last
            last.liveIndex = index
        }
        context.openConnections.subtract(1, ordering: .relaxed)
        connection.inbound = []
        connection.outbound = []
        connection.exchange = nil
    }

    // MARK: - Timers

    /// Checks every connection's deadline; also sends stream heartbeats.
    private func sweep() {
        if !listening && !shuttingDown && now >= acceptResumesAt { startListening() }
        var index = live.count - 1
        while index >= 0 {
            let connection = live[index]
            index -= 1
            if connection.pendingOutput > 0 && now - connection.lastWriteProgress > context.writeTimeout {
                close(connection)
                continue
            }
            switch connection.phase {
            case .awaitingHead:
                guard connection.deadline != 0, now >= connection.deadline else { continue }
                if connection.requestStarted && connection.bufferedInput > 0 {
                    respondWithProblem(connection, status: 408, detail: "the request head did not arrive in time",
                                       close: true)
                    resume(connection)
                } else {
                    close(connection)
                }
            case .readingBody:
                guard connection.deadline != 0, now >= connection.deadline else { continue }
                respondWithProblem(connection, status: 408, detail: "the request body did not arrive in time", close: true)
                resume(connection)
            case .deferred(let deferred):
                guard now >= connection.deadline else { continue }
                answerWithFallback(connection, deferred)
            case .streaming(let stream):
                guard let heartbeat = stream.heartbeat,
                      now - connection.lastStreamWrite >= stream.heartbeatInterval.nanoseconds else { continue }
                if !stream.blocking && connection.pendingOutput + heartbeat.count > stream.maxBufferedBytes {
                    endSlowStream(connection, stream)
                } else {
                    appendStreamChunk(connection, heartbeat)
                    connection.lastStreamWrite = now
                }
                resume(connection)
            case .lingering:
                if now >= connection.deadline { close(connection) }
            case .processing, .responding, .closed:
                break
            }
        }
    }

    // MARK: - Messages from other threads

    private func handleMessages() {
        loop.takeMessages(into: &messages)
        for message in messages {
            switch message {
            case .reply(let id, let reply):
                guard let connection = lookup(id) else {
                    reply.abandon()
                    continue
                }
                handleReply(connection, reply)
                resume(connection)
            case .deferredReady(let id):
                guard let connection = lookup(id), case .deferred(let deferred) = connection.phase else { continue }
                if let response = deferred.takeCompletion() {
                    answer(connection, response)
                    resume(connection)
                }
            case .streamReady(let id):
                guard let connection = lookup(id), case .streaming(let stream) = connection.phase else { continue }
                pumpAndSend(connection, stream)
            case .adopt(let fd, let remoteAddress):
                register(fd, remoteAddress: remoteAddress)
            case .beginShutdown:
                beginShutdown()
            case .forceClose:
                stopped = true
            }
        }
        messages.removeAll(keepingCapacity: true)
    }

    private func lookup(_ id: ConnectionID) -> Connection? {
        let slot = Int(id.fd)
        guard slot >= 0, slot < connectionsByFD.count, let connection = connectionsByFD[slot],
              connection.id == id else { return nil }
        return connection
    }

    /// Stop accepting; close idle connections; answer parked requests with their
    /// fallback; end streams; let requests in progress finish, then close.
    private func beginShutdown() {
        shuttingDown = true
        stopListening()
        var index = live.count - 1
        while index >= 0 {
            let connection = live[index]
            index -= 1
            connection.closeAfterResponse = true
            switch connection.phase {
            case .awaitingHead:
                if !connection.requestStarted || connection.bufferedInput == 0 { close(connection) }
            case .lingering:
                close(connection)
            case .deferred(let deferred):
                answerWithFallback(connection, deferred)
            case .streaming(let stream):
                pumpStream(connection, stream)
                if case .streaming = connection.phase { endStream(connection, stream) }
                if !connection.isClosed { resume(connection) }
            case .readingBody, .processing, .responding, .closed:
                break
            }
        }
    }
}
