import Foundation
import Signing

/// The service's own signing keys and how it names them: a `did:web` DID derived from the base URL, whose
/// verification methods are `DID#kid` with the same `kid` as in the JWKS.
///
/// Several keys per algorithm may be published (rotation); the last one given for an algorithm signs, the
/// others stay published so that artefacts they signed keep verifying.
public struct ServiceKeys: Sendable {
    /// One key with its identifiers.
    public struct Key: Sendable {
        public let signingKey: SigningKey
        /// RFC 7638 thumbprint (or the kid it was stored with).
        public let kid: String
        /// `did:web:HOST#kid`.
        public let verificationMethod: String
    }

    /// The service's DID.
    public let did: String
    public let keys: [Key]
    public let didDocument: DIDDocument
    public let jwks: JWKSet

    /// Creates the key set.
    /// - Parameters:
    ///   - baseURL: The service's public base URL; the DID is its `did:web`.
    ///   - signingKeys: Private keys with their key ids, oldest first.
    /// - Throws: ``SigningError`` when the URL cannot name a `did:web` or a key is invalid.
    public init(baseURL: URL, signingKeys: [(keyID: String, key: SigningKey)]) throws {
        let did = try DIDWeb.did(forBaseURL: baseURL)
        self.did = did
        self.keys = signingKeys.map { Key(signingKey: $0.key, kid: $0.keyID, verificationMethod: "\(did)#\($0.keyID)") }
        let publicKeys = keys.map { $0.signingKey.verificationKey.jwk(keyID: $0.kid) }
        self.didDocument = try DIDDocument(id: did, keys: publicKeys)
        self.jwks = didDocument.jwks
    }

    /// The key that signs with `algorithm` now, if the service has one.
    public func active(_ algorithm: SignatureAlgorithm) -> Key? {
        keys.last { $0.signingKey.algorithm == algorithm }
    }
}
