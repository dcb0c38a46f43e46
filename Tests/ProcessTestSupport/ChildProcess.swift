import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a finished child process left behind.
public struct ChildProcessResult: Sendable {
    public let status: Int32
    public let stdout: Data
    public let stderr: Data

    public var output: String { String(decoding: stdout, as: UTF8.self) }
    public var errorOutput: String { String(decoding: stderr, as: UTF8.self) }
}

/// Child processes for tests, spawned with `posix_spawn` and awaited without ever blocking a thread of Swift's
/// concurrency pool.
///
/// Three hazards of spawning from tests, each able to stop the whole suite:
///
/// - **Foundation's `Process.run` crashed** (in about a third of full-suite runs on a two-core machine) with a `memcpy`
///   read past a page boundary while it prepared the child. Children are spawned here with `posix_spawn` directly: the
///   arguments and environment are copied into C strings this type owns, and nothing is shared with Foundation.
/// - **Blocking waits on the shared pool.** On Linux the cooperative pool is a queue as wide as the machine has cores
///   (2 here) on top of Dispatch's global queue, which `DispatchQueue.global()` shares. `waitpid`, `readDataToEndOfFile()`
///   or a `DispatchGroup.wait()` there holds one of those few threads until the child ends; two such waits stop every
///   task in the process, including the ones the waits depend on (the in-process server, the test that would stop a
///   long-lived child). Every blocking call here runs on a thread of its own.
/// - **Descriptors leaking into unrelated children.** A long-lived `standing serve` that inherits another test's pipe
///   keeps that test's reader from ever seeing end-of-file. Each child closes every descriptor above standard error
///   before it executes (`posix_spawn_file_actions_addclosefrom_np`), and our own pipe ends are close-on-exec.
public enum ChildProcess {
    /// Held while a child is spawned. Whoever changes the process environment (`setenv`) holds it too: a child spawned
    /// with the test process's environment reads `environ`, which a concurrent `setenv` may reallocate.
    public static let spawnLock = NSLock()

    /// Runs `executable` with `arguments` to its end and collects its output.
    /// - Parameters:
    ///   - executable: The program.
    ///   - arguments: Its arguments.
    ///   - environment: Its environment; the test process's when nil.
    ///   - currentDirectory: Its working directory; the test process's when nil.
    public static func run(
        _ executable: URL, arguments: [String], environment: [String: String]? = nil, currentDirectory: URL? = nil
    ) async throws -> ChildProcessResult {
        try await onOwnThread {
            try runBlocking(executable, arguments: arguments, environment: environment, currentDirectory: currentDirectory)
        }
    }

    /// ``run(_:arguments:environment:currentDirectory:)`` for synchronous set-up code, blocking the calling thread until
    /// the child ends: never call it from a task (see the type's documentation).
    public static func runBlocking(
        _ executable: URL, arguments: [String], environment: [String: String]? = nil, currentDirectory: URL? = nil
    ) throws -> ChildProcessResult {
        let (child, pipes) = try spawn(
            executable, arguments: arguments, environment: environment, currentDirectory: currentDirectory, captureStandardError: true)
        // Both pipes are drained at once: a child that fills one while we wait on the other would never end.
        let errorRead = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var errorBytes = Data()
        Thread {
            errorBytes = pipes.error?.readDataToEndOfFile() ?? Data()
            errorRead.signal()
        }.start()
        let outputBytes = pipes.output.readDataToEndOfFile()
        errorRead.wait()
        let status = child.waitUntilExit()
        return ChildProcessResult(status: status, stdout: outputBytes, stderr: errorBytes)
    }

    /// The reading ends of a spawned child's pipes.
    public struct Pipes: @unchecked Sendable {
        // Unchecked: `FileHandle` carries no Sendable annotation; each is read from one thread.
        /// The child's standard output.
        public let output: FileHandle
        /// The child's standard error, when it was captured.
        public let error: FileHandle?
    }

    /// Spawns `executable` and returns at once; its standard output is a pipe, its standard error one when
    /// `captureStandardError` (else discarded), its standard input empty. The caller reads the pipes (off the pool) and
    /// waits for the end with ``waitForExit(_:)``.
    ///
    /// The child starts with no blocked signals and the default action for termination signals: the test process
    /// ignores `SIGTERM` (service-lifecycle takes it through a dispatch source), and an ignored signal would otherwise
    /// stay ignored across `exec`.
    public static func spawn(
        _ executable: URL, arguments: [String], environment: [String: String]? = nil, currentDirectory: URL? = nil,
        captureStandardError: Bool
    ) throws -> (ChildProcessHandle, Pipes) {
        let output = try PipeEnds()
        let error = captureStandardError ? try PipeEnds() : nil
        defer {
            // The parent keeps only the reading ends.
            close(output.write)
            if let error { close(error.write) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        try check(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), "redirect standard input")
        try check(posix_spawn_file_actions_adddup2(&actions, output.write, 1), "redirect standard output")
        if let error {
            try check(posix_spawn_file_actions_adddup2(&actions, error.write, 2), "redirect standard error")
        } else {
            try check(posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0), "discard standard error")
        }
        if let currentDirectory {
            try check(GlibcExtensions.addChangeDirectory(&actions, currentDirectory.path), "change directory")
        }
        try check(GlibcExtensions.addCloseFrom(&actions, 3), "close inherited descriptors")

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&defaultSignals, signal) }
        try check(posix_spawnattr_setsigmask(&attributes, &noSignals), "set the signal mask")
        try check(posix_spawnattr_setsigdefault(&attributes, &defaultSignals), "reset signal actions")
        try check(posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)), "set spawn flags")

        let argumentStrings = CStringArray([executable.path] + arguments)
        let environmentStrings = environment.map { CStringArray($0.map { "\($0.key)=\($0.value)" }) }
        var pid: pid_t = 0
        let spawned = spawnLock.withLock {
            argumentStrings.withPointers { argv in
                if let environmentStrings {
                    environmentStrings.withPointers { envp in posix_spawn(&pid, executable.path, &actions, &attributes, argv, envp) }
                } else {
                    posix_spawn(&pid, executable.path, &actions, &attributes, argv, environ)
                }
            }
        }
        guard spawned == 0 else {
            close(output.read)
            if let error { close(error.read) }
            throw ChildProcessError("could not start \(executable.path): \(String(cString: strerror(spawned)))")
        }
        let pipes = Pipes(
            output: FileHandle(fileDescriptor: output.read, closeOnDealloc: true),
            error: error.map { FileHandle(fileDescriptor: $0.read, closeOnDealloc: true) })
        return (ChildProcessHandle(processIdentifier: pid), pipes)
    }

    /// Waits, off the concurrency pool, until `child` has ended; returns its termination status.
    @discardableResult
    public static func waitForExit(_ child: ChildProcessHandle) async -> Int32 {
        await onOwnThread { child.waitUntilExit() }
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

    private static func check(_ result: Int32, _ step: String) throws {
        guard result == 0 else { throw ChildProcessError("could not \(step) for a child process: \(String(cString: strerror(result)))") }
    }
}

/// A child started by ``ChildProcess/spawn(_:arguments:environment:currentDirectory:captureStandardError:)``.
public final class ChildProcessHandle: Sendable {
    /// The child's process ID.
    public let processIdentifier: pid_t
    /// The termination status once the child has been reaped; signals are never sent after that, since its process ID
    /// may by then belong to another process.
    private let reaped = Mutex<Int32?>(nil)
    /// Serialises `waitpid`, so that two waiters never race for the one exit.
    private let reaping = NSLock()

    init(processIdentifier: pid_t) {
        self.processIdentifier = processIdentifier
    }

    /// Blocks until the child has ended and returns its exit status, or 128 plus the signal that ended it (as a shell
    /// reports it). Call it off the concurrency pool (``ChildProcess/waitForExit(_:)``).
    @discardableResult
    public func waitUntilExit() -> Int32 {
        reaping.withLock {
            if let status = reaped.withLock({ $0 }) { return status }
            var raw: Int32 = 0
            while waitpid(processIdentifier, &raw, 0) == -1, errno == EINTR {}
            // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import.
            let signal = raw & 0x7f
            let status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
            reaped.withLock { $0 = status }
            return status
        }
    }

    /// Its termination status, nil while it has not been waited for.
    public var terminationStatus: Int32? { reaped.withLock { $0 } }

    /// Sends `signal` (SIGTERM by default) unless the child has already been reaped.
    public func terminate(signal: Int32 = SIGTERM) {
        reaped.withLock { status in
            if status == nil { _ = kill(processIdentifier, signal) }
        }
    }
}

/// A child process could not be started.
public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// A pipe whose two ends are close-on-exec; the child gets its end through `dup2`, which clears the flag on the copy.
private struct PipeEnds {
    let read: Int32
    let write: Int32

    init() throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw ChildProcessError("could not create a pipe: \(String(cString: strerror(errno)))") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        read = ends[0]
        write = ends[1]
    }
}

/// NUL-terminated C strings owned until the value is released.
private final class CStringArray {
    private let pointers: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        pointers = strings.map { $0.withCString { strdup($0) } } + [nil]
    }

    deinit { for pointer in pointers { free(pointer) } }

    func withPointers<Result>(_ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result) -> Result {
        pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// glibc's `posix_spawn` extensions (2.29 and 2.34), which Swift's Glibc module does not import: they are declared only
/// under `_GNU_SOURCE`. Looked up once by name.
private enum GlibcExtensions {
    private typealias AddChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)  // RTLD_DEFAULT
    }

    nonisolated(unsafe) private static let changeDirectory = symbol("posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: AddChangeDirectory.self) }
    nonisolated(unsafe) private static let closeFrom = symbol("posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    static func addChangeDirectory(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: String) -> Int32 {
        guard let changeDirectory else { return ENOSYS }
        return changeDirectory(actions, path)
    }

    static func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ lowest: Int32) -> Int32 {
        guard let closeFrom else { return ENOSYS }
        return closeFrom(actions, lowest)
    }
}
