import Foundation
@_exported import ProcessTestSupport

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

/// Runs `standing` with arguments and waits for it (off the concurrency pool: see ``ChildProcess``).
public func runStanding(
    _ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil
) async throws -> CommandResult {
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "STANDING_TOKEN")
    env.removeValue(forKey: "STANDING_SERVER")
    env.merge(environment) { _, new in new }
    let result = try await ChildProcess.run(try standingExecutable(), arguments: arguments, environment: env, currentDirectory: directory)
    return CommandResult(status: result.status, stdout: result.output, stderr: result.errorOutput)
}

/// A `standing serve` child process.
public final class ServerProcess: Sendable {
    public let process: ChildProcessHandle
    public let baseURL: String

    private init(process: ChildProcessHandle, baseURL: String) {
        self.process = process
        self.baseURL = baseURL
    }

    /// The port it listens on.
    public var port: Int { URLComponents(string: baseURL)?.port ?? 0 }

    /// Starts `standing serve` and waits until it listens. As with ``TestServer/start(directory:configure:nextPort:)``
    /// the port may be taken between ``TestServer/freePort()`` and the child's bind; a child that exits without
    /// listening is started again on a fresh port (a few times), then its output is the error.
    /// - Parameters:
    ///   - port: The port, for a restart that must keep the list URLs of the first run (retried as it is); a free one
    ///     when nil.
    ///   - executable: The binary to run; the built `standing` when nil.
    public static func start(
        dataDirectory: URL, port fixedPort: Int? = nil, extraArguments: [String] = [], executable: URL? = nil
    ) async throws -> ServerProcess {
        var attempt = 1
        while true {
            let port = if let fixedPort { fixedPort } else { try await TestServer.freePort() }
            let (process, pipes) = try ChildProcess.spawn(
                try executable ?? standingExecutable(),
                arguments: ["serve", "--data-dir", dataDirectory.path, "--port", String(port), "--log-level", "warning"] + extraArguments,
                captureStandardError: false)
            let output = pipes.output
            let line = await ChildProcess.onOwnThread {
                var buffer = Data()
                while !buffer.contains(UInt8(ascii: "\n")) {
                    let chunk = output.availableData
                    if chunk.isEmpty { break }
                    buffer.append(chunk)
                }
                return String(decoding: buffer, as: UTF8.self)
            }
            let server = ServerProcess(process: process, baseURL: "http://127.0.0.1:\(port)")
            guard line.contains("listening on") else {
                await server.terminate()
                if attempt < 5 {
                    attempt += 1
                    continue
                }
                throw TestFailure("standing serve did not start: \(line)")
            }
            // The rest of its log is drained, so a chatty server never blocks on a full pipe.
            Thread { while !output.availableData.isEmpty {} }.start()
            return server
        }
    }

    /// Kills the process with SIGKILL (no shutdown code runs) and waits until it is gone.
    public func kill() async {
        process.terminate(signal: SIGKILL)
        await ChildProcess.waitForExit(process)
    }

    /// Stops the process with SIGTERM and waits.
    public func terminate() async {
        process.terminate()
        await ChildProcess.waitForExit(process)
    }
}
