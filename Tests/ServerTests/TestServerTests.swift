import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Server
import StandingTestSupport
import Synchronization
import Testing

/// The in-process test server's start: a port taken between ``TestServer/freePort()`` and the server's bind (another
/// test's server, or an outgoing connection's ephemeral port) once left the start waiting forever for a "running" that
/// never came, and with it the whole suite.
@Suite struct TestServerTests {
    @Test func aStartOnATakenPortIsRetriedOnAnotherPort() async throws {
        let taken = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        defer { taken.close(promise: nil) }
        let takenPort = try #require(taken.localAddress?.port)
        let handedOut = PortsHandedOut()
        let server = try await withDeadline {
            try await TestServer.start(nextPort: {
                let port = handedOut.count == 0 ? takenPort : try await TestServer.freePort()
                handedOut.record(port)
                return port
            })
        }
        defer { try? FileManager.default.removeItem(at: server.directory) }
        #expect(handedOut.ports.first == takenPort && handedOut.ports.count == 2)
        #expect(server.port != takenPort)
        #expect(try await server.request(.GET, "/health").status == 200)
        await server.stop()
    }

    @Test func aServerThatCannotStartIsAnErrorNotAWait() async throws {
        let taken = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        defer { taken.close(promise: nil) }
        let takenPort = try #require(taken.localAddress?.port)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        await #expect(throws: IOError.self) {
            try await withDeadline {
                try await TestServer.start(directory: directory, configure: { $0.port = takenPort })
            }
        }
    }
}

/// Runs `body`, failing with ``TestFailure`` after a minute instead of waiting for ever.
private func withDeadline<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(60))
            return nil
        }
        guard let first = try await group.next(), let result = first else {
            group.cancelAll()
            throw TestFailure("no answer within a minute")
        }
        group.cancelAll()
        return result
    }
}

/// The ports a test's port source handed out.
private final class PortsHandedOut: Sendable {
    private let storage = Mutex<[Int]>([])
    func record(_ port: Int) { storage.withLock { $0.append(port) } }
    var ports: [Int] { storage.withLock { $0 } }
    var count: Int { ports.count }
}
