import Foundation
import HTTPTypes
import NIOCore
import StandingAPI
import StatusList
import Store

/// One answer of a list read, serialised as HTTP/1.1 bytes when the list is published.
///
/// The heads hold the status line and every header the router's answer carries before `Date` and `Server`
/// (Hummingbird appends those two last); the fast path writes a head, the current ``ResponseHeadTail`` and the body.
struct PreparedRepresentationResponse: Sendable {
    /// Strong entity tag, quoted, compared with `If-None-Match`.
    let etag: String
    /// `HTTP/1.1 200 OK`, the representation's headers and `Content-Length` (also the answer to HEAD).
    let okHead: ByteBuffer
    /// `HTTP/1.1 304 Not Modified` and the same headers without `Content-Length` (NIO drops it from a 304).
    let notModifiedHead: ByteBuffer
    /// The representation's bytes, shared with the publication.
    let body: ByteBuffer
}

/// Everything the event-loop fast path writes for the current publication of one list, prepared once when it is
/// published (``PublishedLists/replace(_:)``): per offer of the negotiated URL `/status/{id}` (`Vary: Accept`) and
/// per per-format URL `/status/{id}.{suffix}` the complete heads except `Date`, and the pre-formatted parts of the
/// direct lookup's JSON.
///
/// Built from the same header fields as the router's answer (``StatusRepresentationResponse/headers(for:contentType:negotiated:)``)
/// so that both paths send the same bytes; a read never encodes, compresses, signs or touches the database.
final class PreparedStatusReads: Sendable {
    /// The list's id.
    let listId: String
    /// What the negotiated URL chooses from, in server preference order (the publication's offers).
    let offers: [ContentNegotiation.Offer]
    /// Identifies ``offers`` for ``NegotiationMemo``: one bit per available representation.
    let offerSet: UInt8
    /// The answers of the negotiated URL, at the position of their offer in ``offers``.
    let negotiated: [PreparedRepresentationResponse]
    /// The answers of the per-format URLs, by ``StatusMediaType/ordinal``.
    private let perFormat: [PreparedRepresentationResponse?]
    /// The direct lookup, nil when its parts could not be encoded (the router answers then).
    let lookup: PreparedLookup?

    /// Serialises every answer of `publication`.
    init(_ publication: PublishedList) {
        listId = publication.definition.id
        offers = publication.offers
        var offerSet: UInt8 = 0
        var perFormat = [PreparedRepresentationResponse?](repeating: nil, count: StatusMediaType.allCases.count)
        for (type, representation) in publication.representations {
            offerSet |= 1 << UInt8(type.ordinal)
            perFormat[type.ordinal] = Self.prepare(representation, contentType: type.rawValue, negotiated: false)
        }
        self.offerSet = offerSet
        self.perFormat = perFormat
        let negotiated = publication.offers.compactMap { offer in
            publication.representations[offer.representation].map {
                Self.prepare($0, contentType: offer.mediaType, negotiated: true)
            }
        }
        // Offers are made from the representations present, so none is missing; if one were, positions would not
        // line up and the router answers instead.
        self.negotiated = negotiated.count == publication.offers.count ? negotiated : []
        lookup = PreparedLookup(publication)
    }

    /// The answer of the per-format URL of `type`, nil when the list is not published in it.
    func perFormat(_ type: StatusMediaType) -> PreparedRepresentationResponse? {
        perFormat[type.ordinal]
    }

    private static func prepare(
        _ representation: PublishedRepresentation,
        contentType: String,
        negotiated: Bool
    ) -> PreparedRepresentationResponse {
        let fields = StatusRepresentationResponse.headers(for: representation, contentType: contentType, negotiated: negotiated)
        return PreparedRepresentationResponse(
            etag: representation.etag,
            okHead: HTTP1Head.serialise(statusLine: "HTTP/1.1 200 OK\r\n", fields: fields, contentLength: representation.body.readableBytes),
            notModifiedHead: HTTP1Head.serialise(statusLine: "HTTP/1.1 304 Not Modified\r\n", fields: fields, contentLength: nil),
            body: representation.body
        )
    }
}

/// The direct lookup `GET /status/{id}/{index}` of one publication, answered with JSON assembled from parts encoded
/// at publication: only the index, the status and the message vary per request.
///
/// The bytes equal what the router's lookup sends (`jsonResponse` of ``StatusReadController/LookupResult``: sorted
/// keys, slashes unescaped, ISO 8601 dates, no `message` member when the value has none); FastPathBytesTests
/// compares both.
struct PreparedLookup: Sendable {
    /// The published entries.
    let bitstring: Bitstring
    /// `,"list":"…"`
    private let listMember: ByteBuffer
    /// `,"message":"…"` for each status value that has a message.
    private let messageMembers: [ByteBuffer]
    /// `,"publishedAt":"…","purpose":"…","status":`
    private let beforeStatus: ByteBuffer
    /// `,"validUntil":"…","version":…}`
    private let afterStatus: ByteBuffer

    /// The head up to the `Content-Length` value: the router sends `Cache-Control` (given by the handler), then
    /// `Content-Type` (added by `jsonResponse`), then `Content-Length`.
    private static let headUntilLength: ByteBuffer = {
        var fields: HTTPFields = [.cacheControl: "no-cache"]
        fields[.contentType] = "application/json"
        var head = HTTP1Head.serialise(statusLine: "HTTP/1.1 200 OK\r\n", fields: fields, contentLength: nil)
        head.writeString(HTTPField.Name.contentLength.rawName + ": ")
        return head
    }()
    private static let bodyStart = ByteBuffer(string: "{\"index\":")

    /// Encodes the parts of `publication`'s lookup; nil if one cannot be encoded.
    init?(_ publication: PublishedList) {
        // The configuration of `jsonResponse`, which encodes the router's answer.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        func json(_ value: some Encodable) -> String? {
            (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) }
        }
        let definition = publication.definition
        guard let list = json(definition.id), let purpose = json(definition.purpose.rawValue),
            let publishedAt = json(publication.publishedAt), let validUntil = json(publication.validUntil)
        else { return nil }
        var messageMembers: [ByteBuffer] = []
        for message in definition.statusMessages {
            guard let encoded = json(message.message) else { return nil }
            messageMembers.append(ByteBuffer(string: ",\"message\":" + encoded))
        }
        bitstring = publication.bitstring
        listMember = ByteBuffer(string: ",\"list\":" + list)
        self.messageMembers = messageMembers
        beforeStatus = ByteBuffer(string: ",\"publishedAt\":" + publishedAt + ",\"purpose\":" + purpose + ",\"status\":")
        afterStatus = ByteBuffer(string: ",\"validUntil\":" + validUntil + ",\"version\":" + String(publication.version) + "}")
    }

    /// Whether `index` is an entry of the list (the router answers any other with its problem).
    func contains(_ index: Int) -> Bool {
        index >= 0 && index < bitstring.count
    }

    /// The complete response (head with `tail`, and body) for the entry at `index`, or nil when `index` is outside
    /// the list (the router answers that with its problem).
    /// - Parameters:
    ///   - index: The entry.
    ///   - tail: The current `Date`/`Server` lines and the blank line that ends the head.
    ///   - allocator: The channel's allocator.
    func response(index: Int, tail: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard contains(index) else { return nil }
        let value = Int(bitstring[index])
        let message = value < messageMembers.count ? messageMembers[value] : nil
        let bodyLength =
            Self.bodyStart.readableBytes + DecimalDigits.count(index) + listMember.readableBytes + (message?.readableBytes ?? 0)
            + beforeStatus.readableBytes + DecimalDigits.count(value) + afterStatus.readableBytes
        var buffer = allocator.buffer(
            capacity: Self.headUntilLength.readableBytes + DecimalDigits.count(bodyLength) + 2 + tail.readableBytes + bodyLength
        )
        buffer.writeImmutableBuffer(Self.headUntilLength)
        DecimalDigits.write(bodyLength, to: &buffer)
        buffer.writeStaticString("\r\n")
        buffer.writeImmutableBuffer(tail)
        buffer.writeImmutableBuffer(Self.bodyStart)
        DecimalDigits.write(index, to: &buffer)
        buffer.writeImmutableBuffer(listMember)
        if let message { buffer.writeImmutableBuffer(message) }
        buffer.writeImmutableBuffer(beforeStatus)
        DecimalDigits.write(value, to: &buffer)
        buffer.writeImmutableBuffer(afterStatus)
        return buffer
    }
}

/// The end of every head the fast path writes: `Date` for the current second, `Server` when configured, and the blank
/// line; the router's heads end the same way (Hummingbird appends both fields after the handler's).
struct ResponseHeadTail {
    private let serverLine: String
    private var second = Int.min
    private var bytes = ByteBuffer()

    /// - Parameter serverName: The `Server` header value, nil for none (as the application's `serverName`).
    init(serverName: String?) {
        serverLine = serverName.map { HTTPField.Name.server.rawName + ": " + $0 + "\r\n" } ?? ""
    }

    /// The tail for `now`, rebuilt only when the second changes.
    mutating func current(now: Date = Date()) -> ByteBuffer {
        let seconds = Int(now.timeIntervalSince1970.rounded(.down))
        if seconds != second {
            second = seconds
            bytes = ByteBuffer(string: HTTPField.Name.date.rawName + ": " + HTTPDate.format(now) + "\r\n" + serverLine + "\r\n")
        }
        return bytes
    }
}

/// HTTP/1.1 head serialisation as NIO's encoder writes it: `Name: value` lines with the fields' raw names.
enum HTTP1Head {
    /// The status line, `fields` and an optional `Content-Length`, without the blank line that ends the head.
    static func serialise(statusLine: StaticString, fields: HTTPFields, contentLength: Int?) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(320)
        buffer.writeStaticString(statusLine)
        for field in fields {
            buffer.writeString(field.name.rawName)
            buffer.writeStaticString(": ")
            buffer.writeString(field.value)
            buffer.writeStaticString("\r\n")
        }
        if let contentLength {
            buffer.writeString(HTTPField.Name.contentLength.rawName + ": " + String(contentLength) + "\r\n")
        }
        return buffer
    }
}

/// Decimal formatting of non-negative integers straight into a buffer, without an intermediate `String`.
enum DecimalDigits {
    /// How many digits `value` (>= 0) has.
    static func count(_ value: Int) -> Int {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        return digits
    }

    /// Writes `value` (>= 0) in decimal.
    static func write(_ value: Int, to buffer: inout ByteBuffer) {
        let digits = count(value)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: digits) { pointer in
            var rest = value
            for position in stride(from: digits - 1, through: 0, by: -1) {
                pointer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            return digits
        }
    }
}

extension StatusMediaType {
    /// The position in `allCases`, for tables indexed by media type on the hot path.
    var ordinal: Int {
        switch self {
        case .vc: 0
        case .vcJWT: 1
        case .statusListJWT: 2
        case .statusListCWT: 3
        }
    }
}
