#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Metrics
import NIOCore

/// Answers plain status reads straight from the bytes a connection receives, before NIO's HTTP/1 decoder, until the
/// connection sends anything else; from then on it only passes bytes on, and ``StatusFastPathHandler`` after the
/// decoder answers the status reads among them.
///
/// Why a second fast path: for a status read, decoding the request into NIO's `HTTPRequestHead` (llhttp callbacks, a
/// `String` per header name and value, an `HTTPHeaders` array) and passing it and the placeholder response parts
/// through the pipeline was most of the user-space CPU of a 304 or a small list, the reads verifiers and wallets
/// repeat. Here a request costs one scan of its bytes (``RawRequestHead``), the same prepared answer
/// (``StatusReadResolver``) and one write; a 304 or HEAD repeated byte for byte costs a comparison and one write
/// (``RepeatedAnswer``).
///
/// Safety of the hand-over: while this answers, the decoder has seen no byte of the connection, so no request is
/// waiting with the router and nothing can be overtaken. The first request it does not answer (any other route, a
/// body, `Connection: close`, anything ``RawRequestHead`` does not recognise, or a header block split in a way it
/// cannot hold) goes to the decoder together with every byte after it, and the connection stays with the decoder for
/// good: nothing ever has to come back from there. ``ConnectionGuardHandler`` is told about each request answered
/// here, so its idle and header deadlines stay right.
final class RawStatusReadHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private let configuration: StatusFastPathConfiguration
    private var resolver: StatusReadResolver
    private var headTail: ResponseHeadTail
    /// Told of each request answered here. Held strongly (a weak load was a measurable part of a 304) until the
    /// handler is removed; the guard holds nothing of this handler.
    private var connectionGuard: ConnectionGuardHandler?
    /// Whether the connection was handed to the decoder (for good).
    private var handedOver = false
    /// The start of a request whose header block has not fully arrived.
    private var partial: ByteBuffer?
    private var readGate = WritableReadGate()
    /// The last 304 or HEAD answered, for the same request again.
    private var repeated = RepeatedAnswer()

    init(configuration: StatusFastPathConfiguration, connectionGuard: ConnectionGuardHandler?) {
        self.configuration = configuration
        self.resolver = StatusReadResolver(configuration: configuration)
        self.headTail = ResponseHeadTail(serverName: configuration.serverName)
        self.connectionGuard = connectionGuard
    }

    /// Adds the handler first in the pipeline, before the socket end of the connection guard: bytes it answers
    /// then take no further step, and it tells the guard itself (``ConnectionGuardHandler/bytesArrived()`` for the
    /// start of a header block it holds, ``ConnectionGuardHandler/requestsAnsweredBeforeDecoder(nextRequestStarted:)``
    /// for requests it answered); what it hands over reaches the guard's socket end as before.
    static func install(on pipeline: ChannelPipeline.SynchronousOperations, configuration: StatusFastPathConfiguration) throws {
        let connectionGuard = try? pipeline.handler(type: ConnectionGuardHandler.self)
        let handler = RawStatusReadHandler(configuration: configuration, connectionGuard: connectionGuard)
        try pipeline.addHandler(handler, position: .first)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !handedOver else {
            context.fireChannelRead(data)
            return
        }
        var input = unwrapInboundIn(data)
        if var earlier = partial {
            partial = nil
            earlier.writeBuffer(&input)
            input = earlier
        }
        var answered = 0
        var corked = false
        // Read before anything is answered: an answer remembered now is at least as new as this generation.
        let generation = configuration.published.generation
        let second = ResponseHeadTail.second(of: Date())
        loop: while input.readableBytes > 0 {
            if let (answer, length) = input.withUnsafeReadableBytes({ repeated.answer(for: $0, generation: generation, second: second) }) {
                context.write(wrapOutboundOut(.byteBuffer(answer)), promise: nil)
                input.moveReaderIndex(forwardBy: length)
                answered += 1
                continue
            }
            let step = input.withUnsafeReadableBytes { bytes -> Step in
                switch RawRequestHead.parse(bytes) {
                case .incomplete:
                    return .incomplete
                case .unsupported:
                    return .handOver
                case .request(let head, let length):
                    let answer = resolver.answer(
                        headOnly: head.headOnly, target: UnsafeRawBufferPointer(rebasing: bytes[head.target]),
                        accept: head.accept.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) },
                        ifNoneMatch: head.ifNoneMatch.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) })
                    return answer.map { .answer($0, length: length) } ?? .handOver
                }
            }
            switch step {
            case .incomplete:
                partial = input
                break loop
            case .handOver:
                // The guard learns of the answered requests first: the decoder's request must not be taken for one of them.
                finish(answered: answered, corked: corked, context: context)
                answered = 0
                handOver(input, context: context)
                return
            case .answer(let answer, let length):
                var written: ByteBuffer?
                answer.write(
                    heads: &headTail, allocator: context.channel.allocator,
                    to: {
                        written = $0
                        context.write(wrapOutboundOut(.byteBuffer($0)), promise: nil)
                    },
                    sendFile: { file, afterHead in
                        if afterHead, !corked { corked = Self.setCork(true, on: context.channel) }
                        return file.write(to: context)
                    })
                if answer.isBodiless, let written {
                    input.withUnsafeReadableBytes {
                        repeated.remember(
                            request: UnsafeRawBufferPointer(rebasing: $0[..<length]), answer: written, generation: generation,
                            second: headTail.second)
                    }
                }
                input.moveReaderIndex(forwardBy: length)
                answered += 1
            }
        }
        guard answered > 0 else {
            // Only the start of a header block came; its deadline runs from now.
            connectionGuard?.bytesArrived()
            return
        }
        finish(answered: answered, corked: corked, context: context)
    }

    /// Sends the answers written so far and tells the guard and the metric about them.
    private func finish(answered: Int, corked: Bool, context: ChannelHandlerContext) {
        guard answered > 0 else { return }
        context.flush()
        if corked { _ = Self.setCork(false, on: context.channel) }
        configuration.served.increment(by: Int64(answered))
        connectionGuard?.requestsAnsweredBeforeDecoder(nextRequestStarted: partial != nil)
    }

    /// What to do with the start of the input.
    private enum Step {
        case incomplete
        case handOver
        case answer(FastPathAnswer, length: Int)
    }

    /// `TCP_CORK` while a head and its file body are written: without it the head (one `write`; the socket
    /// has `TCP_NODELAY`) and the start of the body (`sendfile`) leave as separate short segments, each waking the
    /// reader; nginx does the same (`tcp_nopush`). Returns whether the option was set.
    private static func setCork(_ on: Bool, on channel: any Channel) -> Bool {
        #if os(Linux)
        do {
            try channel.syncOptions?.setOption(ChannelOptions.tcpOption(.init(rawValue: CInt(TCP_CORK))), value: on ? 1 : 0)
            return true
        } catch {
            return false
        }
        #else
        return false
        #endif
    }

    /// Passes `input` and everything after it to the decoder.
    private func handOver(_ input: ByteBuffer, context: ChannelHandlerContext) {
        handedOver = true
        context.fireChannelRead(wrapInboundOut(input))
    }

    /// While nothing went past this handler, the handlers after it have no read to complete, so the event stops here;
    /// and the next read is asked for here, which makes NIO skip its automatic read request from the pipeline's tail.
    /// Both events would otherwise cross the whole HTTP pipeline (a dozen handlers) for every request answered here:
    /// after the decoder's own cost, the largest user-space cost left of a 304.
    func channelReadComplete(context: ChannelHandlerContext) {
        guard !handedOver else {
            context.fireChannelReadComplete()
            return
        }
        readGate.read(context: context)
    }

    /// Back-pressure (``WritableReadGate``) while this handler answers; after the hand-over the handlers after it
    /// hold reads themselves.
    func read(context: ChannelHandlerContext) {
        if handedOver {
            context.read()
        } else {
            readGate.read(context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        readGate.writabilityChanged(context: context)
        context.fireChannelWritabilityChanged()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        partial = nil
        connectionGuard = nil
    }
}
