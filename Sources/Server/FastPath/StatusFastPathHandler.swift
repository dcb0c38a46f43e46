import Metrics
import NIOCore
import NIOHTTP1

/// What the fast path of every connection shares.
struct StatusFastPathConfiguration: Sendable {
    /// The current publications and their prepared answers.
    let published: PublishedLists
    /// Counts the responses the fast path wrote.
    let served: Counter
    /// The `Server` header the application adds to every response, nil for none.
    let serverName: String?
    /// Whether the router answers `GET /status/{id}/{index}`; when it does not, neither does the fast path.
    let directLookupEnabled: Bool

    /// The metric counting fast-path responses.
    static let servedMetric = "standing_status_fast_path_responses_total"

    /// Creates the configuration; `served` defaults to the ``servedMetric`` counter.
    init(published: PublishedLists, serverName: String?, directLookupEnabled: Bool, served: Counter = Counter(label: servedMetric)) {
        self.published = published
        self.served = served
        self.serverName = serverName
        self.directLookupEnabled = directLookupEnabled
    }
}

/// Answers `GET`/`HEAD /status/{id}`, `/status/{id}.{suffix}` and `GET /status/{id}/{index}` for current
/// publications on the event loop, with the answers prepared at publication (``PreparedStatusReads``, the same
/// ``PreparedResponse``s the router serves), and passes every
/// other request on to the router.
///
/// It sits in the HTTP/1 pipeline between NIO's request decoder and the HTTPTypes codec, so it sees NIO's request head
/// (no conversion to `HTTPRequest`) and writes its answers through ``RawResponseWriter`` past NIO's response encoder
/// (no `HTTPResponse` conversion, no header encoding): the pre-serialised head, the per-second `Date`/`Server`
/// tail and the body, as `ByteBuffer`s. The router path crosses from the event loop to a Swift concurrency task for
/// each request; for the reads that verifiers and wallets hammer, that and the per-request encoding are most of the
/// cost. Anything unusual (a query string, unknown list, 406, not HTTP/1.1, `Connection: close`, a repeated
/// `Accept`/`If-None-Match`, a request while an earlier pipelined one is still with the router) goes to the router,
/// which also produces the problem responses.
///
/// Order on a pipelined connection: the handler answers only while no routed request is waiting for its response
/// (counted from request head to response end), so its answer never overtakes one from the router; while one is
/// waiting, later requests go to the router too, which answers in order.
final class StatusFastPathHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let configuration: StatusFastPathConfiguration
    private let writer: RawResponseWriter
    /// Requests handed to the router whose response has not ended yet; while any is pending, answering here would
    /// overtake it on a pipelined connection.
    private var pendingRouterResponses = 0
    private var readGate = WritableReadGate()
    /// The request being answered here: its remaining parts are dropped, the response goes out at its end.
    private var answering: FastPathAnswer?
    private var resolver: StatusReadResolver
    private var headTail: ResponseHeadTail
    /// A bodyless response that keeps NIO's encoder in step; see ``respond(_:context:)``.
    private let placeholderHead = NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .noContent)))
    private let placeholderEnd = NIOAny(HTTPServerResponsePart.end(nil))

    init(configuration: StatusFastPathConfiguration, writer: RawResponseWriter) {
        self.configuration = configuration
        self.writer = writer
        self.resolver = StatusReadResolver(configuration: configuration)
        self.headTail = ResponseHeadTail(serverName: configuration.serverName)
    }

    /// Adds the fast path to a channel whose pipeline Hummingbird's `HTTP1Channel` has set up: the writer right after
    /// the socket (before NIO's `HTTPResponseEncoder`), the handler right after NIO's request decoder (before the
    /// HTTPTypes codec).
    /// - Throws: When the pipeline lacks NIO's HTTP/1 encoder or decoder.
    static func install(on pipeline: ChannelPipeline.SynchronousOperations, configuration: StatusFastPathConfiguration) throws {
        let encoder = try pipeline.handler(type: HTTPResponseEncoder.self)
        let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        let writer = RawResponseWriter()
        try pipeline.addHandler(writer, position: .before(encoder))
        try pipeline.addHandler(StatusFastPathHandler(configuration: configuration, writer: writer), position: .after(decoder))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if pendingRouterResponses == 0, let answer = answer(to: head) {
                answering = answer
                return
            }
            pendingRouterResponses += 1
            context.fireChannelRead(data)
        case .body:
            if answering == nil { context.fireChannelRead(data) }
        case .end:
            guard let answer = answering else {
                context.fireChannelRead(data)
                return
            }
            answering = nil
            respond(answer, context: context)
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

    /// Writes `answer` as raw bytes past the encoder.
    private func respond(_ answer: FastPathAnswer, context: ChannelHandlerContext) {
        // NIO's decoder tells the encoder the method of every request it decodes, and the encoder takes one per
        // response head (to leave the body out of answers to HEAD). A response that bypasses the encoder must still
        // take its request's turn: a bodyless placeholder head and end go through the encoder, and the writer drops
        // their bytes. Everything here runs synchronously on the event loop, so nothing else is written meanwhile.
        writer.discarding = true
        context.write(placeholderHead, promise: nil)
        context.write(placeholderEnd, promise: nil)
        writer.discarding = false
        answer.write(
            heads: &headTail, allocator: context.channel.allocator, to: { writer.writeRaw($0) }, sendFile: { file, _ in writer.writeFile(file) })
        writer.flush()
        configuration.served.increment()
    }

    /// The answer to a request this handler can answer, or nil to leave it to the router.
    private func answer(to head: HTTPRequestHead) -> FastPathAnswer? {
        let headOnly: Bool
        switch head.method {
        case .GET: headOnly = false
        case .HEAD: headOnly = true
        default: return nil
        }
        guard head.version == .http1_1, var fields = RequestFields(head.headers) else { return nil }
        var target = head.uri
        return target.withUTF8 { target in
            fields.accept.withUTF8Bytes { accept in
                fields.ifNoneMatch.withUTF8Bytes { ifNoneMatch in
                    resolver.answer(headOnly: headOnly, target: UnsafeRawBufferPointer(target), accept: accept, ifNoneMatch: ifNoneMatch)
                }
            }
        }
    }
}

/// The request header fields the fast path looks at, read in one pass over NIO's headers.
private struct RequestFields {
    var accept: String?
    var ifNoneMatch: String?

    /// Nil when the request must go to the router: `Connection` asks to close, or `Accept`/`If-None-Match` appears
    /// more than once (the router reads their combined values).
    init?(_ headers: HTTPHeaders) {
        for (name, value) in headers {
            if name.equalsLowercaseASCII("accept") {
                guard accept == nil else { return nil }
                accept = value
            } else if name.equalsLowercaseASCII("if-none-match") {
                guard ifNoneMatch == nil else { return nil }
                ifNoneMatch = value
            } else if name.equalsLowercaseASCII("connection"), value.containsLowercaseASCII("close") {
                return nil
            }
        }
    }
}

extension String {
    /// Whether the string equals `lowercase` ignoring ASCII case (`lowercase` must be lowercase ASCII).
    fileprivate func equalsLowercaseASCII(_ lowercase: StaticString) -> Bool {
        guard utf8.count == lowercase.utf8CodeUnitCount else { return false }
        return lowercase.withUTF8Buffer { expected in
            zip(utf8, expected).allSatisfy { $0.asciiLowercased == $1 }
        }
    }

    /// Whether `lowercase` occurs in the string, ignoring ASCII case (`lowercase` must be lowercase ASCII).
    fileprivate func containsLowercaseASCII(_ lowercase: StaticString) -> Bool {
        lowercase.withUTF8Buffer { needle in
            let bytes = utf8
            var start = bytes.startIndex
            while start != bytes.endIndex {
                var probe = start
                var matched = true
                for expected in needle {
                    guard probe != bytes.endIndex, bytes[probe].asciiLowercased == expected else {
                        matched = false
                        break
                    }
                    bytes.formIndex(after: &probe)
                }
                if matched { return true }
                bytes.formIndex(after: &start)
            }
            return false
        }
    }
}

extension Optional<String> {
    /// Calls `body` with the string's UTF-8 bytes, or with nil when there is no string.
    fileprivate mutating func withUTF8Bytes<Result>(_ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
        guard case .some(var string) = self else { return body(nil) }
        return string.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }
}

extension UInt8 {
    fileprivate var asciiLowercased: UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self) ? self + 32 : self
    }
}

/// The first handler after the socket, before NIO's `HTTPResponseEncoder`: passes the encoder's bytes on, writes
/// the fast path's pre-serialised bytes past the encoder, and drops the bytes of the placeholder responses that keep
/// the encoder in step (``StatusFastPathHandler``).
final class RawResponseWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// Set by the fast path around its placeholder writes.
    var discarding = false
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !discarding else {
            promise?.succeed(())
            return
        }
        context.write(data, promise: promise)
    }

    /// Writes `buffer` towards the socket, past the encoder.
    func writeRaw(_ buffer: ByteBuffer) {
        context?.write(NIOAny(IOData.byteBuffer(buffer)), promise: nil)
    }

    /// Writes `file`'s body towards the socket, past the encoder; false when it cannot (nothing was written).
    func writeFile(_ file: BodyFile) -> Bool {
        guard let context else { return false }
        return file.write(to: context)
    }

    /// Flushes what was written.
    func flush() {
        context?.flush()
    }
}
