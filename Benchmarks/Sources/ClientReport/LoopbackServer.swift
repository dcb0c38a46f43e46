import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A minimal HTTP/1.1 server on 127.0.0.1 (ephemeral port) that serves fixed bodies per path, in the benchmark
/// process, so a fetch measures the client (HTTP round trip over loopback, verification, decoding) and nothing else.
final class LoopbackServer: Sendable {
    private let routes = Mutex<[String: (mediaType: String, body: ByteBuffer)]>([:])
    private let listener = Mutex<(any Channel)?>(nil)
    private let boundPort = Mutex(0)

    /// The base URL, `http://127.0.0.1:<port>`.
    var baseURL: String { "http://127.0.0.1:\(boundPort.withLock { $0 })" }

    /// Starts listening.
    static func start() async throws -> LoopbackServer {
        let server = LoopbackServer()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(LoopbackHandler(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        server.boundPort.withLock { $0 = channel.localAddress?.port ?? 0 }
        server.listener.withLock { $0 = channel }
        return server
    }

    /// Serves `body` on `path` with a `Content-Type`.
    func serve(_ path: String, _ body: Data, mediaType: String) {
        routes.withLock { $0[path] = (mediaType, ByteBuffer(bytes: body)) }
    }

    /// Stops listening.
    func stop() async {
        let channel = listener.withLock { $0 }
        try? await channel?.close()
    }

    fileprivate func route(_ path: String) -> (mediaType: String, body: ByteBuffer)? {
        routes.withLock { $0[path] }
    }
}

private final class LoopbackHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let server: LoopbackServer
    private var head: HTTPRequestHead?

    init(server: LoopbackServer) {
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
            var headers = HTTPHeaders()
            let status: HTTPResponseStatus
            let body: ByteBuffer
            if let route = server.route(head.uri) {
                status = .ok
                body = route.body
                headers.add(name: "Content-Type", value: route.mediaType)
            } else {
                status = .notFound
                body = ByteBuffer(string: "not found")
            }
            headers.add(name: "Content-Length", value: String(body.readableBytes))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
