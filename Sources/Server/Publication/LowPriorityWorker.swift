#if canImport(Glibc)
import Glibc
#endif
import NIOPosix

/// One thread, at a lower CPU priority than the threads serving reads, for the background work that compresses and
/// signs: the status publisher has one (and a short-lived one that prepares restored lists), the registry signer another.
///
/// Under a write storm publication is about a quarter of the writes' CPU (compressing and signing lists of up to
/// megabytes); on a small machine it competes with the event loops that answer status reads. Running it on its own
/// thread with nice +10 gives the reads the CPU first, while an idle machine still publishes at full speed. It stays
/// above the write lane's nice 19 (``WriteLane``): publication decides how soon an acknowledged change is visible.
/// One thread also bounds each user to one core, whatever the number of lists changed at once.
final class LowPriorityWorker: Sendable {
    /// The nice increment of the worker thread (Linux applies `setpriority(PRIO_PROCESS, 0, …)` to the calling thread).
    static let niceIncrement: Int32 = 10

    private let pool: NIOThreadPool

    init() {
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    /// Runs `body` on the worker thread.
    func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await pool.runIfActive {
            Self.lowerCallingThread(toNice: Self.niceIncrement)
            return try body()
        }
    }

    /// Stops the thread once the job running on it (if any) has ended. Jobs still queued are not run: NIO's
    /// `shutdownGracefully` cancels them, so their ``run(_:)`` throws `CancellationError`; a ``run(_:)`` after the
    /// shutdown throws at once. No caller is left waiting either way.
    func shutdown() async {
        try? await pool.shutdownGracefully()
    }

    /// Lowers the calling thread's CPU priority to `nice` (Linux applies `setpriority(PRIO_PROCESS, 0, …)` to the
    /// calling thread); a thread already lower keeps its value. Shared with ``WriteLane``.
    static func lowerCallingThread(toNice nice: Int32) {
        #if os(Linux)
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        if getpriority(which, 0) < nice { _ = setpriority(which, 0, nice) }
        #endif
    }
}

extension Duration {
    /// The duration in whole nanoseconds, for swift-metrics timers.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
