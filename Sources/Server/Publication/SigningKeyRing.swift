import Foundation
import NIOCore
import Signing
import StandingAPI
import StatusListSecuring
import Store
import Synchronization

/// The keys that sign publications now, and the documents that publish their public halves: the service's own keys
/// and every issuer's signing identity.
///
/// Publications read it at every build and the key documents at every request, so a rotation or a new identity
/// takes effect without a restart; ``IdentityService`` replaces the contents after each change.
public final class SigningKeyRing: Sendable {
    /// The keys that sign one list, and the identifier its representations name as issuer.
    public struct ListSigner: Sendable {
        /// W3C `issuer`, IETF `iss`: the service's DID or the owner's identity DID.
        public let issuer: String
        /// Signs `vc+jwt`, the IETF JWT and CWT (with `x5c` when the identity has a certificate).
        public let jose: StatusListSigningKey
        /// Signs the Data Integrity proof.
        public let proof: StatusListSigningKey
    }

    /// One issuer's part of the ring.
    struct IssuerEntry: Sendable {
        /// The signer, or why there is none although the identity is active (a key missing on this instance).
        let signer: Result<ListSigner, ServiceError>?
        /// The DID document the service hosts for the issuer (nil: the issuer publishes its own).
        let hostedDocument: ByteBuffer?
    }

    /// Everything the ring holds, replaced whole.
    struct Contents: Sendable {
        let service: ServiceKeys
        let jwks: ByteBuffer
        let didDocument: ByteBuffer
        /// By issuer principal.
        let issuers: [String: IssuerEntry]
    }

    private let contents: Mutex<Contents>

    /// Creates a ring holding only the service's keys.
    public convenience init(service: ServiceKeys) {
        self.init(Contents(service: service, jwks: Self.encode(service.jwks), didDocument: Self.encode(service.didDocument), issuers: [:]))
    }

    init(_ contents: Contents) {
        self.contents = Mutex(contents)
    }

    /// The service's keys now.
    public var service: ServiceKeys { contents.withLock { $0.service } }
    /// The service's JWKS, as served.
    public var jwks: ByteBuffer { contents.withLock { $0.jwks } }
    /// The service's DID document, as served.
    public var didDocument: ByteBuffer { contents.withLock { $0.didDocument } }

    /// The DID document the service hosts for `issuer`, if it hosts one.
    public func hostedDocument(issuer: String) -> ByteBuffer? {
        contents.withLock { $0.issuers[issuer]?.hostedDocument }
    }

    /// The keys that sign a list owned by `owner`: its identity's when it has an active one, else the service's.
    /// - Throws: ``ServiceError`` when the owner's identity is active but its key is not available here, or the service
    ///   has no key: the publication fails loudly rather than fall back to another signer.
    public func signer(forOwner owner: String) throws -> ListSigner {
        let (service, entry) = contents.withLock { ($0.service, $0.issuers[owner]) }
        if let result = entry?.signer { return try result.get() }
        guard let jose = service.active(.es256) ?? service.active(.edDSA) else {
            throw ServiceError(.unavailable, "the service has no signing key")
        }
        let proof = service.active(.edDSA) ?? jose
        return ListSigner(issuer: service.did, jose: Self.signingKey(jose), proof: Self.signingKey(proof))
    }

    /// Replaces the contents.
    func replace(with new: Contents) {
        contents.withLock { $0 = new }
    }

    static func signingKey(_ key: ServiceKeys.Key) -> StatusListSigningKey {
        StatusListSigningKey(key: key.signingKey, keyID: key.kid, verificationMethod: key.verificationMethod)
    }

    static func encode(_ value: some Encodable) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding our own well-formed key documents cannot fail; an empty body would show up in every test.
        return ByteBuffer(bytes: (try? encoder.encode(value)) ?? Data())
    }
}

extension SigningKeyRing.Contents {
    /// Builds the ring's contents from the stored facts.
    /// - Parameters:
    ///   - service: The service's keys (all of them, oldest first) with the time each was added.
    ///   - identities: The issuers' identities.
    ///   - issuerKeys: The private keys of `keys/issuers/` by kid.
    ///   - retirement: When superseded keys leave the documents.
    ///   - pinned: Keys that stay published whatever their age (the registry signs with the key it started with).
    static func build(
        baseURL: String, service: [(kid: String, key: SigningKey, addedAt: Date)], identities: [SigningIdentityRecord],
        issuerKeys: [String: SigningKey], now: Date, retirement: KeyRetirement, pinned: Set<String>
    ) throws -> Self {
        // A service key is superseded when a newer key of its algorithm was added.
        var published: [(keyID: String, key: SigningKey)] = []
        for (index, entry) in service.enumerated() {
            let newer = service[(index + 1)...].first { $0.key.algorithm == entry.key.algorithm }
            let record = IdentityKeyRecord(
                kid: entry.kid, algorithm: entry.key.algorithm, state: .active, createdAt: entry.addedAt, supersededAt: newer?.addedAt)
            if pinned.contains(entry.kid) || retirement.state(of: record, at: now) != .retired {
                published.append((entry.kid, entry.key))
            }
        }
        guard let base = URL(string: baseURL) else { throw ServiceError(.invalidValue, "base URL '\(baseURL)' is not a URL") }
        let serviceKeys = try ServiceKeys(baseURL: base, signingKeys: published)
        var issuers: [String: SigningKeyRing.IssuerEntry] = [:]
        for identity in identities {
            let visible = identity.keys.filter { retirement.state(of: $0, at: now) == .active }
            var hosted: ByteBuffer?
            if let hostedDID = try? SigningIdentityRules.hostedDID(baseURL: baseURL, issuer: identity.issuer), hostedDID == identity.did {
                let jwks = visible.compactMap { key in issuerKeys[key.kid].map { $0.verificationKey.jwk(keyID: key.kid) } }
                hosted = SigningKeyRing.encode(try DIDDocument(id: identity.did, keys: jwks))
            }
            var signer: Result<SigningKeyRing.ListSigner, ServiceError>?
            if let key = SigningIdentityRules.signingKey(of: identity) {
                if let privateKey = issuerKeys[key.kid] {
                    let signing = StatusListSigningKey(
                        key: privateKey, keyID: key.kid, verificationMethod: identity.did + "#" + key.kid,
                        certificateChain: key.certificateChain ?? [])
                    signer = .success(SigningKeyRing.ListSigner(issuer: identity.did, jose: signing, proof: signing))
                } else {
                    signer = .failure(
                        ServiceError(
                            .unavailable,
                            "the signing key \(key.kid) of issuer '\(identity.issuer)' is not in keys/\(DataDirectory.issuerKeysFolderName)/ of this instance: copy it from the instance that created it"))
                }
            }
            issuers[identity.issuer] = SigningKeyRing.IssuerEntry(signer: signer, hostedDocument: hosted)
        }
        return Self(
            service: serviceKeys, jwks: SigningKeyRing.encode(serviceKeys.jwks), didDocument: SigningKeyRing.encode(serviceKeys.didDocument),
            issuers: issuers)
    }
}

/// How long superseded keys stay published (see ``SigningIdentityRules/retirement(supersededAt:longestValidity:resignDelay:)``).
public struct KeyRetirement: Sendable {
    /// The longest validity of any list's publication.
    public var longestValidity: TimeInterval
    /// The time within which every list is re-signed after a rotation.
    public var resignDelay: TimeInterval

    /// Creates the setting.
    public init(longestValidity: TimeInterval, resignDelay: TimeInterval) {
        self.longestValidity = longestValidity
        self.resignDelay = resignDelay
    }

    /// The state a key shows at `now`.
    public func state(of key: IdentityKeyRecord, at now: Date) -> IdentityKeyState {
        SigningIdentityRules.effectiveState(of: key, at: now, longestValidity: longestValidity, resignDelay: resignDelay)
    }

    /// When a superseded key retires.
    public func retiresAt(_ key: IdentityKeyRecord) -> Date? {
        key.supersededAt.map { SigningIdentityRules.retirement(supersededAt: $0, longestValidity: longestValidity, resignDelay: resignDelay) }
    }
}
