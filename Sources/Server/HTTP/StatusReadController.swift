import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import StandingAPI
import StatusList
import Store

/// The public read side: published lists (content-negotiated, cacheable, historical) and the direct lookup.
///
/// Everything here answers from ``PublishedLists`` (the ``PreparedResponse``s the fast path serves too) and the
/// publisher's in-memory history: no database, no compression, no signing.
public struct StatusReadController: Sendable {
    public typealias Context = StandingRequestContext
    let published: PublishedLists
    let publisher: Publisher
    /// Whether `GET /status/{id}/{index}` and `POST /status/lookup` answer. Off keeps verifiers to whole-list
    /// fetches, which is better for holders' privacy (the issuer cannot learn which entry is checked).
    let directLookupEnabled: Bool

    /// Creates the controller.
    public init(published: PublishedLists, publisher: Publisher, directLookupEnabled: Bool) {
        self.published = published
        self.publisher = publisher
        self.directLookupEnabled = directLookupEnabled
    }

    /// The routes.
    public var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.get(":list", use: list)
        routes.head(":list", use: list)
        routes.get(":list/:index", use: lookup)
        routes.post("lookup", use: batchLookup)
        return routes
    }

    /// `GET /status/{id}` (negotiated) and `GET /status/{id}.{suffix}` (one format).
    @Sendable func list(request: Request, context: Context) async throws -> Response {
        let segment = try context.parameters.require("list")
        let (idPart, forced) = try Self.splitFormat(segment[...])
        let listId = String(idPart)
        guard var reads = published.preparedReads(listId) else {
            throw ServiceError(.notFound, "no status list '\(listId)'")
        }
        if let time = try Self.requestedTime(request) {
            guard let historical = await publisher.publication(listId: listId, at: time) else {
                throw ServiceError(
                    .statusRetrieval,
                    "no version of list '\(listId)' in force at \(XMLDateTime.format(time)) is retained"
                )
            }
            // Past versions are read rarely: their answers are prepared for the request, from the retained bytes.
            reads = PreparedStatusReads(historical)
        }
        let prepared = try reads.response(format: forced, accept: request.headers[.accept])
        if let ifNoneMatch = request.headers[.ifNoneMatch], prepared.isNotModified(ifNoneMatch: ifNoneMatch) {
            return Response(status: .notModified, headers: prepared.notModifiedHeaders)
        }
        guard request.method != .head else {
            var headers = prepared.headers
            headers[.contentLength] = String(prepared.body.readableBytes)
            return Response(status: .ok, headers: headers)
        }
        return Response(status: .ok, headers: prepared.headers, body: .init(byteBuffer: prepared.body))
    }

    /// Splits `id.suffix` into the list id and the forced media type (at the first dot), without copying the id.
    static func splitFormat(_ segment: Substring) throws -> (Substring, StatusMediaType?) {
        guard let dot = segment.firstIndex(of: ".") else { return (segment, nil) }
        guard let type = StatusMediaType(pathSuffix: segment[segment.index(after: dot)...]) else {
            throw ServiceError(
                .notFound,
                "unknown format suffix; use one of \(StatusMediaType.allCases.map { "." + $0.pathSuffix }.joined(separator: ", "))"
            )
        }
        return (segment[..<dot], type)
    }

    /// `?time=` (IETF, unix seconds) or `?timestamp=` (W3C, XML Schema dateTimeStamp).
    static func requestedTime(_ request: Request) throws -> Date? {
        let query = request.uri.queryParameters
        // Both are checked even when both are given (`time` wins): a malformed parameter is refused, not ignored.
        let timestamp = try query.get("timestamp").map { timestamp in
            guard let date = parseDateTimeStamp(timestamp) else {
                throw ServiceError(.badRequest, "timestamp must be an XML Schema dateTimeStamp with a time zone, got '\(timestamp.prefix(64))'")
            }
            return date
        }
        if let time = query.get("time") {
            guard let seconds = Int64(time), seconds >= 0 else {
                throw ServiceError(.badRequest, "time must be unix seconds, got '\(time.prefix(64))'")
            }
            return Date(timeIntervalSince1970: TimeInterval(seconds))
        }
        return timestamp
    }

    /// A W3C `timestamp`, read as the credentials' `validFrom` is (``XMLDateTime``): strictly, so an impossible date
    /// is refused rather than rolled over into another instant.
    static func parseDateTimeStamp(_ text: String) -> Date? {
        try? XMLDateTime.parse(text)
    }

    /// The answer of a direct lookup.
    public struct LookupResult: Codable, Sendable, Equatable {
        public var list: String
        public var index: Int
        public var status: Int
        public var purpose: String
        public var message: String?
        public var version: Int
        public var publishedAt: Date
        public var validUntil: Date
    }

    func lookup(listId: String, index: Int) throws -> LookupResult {
        guard let publication = published.get(listId) else {
            throw ServiceError(.notFound, "no status list '\(listId)'")
        }
        guard (0..<publication.bitstring.count).contains(index) else {
            throw ServiceError(.rangeError, "index \(index) is outside list '\(listId)' (0...\(publication.bitstring.count - 1))")
        }
        let value = Int(publication.bitstring[index])
        let messages = publication.definition.statusMessages
        return LookupResult(
            list: listId,
            index: index,
            status: value,
            purpose: publication.definition.purpose.rawValue,
            message: value < messages.count ? messages[value].message : nil,
            version: publication.version,
            publishedAt: publication.publishedAt,
            validUntil: publication.validUntil
        )
    }

    /// `GET /status/{id}/{index}`.
    @Sendable func lookup(request: Request, context: Context) async throws -> Response {
        guard directLookupEnabled else { throw ServiceError(.notImplemented, "the direct lookup is switched off on this server") }
        let listId = try context.parameters.require("list")
        let rawIndex = try context.parameters.require("index")
        guard let index = Int(rawIndex), index >= 0 else {
            throw ServiceError(.rangeError, "index must be a non-negative integer, got '\(rawIndex)'")
        }
        return try jsonResponse(lookup(listId: listId, index: index), headers: [.cacheControl: "no-cache"])
    }

    struct BatchLookup: StrictRequestBody {
        struct Item: Decodable {
            let list: String
            let index: Int
        }
        let entries: [Item]
    }

    struct BatchLookupResponse: Encodable {
        struct Item: Encodable {
            var result: LookupResult?
            var error: ProblemDetails?
        }
        let results: [Item]
    }

    /// `POST /status/lookup` with `{"entries": [{"list": ..., "index": ...}]}`; per-item errors do not fail
    /// the batch.
    @Sendable func batchLookup(request: Request, context: Context) async throws -> Response {
        guard directLookupEnabled else { throw ServiceError(.notImplemented, "the direct lookup is switched off on this server") }
        let batch = try await request.decodeStrict(BatchLookup.self, context: context)
        guard batch.entries.count <= 1000 else { throw ServiceError(.invalidValue, "at most 1000 entries per lookup") }
        let results = batch.entries.map { item in
            do {
                return BatchLookupResponse.Item(result: try lookup(listId: item.list, index: item.index))
            } catch {
                return BatchLookupResponse.Item(error: ProblemDetails.from(error))
            }
        }
        return try jsonResponse(BatchLookupResponse(results: results), headers: [.cacheControl: "no-cache"])
    }
}
