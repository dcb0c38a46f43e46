import Foundation

/// A DID document with the members Standing publishes and reads: `@context`, `id`, `verificationMethod`,
/// `authentication` and `assertionMethod`.
///
/// Decoding is tolerant of other DID documents: `@context` may be a string or an array, and verification
/// relationships may embed methods (they are moved into ``verificationMethod`` and referenced by id). Unknown members
/// are ignored.
public struct DIDDocument: Codable, Sendable, Hashable {
    /// The DID core context.
    public static let didContext = "https://www.w3.org/ns/did/v1"
    /// The context that defines the `JsonWebKey` verification method type.
    public static let jsonWebKeyContext = "https://w3id.org/security/jwk/v1"
    /// The context that defines the `Multikey` verification method type.
    public static let multikeyContext = "https://w3id.org/security/multikey/v1"

    /// A verification method: a public key with an id and a controller.
    public struct VerificationMethod: Codable, Sendable, Hashable {
        /// The method id, a DID URL (`did:web:example.com#kid`) or a relative fragment (`#kid`).
        public var id: String
        /// `JsonWebKey`, `JsonWebKey2020` or `Multikey`.
        public var type: String
        /// The DID that controls the key.
        public var controller: String
        /// The key, for the JWK types.
        public var publicKeyJwk: JWK?
        /// The key, for `Multikey`.
        public var publicKeyMultibase: String?

        /// Creates a verification method.
        /// - Parameters:
        ///   - id: The method id.
        ///   - type: The method type.
        ///   - controller: The controlling DID.
        ///   - publicKeyJwk: The key as a JWK.
        ///   - publicKeyMultibase: The key as a multikey.
        public init(id: String, type: String, controller: String, publicKeyJwk: JWK? = nil, publicKeyMultibase: String? = nil) {
            self.id = id
            self.type = type
            self.controller = controller
            self.publicKeyJwk = publicKeyJwk
            self.publicKeyMultibase = publicKeyMultibase
        }

        /// The method's key, validated.
        /// - Returns: The key from `publicKeyJwk` or `publicKeyMultibase`.
        /// - Throws: ``SigningError/Code/invalidKey`` when the method carries no key or both forms; the import
        ///   errors of the key otherwise.
        public func verificationKey() throws(SigningError) -> VerificationKey {
            switch (publicKeyJwk, publicKeyMultibase) {
            case (let jwk?, nil): return try VerificationKey(jwk: jwk)
            case (nil, let multikey?): return try VerificationKey(multikey: multikey)
            default: throw SigningError(.invalidKey, "verification method \(id) must carry exactly one public key form")
            }
        }
    }

    /// A verification relationship: what a method may be used for.
    public enum Relationship: String, Sendable, Hashable, CaseIterable {
        /// Issuing credentials and other assertions.
        case assertionMethod
        /// Authenticating as the DID subject.
        case authentication
    }

    /// The JSON-LD contexts.
    public var context: [String]
    /// The DID.
    public var id: String
    /// The keys.
    public var verificationMethod: [VerificationMethod]
    /// Ids of the methods usable for authentication.
    public var authentication: [String]
    /// Ids of the methods usable for assertions (credentials, status lists).
    public var assertionMethod: [String]

    /// Creates a document from its members.
    /// - Parameters:
    ///   - context: The contexts.
    ///   - id: The DID.
    ///   - verificationMethod: The methods.
    ///   - authentication: Method ids for authentication.
    ///   - assertionMethod: Method ids for assertions.
    public init(
        context: [String],
        id: String,
        verificationMethod: [VerificationMethod],
        authentication: [String],
        assertionMethod: [String]
    ) {
        self.context = context
        self.id = id
        self.verificationMethod = verificationMethod
        self.authentication = authentication
        self.assertionMethod = assertionMethod
    }

    /// Builds a document whose `JsonWebKey` methods are `id#kid` for each key, every one listed under
    /// `assertionMethod` and `authentication`. Keys without `kid` get their RFC 7638 thumbprint.
    /// - Parameters:
    ///   - id: The DID.
    ///   - keys: Public keys (private parts are dropped).
    /// - Throws: ``SigningError/Code/invalidKey`` for an invalid key, a `kid` that cannot be a DID URL fragment, or
    ///   two keys with the same `kid`.
    public init(id: String, keys: [JWK]) throws(SigningError) {
        var methods = [VerificationMethod]()
        var seen = Set<String>()
        for key in keys {
            _ = try VerificationKey(jwk: key)
            var publicKey = key.publicKey
            let kid: String
            if let existing = key.kid { kid = existing } else { kid = try key.thumbprint() }
            publicKey.kid = kid
            guard !kid.isEmpty, kid.allSatisfy({ DIDWeb.isIDChar($0) || $0 == "~" }) else {
                throw SigningError(.invalidKey, "kid \"\(kid)\" cannot be a DID URL fragment")
            }
            guard seen.insert(kid).inserted else { throw SigningError(.invalidKey, "two keys share kid \"\(kid)\"") }
            methods.append(VerificationMethod(id: "\(id)#\(kid)", type: "JsonWebKey", controller: id, publicKeyJwk: publicKey))
        }
        self.init(
            context: [Self.didContext, Self.jsonWebKeyContext],
            id: id,
            verificationMethod: methods,
            authentication: methods.map(\.id),
            assertionMethod: methods.map(\.id)
        )
    }

    /// The JWK Set of the document's JWK methods, each `kid` equal to its method's fragment, so a JWKS endpoint and
    /// the DID document always agree.
    public var jwks: JWKSet {
        JWKSet(
            keys: verificationMethod.compactMap { method in
                guard var jwk = method.publicKeyJwk else { return nil }
                if let fragment = method.id.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).dropFirst().first {
                    jwk.kid = String(fragment)
                }
                return jwk
            }
        )
    }

    /// Finds the key of a verification method that the document authorises for `relationship`.
    /// - Parameters:
    ///   - methodID: The method id, absolute (`did:…#kid`) or relative (`#kid`).
    ///   - relationship: The use the key must be authorised for.
    /// - Returns: The validated key.
    /// - Throws: ``SigningError/Code/unknownKey`` when the id belongs to another DID, is not in the document or is not
    ///   listed under `relationship`; the key import errors otherwise.
    public func verificationKey(
        for methodID: String,
        relationship: Relationship = .assertionMethod
    ) throws(SigningError)
        -> VerificationKey
    {
        let wanted = absolute(methodID)
        guard wanted.hasPrefix(id + "#") else {
            throw SigningError(.unknownKey, "verification method \(methodID) does not belong to \(id)")
        }
        let listed = relationship == .assertionMethod ? assertionMethod : authentication
        guard listed.contains(where: { absolute($0) == wanted }) else {
            throw SigningError(.unknownKey, "verification method \(methodID) is not authorised for \(relationship.rawValue)")
        }
        guard let method = verificationMethod.first(where: { absolute($0.id) == wanted }) else {
            throw SigningError(.unknownKey, "verification method \(methodID) is not in the document")
        }
        guard method.controller == id else {
            throw SigningError(.unknownKey, "verification method \(methodID) is controlled by \(method.controller), not \(id)")
        }
        return try method.verificationKey()
    }

    private func absolute(_ methodID: String) -> String {
        methodID.hasPrefix("#") ? id + methodID : methodID
    }

    private enum CodingKeys: String, CodingKey {
        case context = "@context"
        case id, verificationMethod, authentication, assertionMethod
    }

    private enum RelationshipEntry: Decodable {
        case reference(String)
        case embedded(VerificationMethod)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let reference = try? container.decode(String.self) {
                self = .reference(reference)
            } else {
                self = .embedded(try container.decode(VerificationMethod.self))
            }
        }
    }

    /// Decodes a DID document, accepting a string `@context` and embedded relationship methods.
    /// - Parameter decoder: The decoder.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let single = try? container.decode(String.self, forKey: .context) {
            context = [single]
        } else {
            context = try container.decodeIfPresent([String].self, forKey: .context) ?? []
        }
        id = try container.decode(String.self, forKey: .id)
        var methods = try container.decodeIfPresent([VerificationMethod].self, forKey: .verificationMethod) ?? []
        func references(_ key: CodingKeys) throws -> [String] {
            let entries = try container.decodeIfPresent([RelationshipEntry].self, forKey: key) ?? []
            return entries.map { entry in
                switch entry {
                case .reference(let reference):
                    return reference
                case .embedded(let method):
                    if !methods.contains(method) { methods.append(method) }
                    return method.id
                }
            }
        }
        authentication = try references(.authentication)
        assertionMethod = try references(.assertionMethod)
        verificationMethod = methods
    }

    /// Encodes the document with `@context` as an array.
    /// - Parameter encoder: The encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(context, forKey: .context)
        try container.encode(id, forKey: .id)
        try container.encode(verificationMethod, forKey: .verificationMethod)
        try container.encode(authentication, forKey: .authentication)
        try container.encode(assertionMethod, forKey: .assertionMethod)
    }
}
