import Foundation
import HTTPTypes
import Metrics
import NIOCore
import NIOHTTPTypes

/// Answers `GET`/`HEAD /status/{id}` and `/status/{id}.{suffix}` for current publications directly on the event
/// loop, in Hummingbird's HTTP/1 pipeline, and passes every other request on to the router.
///
/// The router path crosses from the event loop to a Swift concurrency task for each request; for the one read that
/// verifiers and wallets hammer, that hop is most of the cost (measured in swift-stack.md: about 0.5x nginx through
/// the router, 0.8x for a raw handler). The answer is the same either way: both use
/// ``StatusRepresentationResponse``. Anything unusual (a query string, unknown list, 406, `Connection: close`, a
/// request while an earlier pipelined one is still with the router) goes to the router, which also produces the
/// problem responses.
final class StatusFastPathHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let published: PublishedLists
    private let served: Counter
    /// Requests handed to the router whose response has not ended yet; while any is pending, answering here would
    /// overtake it on a pipelined connection.
    private var pendingRouterResponses = 0
    /// The request being answered here: its remaining parts are dropped, the response goes out at its end.
    private var answering: StatusRepresentationResponse?
    private var dateCache = (second: Int(-1), value: "")

    init(published: PublishedLists, served: Counter) {
        self.published = published
        self.served = served
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if pendingRouterResponses == 0, let response = fastResponse(to: head) {
                answering = response
                return
            }
            pendingRouterResponses += 1
            context.fireChannelRead(data)
        case .body:
            if answering == nil { context.fireChannelRead(data) }
        case .end:
            guard let response = answering else {
                context.fireChannelRead(data)
                return
            }
            answering = nil
            var head = HTTPResponse(status: response.status, headerFields: response.headers)
            head.headerFields[.date] = currentDate()
            if let body = response.body {
                head.headerFields[.contentLength] = String(body.readableBytes)
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.write(wrapOutboundOut(.body(body)), promise: nil)
            } else {
                if response.status == .ok, head.headerFields[.contentLength] == nil { head.headerFields[.contentLength] = "0" }
                context.write(wrapOutboundOut(.head(head)), promise: nil)
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            served.increment()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { pendingRouterResponses = max(0, pendingRouterResponses - 1) }
        context.write(data, promise: promise)
    }

    /// The response for a request this handler can answer, or nil to leave it to the router.
    private func fastResponse(to head: HTTPRequest) -> StatusRepresentationResponse? {
        guard head.method == .get || head.method == .head, let path = head.path, path.hasPrefix("/status/") else { return nil }
        let segment = path.dropFirst("/status/".count)
        guard !segment.isEmpty, !segment.contains("/"), !segment.contains("?"), !segment.contains("%") else { return nil }
        if let connection = head.headerFields[.connection], connection.lowercased().contains("close") { return nil }
        guard let (listId, forced) = try? StatusReadController.splitFormat(String(segment)),
            let publication = published.get(listId)
        else { return nil }
        return try? StatusRepresentationResponse(
            publication: publication,
            forced: forced,
            accept: head.headerFields[.accept],
            ifNoneMatch: head.headerFields[.ifNoneMatch],
            headOnly: head.method == .head
        )
    }

    private func currentDate() -> String {
        let now = Date()
        let second = Int(now.timeIntervalSince1970)
        if second != dateCache.second { dateCache = (second, HTTPDate.format(now)) }
        return dateCache.value
    }
}
