import Foundation
import Signing
import StatusList

/// The key a status list is signed with, and how verifiers find it.
public struct StatusListSigningKey: Sendable {
    public let key: SigningKey
    /// The JWS/COSE `kid`.
    public let keyID: String
    /// The Data Integrity `verificationMethod` (`did:web:HOST#kid`).
    public let verificationMethod: String
    /// The X.509 chain certifying the key (DER, leaf first), written as `x5c`; empty for none.
    public var certificateChain: [Data]

    /// Creates a signing identity.
    public init(key: SigningKey, keyID: String, verificationMethod: String, certificateChain: [Data] = []) {
        self.key = key
        self.keyID = keyID
        self.verificationMethod = verificationMethod
        self.certificateChain = certificateChain
    }
}

/// The facts of one publication of a status list, shared by all its representations.
public struct StatusListStatement: Sendable {
    /// The list's URL: W3C credential `id` / entries' `statusListCredential`, IETF `sub` / `uri`.
    public var url: String
    /// The issuer (a DID or URL): W3C `issuer`, IETF `iss`.
    public var issuer: String
    public var bitstring: Bitstring
    /// W3C `statusPurpose` values.
    public var purposes: [StatusPurpose]
    /// W3C `validFrom`, IETF `iat`.
    public var issuedAt: Date
    /// W3C `validUntil`, IETF `exp`.
    public var validUntil: Date
    /// How long a verifier may cache, in seconds (W3C `ttl` is written in milliseconds, IETF `ttl` in seconds).
    public var ttlSeconds: Int
    /// The message table of a `message` list: written into the W3C subject as `statusSize` and `statusMessages`
    /// (REC §2.2 text, w3c/vc-bitstring-status-list issue 175) besides the entries' own copy; nil for other lists.
    public var statusMessages: [StatusMessage]?
    /// The IETF `status_list.aggregation_uri` (draft-ietf-oauth-status-list §4.2/§4.3, §9): where the Status List
    /// Aggregation that lists this token is published; nil leaves it out.
    public var aggregationURI: String?

    /// Creates a statement.
    public init(
        url: String, issuer: String, bitstring: Bitstring, purposes: [StatusPurpose], issuedAt: Date, validUntil: Date, ttlSeconds: Int,
        statusMessages: [StatusMessage]? = nil, aggregationURI: String? = nil
    ) {
        self.url = url
        self.issuer = issuer
        self.bitstring = bitstring
        self.purposes = purposes
        self.issuedAt = issuedAt
        self.validUntil = validUntil
        self.ttlSeconds = ttlSeconds
        self.statusMessages = statusMessages
        self.aggregationURI = aggregationURI
    }
}

/// Builds the signed representations of a status list: the W3C `BitstringStatusListCredential` secured with Data
/// Integrity or as `vc+jwt`, and the IETF Status List Token as JWT or CWT.
public enum StatusListSigner {
    /// The IETF JWT `typ`.
    public static let statusListJWTType = "statuslist+jwt"
    /// The IETF CWT `typ` (the full media type, as the draft requires).
    public static let statusListCWTType = "application/statuslist+cwt"
    /// CWT claim keys (draft-ietf-oauth-status-list; requested from IANA).
    public enum CWTClaim {
        public static let issuer: Int64 = 1
        public static let subject: Int64 = 2
        public static let expiration: Int64 = 4
        public static let issuedAt: Int64 = 6
        public static let statusList: Int64 = 65533
        public static let timeToLive: Int64 = 65534
    }

    /// The unsigned W3C credential of a statement.
    /// - Parameter level: zlib level of the GZIP encoding.
    /// - Throws: ``StatusListError`` when the list cannot be encoded or a member is malformed.
    public static func w3cCredential(_ statement: StatusListStatement, level: Int) throws -> BitstringStatusListCredential {
        try w3cCredential(statement, encodedList: try statement.bitstring.w3cEncodedList(level: level))
    }

    /// The unsigned W3C credential of a statement whose list is already encoded (e.g. by a
    /// ``SegmentedCompressedList`` kept up to date across publications).
    /// - Parameter encodedList: The `encodedList` of `statement.bitstring`: `u` + base64url of its GZIP stream.
    /// - Throws: ``StatusListError`` when a member is malformed.
    public static func w3cCredential(_ statement: StatusListStatement, encodedList: String) throws -> BitstringStatusListCredential {
        let subject = try BitstringStatusList(
            id: statement.url + "#list",
            statusPurpose: statement.purposes.count == 1 ? .one(statement.purposes[0]) : .many(statement.purposes),
            encodedList: encodedList,
            ttl: statement.ttlSeconds * 1000,
            statusSize: statement.statusMessages == nil ? nil : statement.bitstring.entrySize.bits,
            statusMessages: statement.statusMessages
        )
        return try BitstringStatusListCredential(
            id: statement.url,
            issuer: statement.issuer,
            credentialSubject: subject,
            validFrom: XMLDateTime.format(statement.issuedAt),
            validUntil: XMLDateTime.format(statement.validUntil)
        )
    }

    /// The W3C credential with an embedded Data Integrity proof (`eddsa-jcs-2022` for Ed25519 keys,
    /// `ecdsa-jcs-2019` for P-256/P-384), as JSON bytes (`application/vc`).
    public static func dataIntegrityCredential(
        _ credential: BitstringStatusListCredential,
        signer: StatusListSigningKey,
        created: Date
    ) throws -> Data {
        let document = try JSONValue(encoding: credential)
        let secured = try DataIntegrity.sign(document: document, key: signer.key, verificationMethod: signer.verificationMethod, created: created)
        return try secured.canonicalData()
    }

    /// The W3C credential secured as a `vc+jwt` (VC-JOSE-COSE), compact serialisation.
    public static func credentialJWT(_ credential: BitstringStatusListCredential, signer: StatusListSigningKey) throws -> String {
        try VerifiableCredentialJWT.sign(credential: try JSONValue(encoding: credential), key: signer.key, keyID: signer.keyID)
    }

    /// The IETF Status List Token claims in JWT form.
    struct JWTClaims: Codable {
        var sub: String
        var iss: String?
        var iat: Int64
        var exp: Int64?
        var ttl: Int?
        var statusList: IETFStatusList

        enum CodingKeys: String, CodingKey {
            case sub, iss, iat, exp, ttl
            case statusList = "status_list"
        }
    }

    /// The IETF Status List Token as a JWT (`typ: statuslist+jwt`).
    /// - Parameter level: zlib level of `lst` (the draft recommends 9).
    public static func statusListJWT(_ statement: StatusListStatement, signer: StatusListSigningKey, level: Int) throws -> String {
        try statusListJWT(statement, signer: signer, compressedList: try statement.bitstring.ietfCompressed(level: level))
    }

    /// The IETF Status List Token as a JWT, from the list already compressed (ZLIB, LSB-first): a publication
    /// compresses once for both the JWT and the CWT.
    public static func statusListJWT(_ statement: StatusListStatement, signer: StatusListSigningKey, compressedList: [UInt8]) throws -> String {
        let claims = JWTClaims(
            sub: statement.url,
            iss: statement.issuer,
            iat: Int64(statement.issuedAt.timeIntervalSince1970.rounded(.down)),
            exp: Int64(statement.validUntil.timeIntervalSince1970.rounded(.down)),
            ttl: statement.ttlSeconds,
            statusList: IETFStatusList(
                bits: statement.bitstring.entrySize, lst: Base64URL.encode(Data(compressedList)), aggregationURI: statement.aggregationURI)
        )
        return try CompactJWS.sign(claims: claims, key: signer.key, type: statusListJWTType, keyID: signer.keyID)
    }

    /// The IETF Status List Token as a CWT: COSE_Sign1 tagged 18 (never the CWT tag 61), protected `typ`
    /// `application/statuslist+cwt`, `lst` as a byte string.
    public static func statusListCWT(_ statement: StatusListStatement, signer: StatusListSigningKey, level: Int) throws -> Data {
        try statusListCWT(statement, signer: signer, compressedList: try statement.bitstring.ietfCompressed(level: level))
    }

    /// The IETF Status List Token as a CWT, from the list already compressed (ZLIB, LSB-first).
    public static func statusListCWT(_ statement: StatusListStatement, signer: StatusListSigningKey, compressedList: [UInt8]) throws -> Data {
        var statusListEntries: [(key: CBOR, value: CBOR)] = [
            (key: .textString("bits"), value: CBOR(Int64(statement.bitstring.entrySize.bits))),
            (key: .textString("lst"), value: .byteString(Data(compressedList))),
        ]
        // §4.3: an optional text-string member of the StatusList map, as in JSON; not a CWT claim of its own.
        if let aggregationURI = statement.aggregationURI {
            statusListEntries.append((key: .textString("aggregation_uri"), value: .textString(aggregationURI)))
        }
        let statusList: CBOR = .map(statusListEntries)
        let claims: CBOR = .map([
            (key: CBOR(CWTClaim.subject), value: .textString(statement.url)),
            (key: CBOR(CWTClaim.issuer), value: .textString(statement.issuer)),
            (key: CBOR(CWTClaim.issuedAt), value: CBOR(Int64(statement.issuedAt.timeIntervalSince1970.rounded(.down)))),
            (key: CBOR(CWTClaim.expiration), value: CBOR(Int64(statement.validUntil.timeIntervalSince1970.rounded(.down)))),
            (key: CBOR(CWTClaim.timeToLive), value: CBOR(Int64(statement.ttlSeconds))),
            (key: CBOR(CWTClaim.statusList), value: statusList),
        ])
        return try COSESign1.sign(payload: claims.encoded(), key: signer.key, typ: statusListCWTType, kid: Data(signer.keyID.utf8))
    }
}
