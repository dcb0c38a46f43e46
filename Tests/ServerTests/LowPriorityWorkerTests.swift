import Foundation
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
