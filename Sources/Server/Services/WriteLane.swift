import NIOCore
import NIOPosix
import Store

/// One thread at the lowest CPU priority (nice 19) on which every administrative request runs, from its body to its
/// database transaction, so that a storm of writes takes the CPU only when status reads leave it idle.
///
/// Why: the reads verifiers repeat are answered on the event loops at normal priority; a back-to-back stream of
/// 10,000-change batches cost 0.5 CPU of decoding and SQLite work on Dispatch threads at normal priority (GRDB's
/// writer queue even ran at nice -2 to -4), and on two cores that took 26-32 % of the reads. On this thread the
/// scheduler gives a waiting read the CPU first; the write still progresses (nice 19 keeps a small share of a busy
/// core, so a read flood slows writes but never stops them), and on an idle machine it runs at full speed. One thread
/// also serialises what SQLite serialises anyway. Nice +10 was measured too and did not help: the reads lost as much
/// (`Benchmarks/README.md`).
///
/// A Swift `TaskExecutor` over a one-thread NIO event loop: ``WriteLaneMiddleware`` runs a request's handler with it as
/// the task's executor preference, so the handler and the default actors it calls run here, and ``WriteLaneThread``
/// tells ``SQLiteStore`` to run its transaction on this thread instead of hopping to GRDB's queue.
final class WriteLane: TaskExecutor {
    /// The nice value of the lane's thread.
    static let niceValue: Int32 = 19

    /// The process's lane: every application in the process shares it (like NIO's singleton event loop group), so
    /// tests that build many applications do not start a thread each.
    static let shared = WriteLane()

    private let group: MultiThreadedEventLoopGroup
    private let eventLoop: any EventLoop

    private init() {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        eventLoop = group.next()
        eventLoop.execute {
            WriteLaneThread.markCurrent()
            LowPriorityWorker.lowerCallingThread(toNice: Self.niceValue)
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// Whether the calling thread is the lane's.
    var isCurrent: Bool { eventLoop.inEventLoop }
}
