import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Store
import Synchronization

/// The Status List Aggregations (draft-ietf-oauth-status-list §9): `GET /status/aggregation` lists every Status List
/// Token the service publishes, `GET /status/aggregation/{issuer}` those of one issuer (a list owner, percent-encoded
/// as one path segment), each as `{"status_lists": [...]}` in `application/json` (§9.3) with a strong `ETag` and 304
/// on `If-None-Match`.
///
/// A list appears once published with its IETF tokens (lists whose W3C message table has no IETF form have none), by
/// its negotiated URL `{base}/status/{id}`, which is its tokens' `sub` (§5.1) and answers `statuslist+jwt`/`+cwt` on
/// `Accept`; the order is by list id, so the bytes and their tag change only when the membership does.
///
/// The documents are built once per change of membership (``PublishedLists/membershipGeneration``: a new list, not a
/// republication), by the first read after it, and then served as prepared bytes like every status read.
final class StatusAggregationReads: Sendable {
    /// The documents of one membership.
    private struct Prepared: Sendable {
        let generation: Int
        let all: PreparedResponse
        let byOwner: [String: PreparedResponse]
    }

    private let published: PublishedLists
    private let urls: StatusAggregation
    /// Off (``ServerConfiguration/statusAggregation``): the routes answer 501, as the switched-off direct lookup does.
    private let enabled: Bool
    private let prepared = Mutex<Prepared?>(nil)
    /// Cached for a minute: a new list shows up within it, and a revalidation with the tag costs a 304.
    static let cacheControl = "public, max-age=60"

    /// Creates the reads over `published`.
    init(published: PublishedLists, urls: StatusAggregation, enabled: Bool = true) {
        self.published = published
        self.urls = urls
        self.enabled = enabled
    }

    /// The routes, under `/status`: constant paths, which the router prefers to the lists' `:list` capture.
    var endpoints: RouteCollection<StandingRequestContext> {
        let routes = RouteCollection(context: StandingRequestContext.self)
        routes.get(RouterPath(StatusAggregation.segment)) { request, _ in
            try self.requireEnabled()
            return try self.respond(self.current().all, to: request)
        }
        routes.get(RouterPath(StatusAggregation.segment + "/:issuer")) { request, context in
            try self.requireEnabled()
            let raw = try context.parameters.require("issuer")
            // The router hands the segment over as sent; the owner is what it encodes (`%25` for a `%` in a DID).
            guard let owner = raw.removingPercentEncoding, let response = self.current().byOwner[owner] else {
                throw ServiceError(.notFound, "no status lists of issuer '\(raw.prefix(200))' are published")
            }
            return try self.respond(response, to: request)
        }
        return routes
    }

    private func requireEnabled() throws {
        guard enabled else { throw ServiceError(.notImplemented, "the Status List Aggregation is switched off on this server") }
    }

    private func respond(_ prepared: PreparedResponse, to request: Request) throws -> Response {
        if let ifNoneMatch = request.headers[.ifNoneMatch], prepared.isNotModified(ifNoneMatch: ifNoneMatch) {
            return Response(status: .notModified, headers: prepared.notModifiedHeaders)
        }
        return Response(status: .ok, headers: prepared.headers, body: .init(byteBuffer: prepared.body))
    }

    /// The documents of the current membership, built now if it changed since they were last built.
    private func current() -> Prepared {
        let generation = published.membershipGeneration
        if let prepared = prepared.withLock({ $0 }), prepared.generation == generation { return prepared }
        // Built outside the lock; two first readers may both build, and either result is the same document.
        let built = build(generation: generation)
        prepared.withLock { current in
            if current.map({ $0.generation < built.generation }) ?? true { current = built }
        }
        return built
    }

    private func build(generation: Int) -> Prepared {
        let lists = published.all().filter(\.hasStatusListToken).sorted { $0.definition.id < $1.definition.id }
        var byOwner: [String: [String]] = [:]
        for list in lists { byOwner[list.definition.owner, default: []].append(urls.listURL(list.definition.id)) }
        return Prepared(
            generation: generation,
            all: Self.document(lists.map { urls.listURL($0.definition.id) }),
            byOwner: byOwner.mapValues(Self.document))
    }

    /// The Status List Aggregation Data Structure (§9.3): `status_lists`, a JSON array of strings.
    static func document(_ uris: [String]) -> PreparedResponse {
        struct Aggregation: Encodable {
            let status_lists: [String]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // An array of strings always encodes.
        let body = (try? encoder.encode(Aggregation(status_lists: uris))) ?? Data(#"{"status_lists":[]}"#.utf8)
        let fingerprint = SHA256.hash(data: body).prefix(16).map { String(format: "%02x", $0) }.joined()
        return PreparedResponse(
            body: ByteBuffer(bytes: body), fingerprint: fingerprint, contentType: "application/json", negotiated: false,
            lastModified: nil, cacheControl: cacheControl)
    }
}

/// The discovery of the aggregation that draft-ietf-oauth-status-list §9.1 recommends: "If the Issuer is an OAuth
/// Authorization Server according to RFC6749, it is RECOMMENDED to use the `status_list_aggregation_endpoint`
/// parameter within its metadata defined by RFC8414", i.e. at `/.well-known/oauth-authorization-server` (RFC 8414 §3).
///
/// Standing signs the Status List Tokens but grants no OAuth tokens, so its document carries only `issuer` (its base
/// URL, as RFC 8414 §2 requires), `jwks_uri` and `status_list_aggregation_endpoint`; an issuer that runs its own
/// authorization server publishes its per-issuer aggregation URL (`{base}/status/aggregation/{issuer}`) there instead.
struct StatusAggregationMetadata: Encodable, Sendable {
    let issuer: String
    let jwks_uri: String
    /// Absent when the aggregation is switched off.
    let status_list_aggregation_endpoint: String?

    /// The document for the service at `urls.baseURL`.
    init(urls: StatusAggregation, aggregationEnabled: Bool) {
        issuer = urls.baseURL
        jwks_uri = urls.baseURL + "/.well-known/jwks.json"
        status_list_aggregation_endpoint = aggregationEnabled ? urls.allURL : nil
    }

    /// Adds `GET /.well-known/oauth-authorization-server` to `router`, answering the document encoded once.
    static func addRoute(to router: Router<StandingRequestContext>, urls: StatusAggregation, aggregationEnabled: Bool) {
        let body = SystemController.encode(StatusAggregationMetadata(urls: urls, aggregationEnabled: aggregationEnabled))
        router.get(".well-known/oauth-authorization-server") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "public, max-age=300", .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: body))
        }
    }
}
