/// Where a store runs its blocking database work for the current task, when the caller chose a place: the server runs
/// administrative writes on a low-priority thread, and the SQLite transaction of such a write runs there too, so that
/// a storm of writes yields the CPU to status reads (see `LowPriorityExecutor` in the server).
public protocol BlockingWorkRunner: Sendable {
    /// Runs `body` on the runner's thread and returns its result.
    func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T
}

/// The runner of the current task's blocking store work; nil runs it where the store normally does.
public enum BlockingWork {
    @TaskLocal public static var runner: (any BlockingWorkRunner)?
}
