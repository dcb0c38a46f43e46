#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Store

/// One thread at nice +10 that runs an application's administrative requests (`/admin`, `/credentials`): their tasks
/// prefer it as their executor (`withTaskExecutorPreference`, ``LowPriorityAdministration``), and their SQLite
/// transactions run on it too (``Store/BlockingWork``).
///
/// A storm of batched writes made status reads 28 % slower on a 2-core machine: decoding the batches and writing them
/// ran at the same priority as the event loops answering reads. On this thread the scheduler serves the reads first
/// and gives the writes what is left (an idle machine still writes at full speed). The cost is that writes slow down
/// while reads saturate the CPU, which is the trade a status service wants: reads are what verifiers wait on.
/// Writes are serialised by the store anyway, so one thread loses no write throughput.
///
/// The thread ends when the executor is released (with the application's router, after its last request).
final class LowPriorityExecutor: TaskExecutor, BlockingWorkRunner, @unchecked Sendable {
    private let queue: WorkQueue

    init(name: String = "standing-admin") {
        let queue = WorkQueue()
        self.queue = queue
        queue.executor = asUnownedTaskExecutor()
        let thread = Thread { queue.run() }
        thread.name = name
        thread.start()
    }

    deinit {
        queue.stop()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        queue.push(.job(UnownedJob(job)))
    }

    /// Runs `body` on the executor's thread.
    func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        // `body` is released before the caller resumes: it may be a closure that must not escape.
        let held = HeldClosure(body)
        return try await withCheckedThrowingContinuation { continuation in
            queue.push(
                .closure {
                    let result: Result<T, any Error>
                    do {
                        let body = held.take()
                        result = Result(catching: body)
                    }
                    continuation.resume(with: result)
                })
        }
    }
}

/// The executor's queue and its thread's loop.
private final class WorkQueue: @unchecked Sendable {
    enum Work {
        case job(UnownedJob)
        case closure(() -> Void)
    }

    /// Set once, before the thread starts.
    var executor: UnownedTaskExecutor?
    /// Guards `items`, `head` and `stopped`; the thread waits on it.
    private let condition = NSCondition()
    /// Taken entries are cleared at once: a closure must not outlive its run (callers may hand over closures that
    /// must not escape, `withoutActuallyEscaping`).
    private var items: [Work?] = []
    private var head = 0
    private var stopped = false

    func push(_ work: Work) {
        condition.lock()
        items.append(work)
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    /// The thread's loop: until stopped with nothing left to run.
    func run() {
        LowPriorityWorker.lowerPriority()
        while true {
            condition.lock()
            while head == items.count, !stopped { condition.wait() }
            if head == items.count {
                condition.unlock()
                return
            }
            let next = items[head].take()!
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.unlock()
            switch next {
            case .job(let job): job.runSynchronously(on: executor!)
            case .closure(let body): body()
            }
        }
    }
}

/// A closure taken out exactly once.
private final class HeldClosure<T>: @unchecked Sendable {
    private var body: (() throws -> T)?

    init(_ body: @escaping () throws -> T) {
        self.body = body
    }

    func take() -> () throws -> T {
        defer { body = nil }
        return body!
    }
}
