import Foundation
import HTTPTypes
import Metrics
import NIOCore
import NIOHTTP1
import TrustRegistry

/// What the TRQP fast path of every connection shares.
struct TRQPFastPathConfiguration: Sendable {
    /// The registry whose current state answers the queries.
    let registry: RegistryService
    /// Counts the responses the fast path wrote.
    let served: Counter
    /// The `Server` header the application adds to every response, nil for none.
    let serverName: String?

    /// The metric counting fast-path responses.
    static let servedMetric = "standing_trqp_fast_path_responses_total"

    /// Creates the configuration; `served` defaults to the ``servedMetric`` counter.
    init(registry: RegistryService, serverName: String?, served: Counter = Counter(label: servedMetric)) {
        self.registry = registry
        self.served = served
        self.serverName = serverName
    }
}

/// A TRQP query endpoint and its answer, shared by the router (``RegistryController``) and the fast path
/// (``TRQPFastPathHandler``), so both send the same fields and the same bytes.
enum TRQPEndpoint: Sendable {
    /// `POST /trqp/authorization`.
    case authorization
    /// `POST /trqp/recognition`.
    case recognition

    /// The endpoint whose request target is exactly `uri` (no query string), or nil.
    init?(uri: String) {
        switch uri {
        case "/trqp/authorization": self = .authorization
        case "/trqp/recognition": self = .recognition
        default: return nil
        }
    }

    /// The answer to `query` over `state`: the JSON body and the `seq` it reflects.
    /// - Throws: ``RegistryError`` as the state's TRQP queries throw (an unknown authority); what
    ///   ``TrustRegistry/TRQPAuthorizationResponse/sortedJSON()`` throws.
    func answer(_ query: TRQPQuery, state: RegistryState, now: Date = Date()) throws -> (body: [UInt8], seq: Int) {
        switch self {
        case .authorization:
            let answer = try state.trqpAuthorization(query, now: now)
            return (try answer.body.sortedJSON(), answer.seq)
        case .recognition:
            let answer = try state.trqpRecognition(query, now: now)
            return (try answer.body.sortedJSON(), answer.seq)
        }
    }

    /// The fields of a 200 answer, in the order the router sends them; the server adds `Content-Length`, `Date` and
    /// `Server`.
    static func fields(seq: Int) -> HTTPFields {
        var fields: HTTPFields = [.cacheControl: "no-cache", .accessControlAllowOrigin: "*", .contentType: "application/json"]
        fields[RegistryController.seqHeader] = String(seq)
        return fields
    }
}

/// Answers `POST /trqp/authorization` and `POST /trqp/recognition` on the event loop, from the registry's current
/// state, and passes every other request on to the router.
///
/// A TRQP query is a small JSON body and an answer computed from the in-memory state in microseconds; on the router
/// path the crossing from the event loop to a Swift concurrency task, the HTTPTypes conversions, the middleware chain
/// and `JSONEncoder` cost several times the query itself. Here the body is collected from NIO's request parts, the
/// query is answered with the same functions the router calls (``TRQPEndpoint``), and the answer is written past
/// NIO's response encoder through the status fast path's ``RawResponseWriter``, as ``StatusFastPathHandler`` does.
///
/// Only plain requests are taken: HTTP/1.1 keep-alive, exactly one `Content-Length` of at most
/// ``TrustRegistry/TRQPQuery/maximumBodyLength``, no `Transfer-Encoding`, no `Expect`, no query string. Anything else,
/// and every request whose body does not parse or whose query throws (a malformed body, an unknown authority), is
/// handed to the router as it arrived (head, body, end), so its problem responses (RFC 9457) come from one place.
///
/// Order on a pipelined connection: as for the status fast path, a request is answered here only while no routed
/// request is waiting for its response.
final class TRQPFastPathHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// A query being collected here: its head (to hand on if it cannot be answered) and the body so far.
    private struct Collecting {
        let endpoint: TRQPEndpoint
        let head: HTTPRequestHead
        var body: ByteBuffer?
    }

    private let configuration: TRQPFastPathConfiguration
    private let writer: RawResponseWriter
    /// Requests handed to the router whose response has not ended yet (see ``StatusFastPathHandler``).
    private var pendingRouterResponses = 0
    private var readGate = WritableReadGate()
    private var collecting: Collecting?
    private var headTail: ResponseHeadTail
    private let placeholderHead = NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .noContent)))
    private let placeholderEnd = NIOAny(HTTPServerResponsePart.end(nil))

    init(configuration: TRQPFastPathConfiguration, writer: RawResponseWriter) {
        self.configuration = configuration
        self.writer = writer
        self.headTail = ResponseHeadTail(serverName: configuration.serverName)
    }

    /// Adds the handler right after the status fast path, sharing its ``RawResponseWriter``.
    /// - Throws: When the pipeline has no status fast path (``StatusFastPathHandler/install(on:configuration:)``).
    static func install(on pipeline: ChannelPipeline.SynchronousOperations, configuration: TRQPFastPathConfiguration) throws {
        let writer = try pipeline.handler(type: RawResponseWriter.self)
        let status = try pipeline.handler(type: StatusFastPathHandler.self)
        try pipeline.addHandler(TRQPFastPathHandler(configuration: configuration, writer: writer), position: .after(status))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if pendingRouterResponses == 0, let endpoint = Self.endpoint(of: head) {
                collecting = Collecting(endpoint: endpoint, head: head, body: nil)
                return
            }
            pendingRouterResponses += 1
            context.fireChannelRead(data)
        case .body(var part):
            guard var query = collecting else {
                context.fireChannelRead(data)
                return
            }
            // Release the stored copy first, so that appending does not copy the buffer.
            collecting = nil
            if query.body == nil {
                query.body = part
            } else {
                query.body?.writeBuffer(&part)
            }
            collecting = query
        case .end:
            guard let query = collecting else {
                context.fireChannelRead(data)
                return
            }
            collecting = nil
            if let answer = answer(query) {
                respond(answer, context: context)
            } else {
                pendingRouterResponses += 1
                context.fireChannelRead(wrapInboundOut(.head(query.head)))
                if let body = query.body { context.fireChannelRead(wrapInboundOut(.body(body))) }
                context.fireChannelRead(data)
            }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { pendingRouterResponses = max(0, pendingRouterResponses - 1) }
        context.write(data, promise: promise)
    }

    /// Back-pressure (``WritableReadGate``).
    func read(context: ChannelHandlerContext) {
        readGate.read(context: context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        readGate.writabilityChanged(context: context)
        context.fireChannelWritabilityChanged()
    }

    /// The endpoint of a request this handler takes, or nil to leave it to the router.
    private static func endpoint(of head: HTTPRequestHead) -> TRQPEndpoint? {
        guard head.method == .POST, head.version == .http1_1, let endpoint = TRQPEndpoint(uri: head.uri), head.isKeepAlive else {
            return nil
        }
        let lengths = head.headers["content-length"]
        guard lengths.count == 1, let length = Int(lengths[0]), length <= TRQPQuery.maximumBodyLength,
            !head.headers.contains(name: "transfer-encoding"), !head.headers.contains(name: "expect")
        else { return nil }
        return endpoint
    }

    /// The response bytes (head without its tail, and body), or nil when the router must answer.
    private func answer(_ query: Collecting) -> (head: ByteBuffer, body: ByteBuffer)? {
        guard let body = query.body else { return nil }
        do {
            let parsed = try TRQPQuery.parse(Data(body.readableBytesView))
            let answer = try query.endpoint.answer(parsed, state: configuration.registry.artefacts.state)
            let head = HTTP1Head.serialise(
                statusLine: "HTTP/1.1 200 OK\r\n", fields: TRQPEndpoint.fields(seq: answer.seq), contentLength: answer.body.count)
            return (head, ByteBuffer(bytes: answer.body))
        } catch {
            return nil
        }
    }

    /// Writes the answer past the encoder, after a placeholder response that keeps NIO's encoder in step (see
    /// ``StatusFastPathHandler``).
    private func respond(_ answer: (head: ByteBuffer, body: ByteBuffer), context: ChannelHandlerContext) {
        writer.discarding = true
        context.write(placeholderHead, promise: nil)
        context.write(placeholderEnd, promise: nil)
        writer.discarding = false
        writer.writeRaw(answer.head)
        writer.writeRaw(headTail.current())
        writer.writeRaw(answer.body)
        writer.flush()
        configuration.served.increment()
    }
}
