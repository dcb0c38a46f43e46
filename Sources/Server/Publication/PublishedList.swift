import Crypto
import Foundation
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

/// One signed representation of a publication: its bytes, held once and shared by every reader.
///
/// What HTTP makes of it (entity tag, caching and negotiation headers, serialised heads) is built from it by the HTTP
/// layer (``PreparedResponse``), once per publication.
public struct PublishedRepresentation: Sendable {
    public let mediaType: StatusMediaType
    /// The exact bytes, in a `ByteBuffer` so that every response shares them instead of copying.
    public let body: ByteBuffer
    /// The first 16 bytes of the SHA-256 of ``body``, lowercase hex: names these bytes (the HTTP entity tag quotes it).
    public let fingerprint: String

    /// Creates a representation and computes its fingerprint from the bytes.
    public init(mediaType: StatusMediaType, body: Data) {
        self.mediaType = mediaType
        self.body = ByteBuffer(bytes: body)
        let digest = SHA256.hash(data: body)
        self.fingerprint = digest.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// The bytes as `Data`.
    public var data: Data { Data(body.readableBytesView) }
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
        self.representations = representations
    }

    /// This publication as history keeps it: its artefacts, sharing their bytes, without the entries.
    public var historical: HistoricalPublication {
        HistoricalPublication(
            definition: definition, version: version, publishedAt: publishedAt, validUntil: validUntil,
            representations: representations)
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

/// A past publication as the in-memory history keeps it for `?time=` / `?timestamp=` reads: the signed, compressed
/// bytes that were served, without the entries.
///
/// Keeping the entries would cost a full uncompressed copy of the list per version (16 MiB for a 16,777,216-entry
/// 8-bit list, so 256 MiB for 16 versions); the artefacts are what a historical read serves anyway, and the newest one
/// shares its bytes with the current publication.
public struct HistoricalPublication: Sendable {
    public let definition: StatusListDefinition
    public let version: Int
    public let publishedAt: Date
    public let validUntil: Date
    public let representations: [StatusMediaType: PublishedRepresentation]

    init(
        definition: StatusListDefinition, version: Int, publishedAt: Date, validUntil: Date,
        representations: [StatusMediaType: PublishedRepresentation]
    ) {
        self.definition = definition
        self.version = version
        self.publishedAt = publishedAt
        self.validUntil = validUntil
        self.representations = representations
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
            representations: representations)
    }
}
