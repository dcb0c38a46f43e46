import Foundation
import HTTPTypes
import NIOCore
import StandingAPI
import StatusList
import Store

/// Every answer to the reads of one publication, prepared once when it is published (``PublishedLists/replace(_:)``)
/// and served by both the router and the event-loop fast path: per offer of the negotiated URL `/status/{id}`
/// (`Vary: Accept`) and per per-format URL `/status/{id}.{suffix}` a ``PreparedResponse``, and the pre-formatted parts
/// of the direct lookup's JSON.
final class PreparedStatusReads: Sendable {
    /// The list's id.
    let listId: String
    /// What the negotiated URL chooses from, in server preference order.
    let offers: [ContentNegotiation.Offer]
    /// Identifies ``offers`` for ``NegotiationMemo``: one bit per available representation.
    let offerSet: UInt8
    /// The answers of the negotiated URL, at the position of their offer in ``offers``.
    let negotiated: [PreparedResponse]
    /// The answers of the per-format URLs, by ``StatusMediaType/ordinal``.
    private let perFormat: [PreparedResponse?]
    /// The direct lookup of the current publication; nil for a past one, or when its parts could not be encoded (the
    /// router answers then).
    let lookup: PreparedLookup?

    /// Prepares every answer of the current publication, the direct lookup's included; large bodies are also put in
    /// files in `bodyFileDirectory` (``BodyFile``).
    convenience init(_ publication: PublishedList, bodyFileDirectory: String? = nil) {
        self.init(
            definition: publication.definition, publishedAt: publication.publishedAt, representations: publication.representations,
            lookup: PreparedLookup(publication), sendsFiles: true, bodyFileDirectory: bodyFileDirectory)
    }

    /// Prepares the answers of a past publication (`?time=` / `?timestamp=`), which has no direct lookup.
    convenience init(_ publication: HistoricalPublication) {
        self.init(
            definition: publication.definition, publishedAt: publication.publishedAt, representations: publication.representations,
            lookup: nil, sendsFiles: false, bodyFileDirectory: nil)
    }

    private init(
        definition: StatusListDefinition, publishedAt: Date, representations: [StatusMediaType: PublishedRepresentation],
        lookup: PreparedLookup?, sendsFiles: Bool, bodyFileDirectory: String?
    ) {
        listId = definition.id
        let offers = ContentNegotiation.offers(available: StatusMediaType.allCases.filter { representations[$0] != nil })
        self.offers = offers
        let lastModified = HTTPDate.format(publishedAt)
        let cacheControl = "public, max-age=\(definition.ttlSeconds)"
        var offerSet: UInt8 = 0
        var perFormat = [PreparedResponse?](repeating: nil, count: StatusMediaType.allCases.count)
        // Only the current publication is served by the fast path, which is what sends files.
        let files = sendsFiles ? representations.compactMapValues { BodyFile($0.body, directory: bodyFileDirectory) } : [:]
        for (type, representation) in representations {
            offerSet |= 1 << UInt8(type.ordinal)
            perFormat[type.ordinal] = PreparedResponse(
                representation, contentType: type.rawValue, negotiated: false, lastModified: lastModified, cacheControl: cacheControl,
                file: files[type])
        }
        self.offerSet = offerSet
        self.perFormat = perFormat
        // Offers are made from the representations present, so every offer has its answer.
        negotiated = offers.compactMap { offer in
            representations[offer.representation].map {
                PreparedResponse(
                    $0, contentType: offer.mediaType, negotiated: true, lastModified: lastModified, cacheControl: cacheControl,
                    file: files[offer.representation])
            }
        }
        self.lookup = lookup
    }

    /// The answer of the per-format URL of `type`, nil when the list is not published in it.
    func perFormat(_ type: StatusMediaType) -> PreparedResponse? {
        perFormat[type.ordinal]
    }

    /// The answer to a read of the per-format URL of `format`, or of the negotiated URL for `accept` when `format` is
    /// nil: the choice the fast path makes too, with the router's errors when there is none.
    /// - Throws: ``ServiceError`` `notFound` (format not published) or `notAcceptable`.
    func response(format: StatusMediaType?, accept: String?) throws(ServiceError) -> PreparedResponse {
        if let format {
            guard let response = perFormat(format) else {
                throw ServiceError(.notFound, "list '\(listId)' is not published as \(format.rawValue)")
            }
            return response
        }
        guard let position = ContentNegotiation.choosePosition(accept: accept, offers: offers), position < negotiated.count else {
            throw ServiceError(.notAcceptable, "list '\(listId)' is available as \(offers.map(\.mediaType).joined(separator: ", "))")
        }
        return negotiated[position]
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
