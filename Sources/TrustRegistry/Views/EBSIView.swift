import Crypto
import Foundation

/// Where the EBSI Trusted Issuers Registry v5-shaped API is published.
public struct EBSIConfiguration: Sendable, Hashable {
    /// The path prefix of the API under the base URL.
    public static let pathPrefix = "/trusted-issuers-registry/v5"
    /// The registry's public base URL, e.g. `https://registry.example.eu` (a trailing slash is ignored).
    public var baseURL: String

    /// Creates a configuration.
    /// - Parameter baseURL: The public base URL.
    public init(baseURL: String) {
        self.baseURL = AccreditationCredential.trimmedBase(baseURL)
    }

    /// The absolute URL of the issuer list.
    public var issuersURL: String { baseURL + Self.pathPrefix + "/issuers" }
}

/// A page request in EBSI's cursor style: `page[after]` (an opaque cursor from a previous page's links) and
/// `page[size]` (1 to 100, default 10).
public struct EBSIPageRequest: Sendable, Hashable {
    /// The default page size.
    public static let defaultSize = 10
    /// The largest page size.
    public static let maximumSize = 100

    /// The cursor: the key of the last item of the previous page, or `nil` for the first page.
    public var after: String?
    /// The page size.
    public var size: Int

    /// Creates a request.
    /// - Parameters:
    ///   - after: The cursor, or `nil`.
    ///   - size: The page size, default 10.
    /// - Throws: ``RegistryError/Code/malformed`` for a size outside 1...100 or an oversized cursor.
    public init(after: String? = nil, size: Int? = nil) throws(RegistryError) {
        let size = size ?? Self.defaultSize
        guard (1...Self.maximumSize).contains(size) else {
            throw RegistryError(.malformed, "page[size] must be 1 to \(Self.maximumSize), not \(size)")
        }
        if let after, after.isEmpty || after.utf8.count > 1024 {
            throw RegistryError(.malformed, "page[after] must be a cursor from a previous page")
        }
        self.after = after
        self.size = size
    }
}

/// `links` of an EBSI collection page: absolute URLs. On the first page `prev` repeats `first`; on the last page
/// `next` repeats `last`.
public struct EBSILinks: Codable, Sendable, Hashable {
    /// The first page.
    public var first: String
    /// The previous page.
    public var prev: String
    /// The next page.
    public var next: String
    /// The last page.
    public var last: String
}

/// An EBSI collection page: `{self, items, total, pageSize, links}`.
public struct EBSICollection<Item: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    /// This page's URL (member `self`).
    public var selfURL: String
    /// The items.
    public var items: [Item]
    /// The number of items in the whole collection.
    public var total: Int
    /// The page size.
    public var pageSize: Int
    /// Navigation links.
    public var links: EBSILinks

    private enum CodingKeys: String, CodingKey {
        case selfURL = "self"
        case items, total, pageSize, links
    }
}

/// An issuer list item: `{did, href}`.
public struct EBSIIssuerItem: Codable, Sendable, Hashable {
    /// The DID.
    public var did: String
    /// The issuer's URL.
    public var href: String
}

/// An attribute list item: `{id, href}`.
public struct EBSIAttributeItem: Codable, Sendable, Hashable {
    /// The attribute (accreditation) id.
    public var id: String
    /// The attribute's URL.
    public var href: String
}

/// `GET /issuers/{did}`: `{did, attributes, hasAttributes}`.
public struct EBSIIssuer: Codable, Sendable, Hashable {
    /// The DID.
    public var did: String
    /// The URL of the issuer's attribute list.
    public var attributes: String
    /// Whether at least one attribute is registered.
    public var hasAttributes: Bool
}

/// `GET /issuers/{did}?version=deprecated` (and v4-style consumers): `{did, attributes: [attribute]}`.
public struct EBSIIssuerWithAttributes: Codable, Sendable, Hashable {
    /// The DID.
    public var did: String
    /// Every attribute, latest revision.
    public var attributes: [EBSIAttribute]
}

/// An attribute: `{hash, body, issuerType, tao, rootTao}`.
///
/// `body` is the accreditor's signed accreditation (a compact JWT VC), `hash` the hex SHA-256 of `body`;
/// `issuerType` is `RootTAO`, `TAO` or `TI` while the accreditation is not suspended or revoked, and `Revoked` while
/// it is suspended (EBSI has no suspension; failing closed) or once it is revoked.
public struct EBSIAttribute: Codable, Sendable, Hashable {
    /// Hex SHA-256 of `body`.
    public var hash: String
    /// The signed accreditation JWT.
    public var body: String
    /// `RootTAO`, `TAO`, `TI` or `Revoked`.
    public var issuerType: String
    /// The accreditor's DID.
    public var tao: String
    /// The root authority's DID.
    public var rootTao: String
}

/// `GET /issuers/{did}/attributes/{id}`: `{did, attribute}`.
public struct EBSIAttributeResponse: Codable, Sendable, Hashable {
    /// The DID.
    public var did: String
    /// The latest revision.
    public var attribute: EBSIAttribute
}

/// One revision of an attribute: the EBSI members plus this registry's `seq`, `status`, `at`, `reason` and the
/// signed statement that caused the revision (`evidence`).
public struct EBSIRevision: Codable, Sendable, Hashable {
    /// Hex SHA-256 of `body`.
    public var hash: String
    /// The signed accreditation JWT (unchanged across revisions).
    public var body: String
    /// The EBSI issuer type in force from this revision on.
    public var issuerType: String
    /// The accreditor's DID.
    public var tao: String
    /// The root authority's DID.
    public var rootTao: String
    /// The event that recorded the revision.
    public var seq: Int
    /// The recorded status.
    public var status: AccreditationStatus
    /// When it took effect.
    public var at: String
    /// The accreditor's reason.
    public var reason: String?
    /// The signed statement that recorded the revision (the accreditation itself for the first revision).
    public var evidence: String
    /// The revision's id: the hex SHA-256 of `evidence`, so the first revision's id is the attribute's `hash`.
    public var revisionId: String
    /// The attribute (accreditation) this is a revision of.
    public var attributeId: String
    /// This revision's URL (`/issuers/{did}/revisions/{revisionId}`).
    public var href: String
}

/// `GET /issuers/{did}/revisions/{revisionId}`: `{did, revision}`.
public struct EBSIRevisionResponse: Codable, Sendable, Hashable {
    /// The DID.
    public var did: String
    /// The revision.
    public var revision: EBSIRevision
}

extension RegistryState {
    /// `GET /issuers`: the DIDs with at least one accreditation (including the root and the bodies), in DID order.
    /// The cursor is the last DID of the previous page.
    /// - Parameters:
    ///   - page: The page request.
    ///   - configuration: The public base URL.
    /// - Returns: The page, stamped.
    public func ebsiIssuers(page: EBSIPageRequest, configuration: EBSIConfiguration) -> Stamped<EBSICollection<EBSIIssuerItem>> {
        let start =
            page.after.map { after in
                let index = insertionIndex(of: after)
                return index < sortedSubjects.count && sortedSubjects[index] == after ? index + 1 : index
            } ?? 0
        let collection = EBSIPagination.page(
            keys: sortedSubjects,
            start: start,
            size: page.size,
            url: configuration.issuersURL
        ) { did in
            EBSIIssuerItem(did: did, href: AccreditationCredential.issuerURL(baseURL: configuration.baseURL, did: did))
        }
        return Stamped(seq: seq, body: collection)
    }

    /// `GET /issuers/{did}`.
    /// - Parameters:
    ///   - did: The DID.
    ///   - configuration: The public base URL.
    /// - Returns: The issuer, stamped.
    /// - Throws: ``RegistryError/Code/unknownEntity`` when the DID has no accreditation (HTTP 404).
    public func ebsiIssuer(did: String, configuration: EBSIConfiguration) throws(RegistryError) -> Stamped<EBSIIssuer> {
        guard let ids = recordsBySubject[did] else { throw RegistryError(.unknownEntity, "\(did) is not in the registry") }
        let url = AccreditationCredential.issuerURL(baseURL: configuration.baseURL, did: did) + "/attributes"
        return Stamped(seq: seq, body: EBSIIssuer(did: did, attributes: url, hasAttributes: !ids.isEmpty))
    }

    /// `GET /issuers/{did}?version=deprecated`: the issuer with its attributes inline (also the v4 shape).
    /// - Parameters:
    ///   - did: The DID.
    ///   - time: The instant `issuerType` describes (normally now).
    /// - Returns: The issuer, stamped.
    /// - Throws: ``RegistryError/Code/unknownEntity`` when the DID has no accreditation.
    public func ebsiIssuerWithAttributes(did: String, at time: Date) throws(RegistryError) -> Stamped<EBSIIssuerWithAttributes> {
        guard let ids = recordsBySubject[did] else { throw RegistryError(.unknownEntity, "\(did) is not in the registry") }
        let attributes = ids.compactMap { records[$0] }.map { ebsiAttribute(for: $0, at: RegistryTime.truncated(time)) }
        return Stamped(seq: seq, body: EBSIIssuerWithAttributes(did: did, attributes: attributes))
    }

    /// `GET /issuers/{did}/attributes`: the DID's accreditations, oldest first; the cursor is the last id of the
    /// previous page.
    /// - Parameters:
    ///   - did: The DID.
    ///   - page: The page request.
    ///   - configuration: The public base URL.
    /// - Returns: The page, stamped.
    /// - Throws: ``RegistryError/Code/unknownEntity`` for an unknown DID; ``RegistryError/Code/malformed`` for a cursor
    ///   that is not one of the DID's attribute ids.
    public func ebsiAttributes(
        did: String,
        page: EBSIPageRequest,
        configuration: EBSIConfiguration
    ) throws(RegistryError)
        -> Stamped<EBSICollection<EBSIAttributeItem>>
    {
        guard let ids = recordsBySubject[did] else { throw RegistryError(.unknownEntity, "\(did) is not in the registry") }
        let start = try EBSIPagination.start(after: page.after, in: ids)
        let issuerURL = AccreditationCredential.issuerURL(baseURL: configuration.baseURL, did: did)
        let collection = EBSIPagination.page(keys: ids, start: start, size: page.size, url: issuerURL + "/attributes") { id in
            EBSIAttributeItem(id: id, href: issuerURL + "/attributes/" + id)
        }
        return Stamped(seq: seq, body: collection)
    }

    /// `GET /issuers/{did}/attributes/{id}` (or `/attributes/{id}` with `did` `nil`): the latest revision.
    /// - Parameters:
    ///   - id: The attribute (accreditation) id.
    ///   - did: The DID in the path, which must be the accreditation's subject; `nil` to skip the check.
    ///   - time: The instant `issuerType` describes (normally now).
    /// - Returns: The attribute, stamped.
    /// - Throws: ``RegistryError/Code/unknownAccreditation`` for an unknown id or one of another DID (HTTP 404).
    public func ebsiAttribute(id: String, did: String? = nil, at time: Date) throws(RegistryError) -> Stamped<EBSIAttributeResponse> {
        let record = try attributeRecord(id: id, did: did)
        return Stamped(
            seq: seq,
            body: EBSIAttributeResponse(did: record.subject, attribute: ebsiAttribute(for: record, at: RegistryTime.truncated(time)))
        )
    }

    /// `GET /issuers/{did}/attributes/{id}/revisions`: one revision per recorded status change, oldest first; the
    /// cursor is the `seq` of the last revision of the previous page.
    /// - Parameters:
    ///   - id: The attribute id.
    ///   - did: The DID in the path, or `nil`.
    ///   - page: The page request.
    ///   - configuration: The public base URL.
    /// - Returns: The page, stamped.
    /// - Throws: ``RegistryError/Code/unknownAccreditation`` for an unknown id; ``RegistryError/Code/malformed`` for a
    ///   bad cursor.
    public func ebsiRevisions(
        id: String,
        did: String? = nil,
        page: EBSIPageRequest,
        configuration: EBSIConfiguration
    ) throws(RegistryError)
        -> Stamped<EBSICollection<EBSIRevision>>
    {
        let record = try attributeRecord(id: id, did: did)
        let keys = record.statusHistory.map { String($0.seq) }
        let start = try EBSIPagination.start(after: page.after, in: keys)
        let url = AccreditationCredential.attributeURL(baseURL: configuration.baseURL, did: record.subject, accreditationId: id) + "/revisions"
        let revisionsBySeq = Dictionary(uniqueKeysWithValues: record.statusHistory.map { (String($0.seq), $0) })
        let collection = EBSIPagination.page(keys: keys, start: start, size: page.size, url: url) { key in
            ebsiRevision(of: record, change: revisionsBySeq[key] ?? record.statusHistory[0], configuration: configuration)
        }
        return Stamped(seq: seq, body: collection)
    }

    /// `GET /issuers/{did}/revisions`: every revision of every attribute of the DID, in log order (oldest first); the
    /// cursor is the `seq` of the last revision of the previous page, as for an attribute's revisions.
    /// - Parameters:
    ///   - did: The DID.
    ///   - page: The page request.
    ///   - configuration: The public base URL.
    /// - Returns: The page, stamped.
    /// - Throws: ``RegistryError/Code/unknownEntity`` for an unknown DID; ``RegistryError/Code/malformed`` for a bad
    ///   cursor.
    public func ebsiIssuerRevisions(
        did: String,
        page: EBSIPageRequest,
        configuration: EBSIConfiguration
    ) throws(RegistryError) -> Stamped<EBSICollection<EBSIRevision>> {
        let revisions = try issuerRevisions(did: did)
        let keys = revisions.map { String($0.change.seq) }
        let start = try EBSIPagination.start(after: page.after, in: keys)
        let bySeq = Dictionary(uniqueKeysWithValues: revisions.map { (String($0.change.seq), $0) })
        let url = AccreditationCredential.issuerURL(baseURL: configuration.baseURL, did: did) + "/revisions"
        let collection = EBSIPagination.page(keys: keys, start: start, size: page.size, url: url) { key in
            let revision = bySeq[key] ?? revisions[0]
            return ebsiRevision(of: revision.record, change: revision.change, configuration: configuration)
        }
        return Stamped(seq: seq, body: collection)
    }

    /// `GET /issuers/{did}/revisions/{revisionId}`: one revision of one of the DID's attributes, found through the
    /// revision index (no scan of the DID's history).
    /// - Throws: ``RegistryError/Code/unknownEntity`` for an unknown DID; ``RegistryError/Code/unknownAccreditation``
    ///   when no revision of the DID's attributes has that id (HTTP 404).
    public func ebsiIssuerRevision(
        did: String,
        revisionId: String,
        configuration: EBSIConfiguration
    ) throws(RegistryError) -> Stamped<EBSIRevisionResponse> {
        guard recordsBySubject[did] != nil else { throw RegistryError(.unknownEntity, "\(did) is not in the registry") }
        guard let (record, change) = revision(revisionId), record.subject == did else {
            throw RegistryError(.unknownAccreditation, "no revision \(revisionId.prefix(80)) of an attribute of \(did)")
        }
        return Stamped(
            seq: seq, body: EBSIRevisionResponse(did: did, revision: ebsiRevision(of: record, change: change, configuration: configuration)))
    }

    /// `GET /issuers/{did}/attributes/{id}/revisions/{revisionId}`: one revision of one attribute, as its item in
    /// `/attributes/{id}/revisions`, found through the revision index.
    /// - Parameters:
    ///   - id: The attribute (accreditation) id.
    ///   - did: The DID in the path, which must be the accreditation's subject; `nil` to skip the check.
    ///   - revisionId: The revision id (hex SHA-256 of the statement that recorded it).
    ///   - configuration: The public base URL.
    /// - Returns: The revision, stamped.
    /// - Throws: ``RegistryError/Code/unknownAccreditation`` for an unknown attribute, or a revision id that is not one of
    ///   this attribute's (HTTP 404).
    public func ebsiAttributeRevision(
        id: String,
        did: String? = nil,
        revisionId: String,
        configuration: EBSIConfiguration
    ) throws(RegistryError) -> Stamped<EBSIRevisionResponse> {
        let record = try attributeRecord(id: id, did: did)
        guard revisionsById[revisionId]?.accreditationId == id, let (_, change) = revision(revisionId) else {
            throw RegistryError(.unknownAccreditation, "no revision \(revisionId.prefix(80)) of attribute \(id)")
        }
        return Stamped(
            seq: seq,
            body: EBSIRevisionResponse(did: record.subject, revision: ebsiRevision(of: record, change: change, configuration: configuration)))
    }

    /// The revision with `revisionId`: its accreditation and status change, from the index kept with the state.
    private func revision(_ revisionId: String) -> (record: AccreditationRecord, change: StatusChange)? {
        guard let key = revisionsById[revisionId], let record = records[key.accreditationId],
            let change = record.statusHistory.first(where: { $0.seq == key.seq })
        else { return nil }
        return (record, change)
    }

    /// The DID's attribute revisions in log order.
    private func issuerRevisions(did: String) throws(RegistryError) -> [(record: AccreditationRecord, change: StatusChange)] {
        guard let ids = recordsBySubject[did] else { throw RegistryError(.unknownEntity, "\(did) is not in the registry") }
        return ids.compactMap { records[$0] }.flatMap { record in record.statusHistory.map { (record, $0) } }.sorted { $0.change.seq < $1.change.seq }
    }

    /// The signed statement that recorded `change`: the accreditation itself for the first revision.
    private static func evidence(of record: AccreditationRecord, change: StatusChange) -> String {
        (record.packedChangeEvidence[change.seq] ?? record.packedEvidence).text
    }

    private func ebsiRevision(of record: AccreditationRecord, change: StatusChange, configuration: EBSIConfiguration) -> EBSIRevision {
        let evidence = Self.evidence(of: record, change: change)
        let revisionId = Self.sha256Hex(evidence)
        let body = record.evidence
        return EBSIRevision(
            hash: Self.sha256Hex(body),
            body: body,
            issuerType: change.status == .active ? record.role.rawValue : "Revoked",
            tao: record.accreditedBy.did,
            rootTao: record.rootAuthority,
            seq: change.seq,
            status: change.status,
            at: RegistryTime.format(change.at),
            reason: change.reason,
            evidence: evidence,
            revisionId: revisionId,
            attributeId: record.accreditationId,
            href: AccreditationCredential.issuerURL(baseURL: configuration.baseURL, did: record.subject) + "/revisions/" + revisionId
        )
    }

    private func attributeRecord(id: String, did: String?) throws(RegistryError) -> AccreditationRecord {
        guard let record = records[id], did == nil || did == record.subject else {
            throw RegistryError(.unknownAccreditation, "no attribute \(id)\(did.map { " for \($0)" } ?? "")")
        }
        return record
    }

    func ebsiAttribute(for record: AccreditationRecord, at time: Date) -> EBSIAttribute {
        let status = record.status(at: time)
        let body = record.evidence
        return EBSIAttribute(
            hash: Self.sha256Hex(body),
            body: body,
            issuerType: status == .revoked || status == .suspended ? "Revoked" : record.role.rawValue,
            tao: record.accreditedBy.did,
            rootTao: record.rootAuthority
        )
    }

    static func sha256Hex(_ text: String) -> String { hexString(SHA256.hash(data: Data(text.utf8))) }
}

enum EBSIPagination {
    static func start(after: String?, in keys: [String]) throws(RegistryError) -> Int {
        guard let after else { return 0 }
        guard let index = keys.firstIndex(of: after) else {
            throw RegistryError(.malformed, "page[after] \(after.prefix(80)) is not a cursor of this collection")
        }
        return index + 1
    }

    static func page<Item>(keys: [String], start: Int, size: Int, url: String, item: (String) -> Item) -> EBSICollection<Item> {
        let total = keys.count
        let start = min(start, total)
        let end = min(start + size, total)
        func link(afterIndex index: Int?) -> String {
            // The brackets are percent-encoded: RFC 3986 allows `[` and `]` only in an IP literal host.
            guard let index, index >= 0, index < total else { return "\(url)?page%5Bsize%5D=\(size)" }
            return "\(url)?page%5Bafter%5D=\(encode(keys[index]))&page%5Bsize%5D=\(size)"
        }
        let lastStart = max(0, total - size)
        let previousStart = max(0, start - size)
        let next = end < total ? link(afterIndex: end - 1) : link(afterIndex: lastStart - 1)
        return EBSICollection(
            selfURL: link(afterIndex: start - 1),
            items: keys[start..<end].map(item),
            total: total,
            pageSize: size,
            links: EBSILinks(
                first: link(afterIndex: nil),
                prev: link(afterIndex: previousStart - 1),
                next: next,
                last: link(afterIndex: lastStart - 1)
            )
        )
    }

    /// Percent-encodes a cursor for a query value (DIDs keep their colons).
    static func encode(_ key: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key
    }
}
