import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import StandingTestSupport

/// What the crafted server answers on a path.
struct CraftedResponse: Sendable {
    var status = 200
    var headers: [(String, String)] = []
    var body = Data()
    /// Answer only after this long (for timeout and coalescing tests).
    var delay: Duration?
    /// When set, sent as `ETag`, and a request with a matching `If-None-Match` gets 304.
    var etag: String?
    /// When set, the head is sent at once and the body one byte per interval (a slow-loris server).
    var drip: Duration?
}

/// A request as the crafted server saw it.
struct RecordedRequest: Sendable {
    let path: String
    let headers: [(String, String)]
    /// The status it was answered with.
    let status: Int

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

/// A tiny HTTP/1.1 server on a loopback ephemeral port that serves whatever bytes a test sets, and records requests:
/// for bodies the real service would never send (wrong key, tampered, bombs, redirects...).
final class CraftedServer: Sendable {
    private struct State {
        var routes: [String: CraftedResponse] = [:]
        var log: [RecordedRequest] = []
        var connections: [any Channel] = []
    }

    private let state = Mutex(State())
    private let listener: Mutex<(any Channel)?> = Mutex(nil)
    private let boundPort = Mutex(0)

    var port: Int { boundPort.withLock { $0 } }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts a server.
    static func start() async throws -> CraftedServer {
        let server = CraftedServer()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                server.state.withLock { $0.connections.append(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(CraftedHandler(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        server.boundPort.withLock { $0 = channel.localAddress?.port ?? 0 }
        server.listener.withLock { $0 = channel }
        return server
    }

    /// Sets the answer for a path (with its query, if any).
    func set(_ path: String, _ response: CraftedResponse) {
        state.withLock { $0.routes[path] = response }
    }

    /// Serves a body with a media type, an optional entity tag and `Cache-Control`.
    func serve(_ path: String, _ body: Data, mediaType: String, etag: String? = nil, cacheControl: String? = nil, delay: Duration? = nil) {
        var headers = [("Content-Type", mediaType)]
        if let cacheControl { headers.append(("Cache-Control", cacheControl)) }
        set(path, CraftedResponse(status: 200, headers: headers, body: body, delay: delay, etag: etag))
    }

    /// Redirects a path.
    func redirect(_ path: String, to location: String, status: Int = 302) {
        set(path, CraftedResponse(status: status, headers: [("Location", location)]))
    }

    /// Every request so far, optionally only those to a path.
    func requests(_ path: String? = nil) -> [RecordedRequest] {
        state.withLock { state in path.map { path in state.log.filter { $0.path == path } } ?? state.log }
    }

    /// Stops listening and closes every open connection.
    func stop() async {
        let channel = listener.withLock { $0 }
        try? await channel?.close()
        for connection in state.withLock({ $0.connections }) { try? await connection.close() }
    }

    fileprivate func respond(to head: HTTPRequestHead) -> CraftedResponse {
        state.withLock { state in
            let headers = head.headers.map { ($0.name, $0.value) }
            guard var response = state.routes[head.uri] else {
                state.log.append(RecordedRequest(path: head.uri, headers: headers, status: 404))
                return CraftedResponse(status: 404, body: Data("not found".utf8))
            }
            if let etag = response.etag {
                response.headers.append(("ETag", etag))
                if head.headers["If-None-Match"].contains(etag) {
                    response.status = 304
                    response.body = Data()
                }
            }
            state.log.append(RecordedRequest(path: head.uri, headers: headers, status: response.status))
            return response
        }
    }
}

private final class CraftedHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let server: CraftedServer
    private var head: HTTPRequestHead?

    init(server: CraftedServer) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            let response = server.respond(to: head)
            if let delay = response.delay {
                let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
                context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanoseconds)) {
                    self.write(response, version: head.version, context: context)
                }
            } else {
                write(response, version: head.version, context: context)
            }
        }
    }

    private func write(_ response: CraftedResponse, version: HTTPVersion, context: ChannelHandlerContext) {
        var headers = HTTPHeaders(response.headers)
        if response.status != 304 { headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count)) }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .init(statusCode: response.status), headers: headers))),
            promise: nil
        )
        if let interval = response.drip {
            context.flush()
            drip(Array(response.body), from: 0, every: interval, context: context)
            return
        }
        if !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Writes one byte, then schedules the next, until the body is sent or the client goes away.
    private func drip(_ body: [UInt8], from index: Int, every interval: Duration, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        guard index < body.count else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: [body[index]])))), promise: nil)
        let nanoseconds = interval.components.seconds * 1_000_000_000 + interval.components.attoseconds / 1_000_000_000
        context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanoseconds)) {
            self.drip(body, from: index + 1, every: interval, context: context)
        }
    }
}
