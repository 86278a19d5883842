import Foundation
import Glibc

/// How the server's heap hands freed memory back to the system (issue 18).
///
/// glibc gives each thread that allocates an arena of its own, up to 8 per core, and
/// keeps what is freed in each for reuse. Under mixed load every event loop, worker,
/// the writer and the feed's dispatch threads allocate, and RSS grows with the number
/// of arenas though the live heap stays small. Two settings, measured in bench/README.md:
/// - `arenas`: at most this many arenas (`M_ARENA_MAX`), set before any thread starts;
///   threads share them, so freed memory is reused across threads instead of kept apart;
/// - `trimInterval`: every so often `malloc_trim(0)` gives the free pages of every arena
///   back to the system, from a thread of its own that does nothing else.
struct HeapPolicy {
    /// At most this many malloc arenas; 0 leaves glibc's default.
    var arenas: Int
    /// Seconds between trims; 0 never trims.
    var trimInterval: Int

    /// Applies the arena limit and starts the trimming thread. Call before any other
    /// thread is started: an arena, once made, stays.
    func apply() {
        if arenas > 0, let mallopt = Allocator.mallopt { _ = mallopt(Allocator.arenaMax, Int32(arenas)) }
        guard trimInterval > 0, let trim = Allocator.mallocTrim else { return }
        let interval = TimeInterval(trimInterval)
        let thread = Thread {
            while true {
                Thread.sleep(forTimeInterval: interval)
                _ = trim(0)
            }
        }
        thread.name = "strikeledger-heap-trim"
        thread.start()
    }
}

/// glibc's allocator controls. `<malloc.h>` is not part of Swift's Glibc module, so they
/// are looked up by name; on a C library without them (musl) they are nil and the policy
/// does nothing.
private enum Allocator {
    /// `M_ARENA_MAX` in `<malloc.h>`.
    static let arenaMax: Int32 = -8

    static let mallopt: (@convention(c) (Int32, Int32) -> Int32)? = symbol("mallopt")
    static let mallocTrim: (@convention(c) (Int) -> Int32)? = symbol("malloc_trim")

    private static func symbol<F>(_ name: String) -> F? {
        guard let process = dlopen(nil, RTLD_NOW), let address = dlsym(process, name) else { return nil }
        return unsafeBitCast(address, to: F.self)
    }
}
