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

    /// The body of the (single) response, as JSON.
    var json: [String: Any] {
        guard let start = text.range(of: "\r\n\r\n") else { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(text[start.upperBound...].utf8))) as? [String: Any] ?? [:]
    }

    /// The status codes of the responses in `text` (a status line may follow a body directly).
    var statuses: [Int] {
        text.components(separatedBy: "HTTP/1.").dropFirst().compactMap { part in
            guard part.hasPrefix("1 ") || part.hasPrefix("0 ") else { return nil }
            return Int(part.dropFirst(2).prefix(3))
        }
    }
}

/// The raw clients' own event loop, apart from the shared one that runs every in-process server and client of the test
/// run.
let rawClientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

/// Sends `steps` (a pause, then bytes) on one connection and collects the answer until the server closes or `limit`
/// passes. The client never closes first, so a close seen here is the server's. Sending, timing and the limit all run
/// on the client's event loop: Swift's cooperative pool may be busy with the rest of the test run for seconds, and a
/// request sent from a task could reach the server after its header timeout.
func rawExchange(port: Int, steps: [(Duration, String)], limit: Duration, until marker: String? = nil) async throws -> RawExchange {
    final class Client: ChannelInboundHandler, @unchecked Sendable {
        // Unchecked: touched only on the channel's event loop, then read after the promise completes.
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        var received = ""
        var closed = false
        let steps: [(Duration, String)]
        let limit: Duration
        var marker: String?
        let done: EventLoopPromise<Duration>
        var start = ContinuousClock.now

        init(steps: [(Duration, String)], limit: Duration, done: EventLoopPromise<Duration>) {
            self.steps = steps
            self.limit = limit
            self.done = done
        }

        static func amount(_ duration: Duration) -> TimeAmount {
            .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        }

        func channelActive(context: ChannelHandlerContext) {
            start = .now
            var offset = Duration.zero
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            for (pause, bytes) in steps {
                offset += pause
                context.eventLoop.scheduleTask(in: Self.amount(offset)) {
                    let (client, context) = loopBound.value
                    guard !client.closed else { return }
                    context.writeAndFlush(client.wrapOutboundOut(ByteBuffer(string: bytes)), promise: nil)
                }
            }
            context.eventLoop.scheduleTask(in: Self.amount(limit)) {
                let (client, _) = loopBound.value
                client.done.succeed(.now - client.start)
            }
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received += buffer.readString(length: buffer.readableBytes) ?? ""
            if let marker, received.contains(marker) { done.succeed(.now - start) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed = true
            done.succeed(.now - start)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
    let eventLoop = rawClientGroup.next()
    let done = eventLoop.makePromise(of: Duration.self)
    let client = Client(steps: steps, limit: limit, done: done)
    client.marker = marker
    let channel = try await ClientBootstrap(group: eventLoop)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(client) }
        }
        .connect(host: "127.0.0.1", port: port).get()
    let elapsed = try await done.futureResult.get()
    let (text, closed) = try await eventLoop.submit { (client.received, client.closed) }.get()
    try? await channel.close()
    return RawExchange(text: text, closed: closed, elapsed: elapsed)
}

/// Timeouts, the connection cap and HTTP/1.0 connection handling (``ConnectionGuardHandler``, ``ConnectionCap``):
/// no client can hold a connection forever, whatever it sends or does not send.
@Suite struct ConnectionGuardTests {
    /// Creates a revocation list over a raw connection and returns its id.
    static func createList(on server: TestServer) async throws -> String {
        let body = #"{"purpose":"revocation"}"#
        let create = "POST /admin/lists HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(server.operatorToken)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        let created = try await rawExchange(port: server.port, steps: [(.zero, create)], limit: .seconds(15))
        return try #require(created.json["id"] as? String, "\(created.text)")
    }

    static func server(maxConnections: Int = 4096) async throws -> TestServer {
        try await TestServer.start { configuration in
            // Short, but long enough that a test machine busy with the whole suite still delivers a request in time.
            configuration.headerTimeoutMilliseconds = 3000
            configuration.bodyTimeoutMilliseconds = 3000
            configuration.idleTimeoutMilliseconds = 3000
            configuration.maxConnections = maxConnections
        }
    }

    @Test func aConnectionThatSendsNothingIsClosedAfterTheHeaderTimeout() async throws {
        let server = try await Self.server()
        defer { Task { await server.stopAndRemove() } }
        let exchange = try await rawExchange(port: server.port, steps: [], limit: .seconds(15))
        #expect(exchange.closed && exchange.text.isEmpty)
        #expect(exchange.elapsed >= .milliseconds(2900))
    }

    @Test func aHeaderBlockTrickledByteByByteIsAnswered408AndClosed() async throws {
        let server = try await Self.server()
        defer { Task { await server.stopAndRemove() } }
        // Trickled for 2 s, then silent: the 408 at 3 s then finds no unread input (which would reset the connection).
        let steps = [(Duration.zero, "GET /health HTTP/1.1\r\nHost: x\r\n")] + Array(repeating: (Duration.milliseconds(100), "X-Slow: y\r\n"), count: 20)
        let exchange = try await rawExchange(port: server.port, steps: steps, limit: .seconds(15))
        #expect(exchange.closed)
        #expect(exchange.statuses == [408], "\(exchange.text) closed \(exchange.closed) after \(exchange.elapsed)")
        #expect(exchange.text.contains("application/problem+json") && exchange.text.contains("urn:standing:problem:request-timeout"))
    }

    @Test(arguments: ["Content-Length: 100", "Content-Length: 100\r\nExpect: 100-continue"])
    func aBodyThatNeverArrivesIsClosedAfterTheBodyTimeout(_ framing: String) async throws {
        let server = try await Self.server()
        defer { Task { await server.stopAndRemove() } }
        let request = "POST /trqp/authorization HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\(framing)\r\n\r\n{\"entity"
        let exchange = try await rawExchange(port: server.port, steps: [(.zero, request)], limit: .seconds(15))
        #expect(exchange.closed)
        #expect(exchange.statuses.allSatisfy { $0 < 500 }, "\(exchange.text)")
    }

    @Test func aBodyTrickledByteByByteIsClosedAfterTheBodyTimeout() async throws {
        let server = try await Self.server()
        defer { Task { await server.stopAndRemove() } }
        let head = "POST /status/lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        let steps = [(Duration.zero, head)] + Array(repeating: (Duration.milliseconds(100), " "), count: 150)
        let exchange = try await rawExchange(port: server.port, steps: steps, limit: .seconds(15))
        #expect(exchange.closed)
        #expect(exchange.elapsed < .seconds(12), "closed by the body timeout, not by the end of the trickle")
    }

    @Test func aKeptAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        let server = try await Self.server()
        defer { Task { await server.stopAndRemove() } }
        let exchange = try await rawExchange(port: server.port, steps: [(.zero, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")], limit: .seconds(15))
        #expect(exchange.statuses == [200], "closed \(exchange.closed) after \(exchange.elapsed)")
        #expect(exchange.closed && exchange.elapsed >= .milliseconds(2900))
    }

    @Test func fastPathAnswersKeepAConnectionAlive() async throws {
        let server = try await Self.server()
        defer { Task { await server.stopAndRemove() } }
        let list = try await Self.createList(on: server)
        // Sixteen reads 400 ms apart: 6.4 s on one connection, twice the idle timeout, each answered on the fast path.
        let read = "GET /status/\(list) HTTP/1.1\r\nHost: x\r\nAccept: application/statuslist+jwt\r\n\r\n"
        let exchange = try await rawExchange(port: server.port, steps: Array(repeating: (.milliseconds(400), read), count: 16), limit: .seconds(15))
        #expect(exchange.statuses == Array(repeating: 200, count: 16), "\(exchange.statuses)")
    }

    /// A status read answered before NIO's decoder, followed in the same bytes by a request whose body never comes:
    /// the body's deadline still holds (the guard must not take the handed-over request for an answered one).
    @Test func aBodyThatNeverArrivesBehindAFastPathReadIsClosed() async throws {
        let server = try await Self.server()
        defer { Task { await server.stopAndRemove() } }
        let list = try await Self.createList(on: server)
        let read = "GET /status/\(list) HTTP/1.1\r\nHost: x\r\nAccept: application/statuslist+jwt\r\n\r\n"
        let stalled = "POST /trqp/authorization HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"entity"
        let exchange = try await rawExchange(port: server.port, steps: [(.zero, read + stalled)], limit: .seconds(15))
        #expect(exchange.statuses.first == 200, "\(exchange.statuses)")
        #expect(exchange.closed, "closed by the body timeout after \(exchange.elapsed)")
        #expect(exchange.statuses.allSatisfy { $0 < 500 }, "\(exchange.text)")
    }

    @Test func http10WithoutKeepAliveIsClosedAfterTheResponse() async throws {
        // Long timeouts: the close must come from the HTTP/1.0 rule, not from a deadline.
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let exchange = try await rawExchange(port: server.port, steps: [(.zero, "GET /health HTTP/1.0\r\n\r\n")], limit: .seconds(15))
        #expect(exchange.statuses == [200])
        #expect(exchange.closed, "an HTTP/1.0 request without keep-alive must close the connection")
        let kept = try await rawExchange(
            port: server.port, steps: [(.zero, "GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")], limit: .seconds(3))
        #expect(kept.statuses == [200] && !kept.closed, "HTTP/1.0 with keep-alive persists")
    }

    @Test func aDeclaredOversizeBodyIsRefusedBeforeAnyOfItIsRead() async throws {
        // Default deadlines: the answer must not depend on the body deadline (which closes the connection later).
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let request = "POST /trqp/recognition HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000000000\r\n\r\n{"
        let exchange = try await rawExchange(
            port: server.port, steps: [(.zero, request)], limit: .seconds(15), until: "urn:standing:problem:payload-too-large\"}")
        #expect(exchange.statuses == [413], "\(exchange.text)")
        #expect(exchange.text.contains("the body is larger than 65536 bytes"))
    }

    @Test func theConnectionCapIsCountedAndServesAgainWhenConnectionsClose() async throws {
        let server = try await Self.server(maxConnections: 3)
        defer { Task { await server.stopAndRemove() } }
        // Three idle connections fill the cap; /health waits in the backlog until the header timeout frees them.
        async let idle = withThrowingTaskGroup(of: RawExchange.self) { group in
            for _ in 0..<3 { group.addTask { try await rawExchange(port: server.port, steps: [], limit: .seconds(15)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        try await Task.sleep(for: .milliseconds(100))
        let health = try await rawExchange(port: server.port, steps: [(.zero, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")], limit: .seconds(15))
        #expect(health.statuses == [200])
        #expect(try await idle.allSatisfy(\.closed))
        let metrics = try await rawExchange(port: server.port, steps: [(.zero, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")], limit: .seconds(15)).text
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
        let bodyFiles = BodyFileBudget()
        let fitted = ConnectionCap.fitToOpenFileLimit(requested, bodyFiles: bodyFiles, logger: .init(label: "test"))
        #expect(fitted == Int(limit.rlim_max) - ConnectionCap.reservedDescriptors)
        // Connections come first: no descriptor is left for the files of published bodies.
        #expect(bodyFiles.maximum == 0)
        // A cap that leaves room for some of the body files, and one that leaves room for all.
        let tight = Int(limit.rlim_max) - ConnectionCap.reservedDescriptors - 10
        #expect(ConnectionCap.fitToOpenFileLimit(tight, bodyFiles: bodyFiles, logger: .init(label: "test")) == tight)
        #expect(bodyFiles.maximum == min(10, BodyFileBudget.preferredMaximum))
        #expect(ConnectionCap.fitToOpenFileLimit(10, bodyFiles: bodyFiles, logger: .init(label: "test")) == 10)
        if Int(limit.rlim_max) >= 10 + ConnectionCap.reservedDescriptors + BodyFileBudget.preferredMaximum {
            #expect(bodyFiles.maximum == BodyFileBudget.preferredMaximum)
        }
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
