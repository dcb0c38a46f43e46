import HTTPTypes
import NIOCore
import Store

/// The router's response to a read of a published list, chosen from its pre-built representations: content
/// negotiation, conditional request, caching headers. The event-loop fast path serialises the same headers
/// (``headers(for:contentType:negotiated:)``) and uses the same negotiation and entity-tag matching, so both answer
/// alike.
struct StatusRepresentationResponse {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    /// nil for 304 and HEAD.
    let body: ByteBuffer?

    /// Chooses the representation and builds the response.
    /// - Parameters:
    ///   - publication: The publication to serve.
    ///   - forced: The media type of a per-format URL, or nil to negotiate on `accept`.
    ///   - accept: The `Accept` header.
    ///   - ifNoneMatch: The `If-None-Match` header.
    ///   - headOnly: Whether this answers a HEAD request.
    /// - Throws: ``ServiceError`` `notAcceptable` or `notFound` (format not published).
    init(
        publication: some ServedRepresentations,
        forced: StatusMediaType?,
        accept: String?,
        ifNoneMatch: String?,
        headOnly: Bool
    ) throws(ServiceError) {
        let listId = publication.definition.id
        let offer: ContentNegotiation.Offer
        if let forced {
            guard publication.representations[forced] != nil else {
                throw ServiceError(.notFound, "list '\(listId)' is not published as \(forced.rawValue)")
            }
            offer = .init(forced.rawValue, forced)
        } else {
            guard let chosen = ContentNegotiation.choose(accept: accept, offers: publication.offers) else {
                throw ServiceError(
                    .notAcceptable,
                    "list '\(listId)' is available as \(publication.offers.map(\.mediaType).joined(separator: ", "))"
                )
            }
            offer = chosen
        }
        guard let representation = publication.representations[offer.representation] else {
            throw ServiceError(.notFound, "list '\(listId)' is not published as \(offer.mediaType)")
        }
        var headers = Self.headers(for: representation, contentType: offer.mediaType, negotiated: forced == nil)
        if let ifNoneMatch, Self.matches(ifNoneMatch, etag: representation.etag) {
            self.status = .notModified
            self.headers = headers
            self.body = nil
            return
        }
        self.status = .ok
        if headOnly {
            headers[.contentLength] = String(representation.body.readableBytes)
            self.body = nil
        } else {
            self.body = representation.body
        }
        self.headers = headers
    }

    /// The headers of a 200 or 304 answer with `representation`, as the negotiated URL (with `Vary: Accept`) or the
    /// per-format URL sends them; the server adds `Content-Length`, `Date` and `Server`. The fast path serialises the
    /// same fields at publication (``PreparedStatusReads``), so both paths answer alike.
    /// - Parameters:
    ///   - representation: The representation served.
    ///   - contentType: The media type of the chosen offer (an alias of the representation's own type, or it).
    ///   - negotiated: Whether the URL was the negotiated one.
    static func headers(for representation: PublishedRepresentation, contentType: String, negotiated: Bool) -> HTTPFields {
        var headers = negotiated ? representation.negotiatedHeaders : representation.fixedHeaders
        if contentType != representation.mediaType.rawValue {
            headers[.contentType] = contentType
        }
        return headers
    }

    /// RFC 9110 §13.1.2: `*` or a list of entity tags, compared weakly.
    static func matches(_ header: String, etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            var tag = candidate.drop { $0 == " " || $0 == "\t" }
            while tag.last == " " || tag.last == "\t" { tag = tag.dropLast() }
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            return tag == etag
        }
    }
}
