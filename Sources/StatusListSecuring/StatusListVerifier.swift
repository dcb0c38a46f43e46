import Foundation
import Signing
import StatusList

/// A status list whose signature, key, subject and validity period have been checked.
public struct VerifiedStatusList: Sendable {
    /// How the list was secured.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// W3C credential with an embedded Data Integrity proof (`application/vc`).
        case w3cDataIntegrity = "application/vc"
        /// W3C credential as `vc+jwt`.
        case w3cJWT = "application/vc+jwt"
        /// IETF Status List Token, JWT.
        case ietfJWT = "application/statuslist+jwt"
        /// IETF Status List Token, CWT.
        case ietfCWT = "application/statuslist+cwt"

        /// The family's bit order and semantics: W3C (purpose bits) or IETF (status types).
        public var isW3C: Bool { self == .w3cDataIntegrity || self == .w3cJWT }
    }

    public let format: Format
    /// The list's URL as the list states it: the W3C credential `id`, the IETF `sub`.
    public let url: String
    /// The W3C `issuer` / IETF `iss`, when present.
    public let issuer: String?
    /// The entries.
    public let bitstring: Bitstring
    /// W3C `statusPurpose` values; empty for IETF lists.
    public let purposes: [StatusPurpose]
    /// W3C `validFrom` / IETF `iat`.
    public let issuedAt: Date?
    /// W3C `validUntil` / IETF `exp`.
    public let validUntil: Date?
    /// Cache time in seconds (W3C `ttl` converted from milliseconds).
    public let ttlSeconds: Int?
    /// The key that verified it: the JWS/COSE `kid` or the Data Integrity verification method.
    public let keyID: String?
    /// IETF: the `status_list.aggregation_uri`, where the Status List Aggregation that lists this token is published
    /// (draft-ietf-oauth-status-list §9.2, "Status List Parameter"); nil when absent and for W3C lists.
    public var aggregationURI: String? = nil
    /// W3C: the message table the list credential's subject states (`credentialSubject.statusMessages`, REC §2.2
    /// text); the entry's own `statusMessage` takes precedence in ``check(_:minimumEntries:)``.
    public var subjectStatusMessages: [StatusMessage]? = nil
    /// The validated certificate path (leaf first, anchor last) whose leaf key verified the list, when it carried an
    /// `x5c` / `x5chain` chain and was verified with a ``CertificateTrust``; nil otherwise.
    public var certificatePath: [X509Certificate]? = nil
}

/// The result of checking one credential's status entry against a verified list.
public struct StatusCheckResult: Sendable, Hashable, Codable {
    /// The raw value of the entry.
    public let status: Int
    /// The W3C purpose, or nil for IETF lists.
    public let purpose: String?
    /// W3C: value 0; IETF: VALID (0).
    public let valid: Bool
    /// The entry's message for `message` lists (W3C), or the IETF status type's name.
    public let message: String?
}

/// Verifies secured status lists (W3C and IETF, every securing form) and checks entries against them, with the
/// W3C validation algorithm's error kinds and the IETF validation rules (typ, `sub` equal to the referenced `uri`,
/// `exp`, `bits`, index range).
public enum StatusListVerifier {
    /// Limits applied while verifying untrusted lists.
    public struct Limits: Sendable {
        /// The largest decompressed list accepted (decompression-bomb cap).
        public var maximumDecodedBytes = Bitstring.defaultMaximumDecodedBytes
        /// Clock skew tolerated for `iat` / `validFrom` in the future.
        public var clockSkew: TimeInterval = 300
        /// The longest `ttl` honoured (IETF §11.5: bound it against self-inflicted denial of service).
        public var maximumTTLSeconds = 7 * 86_400

        /// The defaults.
        public init() {}
    }

    /// Verifies a list in any supported form.
    /// - Parameters:
    ///   - body: The bytes as fetched.
    ///   - mediaType: The response's `Content-Type`, if known; otherwise the form is sniffed.
    ///   - expectedURL: The URL the credential referenced (W3C `statusListCredential`, IETF `uri`).
    ///   - trustedKeys: Keys the caller trusts for this list's issuer.
    ///   - statusSize: Entry width for W3C lists (from the entry; W3C lists do not carry it).
    ///   - at: The time to check validity against.
    ///   - limits: Size and time limits.
    /// - Returns: The verified list.
    /// - Throws: ``StatusVerificationError``.
    public static func verify(
        _ body: Data,
        mediaType: String?,
        expectedURL: String,
        trustedKeys: TrustedKeys,
        statusSize: StatusSize = .one,
        at: Date = Date(),
        limits: Limits = Limits()
    ) throws(StatusVerificationError) -> VerifiedStatusList {
        let sniffed = try sniff(body, mediaType: mediaType)
        switch sniffed.format {
        case .ietfJWT:
            if let jws = sniffed.parsedJWS {
                return try verifyIETFJWT(parsed: jws, expectedURI: expectedURL, trustedKeys: trustedKeys, at: at, limits: limits)
            }
            return try verifyIETFJWT(
                try text(body),
                expectedURI: expectedURL,
                trustedKeys: trustedKeys,
                at: at,
                limits: limits
            )
        case .ietfCWT:
            return try verifyIETFCWT(body, expectedURI: expectedURL, trustedKeys: trustedKeys, at: at, limits: limits)
        case .w3cJWT:
            if let jws = sniffed.parsedJWS {
                return try verifyW3CJWT(parsed: jws, trustedKeys: trustedKeys, statusSize: statusSize, at: at, limits: limits)
            }
            return try verifyW3CJWT(try text(body), trustedKeys: trustedKeys, statusSize: statusSize, at: at, limits: limits)
        case .w3cDataIntegrity:
            return try verifyW3CDataIntegrity(body, trustedKeys: trustedKeys, statusSize: statusSize, at: at, limits: limits)
        }
    }

    /// Verifies a list in any supported form, taking its signer from the certificate chain it carries when there is
    /// one: a list with an `x5c` (JWS) or `x5chain` (COSE header 33) chain is verified with the chain's leaf key only,
    /// after ``CertificateTrust/signer(of:mediaType:at:)`` validated the chain; a list without one with
    /// `trustedKeys`, as ``verify(_:mediaType:expectedURL:trustedKeys:statusSize:at:limits:)`` does.
    /// - Parameter certificates: The X.509 anchors (and status-signing usage) chains must validate to; nil ignores chains.
    /// - Returns: The verified list, with ``VerifiedStatusList/certificatePath`` set when the leaf verified it.
    /// - Throws: ``StatusVerificationError``; a chain that is present but not trusted is a STATUS_VERIFICATION_ERROR,
    ///   never passed over for another key.
    public static func verify(
        _ body: Data,
        mediaType: String?,
        expectedURL: String,
        trustedKeys: TrustedKeys,
        certificates: CertificateTrust?,
        statusSize: StatusSize = .one,
        at: Date = Date(),
        limits: Limits = Limits()
    ) async throws(StatusVerificationError) -> VerifiedStatusList {
        guard let certificates, let signer = try await certificates.signer(of: body, mediaType: mediaType, at: at) else {
            return try verify(
                body, mediaType: mediaType, expectedURL: expectedURL, trustedKeys: trustedKeys, statusSize: statusSize, at: at, limits: limits)
        }
        var leafOnly = TrustedKeys()
        leafOnly.add(signer.key, keyID: signer.keyID ?? "x5c")
        var list = try verify(
            body, mediaType: mediaType, expectedURL: expectedURL, trustedKeys: leafOnly, statusSize: statusSize, at: at, limits: limits)
        list.certificatePath = signer.path
        return list
    }

    /// The securing form of a body: from the media type when given, else by content.
    public static func format(of body: Data, mediaType: String?) throws(StatusVerificationError) -> VerifiedStatusList.Format {
        try sniff(body, mediaType: mediaType).format
    }

    /// The securing form, plus the compact JWS when telling the two JWT forms apart took parsing it (a JWT body
    /// without a media type): ``verify(_:mediaType:expectedURL:trustedKeys:statusSize:at:limits:)`` goes on from
    /// that parse instead of repeating it.
    private static func sniff(
        _ body: Data,
        mediaType: String?
    ) throws(StatusVerificationError) -> (format: VerifiedStatusList.Format, parsedJWS: CompactJWS?) {
        if let mediaType {
            let essence = mediaType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            switch essence {
            case "application/statuslist+jwt": return (.ietfJWT, nil)
            case "application/statuslist+cwt": return (.ietfCWT, nil)
            case "application/vc+jwt", "application/jwt": return (.w3cJWT, nil)
            case "application/vc", "application/vc+ld+json", "application/ld+json", "application/json": return (.w3cDataIntegrity, nil)
            default: break
            }
        }
        // JSON and JWT bodies may carry leading whitespace (a CWT never starts with it: its first byte is the tag).
        guard let first = body.first(where: { !Self.isASCIIWhitespace($0) }) else {
            throw StatusVerificationError(.statusRetrievalError, "the status list response is empty")
        }
        switch first {
        case UInt8(ascii: "{"): return (.w3cDataIntegrity, nil)
        case 0xD2: return (.ietfCWT, nil)
        case UInt8(ascii: "e"):
            // A JWS that does not parse is sent down the W3C path, whose parse then reports why.
            let jws = try? CompactJWS(parsing: text(body))
            let isStatusListJWT = CompactJWS.mediaTypesMatch(jws?.header.type ?? "", StatusListSigner.statusListJWTType)
            return (isStatusListJWT ? .ietfJWT : .w3cJWT, jws)
        default:
            throw StatusVerificationError(.statusRetrievalError, "unrecognised status list format\(mediaType.map { " (\($0))" } ?? "")")
        }
    }

    private static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func text(_ body: Data) throws(StatusVerificationError) -> String {
        guard let text = String(data: body, encoding: .utf8) else {
            throw StatusVerificationError(.malformedValueError, "the token is not UTF-8 text")
        }
        return text.trimmingWhitespaceAndNewlines()
    }

    private static func resolve(_ trustedKeys: TrustedKeys, keyID: String?) throws(StatusVerificationError) -> VerificationKey {
        guard let key = trustedKeys.key(keyID: keyID) else {
            throw StatusVerificationError(
                .statusVerificationError,
                keyID.map { "no trusted key with kid '\($0)'" } ?? "the list names no key (kid) and several keys are trusted"
            )
        }
        return key
    }

    // MARK: IETF

    /// Verifies an IETF Status List Token in JWT form (§5.1, §8.3).
    public static func verifyIETFJWT(
        _ token: String,
        expectedURI: String,
        trustedKeys: TrustedKeys,
        at: Date = Date(),
        limits: Limits = Limits()
    ) throws(StatusVerificationError) -> VerifiedStatusList {
        let jws = try StatusVerificationError.classify { try CompactJWS(parsing: token) }
        return try verifyIETFJWT(parsed: jws, expectedURI: expectedURI, trustedKeys: trustedKeys, at: at, limits: limits)
    }

    private static func verifyIETFJWT(
        parsed jws: CompactJWS,
        expectedURI: String,
        trustedKeys: TrustedKeys,
        at: Date,
        limits: Limits
    ) throws(StatusVerificationError) -> VerifiedStatusList {
        let key = try resolve(trustedKeys, keyID: jws.header.keyID)
        try StatusVerificationError.classify { try jws.verify(with: key, expectedType: StatusListSigner.statusListJWTType) }
        let claims: StatusListSigner.JWTClaims
        do {
            claims = try JSONDecoder().decode(StatusListSigner.JWTClaims.self, from: jws.payload)
        } catch let error as StatusListError {
            throw StatusVerificationError.list(error)
        } catch let error as DecodingError {
            throw StatusVerificationError.claims(error, in: "the status list token's claims")
        } catch {
            throw StatusVerificationError(.malformedValueError, "the status list token's claims do not decode: \(error)")
        }
        try checkIETFClaims(
            sub: claims.sub,
            expectedURI: expectedURI,
            iat: TimeInterval(claims.iat),
            exp: claims.exp.map(TimeInterval.init),
            ttl: claims.ttl,
            at: at,
            limits: limits
        )
        let bitstring = try StatusVerificationError.classify { try claims.statusList.bitstring(maximumBytes: limits.maximumDecodedBytes) }
        return VerifiedStatusList(
            format: .ietfJWT,
            url: claims.sub,
            issuer: claims.iss,
            bitstring: bitstring,
            purposes: [],
            issuedAt: Date(timeIntervalSince1970: TimeInterval(claims.iat)),
            validUntil: claims.exp.map { Date(timeIntervalSince1970: TimeInterval($0)) },
            ttlSeconds: claims.ttl.map { min($0, limits.maximumTTLSeconds) },
            keyID: jws.header.keyID,
            aggregationURI: claims.statusList.aggregationURI
        )
    }

    /// Verifies an IETF Status List Token in CWT form (§5.2, §8.3): COSE_Sign1 tagged 18, `typ`
    /// `application/statuslist+cwt`, claims 2/6/4/65534/65533.
    public static func verifyIETFCWT(
        _ bytes: Data,
        expectedURI: String,
        trustedKeys: TrustedKeys,
        at: Date = Date(),
        limits: Limits = Limits()
    ) throws(StatusVerificationError) -> VerifiedStatusList {
        let message = try StatusVerificationError.classify { try COSESign1.parse(bytes, tagPolicy: .required) }
        // COSE typ (RFC 9596) is the media type itself: unlike JOSE typ, the "application/" prefix may not be dropped.
        guard let typ = message.typ, typ.lowercased() == StatusListSigner.statusListCWTType else {
            let found = message.typ.map { "'\($0)'" } ?? message.headerValue(COSEHeaderParameter.type).map { "\($0)" } ?? "none"
            throw StatusVerificationError(
                .statusVerificationError,
                "the CWT's protected typ (16) must be '\(StatusListSigner.statusListCWTType)', found \(found)"
            )
        }
        let keyID = message.kid.flatMap { String(data: $0, encoding: .utf8) }
        let key = try resolve(trustedKeys, keyID: keyID)
        try StatusVerificationError.classify { try message.verify(with: key) }
        let claims = try CWTClaims(payload: message.payload)
        let sub = try claims.requiredText(StatusListSigner.CWTClaim.subject, "sub")
        guard let iat = try claims.numericDate(StatusListSigner.CWTClaim.issuedAt, "iat") else {
            throw StatusVerificationError(.malformedValueError, "the CWT has no iat (\(StatusListSigner.CWTClaim.issuedAt)) claim")
        }
        let exp = try claims.numericDate(StatusListSigner.CWTClaim.expiration, "exp")
        let ttl = try claims.integer(StatusListSigner.CWTClaim.timeToLive, "ttl")
        let issuer = try claims.optionalText(StatusListSigner.CWTClaim.issuer, "iss")
        try checkIETFClaims(sub: sub, expectedURI: expectedURI, iat: iat, exp: exp, ttl: ttl, at: at, limits: limits)
        let (bits, lst, aggregationURI) = try claims.statusList()
        let bitstring = try StatusVerificationError.classify {
            try Bitstring(ietfCompressed: Array(lst), bits: StatusSize(bits: bits), maximumBytes: limits.maximumDecodedBytes)
        }
        return VerifiedStatusList(
            format: .ietfCWT,
            url: sub,
            issuer: issuer,
            bitstring: bitstring,
            purposes: [],
            issuedAt: Date(timeIntervalSince1970: iat),
            validUntil: exp.map { Date(timeIntervalSince1970: $0) },
            ttlSeconds: ttl.map { min($0, limits.maximumTTLSeconds) },
            keyID: keyID,
            aggregationURI: aggregationURI
        )
    }

    /// The claims map of a CWT, read with the draft's and RFC 8392's types; a claim that is present with the wrong type
    /// is an error, never silently ignored (an ignored `exp` would disable the expiry check).
    private struct CWTClaims {
        let claims: CBOR

        init(payload: Data) throws(StatusVerificationError) {
            let decoded = try StatusVerificationError.classify { try CBOR.decode(payload) }
            guard decoded.entries != nil else {
                throw StatusVerificationError(.malformedValueError, "the CWT payload is not a claims map")
            }
            claims = decoded
        }

        private func value(_ label: Int64) -> CBOR? { claims[CBOR(label)] }

        private func wrongType(_ label: Int64, _ name: String, _ expected: String, _ found: CBOR) -> StatusVerificationError {
            StatusVerificationError(
                .malformedValueError,
                "the CWT's \(name) (\(label)) claim must be \(expected), found \(String("\(found)".prefix(60)))"
            )
        }

        func requiredText(_ label: Int64, _ name: String) throws(StatusVerificationError) -> String {
            guard let value = value(label) else {
                throw StatusVerificationError(.malformedValueError, "the CWT has no \(name) (\(label)) claim")
            }
            guard let text = value.string else { throw wrongType(label, name, "a text string", value) }
            return text
        }

        func optionalText(_ label: Int64, _ name: String) throws(StatusVerificationError) -> String? {
            guard value(label) != nil else { return nil }
            return try requiredText(label, name)
        }

        /// A NumericDate (RFC 8392 §2): an integer or a finite floating-point number of seconds.
        func numericDate(_ label: Int64, _ name: String) throws(StatusVerificationError) -> TimeInterval? {
            guard let value = value(label) else { return nil }
            if let seconds = value.int { return TimeInterval(seconds) }
            if let seconds = value.double, seconds.isFinite { return seconds }
            throw wrongType(label, name, "a NumericDate (an integer or a finite number)", value)
        }

        func integer(_ label: Int64, _ name: String) throws(StatusVerificationError) -> Int? {
            guard let value = value(label) else { return nil }
            guard let number = value.int else { throw wrongType(label, name, "an integer", value) }
            return number
        }

        /// The status list (65533) map's `bits`, `lst` and optional `aggregation_uri` (§4.3: text keys, `lst` the raw zlib
        /// bytes, `aggregation_uri` a text string).
        func statusList() throws(StatusVerificationError) -> (bits: Int, lst: Data, aggregationURI: String?) {
            let label = StatusListSigner.CWTClaim.statusList
            guard let statusList = value(label) else {
                throw StatusVerificationError(.malformedValueError, "the CWT has no status_list (\(label)) claim")
            }
            guard statusList.entries != nil else { throw wrongType(label, "status_list", "a map with bits and lst", statusList) }
            guard let bitsValue = statusList[.textString("bits")] else {
                throw StatusVerificationError(.malformedValueError, "the CWT's status_list has no bits")
            }
            guard let bits = bitsValue.int else { throw wrongType(label, "status_list bits", "an unsigned integer", bitsValue) }
            guard let lstValue = statusList[.textString("lst")] else {
                throw StatusVerificationError(.malformedValueError, "the CWT's status_list has no lst")
            }
            guard let lst = lstValue.bytes else {
                throw wrongType(label, "status_list lst", "a byte string of the zlib-compressed list (not base64 text)", lstValue)
            }
            var aggregationURI: String?
            if let value = statusList[.textString("aggregation_uri")] {
                // The JSON form requires an absolute URI (IETFStatusList); the CBOR form is held to the same.
                guard let text = value.string, let url = URL(string: text), url.scheme != nil else {
                    throw wrongType(label, "status_list aggregation_uri", "a text string holding an absolute URI", value)
                }
                aggregationURI = text
            }
            return (bits, lst, aggregationURI)
        }
    }

    private static func checkIETFClaims(
        sub: String,
        expectedURI: String,
        iat: TimeInterval,
        exp: TimeInterval?,
        ttl: Int?,
        at: Date,
        limits: Limits
    ) throws(StatusVerificationError) {
        guard sub == expectedURI else {
            throw StatusVerificationError(.statusVerificationError, "the token's sub '\(sub)' is not the referenced uri '\(expectedURI)'")
        }
        let now = at.timeIntervalSince1970
        // Dates from the token may be any finite double (CWT NumericDate); never convert them with a trapping Int64(_:).
        func seconds(_ time: TimeInterval) -> String { Int64(exactly: time.rounded(.down)).map(String.init) ?? "\(time)" }
        guard iat <= now + limits.clockSkew else {
            throw StatusVerificationError(.statusVerificationError, "the token is issued in the future (iat \(seconds(iat)), now \(seconds(now)))")
        }
        // RFC 7519 §4.1.4 / RFC 8392 §3.1.4: the current time MUST be before exp.
        if let exp, exp <= now {
            throw StatusVerificationError(.statusVerificationError, "the token expired at \(seconds(exp)) (exp), now \(seconds(now))")
        }
        if let ttl, ttl < 0 {
            throw StatusVerificationError(.malformedValueError, "ttl must be a positive number of seconds, got \(ttl)")
        }
    }

    // MARK: W3C

    /// Verifies a W3C `BitstringStatusListCredential` with an embedded Data Integrity proof.
    public static func verifyW3CDataIntegrity(
        _ body: Data,
        trustedKeys: TrustedKeys,
        statusSize: StatusSize = .one,
        at: Date = Date(),
        limits: Limits = Limits()
    ) throws(StatusVerificationError) -> VerifiedStatusList {
        let document = try StatusVerificationError.classify { try JSONValue(parsing: body) }
        let proof = try StatusVerificationError.classify {
            try DataIntegrity.verify(document: document, at: at, clockSkew: limits.clockSkew) { method in
                guard let key = trustedKeys.key(verificationMethod: method) else {
                    throw SigningError(.unknownKey, "no trusted key for verification method '\(method)'")
                }
                return key
            }
        }
        return try w3cList(
            proof.unsecuredDocument,
            format: .w3cDataIntegrity,
            keyID: proof.verificationMethod,
            statusSize: statusSize,
            at: at,
            limits: limits
        )
    }

    /// Verifies a W3C `BitstringStatusListCredential` secured as `vc+jwt`.
    public static func verifyW3CJWT(
        _ token: String,
        trustedKeys: TrustedKeys,
        statusSize: StatusSize = .one,
        at: Date = Date(),
        limits: Limits = Limits()
    ) throws(StatusVerificationError) -> VerifiedStatusList {
        // Verified here rather than by VerifiableCredentialJWT.verify, which checks validFrom without clock skew:
        // w3cList applies validFrom/validUntil with Limits.clockSkew for both securing forms alike.
        let jws = try StatusVerificationError.classify { try CompactJWS(parsing: token) }
        return try verifyW3CJWT(parsed: jws, trustedKeys: trustedKeys, statusSize: statusSize, at: at, limits: limits)
    }

    private static func verifyW3CJWT(
        parsed jws: CompactJWS,
        trustedKeys: TrustedKeys,
        statusSize: StatusSize,
        at: Date,
        limits: Limits
    ) throws(StatusVerificationError) -> VerifiedStatusList {
        let key = try resolve(trustedKeys, keyID: jws.header.keyID)
        try StatusVerificationError.classify { try jws.verify(with: key, expectedType: VerifiableCredentialJWT.type) }
        guard jws.header.contentType == nil else {
            throw StatusVerificationError(.statusVerificationError, "a vc+jwt must not carry cty: its payload is the credential itself")
        }
        let credential = try StatusVerificationError.classify { try jws.payloadJSON() }
        return try w3cList(credential, format: .w3cJWT, keyID: jws.header.keyID, statusSize: statusSize, at: at, limits: limits)
    }

    private static func w3cList(
        _ document: JSONValue,
        format: VerifiedStatusList.Format,
        keyID: String?,
        statusSize: StatusSize,
        at: Date,
        limits: Limits
    ) throws(StatusVerificationError) -> VerifiedStatusList {
        // Decoded directly (not through JSONValue.decode, which turns every error into a SigningError) so that a malformed
        // member of a correctly signed credential is a MALFORMED_VALUE_ERROR (REC §3), not a verification failure.
        let credential: BitstringStatusListCredential
        do {
            credential = try JSONDecoder().decode(BitstringStatusListCredential.self, from: document.canonicalData())
        } catch let error as StatusListError {
            throw StatusVerificationError.list(error)
        } catch {
            throw StatusVerificationError(.malformedValueError, "the status list credential does not decode: \(error)")
        }
        let validFrom = credential.validFrom.flatMap { try? XMLDateTime.parse($0) }
        let validUntil = credential.validUntil.flatMap { try? XMLDateTime.parse($0) }
        if let validFrom, validFrom.timeIntervalSince(at) > limits.clockSkew {
            throw StatusVerificationError(.statusVerificationError, "the status list is not valid before \(credential.validFrom ?? "")")
        }
        if let validUntil, validUntil < at {
            throw StatusVerificationError(.statusVerificationError, "the status list expired at \(credential.validUntil ?? "") (validUntil)")
        }
        let bitstring = try StatusVerificationError.classify {
            try credential.credentialSubject.bitstring(statusSize: statusSize, maximumBytes: limits.maximumDecodedBytes)
        }
        return VerifiedStatusList(
            format: format,
            url: credential.id,
            issuer: credential.issuer,
            bitstring: bitstring,
            purposes: credential.credentialSubject.statusPurpose.values,
            issuedAt: validFrom,
            validUntil: validUntil,
            ttlSeconds: credential.credentialSubject.ttl.map { min($0 / 1000, limits.maximumTTLSeconds) },
            keyID: keyID,
            subjectStatusMessages: credential.credentialSubject.statusMessages
        )
    }
}

extension VerifiedStatusList {
    /// W3C validation §3.2 steps 3, 5-7 for one `BitstringStatusListEntry`: the purpose must be one the list
    /// serves, the list must have at least `minimumEntries` entries of the entry's size, and the index must be in
    /// range.
    /// - Throws: ``StatusVerificationError`` (STATUS_VERIFICATION_ERROR, STATUS_LIST_LENGTH_ERROR, RANGE_ERROR).
    public func check(
        _ entry: BitstringStatusListEntry,
        minimumEntries: Int = Bitstring.w3cMinimumEntries
    ) throws(StatusVerificationError)
        -> StatusCheckResult
    {
        guard format.isW3C else {
            throw StatusVerificationError(.statusVerificationError, "a W3C entry cannot be checked against an IETF status list token")
        }
        guard purposes.contains(entry.statusPurpose) else {
            throw StatusVerificationError(
                .statusVerificationError,
                "the entry's purpose '\(entry.statusPurpose)' is not among the list's (\(purposes.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        guard entry.effectiveStatusSize == bitstring.entrySize.bits else {
            throw StatusVerificationError(
                .statusVerificationError,
                "the list was decoded with \(bitstring.entrySize.bits)-bit entries, the entry has \(entry.effectiveStatusSize)"
            )
        }
        guard bitstring.count >= minimumEntries else {
            throw StatusVerificationError(.statusListLengthError, "the list has \(bitstring.count) entries, fewer than the minimum \(minimumEntries)")
        }
        guard (0..<bitstring.count).contains(entry.statusListIndex) else {
            throw StatusVerificationError(.rangeError, "index \(entry.statusListIndex) is outside the list (\(bitstring.count) entries)")
        }
        let value = Int(bitstring[entry.statusListIndex])
        // The entry's table is authoritative (REC §2.1); a list that states its table only in the subject, as REC §2.2's
        // text asks (issue 175), still gives its messages rather than "set"/"unset".
        let message =
            entry.statusMessage == nil
            ? subjectStatusMessages?.first { $0.value == value }?.message ?? entry.message(for: value) : entry.message(for: value)
        return StatusCheckResult(status: value, purpose: entry.statusPurpose.rawValue, valid: value == 0, message: message)
    }

    /// IETF validation §8.3 steps 5-8 for a Referenced Token's `status_list` claim: `uri` must be the list's `sub`
    /// and the index in range (out of range MUST reject).
    /// - Throws: ``StatusVerificationError`` (STATUS_VERIFICATION_ERROR, RANGE_ERROR).
    public func check(_ reference: StatusListReference) throws(StatusVerificationError) -> StatusCheckResult {
        guard !format.isW3C else {
            throw StatusVerificationError(.statusVerificationError, "an IETF status claim cannot be checked against a W3C status list credential")
        }
        guard reference.uri == url else {
            throw StatusVerificationError(.statusVerificationError, "the claim's uri '\(reference.uri)' is not the list's sub '\(url)'")
        }
        guard (0..<bitstring.count).contains(reference.idx) else {
            throw StatusVerificationError(.rangeError, "idx \(reference.idx) is outside the list (\(bitstring.count) entries)")
        }
        let value = bitstring[reference.idx]
        let type = StatusType(rawValue: value)
        return StatusCheckResult(status: Int(value), purpose: nil, valid: type == .valid, message: type.name)
    }
}
