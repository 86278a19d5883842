import Glibc
import Synchronization

/// The bounded pool of threads that run `HTTPHandler.handle`. Never an event loop.
final class WorkerPool: Sendable {
    /// One request for the pool: for the handler, or, with `answer`, only for the
    /// output filters (an answer from the event loop whose body must be gzipped).
    struct Job: Sendable {
        var request: Request
        var loop: EventLoop
        var connection: ConnectionID
        var answer: Response? = nil
    }

    private struct Queue {
        var jobs: [Job?] = []
        var head = 0
        var stopping = false

        var count: Int { jobs.count - head }

        mutating func pop() -> Job? {
            guard head < jobs.count else { return nil }
            let job = jobs[head]
            jobs[head] = nil
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: jobs.count <= 4096)
                head = 0
            } else if head >= 1024 && head * 2 >= jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            return job
        }
    }

    private let queue = Mutex(Queue())
    private let signal: Semaphore
    private let maxQueued: Int
    private let handler: any HTTPHandler
    private let threadCount: Int
    private let running = Atomic<Int>(0)
    private let filters: OutputFilters

    init(threads: Int, maxQueued: Int, handler: any HTTPHandler, filters: OutputFilters) {
        self.threadCount = max(1, threads)
        self.maxQueued = max(0, maxQueued)
        self.handler = handler
        self.filters = filters
        self.signal = Semaphore()
    }

    func start() -> [pthread_t] {
        (0..<threadCount).map { _ in
            running.add(1, ordering: .relaxed)
            return PosixThread.spawn { [self] in self.work() }
        }
    }

    /// Queues a request; false when the queue is full (answer 503) or the pool is stopping.
    func submit(_ job: Job) -> Bool {
        let accepted = queue.withLock { queue -> Bool in
            guard !queue.stopping, queue.count < maxQueued else { return false }
            queue.jobs.append(job)
            return true
        }
        if accepted { signal.post() }
        return accepted
    }

    /// Lets queued jobs run, then ends every worker thread.
    func stop() {
        queue.withLock { $0.stopping = true }
        for _ in 0..<threadCount { signal.post() }
    }

    /// Worker threads still running.
    var runningThreads: Int { running.load(ordering: .relaxed) }

    private func work() {
        defer { running.subtract(1, ordering: .relaxed) }
        while true {
            signal.wait()
            let (job, stop) = queue.withLock { queue -> (Job?, Bool) in
                let job = queue.pop()
                return (job, job == nil && queue.stopping)
            }
            if stop { return }
            guard let job else { continue }
            var reply = job.answer.map { Reply.response($0) } ?? handler.handle(job.request)
            // Filtered here, not on the event loop: gzip takes time in proportion to the body.
            if case .response(let response) = reply { reply = .response(filters.apply(response, to: job.request.head)) }
            if !job.loop.post(.reply(job.connection, reply)) {
                reply.abandon()
            }
        }
    }
}
