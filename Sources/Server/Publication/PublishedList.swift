import Crypto
import Foundation
import HTTPTypes
import NIOCore
import StatusList
import Store

/// The media types a status list is published in.
public enum StatusMediaType: String, Sendable, CaseIterable, Hashable {
    /// W3C Bitstring Status List credential secured with an embedded Data Integrity proof.
    case vc = "application/vc"
    /// W3C credential secured as a JWT (VC-JOSE-COSE).
    case vcJWT = "application/vc+jwt"
    /// IETF Status List Token as JWT.
    case statusListJWT = "application/statuslist+jwt"
    /// IETF Status List Token as CWT (COSE_Sign1).
    case statusListCWT = "application/statuslist+cwt"

    /// The file-like suffix of the per-format URL `{base}/status/{id}.{suffix}`, for static hosting.
    public var pathSuffix: String {
        switch self {
        case .vc: "vc.json"
        case .vcJWT: "vc.jwt"
        case .statusListJWT: "jwt"
        case .statusListCWT: "cwt"
        }
    }

    /// The media type whose per-format suffix is `suffix`.
    public init?(pathSuffix suffix: Substring) {
        guard let match = Self.allCases.first(where: { $0.pathSuffix == suffix }) else { return nil }
        self = match
    }
}

/// One representation as served: bytes and the headers that go with them, all computed at publication.
public struct PublishedRepresentation: Sendable {
    public let mediaType: StatusMediaType
    /// The exact bytes served, ready to write (a `ByteBuffer` is shared, not copied, per response).
    public let body: ByteBuffer
    /// Strong entity tag, quoted.
    public let etag: String

    /// Creates a representation and computes its entity tag from the bytes.
    public init(mediaType: StatusMediaType, body: Data) {
        self.mediaType = mediaType
        self.body = ByteBuffer(bytes: body)
        let digest = SHA256.hash(data: body)
        self.etag = "\"" + digest.prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
    }

    /// The bytes as `Data`.
    public var data: Data { Data(body.readableBytesView) }

    /// Response headers for the negotiated URL (with `Vary: Accept`) and for the per-format URL; filled in by
    /// ``PublishedList`` so that serving copies them instead of building them.
    var negotiatedHeaders: HTTPFields = [:]
    var fixedHeaders: HTTPFields = [:]
}

/// An immutable publication of one list: every representation plus the decoded state for direct lookups.
///
/// Built once per change by the ``Publisher`` and swapped in atomically; readers only ever see a whole one.
public struct PublishedList: Sendable {
    public let definition: StatusListDefinition
    public let version: Int
    public let publishedAt: Date
    public let validUntil: Date
    /// The entries as published, for the direct lookup. Never mutated after publication.
    public let bitstring: Bitstring
    public let representations: [StatusMediaType: PublishedRepresentation]
    /// `Last-Modified`, preformatted.
    public let lastModified: String
    /// `Cache-Control`, preformatted from the list's ttl.
    public let cacheControl: String

    /// Creates a publication.
    public init(
        definition: StatusListDefinition,
        version: Int,
        publishedAt: Date,
        validUntil: Date,
        bitstring: Bitstring,
        representations: [StatusMediaType: PublishedRepresentation]
    ) {
        self.definition = definition
        self.version = version
        self.publishedAt = publishedAt
        self.validUntil = validUntil
        self.bitstring = bitstring
        let lastModified = HTTPDate.format(publishedAt)
        let cacheControl = "public, max-age=\(definition.ttlSeconds)"
        self.lastModified = lastModified
        self.cacheControl = cacheControl
        self.representations = Self.prepared(representations, lastModified: lastModified, cacheControl: cacheControl)
        self.offers = ContentNegotiation.offers(available: StatusMediaType.allCases.filter { representations[$0] != nil })
    }

    /// The representations with their response headers filled in.
    static func prepared(
        _ representations: [StatusMediaType: PublishedRepresentation], lastModified: String, cacheControl: String
    ) -> [StatusMediaType: PublishedRepresentation] {
        representations.mapValues { representation in
            var prepared = representation
            prepared.fixedHeaders = [
                .contentType: representation.mediaType.rawValue,
                .eTag: representation.etag,
                .lastModified: lastModified,
                .cacheControl: cacheControl,
                .accessControlAllowOrigin: "*",
            ]
            prepared.negotiatedHeaders = prepared.fixedHeaders
            prepared.negotiatedHeaders[.vary] = "Accept"
            return prepared
        }
    }

    /// What content negotiation can choose from, in server preference order.
    let offers: [ContentNegotiation.Offer]

    /// This publication as history keeps it: its artefacts, sharing their bytes, without the entries.
    public var historical: HistoricalPublication {
        HistoricalPublication(
            definition: definition, version: version, publishedAt: publishedAt, validUntil: validUntil,
            representations: representations, offers: offers)
    }

    /// The record persisted for history.
    public var record: PublicationRecord {
        PublicationRecord(
            listId: definition.id,
            version: version,
            publishedAt: publishedAt,
            validUntil: validUntil,
            representations: Dictionary(uniqueKeysWithValues: representations.map { ($0.key.rawValue, $0.value.data) })
        )
    }
}

/// What a read of `/status/{id}` serves: a publication's representations, ready to send.
protocol ServedRepresentations: Sendable {
    var definition: StatusListDefinition { get }
    var representations: [StatusMediaType: PublishedRepresentation] { get }
    var offers: [ContentNegotiation.Offer] { get }
}

extension PublishedList: ServedRepresentations {}

/// A past publication as the in-memory history keeps it for `?time=` / `?timestamp=` reads: the signed, compressed
/// bytes that were served, without the entries.
///
/// Keeping the entries would cost a full uncompressed copy of the list per version (16 MiB for a 16,777,216-entry
/// 8-bit list, so 256 MiB for 16 versions); the artefacts are what a historical read serves anyway, and the newest one
/// shares its bytes with the current publication.
public struct HistoricalPublication: Sendable, ServedRepresentations {
    public let definition: StatusListDefinition
    public let version: Int
    public let publishedAt: Date
    public let validUntil: Date
    public let representations: [StatusMediaType: PublishedRepresentation]
    let offers: [ContentNegotiation.Offer]

    init(
        definition: StatusListDefinition, version: Int, publishedAt: Date, validUntil: Date,
        representations: [StatusMediaType: PublishedRepresentation], offers: [ContentNegotiation.Offer]
    ) {
        self.definition = definition
        self.version = version
        self.publishedAt = publishedAt
        self.validUntil = validUntil
        self.representations = representations
        self.offers = offers
    }

    /// A recorded publication, from its stored bytes (nothing is decoded).
    init(record: PublicationRecord, definition: StatusListDefinition) {
        var representations: [StatusMediaType: PublishedRepresentation] = [:]
        for (type, bytes) in record.representations {
            guard let mediaType = StatusMediaType(rawValue: type) else { continue }
            representations[mediaType] = PublishedRepresentation(mediaType: mediaType, body: bytes)
        }
        self.init(
            definition: definition, version: record.version, publishedAt: record.publishedAt, validUntil: record.validUntil,
            representations: PublishedList.prepared(
                representations, lastModified: HTTPDate.format(record.publishedAt), cacheControl: "public, max-age=\(definition.ttlSeconds)"),
            offers: ContentNegotiation.offers(available: StatusMediaType.allCases.filter { representations[$0] != nil }))
    }
}

/// HTTP-date (RFC 9110 §5.6.7, IMF-fixdate) formatting without a locale-dependent formatter.
public enum HTTPDate {
    private static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Formats `date` as e.g. `Sun, 29 Nov 2026 01:59:32 GMT`.
    public static func format(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let dayNumber = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - dayNumber * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: dayNumber)
        let weekday = days[((dayNumber % 7) + 7) % 7]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekday), \(two(day)) \(months[month - 1]) \(year) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) GMT"
    }

    /// Converts days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
