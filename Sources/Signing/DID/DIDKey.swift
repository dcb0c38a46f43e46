import Foundation

/// A `did:key` identifier (W3C CCG did:key method v0.7): the public key itself, as a multicodec-prefixed,
/// base58btc-multibase value. Resolution is pure decoding, so no network is involved.
///
/// Supported key types: Ed25519 (multicodec `0xed`), P-256 (`0x1200`) and P-384 (`0x1201`), the last two as
/// compressed points.
public struct DIDKey: Sendable, Hashable, CustomStringConvertible {
    /// The DID method prefix, `did:key:`.
    public static let prefix = "did:key:"

    /// The public key the DID encodes.
    public let key: VerificationKey

    /// Wraps a public key.
    /// - Parameter key: The key.
    public init(key: VerificationKey) {
        self.key = key
    }

    /// Resolves a `did:key` DID or DID URL (`did:key:z…#z…`).
    /// - Parameter didOrURL: The DID, optionally with a fragment, which must then repeat the multibase value.
    /// - Throws: ``SigningError/Code/malformed`` for text that is not a `did:key`, bad base58 or a fragment naming
    ///   another key; ``SigningError/Code/unsupportedAlgorithm`` for another multibase base or an unknown multicodec;
    ///   ``SigningError/Code/invalidKey`` for a key of the wrong length or off the curve.
    public init(_ didOrURL: String) throws(SigningError) {
        guard didOrURL.hasPrefix(Self.prefix) else {
            throw SigningError(.malformed, "\"\(didOrURL.prefix(64))\" is not a did:key")
        }
        let rest = didOrURL.dropFirst(Self.prefix.count)
        let parts = rest.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let multibase = parts[0]
        guard !multibase.isEmpty, !multibase.contains(where: { $0 == ":" || $0 == "/" || $0 == "?" || $0 == ";" }) else {
            throw SigningError(.malformed, "did:key has no multibase value or carries a path, query or parameters")
        }
        if parts.count == 2, parts[1] != multibase {
            throw SigningError(.malformed, "did:key fragment does not repeat the key's multibase value")
        }
        self.key = try VerificationKey(multikey: String(multibase))
    }

    /// The DID, `did:key:z…`.
    public var did: String { Self.prefix + key.multikey }

    /// The verification method id the did:key document defines for the key, `did:key:z…#z…`.
    public var verificationMethodID: String { did + "#" + key.multikey }

    /// The DID.
    public var description: String { did }

    /// Resolves a `did:key` verification method id to its key; fits the resolver parameter of
    /// ``DataIntegrity/verify(document:expectedPurpose:at:resolveKey:)``.
    /// - Parameter verificationMethod: A `did:key` DID URL.
    /// - Returns: The key.
    /// - Throws: ``SigningError/Code/unknownKey`` when the id is not a `did:key`, otherwise the errors of
    ///   ``init(_:)``.
    public static func resolveVerificationMethod(_ verificationMethod: String) throws(SigningError) -> VerificationKey {
        guard verificationMethod.hasPrefix(prefix) else {
            throw SigningError(.unknownKey, "verification method \"\(verificationMethod.prefix(64))\" is not a did:key")
        }
        return try DIDKey(verificationMethod).key
    }
}

/// Multicodec codes of the public key types `did:key` and Multikey carry.
enum PublicKeyMulticodec: UInt64 {
    case ed25519 = 0xed
    case p256 = 0x1200
    case p384 = 0x1201

    init?(algorithm: SignatureAlgorithm) {
        switch algorithm {
        case .edDSA: self = .ed25519
        case .es256: self = .p256
        case .es384: self = .p384
        }
    }

    var algorithm: SignatureAlgorithm {
        switch self {
        case .ed25519: .edDSA
        case .p256: .es256
        case .p384: .es384
        }
    }

    var keyLength: Int {
        switch self {
        case .ed25519: 32
        case .p256: 33
        case .p384: 49
        }
    }
}

extension VerificationKey {
    /// The Multikey `publicKeyMultibase` form: `z` + base58btc(multicodec varint || compressed public key). It is
    /// also the method-specific id of the key's `did:key`.
    public var multikey: String {
        // Every supported algorithm has a multicodec; the fallback is unreachable.
        let code = PublicKeyMulticodec(algorithm: algorithm)?.rawValue ?? 0
        return Multibase.encodeBase58BTC(UnsignedVarint.encode(code) + Array(compressedRepresentation))
    }

    /// The key's `did:key`.
    public var didKey: DIDKey { DIDKey(key: self) }

    /// Imports a key from its Multikey `publicKeyMultibase` form.
    /// - Parameter multikey: `z` + base58btc(multicodec varint || key bytes).
    /// - Throws: ``SigningError/Code/malformed`` for bad base58 or varint; ``SigningError/Code/unsupportedAlgorithm``
    ///   for another base or an unknown multicodec; ``SigningError/Code/invalidKey`` for wrong length or off-curve
    ///   points.
    public init(multikey: String) throws(SigningError) {
        let bytes = try Multibase.decodeBase58BTC(multikey)
        let (code, prefixLength) = try UnsignedVarint.decode(bytes)
        guard let codec = PublicKeyMulticodec(rawValue: code) else {
            throw SigningError(.unsupportedAlgorithm, "multicodec 0x\(String(code, radix: 16)) is not an Ed25519, P-256 or P-384 key")
        }
        let keyBytes = bytes.dropFirst(prefixLength)
        guard keyBytes.count == codec.keyLength else {
            throw SigningError(.invalidKey, "\(codec) key in multikey is \(keyBytes.count) bytes, expected \(codec.keyLength)")
        }
        if codec != .ed25519, keyBytes.first != 0x02, keyBytes.first != 0x03 {
            throw SigningError(.invalidKey, "\(codec) key in multikey is not a compressed point")
        }
        try self.init(algorithm: codec.algorithm, rawRepresentation: keyBytes)
    }
}
