import Dispatch
import Foundation

/// The `standing` executable built next to the test bundle.
public func standingExecutable() throws -> URL {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("standing"),
        Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("standing"),
        Bundle.main.bundleURL.appendingPathComponent("standing"),
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/standing"),
    ]
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw TestFailure("the standing executable was not found next to the tests (\(candidates.map(\.path)))")
    }
    return found
}

/// The result of running the CLI.
public struct CommandResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs `standing` with arguments and waits for it.
public func runStanding(
    _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil
) async throws -> CommandResult {
    let process = Process()
    process.executableURL = try standingExecutable()
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "STANDING_TOKEN")
    env.removeValue(forKey: "STANDING_SERVER")
    env.merge(environment) { _, new in new }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    // Everything that blocks (reading pipes, waiting for exit) runs on Dispatch threads: blocking the few threads of
    // Swift's cooperative pool would starve the in-process server the command is talking to.
    return try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
                return
            }
            let readers = DispatchGroup()
            nonisolated(unsafe) var outData = Data()
            nonisolated(unsafe) var errData = Data()
            DispatchQueue.global().async(group: readers) { outData = out.fileHandleForReading.readDataToEndOfFile() }
            DispatchQueue.global().async(group: readers) { errData = err.fileHandleForReading.readDataToEndOfFile() }
            readers.wait()
            process.waitUntilExit()
            continuation.resume(
                returning: CommandResult(
                    status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                    stderr: String(decoding: errData, as: UTF8.self)))
        }
    }
}

/// A `standing serve` child process.
public final class ServerProcess: @unchecked Sendable {
    // Unchecked: `Process` is a class without Sendable annotations; it is only touched from the owning test.
    public let process: Process
    public let baseURL: String

    private init(process: Process, baseURL: String) {
        self.process = process
        self.baseURL = baseURL
    }

    /// Starts `standing serve` on a free port and waits until it listens.
    public static func start(dataDirectory: URL, extraArguments: [String] = []) async throws -> ServerProcess {
        let port = try await TestServer.freePort()
        let process = Process()
        process.executableURL = try standingExecutable()
        process.arguments = ["serve", "--data-dir", dataDirectory.path, "--port", String(port), "--log-level", "warning"] + extraArguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var buffer = Data()
                while !buffer.contains(UInt8(ascii: "\n")) {
                    let chunk = out.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    buffer.append(chunk)
                }
                continuation.resume(returning: String(decoding: buffer, as: UTF8.self))
            }
        }
        guard line.contains("listening on") else {
            process.terminate()
            throw TestFailure("standing serve did not start: \(line)")
        }
        return ServerProcess(process: process, baseURL: "http://127.0.0.1:\(port)")
    }

    /// Kills the process with SIGKILL: no shutdown code runs.
    public func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Stops the process with SIGTERM and waits.
    public func terminate() {
        process.terminate()
        process.waitUntilExit()
    }
}
