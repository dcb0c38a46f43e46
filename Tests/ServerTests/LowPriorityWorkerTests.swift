import Foundation
import StandingAPI
import Store
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing

@testable import Server

/// The publisher's and the registry signer's worker thread: a shutdown leaves no caller waiting.
@Suite struct LowPriorityWorkerTests {
    @Test func shutdownWaitsForTheRunningJobAndLaterJobsThrowAtOnce() async throws {
        let worker = LowPriorityWorker()
        let running = Latch()
        let release = Latch()
        let holding = Task { try await worker.run { running.open(); release.wait(); return 1 } }
        while !running.isOpen { try await Task.sleep(for: .milliseconds(5)) }

        let stopped = Latch()
        let shutdown = Task {
            await worker.shutdown()
            stopped.open()
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(!stopped.isOpen, "the shutdown waits for the job on the thread")
        release.open()
        await shutdown.value
        #expect(try await holding.value == 1, "the running job ends normally")
        await #expect(throws: (any Error).self) { try await worker.run { 2 } }
    }
}

/// Administrative requests and their SQLite transactions run on the low-priority executor's thread.
@Suite struct LowPriorityExecutorTests {
    /// The nice value of the calling thread (Linux applies it per thread).
    static func currentNice() -> Int32 {
        #if os(Linux)
        errno = 0
        return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        #else
        return LowPriorityWorker.niceIncrement
        #endif
    }

    let executor = LowPriorityExecutor()

    @Test func blockingWorkRunsAtTheLowerPriority() async throws {
        let nice = try await executor.runBlocking { Self.currentNice() }
        #expect(nice >= LowPriorityWorker.niceIncrement)
    }

    @Test func tasksPreferringItRunOnItsThread() async throws {
        let nice = await withTaskExecutorPreference(executor) { Self.currentNice() }
        #expect(nice >= LowPriorityWorker.niceIncrement)
        let errorsPassThrough = await withTaskExecutorPreference(executor) {
            await #expect(throws: StoreError.self) { try await executor.runBlocking { throw StoreError(.conflict, "x") } }
        }
        _ = errorsPassThrough
    }

    /// A store write made under the runner runs its transaction (here: the validation inside it) on the thread.
    @Test func aStoreWriteUnderTheRunnerRunsItsTransactionThere() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lpe-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory.appendingPathComponent("standing.sqlite").path)
        try await store.createList(
            StatusListDefinition(
                id: "l1", owner: "issuer", purpose: .revocation, statusSize: 1, capacity: 8, ttlSeconds: 60, validitySeconds: 3600,
                statusMessages: [], allocatorKey: [1], createdAt: Date()))
        let seen = Mutex<[Int32]>([])
        let change = EntryChange(index: 1, value: 1)
        _ = try await BlockingWork.$runner.withValue(executor) {
            try await store.applyChanges(listId: "l1", changes: [change], actor: "t", reason: nil, at: Date()) { _, _ in
                seen.withLock { $0.append(Self.currentNice()) }
            }
        }
        _ = try await store.applyChanges(listId: "l1", changes: [EntryChange(index: 2, value: 1)], actor: "t", reason: nil, at: Date()) { _, _ in
            seen.withLock { $0.append(Self.currentNice()) }
        }
        let values = seen.withLock { $0 }
        #expect(values.count == 2)
        #expect(values.first.map { $0 >= LowPriorityWorker.niceIncrement } == true, "under the runner: \(values)")
        #expect(values.last.map { $0 < LowPriorityWorker.niceIncrement } == true, "without it the transaction runs where GRDB runs it: \(values)")
    }
}

/// A one-way gate for plain threads (the worker's) and tasks.
private final class Latch: Sendable {
    private let state = Mutex(false)
    private let condition = NSCondition()

    var isOpen: Bool { state.withLock { $0 } }

    func open() {
        condition.lock()
        state.withLock { $0 = true }
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks the calling thread (the worker's, never a task's) until open.
    func wait() {
        condition.lock()
        while !isOpen { condition.wait() }
        condition.unlock()
    }
}
