import Foundation

/// A JWS in compact serialisation (RFC 7515 §7.1), signed and verified directly over ``SigningKey`` and
/// ``VerificationKey``.
///
/// Parsing (``init(parsing:)``) trusts nothing: it only splits and decodes, so callers can read `kid` or `x5c` to
/// choose a key, then call ``verify(with:expectedType:understoodCriticalHeaders:)``.
public struct CompactJWS: Sendable, Hashable {
    /// The protected header.
    public let header: JWSHeader
    /// The decoded payload bytes.
    public let payload: Data
    /// The raw signature (`r || s` for ECDSA).
    public let signature: Data
    /// The compact serialisation, `header.payload.signature`.
    public let compactSerialization: String

    /// The JWS signing input, `BASE64URL(header) || '.' || BASE64URL(payload)`.
    public var signingInput: Data {
        let end = compactSerialization.utf8.lastIndex(of: UInt8(ascii: ".")) ?? compactSerialization.utf8.endIndex
        return Data(compactSerialization.utf8[..<end])
    }

    /// The longest compact JWS ``init(parsing:)`` accepts (16 MiB), a guard against unbounded input.
    public static let maximumLength = 16 << 20

    /// Splits and decodes a compact JWS without verifying it.
    /// - Parameter compact: `header.payload.signature`, each part unpadded base64url.
    /// - Throws: ``SigningError/Code/malformed`` for a part count other than three, empty header or signature,
    ///   invalid base64url or a header that ``JWSHeader/init(rawJSON:)`` rejects.
    public init(parsing compact: String) throws(SigningError) {
        guard compact.utf8.count <= Self.maximumLength else {
            throw SigningError(.malformed, "compact JWS is longer than \(Self.maximumLength) bytes")
        }
        // The token is split on the byte '.' of its UTF-8 form, not on Characters: grapheme breaking over a JWS of
        // tens of kilobytes costs several times its signature check. The parts only ever hold ASCII when valid, so
        // both splits accept and reject the same tokens.
        (header, payload, signature) = try Base64URL.withUTF8(of: compact) { utf8 throws(SigningError) in
            try Self.decodeParts(utf8)
        }
        compactSerialization = compact
    }

    private static func decodeParts(_ utf8: UnsafeBufferPointer<UInt8>) throws(SigningError) -> (JWSHeader, Data, Data) {
        guard let firstDot = dotIndex(in: utf8, from: 0), let secondDot = dotIndex(in: utf8, from: firstDot + 1),
            dotIndex(in: utf8, from: secondDot + 1) == nil
        else {
            let parts = utf8.reduce(1) { count, byte in byte == UInt8(ascii: ".") ? count + 1 : count }
            throw SigningError(.malformed, "compact JWS has \(parts) parts instead of 3")
        }
        guard firstDot > 0, secondDot + 1 < utf8.count else {
            throw SigningError(.malformed, "compact JWS has an empty header or signature")
        }
        let header = try JWSHeader(rawJSON: try Base64URL.decode(utf8: UnsafeBufferPointer(rebasing: utf8[..<firstDot])))
        let payload = try Base64URL.decode(utf8: UnsafeBufferPointer(rebasing: utf8[(firstDot + 1)..<secondDot]))
        let signature = try Base64URL.decode(utf8: UnsafeBufferPointer(rebasing: utf8[(secondDot + 1)...]))
        return (header, payload, signature)
    }

    /// The index of the first '.' at or after `start` (memchr: the payload segment is tens of kilobytes).
    private static func dotIndex(in utf8: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = utf8.baseAddress, start < utf8.count,
            let found = memchr(base + start, Int32(UInt8(ascii: ".")), utf8.count - start)
        else { return nil }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
    }

    /// Verifies the signature with a key the caller trusts.
    ///
    /// Rejects `alg` `none` and any `alg` other than the key's own (so an attacker cannot pick the algorithm),
    /// unencoded payloads (`b64: false`), `crit` members the caller does not understand, and a `typ` other than
    /// `expectedType` (compared case-insensitively, `application/` prefix optional, per RFC 7515 §4.1.9).
    /// - Parameters:
    ///   - key: The trusted public key.
    ///   - expectedType: The required `typ`, e.g. `statuslist+jwt`; `nil` accepts any or none.
    ///   - understoodCriticalHeaders: Extension members the caller processes, e.g. `["sigT"]` for JAdES.
    /// - Throws: ``SigningError/Code/unsupportedAlgorithm`` for `none`, unknown algorithms, `b64: false` or a `crit`
    ///   member not understood; ``SigningError/Code/algorithmMismatch`` when `alg` is not the key's algorithm;
    ///   ``SigningError/Code/invalidClaims`` for the wrong `typ`; ``SigningError/Code/badSignature`` when the
    ///   signature does not verify.
    public func verify(
        with key: VerificationKey,
        expectedType: String? = nil,
        understoodCriticalHeaders: Set<String> = []
    )
        throws(SigningError)
    {
        let alg = header.algorithm
        guard alg.lowercased() != "none" else {
            throw SigningError(.unsupportedAlgorithm, "unsecured JWS (alg none) is never accepted")
        }
        let acceptedNames = key.algorithm == .edDSA ? ["EdDSA", "Ed25519"] : [key.algorithm.rawValue]
        guard acceptedNames.contains(alg) else {
            if SignatureAlgorithm(rawValue: alg) == nil, alg != "Ed25519" {
                throw SigningError(.unsupportedAlgorithm, "JWS alg \(alg) is not supported")
            }
            throw SigningError(.algorithmMismatch, "JWS alg \(alg) does not match the \(key.algorithm.rawValue) key")
        }
        if header["b64"] != nil {
            throw SigningError(.unsupportedAlgorithm, "JWS with the b64 header (RFC 7797) is not supported")
        }
        let notUnderstood = header.critical.filter { !understoodCriticalHeaders.contains($0) }
        guard notUnderstood.isEmpty else {
            throw SigningError(.unsupportedAlgorithm, "JWS crit lists members not understood: \(notUnderstood.joined(separator: ", "))")
        }
        if let expectedType {
            guard let type = header.type, Self.mediaTypesMatch(type, expectedType) else {
                throw SigningError(.invalidClaims, "JWS typ is \(header.type ?? "absent"), expected \(expectedType)")
            }
        }
        guard signature.count == key.algorithm.signatureLength, isValidSignature(with: key) else {
            throw SigningError(.badSignature, "JWS signature does not verify")
        }
    }

    /// Checks the signature over the signing input where it lies in ``compactSerialization``, without copying it out.
    private func isValidSignature(with key: VerificationKey) -> Bool {
        let inPlace = compactSerialization.utf8.withContiguousStorageIfAvailable { utf8 in
            let end = utf8.lastIndex(of: UInt8(ascii: ".")) ?? utf8.endIndex
            return key.isValidSignature(signature, for: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[..<end])))
        }
        return inPlace ?? key.isValidSignature(signature, for: signingInput)
    }

    /// Parses the payload as strict JSON.
    /// - Returns: The payload JSON.
    /// - Throws: ``SigningError/Code/malformed`` when the payload is not JSON.
    public func payloadJSON() throws(SigningError) -> JSONValue {
        try JSONValue(parsing: payload)
    }

    /// Signs a payload into a compact JWS.
    ///
    /// The header holds `alg` (from the key), then `typ`, `kid` and `x5c` when given, plus `additionalHeader`
    /// members (e.g. JAdES `sigT`, `crit`). It is serialised canonically (RFC 8785), so it is byte-for-byte
    /// reproducible.
    /// - Parameters:
    ///   - payload: The payload bytes, used as is.
    ///   - key: The signing key.
    ///   - type: The `typ` member, e.g. `statuslist+jwt`.
    ///   - keyID: The `kid` member.
    ///   - certificateChain: DER certificates for `x5c`, leaf first.
    ///   - additionalHeader: Further protected members; must not repeat `alg`, `typ`, `kid` or `x5c`.
    /// - Returns: The compact serialisation.
    /// - Throws: ``SigningError/Code/malformed`` when `additionalHeader` repeats a member set by another parameter
    ///   or sets `alg`; ``SigningError/Code/signingFailed`` if the primitive fails.
    public static func sign(
        payload: Data,
        key: SigningKey,
        type: String? = nil,
        keyID: String? = nil,
        certificateChain: [Data]? = nil,
        additionalHeader: [String: JSONValue] = [:]
    ) throws(SigningError) -> String {
        var header = additionalHeader
        var owned = ["alg"]
        if type != nil { owned.append("typ") }
        if keyID != nil { owned.append("kid") }
        if certificateChain != nil { owned.append("x5c") }
        for name in owned where header[name] != nil {
            throw SigningError(.malformed, "additional JWS header repeats \(name)")
        }
        header["alg"] = .string(key.algorithm.rawValue)
        if let type { header["typ"] = .string(type) }
        if let keyID { header["kid"] = .string(keyID) }
        if let certificateChain { header["x5c"] = .array(certificateChain.map { .string($0.base64EncodedString()) }) }
        let headerJSON = try JSONValue.object(header).canonicalData()
        let signingInput = Base64URL.encode(headerJSON) + "." + Base64URL.encode(payload)
        let signature = try key.sign(Data(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// Signs a JSON payload (serialised canonically) into a compact JWS; see the `Data` variant.
    /// - Parameters:
    ///   - json: The payload JSON.
    ///   - key: The signing key.
    ///   - type: The `typ` member.
    ///   - keyID: The `kid` member.
    ///   - certificateChain: DER certificates for `x5c`.
    ///   - additionalHeader: Further protected members.
    /// - Returns: The compact serialisation.
    /// - Throws: As the `Data` variant, plus ``SigningError/Code/malformed`` for a non-finite number.
    public static func sign(
        json: JSONValue,
        key: SigningKey,
        type: String? = nil,
        keyID: String? = nil,
        certificateChain: [Data]? = nil,
        additionalHeader: [String: JSONValue] = [:]
    ) throws(SigningError) -> String {
        try sign(
            payload: try json.canonicalData(),
            key: key,
            type: type,
            keyID: keyID,
            certificateChain: certificateChain,
            additionalHeader: additionalHeader
        )
    }

    /// Signs an `Encodable` payload (through ``JSONValue/init(encoding:)``, serialised canonically) into a compact JWS.
    /// - Parameters:
    ///   - claims: The payload value.
    ///   - key: The signing key.
    ///   - type: The `typ` member.
    ///   - keyID: The `kid` member.
    ///   - certificateChain: DER certificates for `x5c`.
    ///   - additionalHeader: Further protected members.
    /// - Returns: The compact serialisation.
    /// - Throws: As the `Data` variant, plus ``SigningError/Code/malformed`` when the value does not encode.
    public static func sign(
        claims: some Encodable,
        key: SigningKey,
        type: String? = nil,
        keyID: String? = nil,
        certificateChain: [Data]? = nil,
        additionalHeader: [String: JSONValue] = [:]
    ) throws(SigningError) -> String {
        try sign(
            json: try JSONValue(encoding: claims),
            key: key,
            type: type,
            keyID: keyID,
            certificateChain: certificateChain,
            additionalHeader: additionalHeader
        )
    }

    /// Compares media types as RFC 7515 §4.1.9 allows: case-insensitively, `application/` optional.
    /// - Parameters:
    ///   - lhs: A media type.
    ///   - rhs: Another media type.
    /// - Returns: Whether they name the same type.
    public static func mediaTypesMatch(_ lhs: String, _ rhs: String) -> Bool {
        func normalised(_ type: String) -> String {
            let lowered = type.lowercased()
            return lowered.hasPrefix("application/") ? String(lowered.dropFirst("application/".count)) : lowered
        }
        return normalised(lhs) == normalised(rhs)
    }
}
