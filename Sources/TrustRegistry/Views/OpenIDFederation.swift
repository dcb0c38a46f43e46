import Foundation
import Signing

/// The registry as an OpenID Federation 1.0 Trust Anchor: its Entity Configuration, Subordinate Statements about the
/// accreditation bodies and issuers it registers, and Trust Marks for their accreditations in force.
///
/// ## Entity identifiers
/// The Trust Anchor's Entity Identifier is the service's public base URL. Bodies and issuers are named by their DIDs,
/// as the Digital Credentials Consortium's member registry does: the specification wants `https` Entity Identifiers
/// (OpenID Federation 1.0 §1.2), so a generic federation client cannot fetch a subordinate's own Entity Configuration;
/// the chain a verifier builds is the Subordinate Statement followed by the Trust Anchor's Entity Configuration.
///
/// ## Membership and accreditation
/// Every registered body and issuer is a subordinate, also after its accreditations lapse, so the registry keeps
/// answering who signed a past credential. Whether an entity is accredited *now* is what its Trust Marks say: one
/// Trust Mark type per accreditation role and resource (credential type or schema id), see
/// ``FederationConfiguration/trustMarkType(role:resource:)``, whose status follows suspension, revocation and expiry
/// of the accreditation and of every accreditation up its chain.
public struct FederationConfiguration: Sendable, Hashable {
    /// The Trust Anchor's Entity Identifier: the public base URL without a trailing slash.
    public var entityID: String
    /// Seconds from `iat` to `exp` of Entity Statements and Trust Marks.
    public var validity: TimeInterval

    /// Creates a configuration.
    /// - Parameters:
    ///   - baseURL: The public base URL.
    ///   - validity: Seconds from `iat` to `exp` (default one day, as the wallet snapshot).
    public init(baseURL: String, validity: TimeInterval = 86_400) {
        self.entityID = AccreditationCredential.trimmedBase(baseURL)
        self.validity = validity
    }

    /// `federation_fetch_endpoint`.
    public var fetchEndpoint: String { entityID + "/federation/fetch" }
    /// `federation_list_endpoint`.
    public var listEndpoint: String { entityID + "/federation/list" }
    /// `federation_trust_mark_endpoint`.
    public var trustMarkEndpoint: String { entityID + "/federation/trust-mark" }
    /// `federation_trust_mark_list_endpoint`.
    public var trustMarkListEndpoint: String { entityID + "/federation/trust-mark-list" }
    /// `federation_trust_mark_status_endpoint`.
    public var trustMarkStatusEndpoint: String { entityID + "/federation/trust-mark-status" }

    /// The path segment naming an accreditation role in Trust Mark types.
    static func segment(_ role: AccreditationRole) -> String? {
        switch role {
        case .ti: "issue"
        case .tao: "accredit"
        case .rootTAO: nil
        }
    }

    /// Characters left as they are in the resource segment (RFC 3986 unreserved).
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// The Trust Mark type for accreditations of `role` covering `resource`: `{base}/tm/issue/{resource}` for an
    /// accreditation to issue (`TI`), `{base}/tm/accredit/{resource}` for one to accredit (`TAO`), the resource (a
    /// credential type such as `MicroCredential`, or a schema id) percent-encoded as one path segment.
    /// - Parameters:
    ///   - role: `TI` or `TAO`; the root authorisation has none (the root authority is the Trust Anchor itself).
    ///   - resource: The credential type or schema id.
    /// - Returns: The Trust Mark type identifier, or `nil` for the root authorisation.
    public func trustMarkType(role: AccreditationRole, resource: String) -> String? {
        guard let segment = Self.segment(role), let encoded = resource.addingPercentEncoding(withAllowedCharacters: Self.unreserved) else {
            return nil
        }
        return entityID + "/tm/" + segment + "/" + encoded
    }

    /// The role and resource a Trust Mark type of this registry names, or `nil` for any other identifier.
    /// - Parameter type: A Trust Mark type identifier.
    /// - Returns: The role and the decoded resource.
    public func parseTrustMarkType(_ type: String) -> (role: AccreditationRole, resource: String)? {
        let prefix = entityID + "/tm/"
        guard type.hasPrefix(prefix) else { return nil }
        let parts = type.dropFirst(prefix.count).split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, !parts[1].contains("/"), let resource = String(parts[1]).removingPercentEncoding,
            !resource.isEmpty
        else { return nil }
        let role: AccreditationRole
        switch parts[0] {
        case "issue": role = .ti
        case "accredit": role = .tao
        default: return nil
        }
        // Only the canonical spelling names a type, so one type has one identifier.
        guard trustMarkType(role: role, resource: resource) == type else { return nil }
        return (role, resource)
    }
}

/// The JOSE `typ` values and media types of the federation view (OpenID Federation 1.0 §3, §7.1, §8.4).
public enum FederationMediaType {
    /// Entity Configurations and Subordinate Statements.
    public static let entityStatement = "entity-statement+jwt"
    /// Trust Marks.
    public static let trustMark = "trust-mark+jwt"
    /// Trust Mark Status responses.
    public static let trustMarkStatusResponse = "trust-mark-status-response+jwt"
}

/// The status of a Trust Mark at an instant, as the Trust Mark Status endpoint answers it (OpenID Federation 1.0
/// §8.4.2). `suspended` is an additional value, which the section allows: a suspended accreditation is neither
/// revoked (that is final) nor active.
public enum TrustMarkStatus: String, Sendable, Hashable, CaseIterable {
    /// The accreditation and its chain are in force.
    case active
    /// The Trust Mark's `exp` passed, or the accreditation (or one up its chain) expired.
    case expired
    /// The accreditation (or one up its chain) was revoked.
    case revoked
    /// The accreditation (or one up its chain) is suspended.
    case suspended
    /// The signature does not verify, or the Trust Mark is not one of this registry's.
    case invalid
}

/// A Trust Mark in force: its type and the accreditation behind it.
public struct ActiveTrustMark: Sendable, Hashable {
    /// The Trust Mark type identifier.
    public let type: String
    /// The accreditation that makes it active.
    public let accreditation: AccreditationRecord
}

/// Which subordinates `GET /federation/list` returns (OpenID Federation 1.0 §8.2.1).
public struct FederationListFilter: Sendable, Hashable {
    /// Entity Types every listed entity must have (`federation_entity` is the only one subordinates have).
    public var entityTypes: [String] = []
    /// Only entities holding at least one active Trust Mark.
    public var trustMarked = false
    /// Only entities holding an active Trust Mark of this type.
    public var trustMarkType: String?
    /// Only Intermediates (none of the subordinates serves federation endpoints of its own, so this lists nothing).
    public var intermediate = false

    /// Creates a filter that lists every subordinate.
    public init() {}
}

extension RegistryState {
    /// The Trust Mark types of every accreditation the registry holds (in force or not), sorted: the members of the
    /// Entity Configuration's `trust_mark_issuers`.
    /// - Parameter configuration: The federation settings.
    /// - Returns: The types.
    public func federationTrustMarkTypes(configuration: FederationConfiguration) -> [String] {
        var types = Set<String>()
        for record in records.values {
            for entry in record.scope {
                for resource in entry.credentialTypes.union(entry.schemaIds) {
                    if let type = configuration.trustMarkType(role: record.role, resource: resource) { types.insert(type) }
                }
            }
        }
        return types.sorted()
    }

    /// The Trust Marks `subject` holds at `time`: one per role and resource of its accreditations whose whole chain
    /// up to the root authorisation is in force (the rule of every "accredited at T" answer).
    /// - Parameters:
    ///   - subject: The entity's DID.
    ///   - configuration: The federation settings.
    ///   - time: The instant.
    /// - Returns: The active Trust Marks by type, sorted by type; for a type several accreditations cover, the one with
    ///   the smallest id.
    public func activeTrustMarks(of subject: String, configuration: FederationConfiguration, at time: Date) -> [ActiveTrustMark] {
        var byType: [String: AccreditationRecord] = [:]
        for id in (recordsBySubject[subject] ?? []).sorted() {
            guard let record = records[id], record.role != .rootTAO,
                record.chainBreak(at: time, parent: { records[$0] }) == nil
            else { continue }
            for entry in record.scope {
                for resource in entry.credentialTypes.union(entry.schemaIds) {
                    guard let type = configuration.trustMarkType(role: record.role, resource: resource), byType[type] == nil else { continue }
                    byType[type] = record
                }
            }
        }
        return byType.keys.sorted().compactMap { type in byType[type].map { ActiveTrustMark(type: type, accreditation: $0) } }
    }

    /// The subordinates: every registered accreditation body and issuer (not the root authority, which is the Trust
    /// Anchor), by DID, filtered.
    /// - Parameters:
    ///   - filter: The listing filter.
    ///   - configuration: The federation settings.
    ///   - time: The instant Trust Mark filters are judged at.
    /// - Returns: The DIDs, sorted.
    public func federationSubordinates(filter: FederationListFilter, configuration: FederationConfiguration, at time: Date) -> [String] {
        if filter.intermediate { return [] }
        if filter.entityTypes.contains(where: { $0 != "federation_entity" }) { return [] }
        return entities.keys.sorted().filter { did in
            guard did != rootAuthority else { return false }
            guard filter.trustMarked || filter.trustMarkType != nil else { return true }
            let marks = activeTrustMarks(of: did, configuration: configuration, at: time)
            if let type = filter.trustMarkType { return marks.contains { $0.type == type } }
            return !marks.isEmpty
        }
    }

    /// The entities holding an active Trust Mark of `type` at `time` (the Trust Marked Entities Listing, §8.5).
    /// - Parameters:
    ///   - type: The Trust Mark type.
    ///   - subject: When given, only this entity.
    ///   - configuration: The federation settings.
    ///   - time: The instant.
    /// - Returns: The DIDs, sorted.
    public func trustMarkedEntities(type: String, subject: String?, configuration: FederationConfiguration, at time: Date) -> [String] {
        guard let (role, resource) = configuration.parseTrustMarkType(type) else { return [] }
        let candidates = subject.map { [$0] } ?? accreditations(forResource: resource).filter { $0.role == role }.map(\.subject)
        return Set(candidates).sorted().filter { did in
            activeTrustMarks(of: did, configuration: configuration, at: time).contains { $0.type == type }
        }
    }

    /// The `metadata.federation_entity` of an entity: DCC's convention (`organization_name`, `homepage_uri`) plus the
    /// contact address.
    func federationEntityMetadata(_ entity: Entity) -> JSONValue {
        var metadata: [String: JSONValue] = [
            "organization_name": .string(entity.displayName),
            "homepage_uri": .string(entity.website),
        ]
        if let email = entity.email { metadata["contacts"] = .array([.string(email)]) }
        return .object(metadata)
    }

    /// The Trust Anchor's Entity Configuration claims (OpenID Federation 1.0 §3.1): `iss` = `sub` = the Entity
    /// Identifier, the federation keys, `metadata.federation_entity` with the endpoints, and `trust_mark_issuers`.
    /// - Parameters:
    ///   - configuration: The federation settings.
    ///   - keys: The registry's federation keys (the key that signs, with its `kid`).
    ///   - issuedAt: `iat`.
    /// - Returns: The claims, stamped.
    /// - Throws: ``RegistryError/Code/unknownAuthority`` before initialisation.
    public func federationEntityConfiguration(configuration: FederationConfiguration, keys: [JWK], issuedAt: Date) throws(RegistryError)
        -> Stamped<JSONValue>
    {
        guard let root = rootAuthority, let rootEntity = entities[root] else {
            throw RegistryError(.unknownAuthority, "the registry is not initialised")
        }
        let time = RegistryTime.truncated(issuedAt)
        var federationEntity = federationEntityMetadata(rootEntity).objectValue ?? [:]
        federationEntity["federation_fetch_endpoint"] = .string(configuration.fetchEndpoint)
        federationEntity["federation_list_endpoint"] = .string(configuration.listEndpoint)
        federationEntity["federation_trust_mark_endpoint"] = .string(configuration.trustMarkEndpoint)
        federationEntity["federation_trust_mark_list_endpoint"] = .string(configuration.trustMarkListEndpoint)
        federationEntity["federation_trust_mark_status_endpoint"] = .string(configuration.trustMarkStatusEndpoint)
        var issuers: [String: JSONValue] = [:]
        for type in federationTrustMarkTypes(configuration: configuration) { issuers[type] = .array([.string(configuration.entityID)]) }
        let claims: JSONValue = .object([
            "iss": .string(configuration.entityID),
            "sub": .string(configuration.entityID),
            "iat": .number(time.timeIntervalSince1970),
            "exp": .number(time.addingTimeInterval(configuration.validity).timeIntervalSince1970),
            "jwks": try Self.jwks(keys),
            "metadata": .object(["federation_entity": .object(federationEntity)]),
            "trust_mark_issuers": .object(issuers),
        ])
        return Stamped(seq: seq, body: claims)
    }

    /// The Subordinate Statement about `subject` (OpenID Federation 1.0 §3, §8.1): its registered keys as `jwks` and
    /// its `metadata.federation_entity`.
    /// - Parameters:
    ///   - subject: A body's or issuer's DID.
    ///   - configuration: The federation settings.
    ///   - issuedAt: `iat`.
    /// - Returns: The claims, stamped.
    /// - Throws: ``RegistryError/Code/unknownEntity`` for a DID that is not a subordinate (the root authority included:
    ///   the Trust Anchor makes no Subordinate Statement about itself); ``RegistryError/Code/unknownAuthority`` before
    ///   initialisation.
    public func federationSubordinateStatement(subject: String, configuration: FederationConfiguration, issuedAt: Date) throws(RegistryError)
        -> Stamped<JSONValue>
    {
        guard rootAuthority != nil else { throw RegistryError(.unknownAuthority, "the registry is not initialised") }
        guard subject != rootAuthority, let entity = entities[subject] else {
            throw RegistryError(.unknownEntity, "\(subject.prefix(200)) is not a subordinate of this Trust Anchor")
        }
        let time = RegistryTime.truncated(issuedAt)
        let claims: JSONValue = .object([
            "iss": .string(configuration.entityID),
            "sub": .string(subject),
            "iat": .number(time.timeIntervalSince1970),
            "exp": .number(time.addingTimeInterval(configuration.validity).timeIntervalSince1970),
            "jwks": try Self.jwks(entity.keys),
            "metadata": .object(["federation_entity": federationEntityMetadata(entity)]),
            "source_endpoint": .string(configuration.fetchEndpoint),
        ])
        return Stamped(seq: seq, body: claims)
    }

    /// The Trust Mark of `type` for `subject` (OpenID Federation 1.0 §7): `iss` the Trust Anchor, `exp` at most the
    /// accreditation's `validUntil`, `ref` its EBSI attribute, and the accreditation's id, accreditor and the scope
    /// entries covering the resource.
    /// - Parameters:
    ///   - type: The Trust Mark type.
    ///   - subject: The entity's DID.
    ///   - configuration: The federation settings.
    ///   - issuedAt: `iat`; the accreditation must be in force then.
    /// - Returns: The claims, stamped.
    /// - Throws: ``RegistryError/Code/unknownEntity`` when `subject` holds no active Trust Mark of `type`.
    public func federationTrustMark(type: String, subject: String, configuration: FederationConfiguration, issuedAt: Date) throws(RegistryError)
        -> Stamped<JSONValue>
    {
        let time = RegistryTime.truncated(issuedAt)
        guard let (_, resource) = configuration.parseTrustMarkType(type),
            let mark = activeTrustMarks(of: subject, configuration: configuration, at: time).first(where: { $0.type == type })
        else {
            throw RegistryError(.unknownEntity, "\(subject.prefix(200)) holds no active Trust Mark of type \(type.prefix(300))")
        }
        let record = mark.accreditation
        let covering = record.scope.filter { $0.credentialTypes.contains(resource) || $0.schemaIds.contains(resource) }
        let expiry = min(record.validUntil, time.addingTimeInterval(configuration.validity))
        let attribute = configuration.entityID + EBSIConfiguration.pathPrefix + "/issuers/" + subject + "/attributes/" + record.accreditationId
        let claims: JSONValue = .object([
            "iss": .string(configuration.entityID),
            "sub": .string(subject),
            "trust_mark_type": .string(type),
            "iat": .number(time.timeIntervalSince1970),
            "exp": .number(expiry.timeIntervalSince1970),
            "ref": .string(attribute),
            "accreditation_id": .string(record.accreditationId),
            "accredited_by": .string(record.accreditedBy.did),
            "scope": try JSONValue.registryEncoding(covering),
        ])
        return Stamped(seq: seq, body: claims)
    }

    /// The status of a Trust Mark this registry issued, from its verified claims (OpenID Federation 1.0 §8.4).
    /// - Parameters:
    ///   - claims: The Trust Mark's claims, its signature already verified with the registry's key.
    ///   - configuration: The federation settings.
    ///   - time: The instant.
    /// - Returns: The status: `expired` once the mark's `exp` passed, else the status of the first link of the
    ///   accreditation's chain that is not in force (`revoked`, `suspended`, `expired`), else `active`.
    /// - Throws: ``RegistryError/Code/unknownAccreditation`` when the claims name no Trust Mark this registry issued
    ///   (the endpoint answers 404 then, as §8.4.2 requires for unknown Trust Marks).
    public func trustMarkStatus(claims: JSONValue, configuration: FederationConfiguration, at time: Date) throws(RegistryError) -> TrustMarkStatus {
        guard claims["iss"]?.stringValue == configuration.entityID, let type = claims["trust_mark_type"]?.stringValue,
            let (role, resource) = configuration.parseTrustMarkType(type), let subject = claims["sub"]?.stringValue,
            let id = claims["accreditation_id"]?.stringValue, let record = records[id], record.subject == subject, record.role == role,
            record.scope.contains(where: { $0.credentialTypes.contains(resource) || $0.schemaIds.contains(resource) })
        else {
            throw RegistryError(.unknownAccreditation, "the Trust Mark is not one this registry issued")
        }
        if let exp = claims["exp"]?.numberValue, Date(timeIntervalSince1970: exp) <= time { return .expired }
        switch record.chainBreak(at: time, parent: { records[$0] }) {
        case nil:
            return .active
        case .notInForce(_, let status, _):
            switch status {
            case .revoked: return .revoked
            case .expired: return .expired
            case .suspended: return .suspended
            case .notYetValid, .active: return .invalid
            }
        case .foreignRoot, .missingParent, .tooDeep:
            return .invalid
        }
    }

    static func jwks(_ keys: [JWK]) throws(RegistryError) -> JSONValue {
        .object(["keys": try JSONValue.registryEncoding(keys)])
    }
}

/// Signing and verification of the federation view's JWTs with the registry's key.
public enum FederationSigning {
    /// Signs claims as a compact JWS with `typ` and `kid` (OpenID Federation 1.0 requires both).
    /// - Parameters:
    ///   - claims: The claims.
    ///   - type: The `typ`, one of ``FederationMediaType``.
    ///   - key: The registry's signing key.
    ///   - keyID: Its `kid` in the Entity Configuration's `jwks`.
    /// - Returns: The compact JWS.
    /// - Throws: ``RegistryError/Code/malformed`` if signing fails.
    public static func sign(_ claims: JSONValue, type: String, key: SigningKey, keyID: String) throws(RegistryError) -> String {
        do {
            return try CompactJWS.sign(json: claims, key: key, type: type, keyID: keyID)
        } catch {
            throw RegistryError(.malformed, "signing failed: \(error.reason)")
        }
    }

    /// Verifies a federation JWT with a JWK Set, by `kid`, and checks its `typ`.
    /// - Parameters:
    ///   - compact: The compact JWS.
    ///   - type: The required `typ`.
    ///   - keys: The issuer's federation keys.
    /// - Returns: The claims.
    /// - Throws: ``RegistryError/Code/badSignature`` or ``RegistryError/Code/malformed``.
    public static func verify(_ compact: String, type: String, keys: JWKSet) throws(RegistryError) -> JSONValue {
        do {
            let jws = try CompactJWS(parsing: compact)
            guard let keyID = jws.header.keyID, !keyID.isEmpty else { throw RegistryError(.badSignature, "\(type) has no kid") }
            try jws.verify(with: try keys.verificationKey(withID: keyID), expectedType: type)
            let claims = try jws.payloadJSON()
            guard claims.objectValue != nil else { throw RegistryError(.malformed, "\(type) claims are not a JSON object") }
            return claims
        } catch let error as RegistryError {
            throw error
        } catch let error as SigningError {
            throw RegistryError(error.code == .malformed ? .malformed : .badSignature, "\(type): \(error.reason)")
        } catch {
            throw RegistryError(.malformed, "\(type): \(error)")
        }
    }
}
