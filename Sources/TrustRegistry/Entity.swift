import Foundation
import Signing

/// The part an entity plays in the registry's chain of trust.
public enum EntityRole: String, Codable, Sendable, Hashable, CaseIterable {
    /// The registry operator: recognises accreditation bodies (EBSI Root TAO).
    case rootAuthority
    /// An accreditation body (quality-assurance agency): accredits issuers and sub-bodies (EBSI TAO).
    case accreditationBody
    /// A credential issuer (university, training provider): issues credentials (EBSI TI).
    case issuer
}

/// A postal address, as ETSI LoTE `TEPostalAddress` needs it.
public struct PostalAddress: Codable, Sendable, Hashable {
    /// Street and number.
    public var street: String
    /// City or town.
    public var locality: String?
    /// Postal code.
    public var postalCode: String?

    /// Creates an address.
    /// - Parameters:
    ///   - street: Street and number.
    ///   - locality: City or town.
    ///   - postalCode: Postal code.
    public init(street: String, locality: String? = nil, postalCode: String? = nil) {
        self.street = street
        self.locality = locality
        self.postalCode = postalCode
    }
}

/// A registered party: root authority, accreditation body or issuer, identified by a DID and carrying the public keys
/// the registry verifies its statements with, plus display data for the published lists.
public struct Entity: Codable, Sendable, Hashable {
    /// The DID (`did:web`, `did:key`, or another method's syntactically valid DID).
    public var did: String
    /// The entity's role; fixed at registration.
    public var role: EntityRole
    /// Public keys (JWK), each with a `kid` that is the fragment of its DID URL (`<did>#<kid>`). Statements must be
    /// signed with one of these; keys inside a statement are never trusted.
    public var keys: [JWK]
    /// Display names by language tag, e.g. `["es": "Universidad Ejemplo", "en": "Example University"]`.
    public var names: [String: String]
    /// ISO 3166-1 alpha-2 country code (`EU` for European bodies), e.g. `ES`.
    public var country: String
    /// The entity's website, an `https` URL (LoTE `TEInformationURI`).
    public var website: String
    /// A contact e-mail address.
    public var email: String?
    /// A postal address.
    public var address: PostalAddress?

    /// The most keys an entity may register.
    public static let maximumKeys = 16

    /// Creates an entity (unvalidated; see ``validated()``).
    /// - Parameters:
    ///   - did: The DID.
    ///   - role: The role.
    ///   - keys: Public JWKs.
    ///   - names: Names by language.
    ///   - country: Two-letter country code.
    ///   - website: `https` URL.
    ///   - email: Contact e-mail.
    ///   - address: Postal address.
    public init(
        did: String,
        role: EntityRole,
        keys: [JWK],
        names: [String: String],
        country: String,
        website: String,
        email: String? = nil,
        address: PostalAddress? = nil
    ) {
        self.did = did
        self.role = role
        self.keys = keys
        self.names = names
        self.country = country
        self.website = website
        self.email = email
        self.address = address
    }

    /// The entity checked and normalised: every key gets a `kid` (its RFC 7638 thumbprint, or the multibase value
    /// for a `did:key`), `alg` is filled from the key type.
    /// - Returns: The normalised entity.
    /// - Throws: ``RegistryError/Code/malformed`` naming the member at fault: a DID that is not a DID, a private key,
    ///   an invalid or duplicate key, a `did:key` whose registered key is not the DID's own, missing names, a country
    ///   that is not two letters, a website that is not `https`.
    public func validated() throws(RegistryError) -> Entity {
        try Self.validateDID(did)
        guard !keys.isEmpty, keys.count <= Self.maximumKeys else {
            throw RegistryError(.malformed, "entity \(did) must register 1 to \(Self.maximumKeys) keys")
        }
        var normalised = [JWK]()
        var kids = Set<String>()
        for key in keys {
            guard !key.isPrivate else {
                throw RegistryError(.malformed, "entity \(did) key carries a private member d: register public keys only")
            }
            let verificationKey: VerificationKey
            do {
                verificationKey = try VerificationKey(jwk: key)
            } catch {
                throw RegistryError(.malformed, "entity \(did) key is not a valid public key: \(error.reason)")
            }
            var publicKey = verificationKey.jwk(keyID: key.kid ?? verificationKey.thumbprint)
            if did.hasPrefix(DIDKey.prefix) {
                guard let didKey = try? DIDKey(did), didKey.key == verificationKey else {
                    throw RegistryError(.malformed, "entity \(did) registers a key that is not the did:key's own key")
                }
                publicKey.kid = verificationKey.multikey
            }
            guard let kid = publicKey.kid, !kid.isEmpty, kid.count <= 128, kid.allSatisfy(Self.isFragmentCharacter) else {
                throw RegistryError(.malformed, "entity \(did) key id \"\(key.kid ?? "")\" cannot be a DID URL fragment")
            }
            guard kids.insert(kid).inserted else { throw RegistryError(.malformed, "entity \(did) registers key id \(kid) twice") }
            if let use = key.use { publicKey.use = use }
            normalised.append(publicKey)
        }
        if did.hasPrefix(DIDKey.prefix), normalised.count != 1 {
            throw RegistryError(.malformed, "a did:key entity registers exactly its own key")
        }
        guard !names.isEmpty, names.count <= 32 else { throw RegistryError(.malformed, "entity \(did) needs 1 to 32 names") }
        for (language, name) in names {
            guard Self.isLanguageTag(language) else { throw RegistryError(.malformed, "entity \(did) name language \"\(language)\" is not a tag") }
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 512 else {
                throw RegistryError(.malformed, "entity \(did) name in \(language) is empty or longer than 512 characters")
            }
        }
        guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw RegistryError(.malformed, "entity \(did) country \"\(country)\" is not an ISO 3166-1 alpha-2 code")
        }
        guard RegistryVocabulary.isWebURL(website) else {
            throw RegistryError(.malformed, "entity \(did) website \"\(website.prefix(80))\" is not an https URL")
        }
        if let email {
            guard email.count <= 256, email.contains("@"), !email.contains(where: { $0.isWhitespace }) else {
                throw RegistryError(.malformed, "entity \(did) e-mail \"\(email.prefix(80))\" is not an address")
            }
        }
        if let address {
            guard !address.street.isEmpty, address.street.count <= 256, (address.locality?.count ?? 0) <= 128,
                (address.postalCode?.count ?? 0) <= 32
            else {
                throw RegistryError(.malformed, "entity \(did) address has an empty street or an oversized member")
            }
        }
        var entity = self
        entity.keys = normalised
        return entity
    }

    /// The registered key a statement header's `kid` names.
    /// - Parameter keyID: The header `kid`: a DID URL `<did>#<kid>` of this entity.
    /// - Returns: The key, or `nil` when `keyID` is not one of this entity's registered keys.
    public func verificationKey(forKeyID keyID: String) -> VerificationKey? {
        guard keyID.hasPrefix(did + "#") else { return nil }
        let fragment = keyID.dropFirst(did.count + 1)
        guard let jwk = keys.first(where: { $0.kid.map { $0[...] == fragment } ?? false }) else { return nil }
        return try? VerificationKey(jwk: jwk)
    }

    /// A display name: English if present, else the first language in alphabetical order.
    public var displayName: String {
        names["en"] ?? names.keys.sorted().first.flatMap { names[$0] } ?? did
    }

    /// Checks DID syntax: `did:<method>:<method-specific-id>`; `did:web` must map to a document URL and `did:key`
    /// must decode to a supported key. Fragments, queries and paths are refused.
    /// - Parameter did: The text.
    /// - Throws: ``RegistryError/Code/malformed`` naming the DID.
    public static func validateDID(_ did: String) throws(RegistryError) {
        let parts = did.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard did.utf8.count <= 512, parts.count == 3, parts[0] == "did", !parts[1].isEmpty,
            parts[1].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }), !parts[2].isEmpty, !parts[2].hasSuffix(":"),
            parts[2].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-_:%".contains($0)) })
        else {
            throw RegistryError(.malformed, "\"\(did.prefix(80))\" is not a DID (did:<method>:<id>, no fragment, query or path)")
        }
        if parts[1] == "web" {
            do {
                _ = try DIDWeb.documentURL(for: did)
            } catch {
                throw RegistryError(.malformed, "\(did) is not a valid did:web: \(error.reason)")
            }
        } else if parts[1] == "key" {
            do {
                _ = try DIDKey(did)
            } catch {
                throw RegistryError(.malformed, "\(did) is not a valid did:key: \(error.reason)")
            }
        }
    }

    static func isFragmentCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "-._~".contains(character))
    }

    static func isLanguageTag(_ tag: String) -> Bool {
        let subtags = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard let primary = subtags.first, (2...8).contains(primary.count), primary.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            return false
        }
        return subtags.dropFirst().allSatisfy { (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }
}
