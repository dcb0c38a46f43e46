import Signing

/// The keys a verifier trusts for status lists, looked up by JWS `kid`, COSE `kid` or a Data Integrity
/// verification method (`did:...#kid`), and where each came from.
///
/// Build it from what the caller trusts: a JWKS, a DID document, a `did:key`, or explicit keys. Two kinds of key:
/// - **pinned** keys (a JWKS, a JWK, ``add(_:keyID:verificationMethod:)``) belong to no DID: the caller vouches for
///   them. They match their `kid`, and a verification method whose fragment is that `kid`, whatever its DID.
/// - **DID keys** (``init(didDocument:)``, ``init(didKey:)``) belong to the DID whose document lists them (its
///   ``controllers(of:)``). A verification method matches them only by its full DID URL, so `did:web:b#key-1` never
///   finds `did:web:a#key-1`; a bare JWS/COSE `kid` (`key-1`) matches their fragment.
public struct TrustedKeys: Sendable {
    /// Pinned keys by `kid` (JWKS keys without one under their RFC 7638 thumbprint).
    private var byKeyID: [String: VerificationKey] = [:]
    /// Keys by absolute verification method id (DID URL).
    private var byMethod: [String: VerificationKey] = [:]
    /// DID keys by the fragment of their method id: what a bare JWS/COSE `kid` names.
    private var byFragment: [String: VerificationKey] = [:]
    /// The DIDs whose documents list each DID key (the same key may be listed by several).
    private var controllersByKey: [VerificationKey: Set<String>] = [:]
    /// Keys the caller trusted without a DID.
    private var pinnedKeys: Set<VerificationKey> = []

    /// An empty set.
    public init() {}

    /// Trusts every key of a JWK Set under its `kid`; keys without `kid` under their RFC 7638 thumbprint. The keys are
    /// pinned: they belong to no DID.
    /// - Throws: ``SigningError`` for an invalid key.
    public init(jwks: JWKSet) throws(SigningError) {
        for jwk in jwks.keys {
            let key = try VerificationKey(jwk: jwk)
            byKeyID[jwk.kid ?? key.thumbprint] = key
            pinnedKeys.insert(key)
        }
    }

    /// Trusts the assertion methods of a DID document, under their absolute method id (and their fragment, for a bare
    /// `kid`), as keys of the document's DID.
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
            addDIDKey(key, methodID: methodID, did: didDocument.id)
        }
    }

    /// Trusts the key a `did:key` encodes, as a key of that DID (under its method id and its multikey fragment).
    public init(didKey: DIDKey) {
        addDIDKey(didKey.key, methodID: didKey.verificationMethodID, did: didKey.did)
    }

    private mutating func addDIDKey(_ key: VerificationKey, methodID: String, did: String) {
        byMethod[methodID] = key
        if let hash = methodID.firstIndex(of: "#") {
            let fragment = String(methodID[methodID.index(after: hash)...])
            if byFragment[fragment] == nil { byFragment[fragment] = key }
        }
        controllersByKey[key, default: []].insert(did)
    }

    /// Adds a pinned key under a key id (and, optionally, a verification method id). The key belongs to no DID, even
    /// when `verificationMethod` names one: the caller vouches for it.
    public mutating func add(_ key: VerificationKey, keyID: String, verificationMethod: String? = nil) {
        byKeyID[keyID] = key
        if let verificationMethod { byMethod[verificationMethod] = key }
        pinnedKeys.insert(key)
    }

    /// Merges another set into this one (on a clash of ids, this set's key stays).
    public mutating func merge(_ other: TrustedKeys) {
        byKeyID.merge(other.byKeyID) { current, _ in current }
        byMethod.merge(other.byMethod) { current, _ in current }
        byFragment.merge(other.byFragment) { current, _ in current }
        controllersByKey.merge(other.controllersByKey) { $0.union($1) }
        pinnedKeys.formUnion(other.pinnedKeys)
    }

    /// Whether the set is empty.
    public var isEmpty: Bool { byKeyID.isEmpty && byMethod.isEmpty }

    /// Whether `key` is in the set (compared as key material, wherever it came from).
    public func contains(_ key: VerificationKey) -> Bool { pinnedKeys.contains(key) || controllersByKey[key] != nil }

    /// The DIDs whose documents (or `did:key`) list `key` as an assertion method; empty for pinned keys.
    public func controllers(of key: VerificationKey) -> Set<String> { controllersByKey[key] ?? [] }

    /// Whether the caller trusted `key` without a DID (a JWKS, a JWK, an explicit key).
    public func isPinned(_ key: VerificationKey) -> Bool { pinnedKeys.contains(key) }

    /// The key for a JWS/COSE `kid`, or nil. Without a `kid`, the only key when there is exactly one. A bare `kid`
    /// matches a pinned key's `kid`, else a DID key's fragment; a `kid` that is a DID URL (`did:web:example.com#key-1`, as
    /// VC-JOSE-COSE recommends) resolves like a verification method.
    public func key(keyID: String?) -> VerificationKey? {
        guard let keyID else {
            let all = Set(byKeyID.values).union(byMethod.values)
            return all.count == 1 ? all.first : nil
        }
        if let key = byKeyID[keyID] { return key }
        if keyID.hasPrefix("did:") { return key(verificationMethod: keyID) }
        return byFragment[keyID] ?? byMethod[keyID]
    }

    /// The key for a Data Integrity verification method (`did:...#fragment`), or nil: the key listed under exactly
    /// that DID URL, else a pinned key whose `kid` is its fragment. A DID key of another DID never matches.
    public func key(verificationMethod: String) -> VerificationKey? {
        if let key = byMethod[verificationMethod] { return key }
        guard let hash = verificationMethod.firstIndex(of: "#") else { return byKeyID[verificationMethod] }
        return byKeyID[String(verificationMethod[verificationMethod.index(after: hash)...])]
    }
}
