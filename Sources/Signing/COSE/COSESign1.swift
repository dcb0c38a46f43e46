import Foundation

/// A COSE_Sign1 message (RFC 9052 §4.2): one signer, signature over the protected header and the payload.
///
/// ``parse(_:tagPolicy:)`` only checks structure; nothing in a parsed message is trustworthy until
/// ``verify(with:externalAAD:)`` succeeds. Only attached payloads are supported.
public struct COSESign1: Sendable {
    /// The CBOR tag of COSE_Sign1_Tagged.
    public static let tag: UInt64 = 18

    /// Whether the message must carry tag 18.
    public enum TagPolicy: Sendable, Hashable {
        /// The message must be exactly `18([...])`. Status List Tokens need this (draft-ietf-oauth-status-list
        /// §5.2: COSE_Sign1_Tagged, and no CWT tag 61 around it).
        case required
        /// Tag 18 may be present or absent; any other tag is still rejected.
        case optional
    }

    /// The protected header exactly as signed: the encoded map, or empty bytes for an empty header.
    public let protectedHeaderBytes: Data
    /// The decoded protected header entries, in encoded order.
    public let protectedHeader: [(key: CBOR, value: CBOR)]
    /// The unprotected header entries, in encoded order. Not covered by the signature.
    public let unprotectedHeader: [(key: CBOR, value: CBOR)]
    /// The payload bytes (for a CWT, the encoded claims map).
    public let payload: Data
    /// The raw signature: `r || s` for ECDSA, 64 bytes for Ed25519.
    public let signature: Data
    /// Whether the message carried tag 18.
    public let isTagged: Bool

    private init(
        protectedHeaderBytes: Data,
        protectedHeader: [(key: CBOR, value: CBOR)],
        unprotectedHeader: [(key: CBOR, value: CBOR)],
        payload: Data,
        signature: Data,
        isTagged: Bool
    ) {
        self.protectedHeaderBytes = protectedHeaderBytes
        self.protectedHeader = protectedHeader
        self.unprotectedHeader = unprotectedHeader
        self.payload = payload
        self.signature = signature
        self.isTagged = isTagged
    }
}

// MARK: - Header access

extension COSESign1 {
    /// The supported algorithm named by the protected `alg` header; `nil` when absent, unprotected or unsupported.
    public var algorithm: SignatureAlgorithm? {
        Self.value(for: COSEHeaderParameter.algorithm, in: protectedHeader)?.int.flatMap(SignatureAlgorithm.init(coseAlgorithmIdentifier:))
    }

    /// The protected `typ` header (RFC 9596) when it is a text string, e.g. `application/statuslist+cwt`.
    public var typ: String? {
        Self.value(for: COSEHeaderParameter.type, in: protectedHeader)?.string
    }

    /// The `kid` header, from the protected header if there, else from the unprotected one.
    public var kid: Data? {
        headerValue(COSEHeaderParameter.keyIdentifier)?.bytes
    }

    /// The DER certificates of the `x5chain` header (RFC 9360), leaf first, protected header first.
    public var x5chain: [Data]? {
        switch headerValue(COSEHeaderParameter.x5chain) {
        case .byteString(let certificate): [certificate]
        case .array(let certificates): certificates.compactMap(\.bytes)
        default: nil
        }
    }

    /// Looks a header parameter up, in the protected header first, then in the unprotected one.
    /// - Parameter label: The parameter label, e.g. ``COSEHeaderParameter/keyIdentifier`` or `33`.
    /// - Returns: The value, or `nil` when neither header has it.
    public func headerValue(_ label: CBOR) -> CBOR? {
        Self.value(for: label, in: protectedHeader) ?? Self.value(for: label, in: unprotectedHeader)
    }

    private static func value(for label: CBOR, in header: [(key: CBOR, value: CBOR)]) -> CBOR? {
        header.first { $0.key == label }?.value
    }
}

// MARK: - Signing

extension COSESign1 {
    /// Signs `payload` and returns the encoded COSE_Sign1_Tagged message.
    ///
    /// The protected header holds `alg` (from the key), then `typ`, then `x5chain`, then `protectedHeader` in the
    /// given order; the unprotected header holds `kid`, then `unprotectedHeader`.
    /// - Parameters:
    ///   - payload: The bytes to sign (for a CWT, the encoded claims map).
    ///   - key: The signing key; its algorithm becomes `alg`.
    ///   - typ: The `typ` header, e.g. `application/statuslist+cwt`.
    ///   - kid: The key id, placed in the unprotected header.
    ///   - x5chain: DER certificates, leaf first, placed in the protected header; empty for none.
    ///   - protectedHeader: Further protected entries.
    ///   - unprotectedHeader: Further unprotected entries.
    ///   - externalAAD: Externally supplied data bound into the signature; empty in most profiles.
    /// - Returns: The bytes of `18([protected, unprotected, payload, signature])`.
    /// - Throws: ``SigningError`` `.malformed` when a header label appears twice, or the key's error.
    public static func sign(
        payload: Data,
        key: SigningKey,
        typ: String? = nil,
        kid: Data? = nil,
        x5chain: [Data] = [],
        protectedHeader: [(key: CBOR, value: CBOR)] = [],
        unprotectedHeader: [(key: CBOR, value: CBOR)] = [],
        externalAAD: Data = Data()
    ) throws(SigningError) -> Data {
        var protectedEntries: [(key: CBOR, value: CBOR)] = [
            (key: COSEHeaderParameter.algorithm, value: CBOR(key.algorithm.coseAlgorithmIdentifier))
        ]
        if let typ {
            protectedEntries.append((key: COSEHeaderParameter.type, value: .textString(typ)))
        }
        if x5chain.count == 1, let leaf = x5chain.first {
            protectedEntries.append((key: COSEHeaderParameter.x5chain, value: .byteString(leaf)))
        } else if x5chain.count > 1 {
            protectedEntries.append((key: COSEHeaderParameter.x5chain, value: .array(x5chain.map(CBOR.byteString))))
        }
        protectedEntries += protectedHeader

        var unprotectedEntries: [(key: CBOR, value: CBOR)] = []
        if let kid {
            unprotectedEntries.append((key: COSEHeaderParameter.keyIdentifier, value: .byteString(kid)))
        }
        unprotectedEntries += unprotectedHeader

        var labels: Set<CBOR> = []
        for entry in protectedEntries + unprotectedEntries where !labels.insert(entry.key).inserted {
            throw SigningError(.malformed, "COSE: header label \(entry.key) appears more than once")
        }

        let protectedBytes = CBOR.map(protectedEntries).encoded()
        let toBeSigned = signatureStructure(protectedHeaderBytes: protectedBytes, payload: payload, externalAAD: externalAAD)
        let signature = try key.sign(toBeSigned)
        let message: CBOR = .tagged(
            tag,
            [.byteString(protectedBytes), .map(unprotectedEntries), .byteString(payload), .byteString(signature)]
        )
        return message.encoded()
    }

    /// The bytes a COSE_Sign1 signature covers (RFC 9052 §4.4): `["Signature1", protected, external_aad, payload]`.
    /// - Parameters:
    ///   - protectedHeaderBytes: The protected header exactly as carried in the message.
    ///   - payload: The payload bytes.
    ///   - externalAAD: Externally supplied data; empty when the profile has none.
    /// - Returns: The encoded Sig_structure.
    public static func signatureStructure(protectedHeaderBytes: Data, payload: Data, externalAAD: Data = Data()) -> Data {
        let structure: CBOR = ["Signature1", .byteString(protectedHeaderBytes), .byteString(externalAAD), .byteString(payload)]
        return structure.encoded()
    }
}

// MARK: - Parsing and verification

extension COSESign1 {
    /// Parses a COSE_Sign1 message without trusting it.
    ///
    /// Checks the structure only: the tag, four elements, a protected header that is empty or an encoded map, an
    /// unprotected map, no label in both headers, an attached payload, and the types of the `alg`, `crit`, `kid`,
    /// `typ` and `x5chain` values. Any tag other than 18, including the CWT tag 61 around it, is rejected.
    /// - Parameters:
    ///   - bytes: The encoded message.
    ///   - tagPolicy: Whether tag 18 is required (default) or optional.
    /// - Returns: The message, still unverified.
    /// - Throws: ``SigningError`` `.malformed` for invalid CBOR or a structure that is not a COSE_Sign1.
    public static func parse(_ bytes: some DataProtocol, tagPolicy: TagPolicy = .required) throws(SigningError) -> COSESign1 {
        let item = try CBOR.decode(bytes)
        let content: CBOR
        let isTagged: Bool
        switch item {
        case .tagged(tag, let inner):
            content = inner
            isTagged = true
        case .tagged(61, _):
            throw malformed("the COSE_Sign1 is wrapped in the CWT tag 61, which this profile forbids")
        case .tagged(let other, _):
            throw malformed("tag \(other) found where a COSE_Sign1 (tag \(tag)) was expected")
        default:
            guard tagPolicy == .optional else { throw malformed("the COSE_Sign1 lacks the required tag \(tag)") }
            content = item
            isTagged = false
        }

        guard case .array(let elements) = content, elements.count == 4 else {
            throw malformed("a COSE_Sign1 is an array of 4 elements")
        }
        guard case .byteString(let protectedBytes) = elements[0] else {
            throw malformed("the protected header is not a byte string")
        }
        let protectedEntries: [(key: CBOR, value: CBOR)]
        if protectedBytes.isEmpty {
            protectedEntries = []
        } else {
            guard case .map(let entries) = try CBOR.decode(protectedBytes) else {
                throw malformed("the protected header does not encode a map")
            }
            protectedEntries = entries
        }
        guard case .map(let unprotectedEntries) = elements[1] else {
            throw malformed("the unprotected header is not a map")
        }
        let payload: Data
        switch elements[2] {
        case .byteString(let bytes): payload = bytes
        case .null: throw malformed("detached payloads are not supported")
        default: throw malformed("the payload is not a byte string")
        }
        guard case .byteString(let signature) = elements[3] else {
            throw malformed("the signature is not a byte string")
        }

        try validateHeaders(protected: protectedEntries, unprotected: unprotectedEntries)
        return COSESign1(
            protectedHeaderBytes: protectedBytes,
            protectedHeader: protectedEntries,
            unprotectedHeader: unprotectedEntries,
            payload: payload,
            signature: signature,
            isTagged: isTagged
        )
    }

    /// Verifies the signature with `key`.
    ///
    /// The algorithm must be named in the protected header (an unprotected `alg` could be swapped), be supported,
    /// and match the key. A `crit` header is rejected because Standing understands no critical extensions.
    /// - Parameters:
    ///   - key: The key the signer is trusted to hold.
    ///   - externalAAD: The externally supplied data the signer bound in; empty in most profiles.
    /// - Throws: ``SigningError`` with code `.malformed` (no protected `alg`), `.unsupportedAlgorithm` (unknown
    ///   `alg`), `.invalidClaims` (`crit` present), `.invalidKey` (key algorithm differs from `alg`) or
    ///   `.badSignature`.
    public func verify(with key: VerificationKey, externalAAD: Data = Data()) throws(SigningError) {
        guard let algorithmValue = Self.value(for: COSEHeaderParameter.algorithm, in: protectedHeader) else {
            throw Self.malformed("the protected header has no alg")
        }
        guard let identifier = algorithmValue.int, let algorithm = SignatureAlgorithm(coseAlgorithmIdentifier: identifier) else {
            throw SigningError(.unsupportedAlgorithm, "COSE: alg \(algorithmValue) is not supported")
        }
        if let critical = Self.value(for: COSEHeaderParameter.critical, in: protectedHeader) {
            throw SigningError(.invalidClaims, "COSE: critical header parameters \(critical) are not understood")
        }
        guard algorithm == key.algorithm else {
            throw SigningError(
                .invalidKey,
                "COSE: the message is signed with \(algorithm.rawValue) but the key is for \(key.algorithm.rawValue)"
            )
        }
        let toBeSigned = Self.signatureStructure(protectedHeaderBytes: protectedHeaderBytes, payload: payload, externalAAD: externalAAD)
        guard key.isValidSignature(signature, for: toBeSigned) else {
            throw SigningError(.badSignature, "COSE: the \(algorithm.rawValue) signature does not verify")
        }
    }

    private static func malformed(_ reason: String) -> SigningError {
        SigningError(.malformed, "COSE: \(reason)")
    }

    private static func validateHeaders(
        protected: [(key: CBOR, value: CBOR)],
        unprotected: [(key: CBOR, value: CBOR)]
    ) throws(SigningError) {
        // RFC 9052 §3: a label in both buckets makes the message malformed.
        let protectedLabels = Set(protected.map(\.key))
        if let shared = unprotected.first(where: { protectedLabels.contains($0.key) }) {
            throw malformed("header label \(shared.key) is both protected and unprotected")
        }
        if value(for: COSEHeaderParameter.critical, in: unprotected) != nil {
            throw malformed("crit must be in the protected header")
        }
        for (label, value) in protected + unprotected {
            let isValid: Bool
            switch label {
            case COSEHeaderParameter.algorithm:
                isValid = value.int != nil || value.string != nil
            case COSEHeaderParameter.critical:
                isValid = value.array.map { !$0.isEmpty && $0.allSatisfy { $0.int != nil || $0.string != nil } } ?? false
            case COSEHeaderParameter.keyIdentifier:
                isValid = value.bytes != nil
            case COSEHeaderParameter.type, COSEHeaderParameter.contentType:
                isValid = value.uint64 != nil || value.string != nil
            case COSEHeaderParameter.x5chain:
                isValid = value.bytes != nil || (value.array.map { !$0.isEmpty && $0.allSatisfy { $0.bytes != nil } } ?? false)
            default:
                isValid = true
            }
            guard isValid else { throw malformed("header parameter \(label) has an invalid value \(value)") }
        }
    }
}
