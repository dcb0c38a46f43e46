import Foundation

/// VC-JOSE-COSE (W3C Securing Verifiable Credentials using JOSE and COSE) for credentials: a compact JWS with `typ`
/// `vc+jwt`, no `cty`, whose payload is the credential JSON object itself.
public enum VerifiableCredentialJWT {
    /// The `typ` of a secured credential.
    public static let type = "vc+jwt"

    /// What verification established.
    public struct Verified: Sendable, Hashable {
        /// The verified JWS (header for `kid`, `x5c`...).
        public let jws: CompactJWS
        /// The credential, the JWS payload.
        public let credential: JSONValue
    }

    /// Secures a credential as a `vc+jwt`.
    /// - Parameters:
    ///   - credential: The credential JSON object (with `@context`, `type`, `issuer`...).
    ///   - key: The issuer's key.
    ///   - keyID: The `kid`, normally the issuer's verification method DID URL.
    ///   - additionalHeader: Further protected members (must not include `cty`).
    /// - Returns: The compact JWS.
    /// - Throws: ``SigningError/Code/malformed`` when `credential` is not a credential object or the header has
    ///   `cty`; signing errors otherwise.
    public static func sign(
        credential: JSONValue,
        key: SigningKey,
        keyID: String? = nil,
        additionalHeader: [String: JSONValue] = [:]
    ) throws(SigningError) -> String {
        try requireCredentialShape(credential)
        guard additionalHeader["cty"] == nil else {
            throw SigningError(.malformed, "vc+jwt omits cty: the payload is the credential itself")
        }
        return try CompactJWS.sign(json: credential, key: key, type: type, keyID: keyID, additionalHeader: additionalHeader)
    }

    /// Verifies a `vc+jwt` with a key the caller has chosen.
    /// - Parameters:
    ///   - compact: The compact JWS.
    ///   - key: The trusted issuer key.
    ///   - at: The time to check `validFrom` and `validUntil` against.
    /// - Returns: The credential and the parsed JWS.
    /// - Throws: JWS errors from ``CompactJWS/verify(with:expectedType:understoodCriticalHeaders:)`` (with expected
    ///   `typ` `vc+jwt`); ``SigningError/Code/malformed`` when the payload is not a credential object;
    ///   ``SigningError/Code/expired`` outside `validFrom`…`validUntil`.
    public static func verify(_ compact: String, key: VerificationKey, at: Date = Date()) throws(SigningError) -> Verified {
        try verify(compact, at: at) { _ in key }
    }

    /// Verifies a `vc+jwt`, choosing the key from its header.
    /// - Parameters:
    ///   - compact: The compact JWS.
    ///   - at: The time to check `validFrom` and `validUntil` against.
    ///   - resolveKey: Returns the trusted key for the (unverified) header, typically by `kid`. A
    ///     non-``SigningError`` it throws is reported as ``SigningError/Code/unknownKey``.
    /// - Returns: The credential and the parsed JWS.
    /// - Throws: As ``verify(_:key:at:)``, plus what `resolveKey` throws.
    public static func verify(
        _ compact: String,
        at: Date = Date(),
        resolveKey: (JWSHeader) throws -> VerificationKey
    ) throws(SigningError) -> Verified {
        let jws = try CompactJWS(parsing: compact)
        let key: VerificationKey
        do {
            key = try resolveKey(jws.header)
        } catch let error as SigningError {
            throw error
        } catch {
            throw SigningError(.unknownKey, "no trusted key for the vc+jwt header: \(error)")
        }
        try jws.verify(with: key, expectedType: type)
        if jws.header.contentType != nil {
            throw SigningError(.invalidClaims, "vc+jwt must not carry cty")
        }
        let credential = try jws.payloadJSON()
        try requireCredentialShape(credential)
        if let validFrom = try validityTime(credential["validFrom"], named: "validFrom"), at < validFrom {
            throw SigningError(.expired, "credential is not valid before \(DataIntegrity.timestamp(validFrom))")
        }
        if let validUntil = try validityTime(credential["validUntil"], named: "validUntil"), at > validUntil {
            throw SigningError(.expired, "credential expired at \(DataIntegrity.timestamp(validUntil))")
        }
        return Verified(jws: jws, credential: credential)
    }

    private static func requireCredentialShape(_ credential: JSONValue) throws(SigningError) {
        guard credential.objectValue != nil, credential["@context"] != nil else {
            throw SigningError(.malformed, "a credential is a JSON object with @context")
        }
        let types = credential["type"].map { $0.arrayValue ?? [$0] } ?? []
        guard types.contains(.string("VerifiableCredential")) else {
            throw SigningError(.malformed, "credential type does not include VerifiableCredential")
        }
    }

    private static func validityTime(_ value: JSONValue?, named name: String) throws(SigningError) -> Date? {
        guard let value else { return nil }
        guard let text = value.stringValue, let date = DataIntegrity.parseTimestamp(text) else {
            throw SigningError(.malformed, "credential \(name) is not a dateTimeStamp")
        }
        return date
    }
}
