import Dispatch
import Foundation

/// The `standing` executable built next to the test bundle.
func standingExecutable() throws -> URL {
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
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs `standing` with arguments and waits for it.
func runStanding(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
    let process = Process()
    process.executableURL = try standingExecutable()
    process.arguments = arguments
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
                    status: process.terminationStatus,
                    stdout: String(decoding: outData, as: UTF8.self),
                    stderr: String(decoding: errData, as: UTF8.self)
                )
            )
        }
    }
}
