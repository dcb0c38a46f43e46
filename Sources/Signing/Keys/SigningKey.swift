import Crypto
import Foundation

/// The JOSE/COSE signature algorithms Standing signs with or verifies.
public enum SignatureAlgorithm: String, Sendable, Hashable, Codable, CaseIterable {
    /// ECDSA on P-256 with SHA-256 (JOSE `ES256`, COSE -7).
    case es256 = "ES256"
    /// ECDSA on P-384 with SHA-384 (JOSE `ES384`, COSE -35). Verification of foreign artefacts and signing.
    case es384 = "ES384"
    /// Ed25519 (JOSE `EdDSA`, COSE -8).
    case edDSA = "EdDSA"

    /// The byte length of a coordinate, scalar or Ed25519 key for this algorithm.
    var coordinateLength: Int {
        switch self {
        case .es256: 32
        case .es384: 48
        case .edDSA: 32
        }
    }

    /// The length of a raw signature: `r || s` for ECDSA, 64 bytes for Ed25519.
    public var signatureLength: Int {
        switch self {
        case .es256: 64
        case .es384: 96
        case .edDSA: 64
        }
    }
}

/// A private key held outside this process (an HSM through PKCS#11, a KMS) that signs on request and never hands out
/// its secret.
///
/// Wrapped in ``SigningKey/init(external:)`` it signs JWS, COSE and Data Integrity proofs like an in-memory key.
public protocol ExternalSigner: Sendable {
    /// The algorithm the key signs with.
    var algorithm: SignatureAlgorithm { get }
    /// The matching public key; its ``VerificationKey/algorithm`` equals ``algorithm``.
    var verificationKey: VerificationKey { get }
    /// Signs `message` exactly as ``SigningKey/sign(_:)`` does: SHA-256 (ES256) or SHA-384 (ES384) over the message,
    /// then ECDSA, returning `r || s`; or Ed25519 over the message itself, returning 64 bytes.
    /// - Parameter message: The bytes to sign (not a digest).
    /// - Returns: The raw signature, ``SignatureAlgorithm/signatureLength`` bytes.
    /// - Throws: ``SigningError/Code/signingFailed`` when the device refuses or fails.
    func sign(_ message: Data) throws(SigningError) -> Data
}

/// A private key that produces raw signatures: IEEE P1363 `r || s` for ECDSA, 64 bytes for Ed25519.
///
/// Raw signatures are what JWS, COSE and Data Integrity all carry, so every securing mechanism in
/// Standing signs through this one type. The key is either in memory (generated or imported from a JWK) or held by an
/// ``ExternalSigner``; an external key cannot be exported (``jwk(keyID:)`` throws).
public struct SigningKey: Sendable {
    enum Storage: Sendable {
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
        case external(any ExternalSigner, VerificationKey)
    }

    let storage: Storage

    init(storage: Storage) {
        self.storage = storage
    }

    /// Imports a private key from its secret bytes: the 32- or 48-byte scalar for ECDSA, the 32-byte seed for Ed25519
    /// (the JWK `d` member).
    /// - Parameters:
    ///   - algorithm: The algorithm the key signs with.
    ///   - privateKeyBytes: The secret bytes.
    /// - Throws: ``SigningError/Code/invalidKey`` for a wrong length or an out-of-range scalar.
    init(algorithm: SignatureAlgorithm, privateKeyBytes: Data) throws(SigningError) {
        guard privateKeyBytes.count == algorithm.coordinateLength else {
            throw SigningError(.invalidKey, "\(algorithm.rawValue) private key must be \(algorithm.coordinateLength) bytes")
        }
        do {
            switch algorithm {
            case .es256: self.init(storage: .p256(try P256.Signing.PrivateKey(rawRepresentation: privateKeyBytes)))
            case .es384: self.init(storage: .p384(try P384.Signing.PrivateKey(rawRepresentation: privateKeyBytes)))
            case .edDSA: self.init(storage: .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: privateKeyBytes)))
            }
        } catch {
            throw SigningError(.invalidKey, "not a valid \(algorithm.rawValue) private key: \(error)")
        }
    }

    /// A key held by `external`, which signs every message; the secret never enters this process.
    /// - Parameter external: The device or service holding the key.
    /// - Throws: ``SigningError/Code/invalidKey`` when the signer's public key is not for its own algorithm.
    public init(external: any ExternalSigner) throws(SigningError) {
        let verificationKey = external.verificationKey
        guard verificationKey.algorithm == external.algorithm else {
            throw SigningError(
                .invalidKey,
                "external signer declares \(external.algorithm.rawValue) but its public key is \(verificationKey.algorithm.rawValue)")
        }
        self.init(storage: .external(external, verificationKey))
    }

    /// Whether the key is held by an ``ExternalSigner`` (and so cannot be exported).
    public var isExternal: Bool {
        if case .external = storage { return true }
        return false
    }

    /// The secret bytes (JWK `d`): the scalar for ECDSA, the seed for Ed25519.
    /// - Throws: ``SigningError/Code/invalidKey`` for an external key, whose secret never leaves its device.
    var privateKeyBytes: Data {
        get throws(SigningError) {
            switch storage {
            case .p256(let key): return key.rawRepresentation
            case .p384(let key): return key.rawRepresentation
            case .ed25519(let key): return key.rawRepresentation
            case .external: throw Self.notExportable(algorithm)
            }
        }
    }

    /// The error for any attempt to export an external key.
    static func notExportable(_ algorithm: SignatureAlgorithm) -> SigningError {
        SigningError(.invalidKey, "the \(algorithm.rawValue) key is held by an external signer (HSM) and cannot be exported")
    }

    /// Generates a fresh key for `algorithm`.
    /// - Parameter algorithm: The algorithm the key will sign with.
    /// - Returns: A new random key.
    public static func generate(_ algorithm: SignatureAlgorithm) -> SigningKey {
        switch algorithm {
        case .es256: SigningKey(storage: .p256(P256.Signing.PrivateKey()))
        case .es384: SigningKey(storage: .p384(P384.Signing.PrivateKey()))
        case .edDSA: SigningKey(storage: .ed25519(Curve25519.Signing.PrivateKey()))
        }
    }

    /// The algorithm this key signs with.
    public var algorithm: SignatureAlgorithm {
        switch storage {
        case .p256: .es256
        case .p384: .es384
        case .ed25519: .edDSA
        case .external(_, let publicKey): publicKey.algorithm
        }
    }

    /// The matching public key.
    public var verificationKey: VerificationKey {
        switch storage {
        case .p256(let key): VerificationKey(storage: .p256(key.publicKey))
        case .p384(let key): VerificationKey(storage: .p384(key.publicKey))
        case .ed25519(let key): VerificationKey(storage: .ed25519(key.publicKey))
        case .external(_, let publicKey): publicKey
        }
    }

    /// Signs `message`, hashing it as the algorithm prescribes (SHA-256 for ES256, SHA-384 for ES384, none for EdDSA).
    /// - Parameter message: The bytes to sign.
    /// - Returns: The raw signature.
    /// - Throws: ``SigningError`` when the underlying primitive fails.
    public func sign(_ message: some DataProtocol) throws(SigningError) -> Data {
        do {
            switch storage {
            case .p256(let key): return try key.signature(for: message).rawRepresentation
            case .p384(let key): return try key.signature(for: message).rawRepresentation
            case .ed25519(let key): return try key.signature(for: message)
            case .external(let signer, _): return try Self.sign(message, with: signer)
            }
        } catch let error as SigningError {
            throw error
        } catch {
            throw SigningError(.signingFailed, "signing with \(algorithm.rawValue) failed: \(error)")
        }
    }

    /// Signs through an external signer, checking that what comes back has the raw signature's length, so a device
    /// answering DER or a truncated buffer fails here rather than in every verifier.
    private static func sign(_ message: some DataProtocol, with signer: any ExternalSigner) throws(SigningError) -> Data {
        let signature = try signer.sign(Data(message))
        guard signature.count == signer.algorithm.signatureLength else {
            throw SigningError(
                .signingFailed,
                "external \(signer.algorithm.rawValue) signer returned \(signature.count) bytes, not \(signer.algorithm.signatureLength)")
        }
        return signature
    }
}

/// A public key that checks raw signatures made by a ``SigningKey``.
public struct VerificationKey: Sendable, Hashable {
    enum Storage: Sendable {
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
    }

    let storage: Storage

    init(storage: Storage) {
        self.storage = storage
    }

    /// The algorithm signatures under this key use.
    public var algorithm: SignatureAlgorithm {
        switch storage {
        case .p256: .es256
        case .p384: .es384
        case .ed25519: .edDSA
        }
    }

    /// The key's canonical public bytes: the X9.63 uncompressed point for ECDSA, the 32 raw bytes for Ed25519.
    public var rawRepresentation: Data {
        switch storage {
        case .p256(let key): key.x963Representation
        case .p384(let key): key.x963Representation
        case .ed25519(let key): key.rawRepresentation
        }
    }

    /// Checks a raw signature over `message`.
    /// - Parameters:
    ///   - signature: The raw signature (`r || s` for ECDSA, 64 bytes for Ed25519).
    ///   - message: The signed bytes.
    /// - Returns: `true` when the signature is valid for this key; `false` for any malformed or wrong signature.
    public func isValidSignature(_ signature: some DataProtocol, for message: some DataProtocol) -> Bool {
        switch storage {
        case .p256(let key):
            guard let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: message)
        case .p384(let key):
            guard let parsed = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: message)
        case .ed25519(let key):
            return key.isValidSignature(signature, for: message)
        }
    }

    /// Imports a public key from its raw bytes.
    ///
    /// For ECDSA the X9.63 uncompressed point (`04 || x || y`), the SEC 1 compressed point (`02`/`03 || x`) and the
    /// bare `x || y` coordinates are all accepted and told apart by length; for Ed25519 the 32 raw bytes.
    /// - Parameters:
    ///   - algorithm: The algorithm the key verifies.
    ///   - rawRepresentation: The public key bytes.
    /// - Throws: ``SigningError/Code/invalidKey`` for a wrong length or a point that is not on the curve.
    public init(algorithm: SignatureAlgorithm, rawRepresentation: some DataProtocol) throws(SigningError) {
        let bytes = Data(rawRepresentation)
        do {
            switch (algorithm, bytes.count) {
            case (.es256, 65): self.init(storage: .p256(try P256.Signing.PublicKey(x963Representation: bytes)))
            case (.es256, 64): self.init(storage: .p256(try P256.Signing.PublicKey(rawRepresentation: bytes)))
            case (.es256, 33): self.init(storage: .p256(try P256.Signing.PublicKey(compressedRepresentation: bytes)))
            case (.es384, 97): self.init(storage: .p384(try P384.Signing.PublicKey(x963Representation: bytes)))
            case (.es384, 96): self.init(storage: .p384(try P384.Signing.PublicKey(rawRepresentation: bytes)))
            case (.es384, 49): self.init(storage: .p384(try P384.Signing.PublicKey(compressedRepresentation: bytes)))
            case (.edDSA, 32): self.init(storage: .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: bytes)))
            default:
                throw SigningError(.invalidKey, "\(bytes.count) bytes is not a valid \(algorithm.rawValue) public key length")
            }
        } catch let error as SigningError {
            throw error
        } catch {
            throw SigningError(.invalidKey, "not a valid \(algorithm.rawValue) public key: \(error)")
        }
    }

    /// Imports a public key from its coordinates, as JWK (`x`, `y`) and COSE_Key (-2, -3) carry them.
    /// - Parameters:
    ///   - algorithm: The algorithm the key verifies.
    ///   - x: The x coordinate (full field length: 32 bytes for P-256, 48 for P-384), or the 32-byte Ed25519 key.
    ///   - y: The y coordinate for ECDSA (same length as `x`); must be `nil` for Ed25519.
    /// - Throws: ``SigningError/Code/invalidKey`` for wrong lengths, a missing or superfluous `y`, or a point that is
    ///   not on the curve.
    public init(algorithm: SignatureAlgorithm, x: Data, y: Data?) throws(SigningError) {
        switch algorithm {
        case .es256, .es384:
            let length = algorithm.coordinateLength
            guard let y else { throw SigningError(.invalidKey, "\(algorithm.rawValue) public key has no y coordinate") }
            guard x.count == length, y.count == length else {
                throw SigningError(.invalidKey, "\(algorithm.rawValue) coordinates must be \(length) bytes each")
            }
            try self.init(algorithm: algorithm, rawRepresentation: x + y)
        case .edDSA:
            guard y == nil else { throw SigningError(.invalidKey, "Ed25519 public key must not have a y coordinate") }
            guard x.count == 32 else { throw SigningError(.invalidKey, "Ed25519 public key must be 32 bytes") }
            try self.init(algorithm: algorithm, rawRepresentation: x)
        }
    }

    /// The SEC 1 compressed point (33 bytes for P-256, 49 for P-384) for ECDSA, the 32 raw bytes for Ed25519:
    /// the form `did:key` and Multikey carry.
    public var compressedRepresentation: Data {
        switch storage {
        case .p256(let key): key.compressedRepresentation
        case .p384(let key): key.compressedRepresentation
        case .ed25519(let key): key.rawRepresentation
        }
    }

    /// The affine coordinates: `x` and `y` for ECDSA (full field length), `x` alone for Ed25519.
    public var coordinates: (x: Data, y: Data?) {
        switch storage {
        case .p256(let key):
            let raw = key.rawRepresentation
            return (Data(raw.prefix(32)), Data(raw.suffix(32)))
        case .p384(let key):
            let raw = key.rawRepresentation
            return (Data(raw.prefix(48)), Data(raw.suffix(48)))
        case .ed25519(let key):
            return (key.rawRepresentation, nil)
        }
    }

    /// Keys are equal when they have the same algorithm and the same public point.
    public static func == (lhs: VerificationKey, rhs: VerificationKey) -> Bool {
        lhs.algorithm == rhs.algorithm && lhs.rawRepresentation == rhs.rawRepresentation
    }

    /// Hashes the algorithm and the public point, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(algorithm)
        hasher.combine(rawRepresentation)
    }
}
