import Foundation
import StandingTestSupport
import Synchronization
import Testing

/// The test support's child processes (the `standing` CLI, `standing serve`, python3) are awaited off Swift's
/// concurrency pool: a wait that held a pool thread until its child ended once stopped the whole suite, because the
/// children's ends depended on tasks that could no longer run.
@Suite struct ChildProcessTests {
    @Test func waitingForMoreChildrenThanThePoolHasThreadsLeavesThePoolFree() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-children-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let release = directory.appendingPathComponent("release")
        // Each child says it started, then waits until a task of this test releases it.
        let script = #"touch "$0/started-$1"; while [ ! -e "$0/release" ]; do sleep 0.05; done"#
        let count = 2 * ProcessInfo.processInfo.activeProcessorCount + 2

        // A plain thread releases the children after a minute if no task could, so a starved pool fails this test
        // instead of hanging the suite.
        let starved = Flag()
        let releasePath = release.path
        Thread {
            for _ in 0..<600 {
                if FileManager.default.fileExists(atPath: releasePath) { return }
                usleep(100_000)
            }
            starved.raise()
            _ = FileManager.default.createFile(atPath: releasePath, contents: nil)
        }.start()

        let children = Task {
            try await withThrowingTaskGroup(of: Int32.self) { group in
                for index in 0..<count {
                    group.addTask {
                        try await ChildProcess.run(
                            URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", script, directory.path, String(index)]
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        // This task needs a pool thread while every child is being waited for.
        func started() -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasPrefix("started-") }.count
        }
        while started() < count, !starved.isRaised { try await Task.sleep(for: .milliseconds(20)) }
        _ = FileManager.default.createFile(atPath: release.path, contents: nil)
        let statuses = try await children.value

        #expect(!starved.isRaised, "the waits for the children starved the concurrency pool")
        #expect(statuses == Array(repeating: 0, count: count))
    }

    @Test func aChildInheritsOnlyItsStandardStreams() async throws {
        // A descriptor opened without close-on-exec, as a careless library might.
        let descriptor = open("/dev/null", O_RDONLY)
        try #require(descriptor > 2)
        defer { close(descriptor) }
        let result = try await ChildProcess.run(
            URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", #"[ -e "/proc/$$/fd/$0" ] && echo open || echo closed"#, String(descriptor)])
        #expect(result.status == 0)
        #expect(result.output == "closed\n")
    }

    @Test func aChildRunsInTheGivenDirectoryWithTheGivenEnvironment() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-child-dir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await ChildProcess.run(
            URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", #"pwd; echo "$GREETING"; echo oops >&2; exit 3"#],
            environment: ["GREETING": "hello"], currentDirectory: directory)
        #expect(result.status == 3)
        #expect(result.output == "\(directory.resolvingSymlinksInPath().path)\nhello\n")
        #expect(result.errorOutput == "oops\n")
    }

    @Test func terminateEndsAChildWhoseParentIgnoresTheSignal() async throws {
        // The test process may ignore SIGTERM (service-lifecycle takes it through a dispatch source); the child must
        // not inherit that.
        let (child, pipes) = try ChildProcess.spawn(
            URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "echo ready; exec sleep 60"], captureStandardError: false)
        let ready = await ChildProcess.onOwnThread { pipes.output.availableData }
        #expect(String(decoding: ready, as: UTF8.self) == "ready\n")
        child.terminate()
        #expect(await ChildProcess.waitForExit(child) == 128 + SIGTERM)
        #expect(child.terminationStatus == 128 + SIGTERM)
        child.terminate()  // after the end: no signal goes to a process ID that may have been reused
    }

    @Test func aMissingProgramIsAnErrorNamingIt() async throws {
        let error = await #expect(throws: ChildProcessError.self) {
            try await ChildProcess.run(URL(fileURLWithPath: "/nonexistent/program"), arguments: [])
        }
        #expect(error?.description.contains("/nonexistent/program") == true)
    }
}

/// A flag raised from a plain thread and read from tasks.
private final class Flag: Sendable {
    private let raised = Mutex(false)
    func raise() { raised.withLock { $0 = true } }
    var isRaised: Bool { raised.withLock { $0 } }
}
