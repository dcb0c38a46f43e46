import Foundation

/// What a finished child process left behind.
public struct ChildProcessResult: Sendable {
    public let status: Int32
    public let stdout: Data
    public let stderr: Data

    public var output: String { String(decoding: stdout, as: UTF8.self) }
    public var errorOutput: String { String(decoding: stderr, as: UTF8.self) }
}

/// Child processes for tests, started and awaited without ever blocking a thread of Swift's concurrency pool.
///
/// Two hazards of spawning from tests, each able to stop the whole suite:
///
/// - **Blocking waits on the shared pool.** On Linux the cooperative pool is a queue as wide as the machine has cores
///   (2 here) on top of Dispatch's global queue, which `DispatchQueue.global()` shares. `waitUntilExit()`,
///   `readDataToEndOfFile()` or a `DispatchGroup.wait()` there holds one of those few threads until the child ends; two
///   such waits stop every task in the process, including the ones the waits depend on (the in-process server, the test
///   that would stop a long-lived child). Every blocking call here runs on a thread of its own.
/// - **Descriptors leaking into unrelated children.** Foundation's `Process` on Linux creates its pipes and its
///   exit-notification socket pair without close-on-exec, and closes the inherited ones in the child only up to the
///   highest descriptor it saw before spawning. A descriptor another test creates in that window is inherited by this
///   child; when the child is a long-lived `standing serve`, the other test's reader never sees end-of-file, or its exit
///   is never reported, until the server is stopped. Spawns (with their pipes) are serialised by ``spawnLock``.
public enum ChildProcess {
    /// Held while a child's pipes are created and it is spawned; see the type's documentation. Whoever changes the
    /// process environment (`setenv`) holds it too: `Process.run` copies `environ`, and a concurrent `setenv` that
    /// reallocates it made that copy read freed memory (a crash in `memcpy` under `Process.run`).
    public static let spawnLock = NSLock()

    /// Runs `executable` with `arguments` to its end and collects its output.
    /// - Parameters:
    ///   - executable: The program.
    ///   - arguments: Its arguments.
    ///   - environment: Its environment; the test process's when nil.
    public static func run(
        _ executable: URL, arguments: [String], environment: [String: String]? = nil, currentDirectory: URL? = nil
    ) async throws -> ChildProcessResult {
        let (process, pipes) = try spawn(
            executable, arguments: arguments, environment: environment, currentDirectory: currentDirectory, captureStandardError: true)
        return await onOwnThread {
            // Both pipes are drained at once: a child that fills one while we wait on the other would never end.
            let errorRead = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var errorBytes = Data()
            Thread {
                errorBytes = pipes.error?.fileHandleForReading.readDataToEndOfFile() ?? Data()
                errorRead.signal()
            }.start()
            let outputBytes = pipes.output.fileHandleForReading.readDataToEndOfFile()
            errorRead.wait()
            process.waitUntilExit()
            return ChildProcessResult(status: process.terminationStatus, stdout: outputBytes, stderr: errorBytes)
        }
    }

    /// The pipes of a spawned child.
    public struct Pipes: @unchecked Sendable {
        // Unchecked: `Pipe` carries no Sendable annotation; each end is read or written from one thread.
        public let output: Pipe
        public let error: Pipe?
    }

    /// Spawns `executable` and returns at once; its standard output is a pipe, its standard error one when
    /// `captureStandardError` (else discarded), its standard input empty. The caller reads the pipes (off the pool) and
    /// waits for the end with ``waitForExit(_:)``.
    public static func spawn(
        _ executable: URL, arguments: [String], environment: [String: String]? = nil, currentDirectory: URL? = nil,
        captureStandardError: Bool
    ) throws -> (Process, Pipes) {
        try spawnLock.withLock {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            if let currentDirectory { process.currentDirectoryURL = currentDirectory }
            if let environment { process.environment = environment }
            let pipes = Pipes(output: Pipe(), error: captureStandardError ? Pipe() : nil)
            process.standardOutput = pipes.output
            process.standardError = pipes.error ?? FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            return (process, pipes)
        }
    }

    /// Waits, off the concurrency pool, until `process` has ended; returns its termination status.
    @discardableResult
    public static func waitForExit(_ process: Process) async -> Int32 {
        await onOwnThread {
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    /// Runs blocking `body` on a new thread of its own and returns its result: never on (and never starving) the
    /// threads Swift's tasks run on.
    public static func onOwnThread<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Swift.Result { try body() }) }
            thread.start()
        }
    }

    /// Runs non-throwing blocking `body` on a new thread of its own.
    public static func onOwnThread<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.start()
        }
    }
}
