import Foundation
import Logging
import NIOHTTP1
import NIOCore
import NIOPosix
import StandingTestSupport
import Testing

@testable import Server

/// What a raw-socket client saw: the bytes, and whether and when the server closed the connection.
struct RawExchange: Sendable {
    let text: String
    let closed: Bool
    /// From connecting to the close (or to giving up).
    let elapsed: Duration

    /// The status codes of the responses in `text` (a status line may follow a body directly).
    var statuses: [Int] {
        text.components(separatedBy: "HTTP/1.").dropFirst().compactMap { part in
            guard part.hasPrefix("1 ") || part.hasPrefix("0 ") else { return nil }
            return Int(part.dropFirst(2).prefix(3))
        }
    }
}

/// Sends `steps` (a pause, then bytes) on one connection and collects the answer until the server closes or `limit`
/// passes. The client never closes first, so a close seen here is the server's.
func rawExchange(port: Int, steps: [(Duration, String)], limit: Duration) async throws -> RawExchange {
    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        // Unchecked: touched only on the channel's event loop, then read after the promise completes.
        typealias InboundIn = ByteBuffer
        var received = ""
        let closed: EventLoopPromise<Void>

        init(closed: EventLoopPromise<Void>) { self.closed = closed }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received += buffer.readString(length: buffer.readableBytes) ?? ""
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed.succeed(())
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
    let group = MultiThreadedEventLoopGroup.singleton
    let eventLoop = group.next()
    let closed = eventLoop.makePromise(of: Void.self)
    let collector = Collector(closed: closed)
    let start = ContinuousClock.now
    let channel = try await ClientBootstrap(group: eventLoop)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
        }
        .connect(host: "127.0.0.1", port: port).get()
    let sender = Task {
        for (pause, bytes) in steps {
            try await Task.sleep(for: pause)
            try await channel.writeAndFlush(ByteBuffer(string: bytes))
        }
    }
    let giveUp = eventLoop.scheduleTask(in: .nanoseconds(Int64(limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000))) {
        closed.fail(TestFailure("still open"))
    }
    let wasClosed = (try? await closed.futureResult.get()) != nil
    let elapsed = ContinuousClock.now - start
    giveUp.cancel()
    sender.cancel()
    try? await channel.close()
    let text = try await eventLoop.submit { collector.received }.get()
    return RawExchange(text: text, closed: wasClosed, elapsed: elapsed)
}

/// Timeouts, the connection cap and HTTP/1.0 connection handling (``ConnectionGuardHandler``, ``ConnectionCap``):
/// no client can hold a connection forever, whatever it sends or does not send.
@Suite struct ConnectionGuardTests {
    static func server(maxConnections: Int = 4096) async throws -> TestServer {
        try await TestServer.start { configuration in
            configuration.headerTimeoutMilliseconds = 300
            configuration.bodyTimeoutMilliseconds = 500
            configuration.idleTimeoutMilliseconds = 500
            configuration.maxConnections = maxConnections
        }
    }

    @Test func aConnectionThatSendsNothingIsClosedAfterTheHeaderTimeout() async throws {
        let server = try await Self.server()
        defer { Task { await server.stopAndRemove() } }
        let exchange = try await rawExchange(port: server.port, steps: [], limit: .seconds(5))
        #expect(exchange.closed && exchange.text.isEmpty)
        #expect(exchange.elapsed >= .milliseconds(250))
    }

    @Test func aHeaderBlockTrickledByteByByteIsAnswered408AndClosed() async throws {
        let server = try await Self.server()
        defer { Task { await server.stopAndRemove() } }
        let steps = [(Duration.zero, "GET /health HTTP/1.1\r\nHost: x\r\n")] + Array(repeating: (Duration.milliseconds(100), "X-Slow: y\r\n"), count: 50)
        let exchange = try await rawExchange(port: server.port, steps: steps, limit: .seconds(5))
        #expect(exchange.closed)
        #expect(exchange.statuses == [408], "\(exchange.text)")
        #expect(exchange.text.contains("application/problem+json") && exchange.text.contains("urn:standing:problem:request-timeout"))
    }

    @Test(arguments: ["Content-Length: 100", "Content-Length: 100\r\nExpect: 100-continue"])
    func aBodyThatNeverArrivesIsClosedAfterTheBodyTimeout(_ framing: String) async throws {
        let server = try await Self.server()
        defer { Task { await server.stopAndRemove() } }
        let request = "POST /trqp/authorization HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\(framing)\r\n\r\n{\"entity"
        let exchange = try await rawExchange(port: server.port, steps: [(.zero, request)], limit: .seconds(5))
        #expect(exchange.closed)
        #expect(exchange.statuses.allSatisfy { $0 < 500 }, "\(exchange.text)")
    }

    @Test func aBodyTrickledByteByByteIsClosedAfterTheBodyTimeout() async throws {
        let server = try await Self.server()
        defer { Task { await server.stopAndRemove() } }
        let head = "POST /status/lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        let steps = [(Duration.zero, head)] + Array(repeating: (Duration.milliseconds(100), " "), count: 50)
        let exchange = try await rawExchange(port: server.port, steps: steps, limit: .seconds(5))
        #expect(exchange.closed)
        #expect(exchange.elapsed < .seconds(3))
    }

    @Test func aKeptAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        let server = try await Self.server()
        defer { Task { await server.stopAndRemove() } }
        let exchange = try await rawExchange(port: server.port, steps: [(.zero, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")], limit: .seconds(5))
        #expect(exchange.statuses == [200])
        #expect(exchange.closed && exchange.elapsed >= .milliseconds(450))
    }

    @Test func fastPathAnswersKeepAConnectionAlive() async throws {
        let server = try await Self.server()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        // Ten reads 200 ms apart: 2 s on one connection, four idle timeouts long, each answered on the fast path.
        let read = "GET /status/\(list) HTTP/1.1\r\nHost: x\r\nAccept: application/statuslist+jwt\r\n\r\n"
        let exchange = try await rawExchange(port: server.port, steps: Array(repeating: (.milliseconds(200), read), count: 10), limit: .seconds(6))
        #expect(exchange.statuses == Array(repeating: 200, count: 10), "\(exchange.statuses)")
    }

    @Test func http10WithoutKeepAliveIsClosedAfterTheResponse() async throws {
        // Long timeouts: the close must come from the HTTP/1.0 rule, not from a deadline.
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let exchange = try await rawExchange(port: server.port, steps: [(.zero, "GET /health HTTP/1.0\r\n\r\n")], limit: .seconds(3))
        #expect(exchange.statuses == [200])
        #expect(exchange.closed, "an HTTP/1.0 request without keep-alive must close the connection")
        let kept = try await rawExchange(
            port: server.port, steps: [(.zero, "GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")], limit: .milliseconds(700))
        #expect(kept.statuses == [200] && !kept.closed, "HTTP/1.0 with keep-alive persists")
    }

    @Test func aResponseBeforeTheBodyEndsTheConnection() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        // Refused at once on its declared length: the connection must not wait for 10^15 bytes.
        let request = "POST /trqp/recognition HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000000000\r\n\r\n{"
        let exchange = try await rawExchange(port: server.port, steps: [(.zero, request)], limit: .seconds(3))
        #expect(exchange.statuses == [413], "\(exchange.text)")
        #expect(exchange.text.contains("urn:standing:problem:payload-too-large"))
        #expect(exchange.closed)
    }

    @Test func theConnectionCapIsCountedAndServesAgainWhenConnectionsClose() async throws {
        let server = try await Self.server(maxConnections: 3)
        defer { Task { await server.stopAndRemove() } }
        // Three idle connections fill the cap; /health waits in the backlog until the header timeout frees them.
        async let idle = withThrowingTaskGroup(of: RawExchange.self) { group in
            for _ in 0..<3 { group.addTask { try await rawExchange(port: server.port, steps: [], limit: .seconds(5)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        try await Task.sleep(for: .milliseconds(100))
        let health = try await server.request(.GET, "/health")
        #expect(health.status == 200)
        #expect(try await idle.allSatisfy(\.closed))
        let metrics = try await server.request(.GET, "/metrics").text
        #expect(metrics.contains(ConnectionLimits.limitReachedMetric))
        #expect(metrics.contains("\(ConnectionLimits.timeoutsMetric){phase=\"header\"}"))
    }

    @Test func theCapFitsTheOpenFileLimit() throws {
        var limit = rlimit()
        #if canImport(Glibc)
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        #else
        getrlimit(RLIMIT_NOFILE, &limit)
        #endif
        try #require(limit.rlim_max != ConnectionCap.unlimited, "this test needs a finite hard open-file limit")
        let requested = Int(limit.rlim_max) + 1000
        let fitted = ConnectionCap.fitToOpenFileLimit(requested, logger: .init(label: "test"))
        #expect(fitted == Int(limit.rlim_max) - ConnectionCap.reservedDescriptors)
        #expect(ConnectionCap.fitToOpenFileLimit(10, logger: .init(label: "test")) == 10)
    }

    @Test func timeoutSettingsAreValidated() throws {
        var configuration = ServerConfiguration()
        configuration.headerTimeoutMilliseconds = 0
        #expect(throws: ServiceError.self) { try configuration.validate() }
        configuration = ServerConfiguration()
        configuration.maxConnections = 0
        #expect(throws: ServiceError.self) { try configuration.validate() }
        configuration = ServerConfiguration()
        try configuration.apply("idleTimeoutMilliseconds", "1500", source: "test")
        try configuration.apply("maxConnections", "10", source: "test")
        #expect(configuration.idleTimeoutMilliseconds == 1500 && configuration.maxConnections == 10)
    }
}
