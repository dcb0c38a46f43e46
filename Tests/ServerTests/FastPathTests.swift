import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
import StandingTestSupport

/// The event-loop fast path must answer exactly like the router, and never reorder pipelined responses.
@Suite struct FastPathTests {
    /// Collects everything the server sends until `marker` (the end of the last expected response) arrives.
    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        // Unchecked: touched only on the channel's event loop, then read after the promise completes.
        typealias InboundIn = ByteBuffer
        var received = ""
        let marker: String
        let done: EventLoopPromise<String>

        init(marker: String, done: EventLoopPromise<String>) {
            self.marker = marker
            self.done = done
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received += buffer.readString(length: buffer.readableBytes) ?? ""
            if received.contains(marker) { done.succeed(received) }
        }
    }

    /// Sends raw bytes and returns what comes back once `marker` arrived.
    func exchange(port: Int, request: String, until marker: String) async throws -> String {
        let group = MultiThreadedEventLoopGroup.singleton
        let done = group.next().makePromise(of: String.self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(marker: marker, done: done)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(string: request))
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(5)) { done.fail(TestFailure("no complete answer")) }
        let answer = try await done.futureResult.get()
        timeout.cancel()
        try? await channel.close()
        return answer
    }

    @Test func pipelinedResponsesKeepTheirOrder() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        // The first request goes to the router (async), the second could be answered on the event loop at once: it
        // must wait its turn.
        let request =
            "GET /status/\(list)/0 HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /status/\(list) HTTP/1.1\r\nHost: x\r\nAccept: application/statuslist+jwt\r\n\r\n"
            + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        let answer = try await exchange(port: server.port, request: request, until: "\"status\":\"ok\"")
        let lookup = try #require(answer.range(of: "\"status\":0"))
        let token = try #require(answer.range(of: "application/statuslist+jwt"))
        let health = try #require(answer.range(of: "\"status\":\"ok\""))
        #expect(lookup.lowerBound < token.lowerBound && token.lowerBound < health.lowerBound)
    }

    @Test func fastPathAndRouterAnswerAlike() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        // `Connection: close` sends the same read through the router; compare headers and body with the fast path.
        let fast = try await server.request(.GET, "/status/\(list)", headers: [("Accept", "application/vc+jwt")])
        let routed = try await server.request(.GET, "/status/\(list)", headers: [("Accept", "application/vc+jwt"), ("Connection", "close")])
        #expect(fast.status == 200 && routed.status == 200)
        #expect(fast.body == routed.body)
        for name in ["Content-Type", "ETag", "Last-Modified", "Cache-Control", "Vary", "Access-Control-Allow-Origin", "Content-Length"] {
            #expect(fast.header(name) == routed.header(name), "\(name)")
        }
        #expect(fast.header("Date") != nil)

        // A revalidation: on both paths a 304 with the fields a cache updates and no representation metadata
        // (RFC 9110 §15.4.5).
        let etag = try #require(fast.header("ETag"))
        let conditional = [("Accept", "application/vc+jwt"), ("If-None-Match", etag)]
        let fastNotModified = try await server.request(.GET, "/status/\(list)", headers: conditional)
        let routedNotModified = try await server.request(.GET, "/status/\(list)", headers: conditional + [("Connection", "close")])
        for answer in [fastNotModified, routedNotModified] {
            #expect(answer.status == 304 && answer.body.isEmpty)
            #expect(answer.header("ETag") == etag && answer.header("Vary") == "Accept")
            #expect(answer.header("Cache-Control") == fast.header("Cache-Control"))
            #expect(answer.header("Access-Control-Allow-Origin") == "*")
            #expect(answer.header("Content-Type") == nil && answer.header("Last-Modified") == nil)
            #expect(answer.header("Content-Length") == nil)
        }
        let metrics = try await server.request(.GET, "/metrics")
        #expect(metrics.text.contains("standing_status_fast_path_responses_total"))
    }
}
