import Signing

/// The keys a verifier trusts for status lists, looked up by JWS `kid`, COSE `kid` or a Data Integrity
/// verification method (`did:...#kid`).
///
/// Build it from what the caller trusts: a JWKS, a DID document, or explicit keys. A verification method whose DID
/// is known matches by fragment; a bare `kid` matches any trusted key with that id.
public struct TrustedKeys: Sendable {
    private var byKeyID: [String: VerificationKey] = [:]
    private var byMethod: [String: VerificationKey] = [:]

    /// An empty set.
    public init() {}

    /// Trusts every key of a JWK Set under its `kid`; keys without `kid` under their RFC 7638 thumbprint.
    /// - Throws: ``SigningError`` for an invalid key.
    public init(jwks: JWKSet) throws(SigningError) {
        for jwk in jwks.keys {
            let key = try VerificationKey(jwk: jwk)
            byKeyID[jwk.kid ?? key.thumbprint] = key
        }
    }

    /// Trusts the assertion methods of a DID document, under their absolute method id and their fragment.
    ///
    /// Relative references (`#kid`) in `verificationMethod` and `assertionMethod` are resolved against the document's
    /// `id`; methods controlled by another DID, or not listed under `assertionMethod`, are not trusted.
    /// - Throws: ``SigningError`` for an invalid key.
    public init(didDocument: DIDDocument) throws(SigningError) {
        for method in didDocument.verificationMethod {
            let methodID = method.id.hasPrefix("#") ? didDocument.id + method.id : method.id
            let key: VerificationKey
            do {
                // Checks that the method is the document's own, controlled by it and authorised for assertions.
                key = try didDocument.verificationKey(for: methodID, relationship: .assertionMethod)
            } catch {
                // Not trusted for status lists (another DID's, another controller's, not an assertion method): skip it.
                guard error.code == .unknownKey else { throw error }
                continue
            }
            byMethod[methodID] = key
            if let hash = methodID.firstIndex(of: "#") {
                byKeyID[String(methodID[methodID.index(after: hash)...])] = key
            }
        }
    }

    /// Adds a key under a key id (and, optionally, a verification method id).
    public mutating func add(_ key: VerificationKey, keyID: String, verificationMethod: String? = nil) {
        byKeyID[keyID] = key
        if let verificationMethod { byMethod[verificationMethod] = key }
    }

    /// Merges another set into this one.
    public mutating func merge(_ other: TrustedKeys) {
        byKeyID.merge(other.byKeyID) { current, _ in current }
        byMethod.merge(other.byMethod) { current, _ in current }
    }

    /// Whether the set is empty.
    public var isEmpty: Bool { byKeyID.isEmpty && byMethod.isEmpty }

    /// The key for a JWS/COSE `kid`, or nil. Without a `kid`, the only key when there is exactly one. A `kid` that is
    /// a DID URL (`did:web:example.com#key-1`, as VC-JOSE-COSE recommends) resolves like a verification method.
    public func key(keyID: String?) -> VerificationKey? {
        guard let keyID else {
            let all = Set(byKeyID.values).union(byMethod.values)
            return all.count == 1 ? all.first : nil
        }
        return byKeyID[keyID] ?? key(verificationMethod: keyID)
    }

    /// The key for a Data Integrity verification method (`did:...#fragment`), or nil.
    public func key(verificationMethod: String) -> VerificationKey? {
        if let key = byMethod[verificationMethod] { return key }
        guard let hash = verificationMethod.firstIndex(of: "#") else { return byKeyID[verificationMethod] }
        return byKeyID[String(verificationMethod[verificationMethod.index(after: hash)...])]
    }
}
