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
}

/// A private key that produces raw signatures: IEEE P1363 `r || s` for ECDSA, 64 bytes for Ed25519.
///
/// Raw signatures are what JWS, COSE and Data Integrity all carry, so every securing mechanism in
/// Standing signs through this one type.
public struct SigningKey: Sendable {
    enum Storage: Sendable {
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    let storage: Storage

    init(storage: Storage) {
        self.storage = storage
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
        }
    }

    /// The matching public key.
    public var verificationKey: VerificationKey {
        switch storage {
        case .p256(let key): VerificationKey(storage: .p256(key.publicKey))
        case .p384(let key): VerificationKey(storage: .p384(key.publicKey))
        case .ed25519(let key): VerificationKey(storage: .ed25519(key.publicKey))
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
            }
        } catch {
            throw SigningError(.signingFailed, "signing with \(algorithm.rawValue) failed: \(error)")
        }
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

    public static func == (lhs: VerificationKey, rhs: VerificationKey) -> Bool {
        lhs.algorithm == rhs.algorithm && lhs.rawRepresentation == rhs.rawRepresentation
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(algorithm)
        hasher.combine(rawRepresentation)
    }
}
