import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import Metrics
import NIOCore
import NIOHTTP1

/// How long a connection may take over each phase, and how many connections the server holds at once.
struct ConnectionLimits: Sendable {
    /// From the first byte of a request (or from connecting) to the end of its header block.
    var headerTimeout: TimeAmount
    /// From the end of a request's header block to the end of its body.
    var bodyTimeout: TimeAmount
    /// Between requests on a kept-alive connection, and without progress while a response is being written.
    var idleTimeout: TimeAmount
    /// Open connections at most; above it new connections wait in the listen backlog.
    var maxConnections: Int

    /// The metric counting connections closed by a timeout, labelled `phase` (`header`, `body`, `idle`, `response`).
    static let timeoutsMetric = "standing_http_connection_timeouts_total"
    /// The gauge of open HTTP connections.
    static let openConnectionsMetric = "standing_http_open_connections"
    /// The metric counting the times the connection cap was reached.
    static let limitReachedMetric = "standing_http_connection_limit_reached_total"
}

/// Enforces the per-connection deadlines of ``ConnectionLimits`` and closes HTTP/1.0 connections that did not ask to
/// be kept alive.
///
/// Without it a client could hold a connection (and a file descriptor) forever: by sending its header block a byte
/// at a time, by declaring a body it never sends (`Content-Length: 10^15`, or `Expect: 100-continue` and nothing),
/// by connecting and sending nothing, or by never reading an answer. Hummingbird's own idle timeout cannot do this:
/// it sits behind the status fast path (it never sees the requests answered there) and it restarts with every body
/// part, so a body trickled a byte at a time keeps it alive.
///
/// It sits right after NIO's request decoder, where it sees every request part and every response head and end
/// (including the fast path's placeholders), and it has a partner at the socket end of the pipeline,
/// ``ConnectionGuardSocketSide``, that tells it when bytes arrive before a header block is complete and writes the
/// 408 answer past the response encoder. One timer per connection, re-armed at most every `headerTimeout`, so the
/// per-request cost is a few clock reads: a request never schedules or cancels a timer.
///
/// Deadlines: a header block must be complete `headerTimeout` after its first byte (on a new connection: after
/// connecting), a body `bodyTimeout` after its header block, the next request must start `idleTimeout` after the last
/// response, and a response whose head went out must make progress at least every `idleTimeout` (a client that does
/// not read). While the server prepares an answer there is no deadline. A timed-out header block
/// is answered 408 (problem+json) before the connection closes; in every other phase the connection just closes.
/// A response written before its request's body arrived (an early 413 or 401) does not end the connection at once:
/// clients that write the body after the head (AsyncHTTPClient) would fail on their side; the body deadline bounds it.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The phase whose deadline closed a connection (the `phase` label of ``ConnectionLimits/timeoutsMetric``).
    enum Phase: String {
        case header, body, idle, response
    }

    private enum Inbound {
        /// Between requests: nothing of the next request has arrived.
        case awaitingRequest
        /// Bytes of a header block have arrived, the block is not complete.
        case header(since: NIODeadline)
        /// The header block is complete, the body is not.
        case body(since: NIODeadline)
    }

    private let limits: ConnectionLimits
    private let logger: Logger
    private let socketSide: ConnectionGuardSocketSide
    private var inbound = Inbound.awaitingRequest
    private var requestsStarted = 0
    private var responsesEnded = 0
    /// The last response end, request end or response part written; the connection's opening before any.
    private var lastActivity = NIODeadline.now()
    /// Whether any response was written: before the first one, waiting for a request is waiting for a header block.
    private var answeredAny = false
    /// Whether a response head went out whose end has not: only then is a stall the client's (it does not read). Before
    /// the head the server is still working on the answer, which is not a reason to drop the connection.
    private var responseStarted = false
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(limits: ConnectionLimits, logger: Logger) {
        self.limits = limits
        self.logger = logger
        self.socketSide = ConnectionGuardSocketSide()
    }

    /// Adds the guard after NIO's request decoder and its socket-side partner first in the pipeline. Call it after
    /// the status fast path is installed, so that the guard sees the fast path's responses.
    /// - Throws: When the pipeline has no NIO request decoder.
    static func install(on pipeline: ChannelPipeline.SynchronousOperations, limits: ConnectionLimits, logger: Logger) throws {
        let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        let handler = ConnectionGuardHandler(limits: limits, logger: logger)
        try pipeline.addHandler(handler, position: .after(decoder))
        handler.socketSide.owner = handler
        try pipeline.addHandler(handler.socketSide, position: .first)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        lastActivity = .now()
        if context.channel.isActive { armTimer(context: context, at: lastActivity + limits.headerTimeout) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        lastActivity = .now()
        if timer == nil { armTimer(context: context, at: lastActivity + limits.headerTimeout) }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    /// Bytes arrived from the socket (called by ``ConnectionGuardSocketSide`` before the decoder sees them).
    func bytesArrived() {
        if case .awaitingRequest = inbound { inbound = .header(since: .now()) }
    }

    /// Requests were answered before the decoder (``RawStatusReadHandler``): the connection is between requests again,
    /// or, when `nextRequestStarted`, the next header block has begun.
    func requestsAnsweredBeforeDecoder(nextRequestStarted: Bool) {
        let now = NIODeadline.now()
        lastActivity = now
        answeredAny = true
        inbound = nextRequestStarted ? .header(since: now) : .awaitingRequest
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(var head):
            requestsStarted += 1
            inbound = .body(since: .now())
            // RFC 9112 9.3: an HTTP/1.0 connection persists only when the client asked for keep-alive. The version
            // does not survive the conversion to HTTPTypes, so say it in the header Hummingbird reads.
            if head.version.major == 1, head.version.minor == 0, !head.isKeepAlive {
                head.headers.replaceOrAdd(name: "connection", value: "close")
                context.fireChannelRead(wrapInboundOut(.head(head)))
                return
            }
        case .body:
            break
        case .end:
            inbound = .awaitingRequest
            lastActivity = .now()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        lastActivity = .now()
        switch unwrapOutboundIn(data) {
        case .head: responseStarted = true
        case .body: break
        case .end:
            responseStarted = false
            responsesEnded += 1
            answeredAny = true
        }
        context.write(data, promise: promise)
    }

    /// The current deadline and the phase it belongs to; nil while the server is preparing an answer.
    private func deadline() -> (NIODeadline, Phase)? {
        switch inbound {
        case .header(let since): return (since + limits.headerTimeout, .header)
        case .body(let since): return (since + limits.bodyTimeout, .body)
        case .awaitingRequest:
            if responseStarted { return (lastActivity + limits.idleTimeout, .response) }
            if responsesEnded < requestsStarted { return nil }
            return answeredAny ? (lastActivity + limits.idleTimeout, .idle) : (lastActivity + limits.headerTimeout, .header)
        }
    }

    /// Schedules the check at `instant`. Re-arming at most `headerTimeout` ahead means a header block that starts
    /// while a longer deadline is pending is still checked in time, without touching the timer per request.
    private func armTimer(context: ChannelHandlerContext, at instant: NIODeadline) {
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: instant) { [weak self] in
            self?.check()
        }
    }

    private func check() {
        guard let context else { return }
        timer = nil
        let now = NIODeadline.now()
        guard let (deadline, phase) = deadline(), now >= deadline else {
            armTimer(context: context, at: min(deadline()?.0 ?? .distantFuture, now + limits.headerTimeout))
            return
        }
        Counter(label: ConnectionLimits.timeoutsMetric, dimensions: [("phase", phase.rawValue)]).increment()
        logger.debug("closing a connection: \(phase.rawValue) timeout", metadata: ["remote": "\(context.remoteAddress.map { "\($0)" } ?? "-")"])
        if case .header = inbound, responsesEnded == requestsStarted {
            socketSide.answerAndClose(Self.requestTimeout)
        } else {
            context.close(promise: nil)
        }
    }

    /// The 408 answer to a header block that did not arrive in time, as bytes (the encoder has no request to pair it
    /// with).
    static let requestTimeout: ByteBuffer = {
        let body = #"{"detail":"the request's header block did not arrive in time","status":408,"title":"Request Timeout","type":"urn:standing:problem:request-timeout"}"#
        return ByteBuffer(
            string: "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/problem+json\r\nCache-Control: no-store\r\n"
                + "Connection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
    }()
}

/// The socket end of ``ConnectionGuardHandler``: reports arriving bytes before NIO's decoder consumes them, and writes
/// raw answers past the response encoder.
final class ConnectionGuardSocketSide: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    weak var owner: ConnectionGuardHandler?
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        owner?.bytesArrived()
        context.fireChannelRead(data)
    }

    /// Writes `bytes`, ends the output, and closes the connection a moment later: closing at once with unread input
    /// would reset the connection and could destroy the answer before the client reads it.
    func answerAndClose(_ bytes: ByteBuffer) {
        guard let context else { return }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        context.close(mode: .output, promise: nil)
        context.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
    }
}

/// The connection cap (``ConnectionLimits/maxConnections``) as Hummingbird's accept gate, with a log line and metrics:
/// at the cap the server stops accepting, so new clients wait in the kernel's listen backlog instead of being
/// accepted into a process that has run out of file descriptors.
struct ConnectionCap: AvailableConnectionsDelegate {
    let maximum: Int
    let logger: Logger
    private var open = 0
    private var lastWarning: NIODeadline?
    private var reachedSinceWarning = 0
    private let gauge = Gauge(label: ConnectionLimits.openConnectionsMetric)
    private let reached = Counter(label: ConnectionLimits.limitReachedMetric)

    /// How often at most the cap is logged while clients keep hitting it.
    static let warningInterval = TimeAmount.seconds(60)

    init(maximum: Int, logger: Logger) {
        self.maximum = maximum
        self.logger = logger
    }

    mutating func connectionOpened() {
        open += 1
        gauge.record(open)
        guard open >= maximum else { return }
        reached.increment()
        reachedSinceWarning += 1
        let now = NIODeadline.now()
        if let last = lastWarning, now < last + Self.warningInterval { return }
        logger.warning(
            "connection limit reached: \(open) connections open (maxConnections \(maximum)); new connections wait in the listen backlog",
            metadata: ["times": "\(reachedSinceWarning)"])
        lastWarning = now
        reachedSinceWarning = 0
    }

    mutating func connectionClosed() {
        open -= 1
        gauge.record(open)
    }

    func isAcceptingNewConnections() -> Bool {
        open < maximum
    }
}

extension ConnectionCap {
    /// File descriptors the process needs besides its connections and the published bodies' files: the database and
    /// its WAL, keys, the listening socket, each event loop's epoll and wake-up descriptors.
    static let reservedDescriptors = 128

    /// The connection cap that fits the process's open-file limit, and the ``BodyFileBudget`` of what is left: the
    /// soft limit is raised towards the hard one when `requested` connections and the preferred budget need it, and
    /// the cap is lowered (with a warning) when even the hard limit is too low. Past the open-file limit `accept` fails
    /// with EMFILE and clients time out with nothing in the log; the cap turns that into a logged, counted wait in the
    /// backlog. Connections come first: without room for body files, bodies are sent from memory (slower, same bytes).
    static func fitToOpenFileLimit(_ requested: Int, bodyFiles: BodyFileBudget = .process, logger: Logger) -> Int {
        var limit = rlimit()
        guard getrlimit(openFilesResource, &limit) == 0 else { return requested }
        let wanted = rlim_t(requested + reservedDescriptors + BodyFileBudget.preferredMaximum)
        if limit.rlim_cur != unlimited, limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = limit.rlim_max == unlimited ? wanted : min(wanted, limit.rlim_max)
            if setrlimit(openFilesResource, &raised) == 0 { limit = raised }
        }
        guard limit.rlim_cur != unlimited, limit.rlim_cur < wanted else {
            bodyFiles.maximum = BodyFileBudget.preferredMaximum
            return requested
        }
        let available = Int(limit.rlim_cur) - reservedDescriptors
        let connections = max(1, min(requested, available))
        bodyFiles.maximum = min(BodyFileBudget.preferredMaximum, available - connections)
        if connections < requested {
            logger.warning(
                "maxConnections \(requested) does not fit the open-file limit (\(limit.rlim_cur)); accepting at most \(connections) connections. Raise the limit (LimitNOFILE= in the unit) to allow more.")
        } else {
            logger.notice(
                "the open-file limit (\(limit.rlim_cur)) leaves room for \(bodyFiles.maximum) of \(BodyFileBudget.preferredMaximum) files of published lists; larger lists beyond them are sent from memory, more slowly. Raise the limit (LimitNOFILE= in the unit) or lower maxConnections.")
        }
        return connections
    }

    /// RLIM_INFINITY, which Swift imports as a signed literal that does not fit `rlim_t`.
    static let unlimited = rlim_t.max

    #if canImport(Glibc)
    private static let openFilesResource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let openFilesResource = RLIMIT_NOFILE
    #endif
}
