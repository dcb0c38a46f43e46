import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 child channel with the status fast path added to its pipeline.
///
/// `HTTP1Channel`'s `additionalChannelHandlers` go after the HTTPTypes codec, where a handler sees converted
/// `HTTPRequest`s and can only write `HTTPResponse` parts that are converted and encoded again. The fast path needs
/// NIO's own request heads and a way past the response encoder, so this sets the channel up exactly as
/// `HTTP1Channel` does and then inserts ``StatusFastPathHandler`` and its ``RawResponseWriter`` at those places
/// (see ``StatusFastPathHandler/install(on:configuration:)``). Requests the fast path does not answer take the
/// unchanged Hummingbird path.
struct StandingHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    private let http1: HTTP1Channel
    private let fastPath: StatusFastPathConfiguration
    private let trqp: TRQPFastPathConfiguration?
    private let limits: ConnectionLimits

    /// - Parameters:
    ///   - responder: The application's responder (from `HTTPServerBuilder`).
    ///   - configuration: The HTTP/1 channel configuration.
    ///   - fastPath: What the fast path serves.
    ///   - trqp: The registry the TRQP fast path answers from (``TRQPFastPathHandler``), nil for none.
    ///   - limits: The connection deadlines (``ConnectionGuardHandler``).
    init(
        responder: @escaping HTTPChannelHandler.Responder, configuration: HTTP1Channel.Configuration, fastPath: StatusFastPathConfiguration,
        trqp: TRQPFastPathConfiguration? = nil, limits: ConnectionLimits
    ) {
        self.http1 = HTTP1Channel(responder: responder, configuration: configuration)
        self.fastPath = fastPath
        self.trqp = trqp
        self.limits = limits
    }

    /// Outbound bytes a connection may have pending before it stops reading requests. A response's body is a shared
    /// reference to the publication's bytes (or its file), not a copy, so this bounds references, not memory; with
    /// NIO's default of 64 KiB every answer of a 10,000,000-entry list (about 250 KB) made the channel unwritable
    /// and writable again, two events through the whole pipeline per request.
    static let writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 1 << 20, high: 4 << 20)

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let fastPath = fastPath
        let trqp = trqp
        let limits = limits
        try? channel.syncOptions?.setOption(ChannelOptions.writeBufferWaterMark, value: Self.writeBufferWaterMark)
        return http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            do {
                try StatusFastPathHandler.install(on: channel.pipeline.syncOperations, configuration: fastPath)
            } catch {
                // Without NIO's HTTP/1 encoder and decoder where expected, the router answers everything: slower, but
                // the same answers.
                logger.error("status fast path not installed on this connection: \(error)")
            }
            if let trqp {
                do {
                    try TRQPFastPathHandler.install(on: channel.pipeline.syncOperations, configuration: trqp)
                } catch {
                    logger.error("TRQP fast path not installed on this connection: \(error)")
                }
            }
            // Without the deadlines a connection could be held forever: refuse the connection instead.
            try ConnectionGuardHandler.install(on: channel.pipeline.syncOperations, limits: limits, logger: logger)
            do {
                try RawStatusReadHandler.install(on: channel.pipeline.syncOperations, configuration: fastPath)
            } catch {
                logger.error("status fast path before the decoder not installed on this connection: \(error)")
            }
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// An HTTP/1 server whose status reads go through the fast path (``StandingHTTP1Channel``).
    static func standingHTTP1(
        configuration: HTTP1Channel.Configuration = .init(), fastPath: StatusFastPathConfiguration, trqp: TRQPFastPathConfiguration? = nil,
        limits: ConnectionLimits
    ) -> HTTPServerBuilder {
        .init { responder in
            StandingHTTP1Channel(responder: responder, configuration: configuration, fastPath: fastPath, trqp: trqp, limits: limits)
        }
    }
}
