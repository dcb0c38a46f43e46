import Foundation
import Signing

/// The kinds of signed statement the registry accepts; each becomes one event of the same kind.
public enum StatementKind: String, Codable, Sendable, Hashable, CaseIterable {
    /// The root authority's self-signed authorisation (first event only): registers the root entity and its
    /// `RootTAO` record, whose scope is the registry's overall ceiling.
    case initialise
    /// An accreditation: the root authority registering a body (`TAO`), a body accrediting an issuer (`TI`) or a
    /// sub-body (`TAO`).
    case accredit
    /// Active → suspended.
    case suspend
    /// Suspended → active.
    case reinstate
    /// → revoked (final).
    case revoke
    /// New keys or display data for a registered entity (signed by the root authority or the entity itself).
    case updateEntity
    /// The root authority recognises another authority (TRQP recognition).
    case recognise

    /// The JOSE `typ` the statement must carry: `JWT` for accreditation VCs (EBSI attribute bodies),
    /// `registry-statement+jwt` for everything else.
    public var mediaType: String {
        switch self {
        case .initialise, .accredit: AccreditationCredential.mediaType
        default: RegistryStatement.mediaType
        }
    }
}

/// An unsigned registry statement: a JWT claims set built by the signer's CLI, to be signed locally with the signer's
/// own key (the private key never travels) and submitted as a compact JWS.
///
/// Every statement carries `stmt` (the kind), `iss` (the signer's DID), `aud` (the root authority's DID: a statement
/// for one registry cannot be replayed into another), `iat` and a unique `jti`. The registry verifies the signature
/// against the keys the signer **registered**, never against keys inside the statement.
public struct RegistryStatement: Sendable, Hashable {
    /// The `typ` of non-accreditation statements.
    public static let mediaType = "registry-statement+jwt"

    /// The statement kind.
    public let kind: StatementKind
    /// The JWT claims.
    public let claims: JSONValue

    /// A fresh nonce for `jti`: `urn:uuid:<random UUID>`.
    /// - Returns: The nonce.
    public static func newNonce() -> String { "urn:uuid:" + UUID().uuidString.lowercased() }

    /// Signs the statement into a compact JWS whose header holds `alg`, `typ` (``StatementKind/mediaType``) and `kid`.
    /// - Parameters:
    ///   - key: The signer's private key.
    ///   - keyID: The DID URL of the key as registered: `<signer DID>#<kid>`.
    /// - Returns: The compact JWS to submit.
    /// - Throws: ``RegistryError/Code/malformed`` when `keyID` is not a DID URL of the signer (`iss`), or signing fails.
    public func sign(with key: SigningKey, keyID: String) throws(RegistryError) -> String {
        guard let issuer = claims["iss"]?.stringValue, keyID.hasPrefix(issuer + "#"), keyID.count > issuer.count + 1 else {
            throw RegistryError(.malformed, "the key id must be a DID URL of the signer: <iss>#<kid>")
        }
        do {
            return try CompactJWS.sign(json: claims, key: key, type: kind.mediaType, keyID: keyID)
        } catch {
            throw RegistryError(.malformed, "statement signing failed: \(error.reason)")
        }
    }

    /// The root authority's founding statement: registers itself and its authorisation (`RootTAO`), whose scope is
    /// the ceiling of everything the registry will ever accredit. Signed with one of `root`'s own keys.
    /// - Parameters:
    ///   - root: The root authority entity (role `rootAuthority`).
    ///   - grant: The authorisation; `subject` must be `root.did`, `role` `.rootTAO`, no parent.
    ///   - registryBaseURL: The registry's public base URL (for the VC's EBSI URLs).
    ///   - trustFramework: The trust framework's name, written in `termsOfUse`.
    ///   - issuedAt: `iat`.
    ///   - nonce: `jti`.
    /// - Returns: The statement.
    /// - Throws: ``RegistryError/Code/malformed`` when the entity or grant is invalid or inconsistent.
    public static func initialise(
        root: Entity,
        grant: AccreditationGrant,
        registryBaseURL: String,
        trustFramework: String? = nil,
        issuedAt: Date = Date(),
        nonce: String = newNonce()
    ) throws(RegistryError) -> RegistryStatement {
        let entity = try root.validated()
        guard entity.role == .rootAuthority, grant.role == .rootTAO, grant.subject == entity.did else {
            throw RegistryError(.malformed, "initialise needs a rootAuthority entity and a RootTAO grant for that entity")
        }
        try grant.validate()
        let claims = try AccreditationCredential.claims(
            kind: .initialise,
            accreditor: entity.did,
            grant: grant,
            subjectEntity: entity,
            rootAuthority: entity.did,
            registryBaseURL: registryBaseURL,
            issuedAt: issuedAt,
            nonce: nonce,
            trustFramework: trustFramework
        )
        return RegistryStatement(kind: .initialise, claims: claims)
    }

    /// An accreditation decision, signed by the accreditor: a body accrediting an issuer (`TI`) or sub-body (`TAO`),
    /// or the root authority registering a body (`TAO`, see ``registerBody(rootAuthority:body:grant:registryBaseURL:issuedAt:nonce:)``).
    /// - Parameters:
    ///   - accreditor: The signer's DID (`iss`, the VC issuer).
    ///   - grant: The decision; `parentAccreditationId` names the accreditor's own covering accreditation.
    ///   - subjectEntity: The subject's registration data; required the first time the subject is accredited, and
    ///     when given later it must equal the registered entity.
    ///   - rootAuthority: The registry's root DID (`aud`).
    ///   - registryBaseURL: The registry's public base URL (for the VC's EBSI URLs).
    ///   - issuedAt: `iat` and the VC's `issuanceDate`.
    ///   - nonce: `jti` and the VC `id`.
    /// - Returns: The statement.
    /// - Throws: ``RegistryError/Code/malformed`` when the grant or entity is invalid or inconsistent.
    public static func accredit(
        accreditor: String,
        grant: AccreditationGrant,
        subjectEntity: Entity? = nil,
        rootAuthority: String,
        registryBaseURL: String,
        issuedAt: Date = Date(),
        nonce: String = newNonce()
    ) throws(RegistryError) -> RegistryStatement {
        try grant.validate()
        guard grant.role != .rootTAO else { throw RegistryError(.malformed, "use initialise for the root authorisation") }
        let entity = try subjectEntity?.validated()
        if let entity {
            guard entity.did == grant.subject, entity.role == grant.role.subjectRole else {
                throw RegistryError(.malformed, "the subject entity must have the grant's subject DID and role \(grant.role.subjectRole.rawValue)")
            }
        }
        let claims = try AccreditationCredential.claims(
            kind: .accredit,
            accreditor: accreditor,
            grant: grant,
            subjectEntity: entity,
            rootAuthority: rootAuthority,
            registryBaseURL: registryBaseURL,
            issuedAt: issuedAt,
            nonce: nonce,
            trustFramework: nil
        )
        return RegistryStatement(kind: .accredit, claims: claims)
    }

    /// The operator registering an accreditation body: an accreditation with role `TAO` signed by the root authority,
    /// whose scope and period become the body's ceiling.
    /// - Parameters:
    ///   - rootAuthority: The root DID (signer and `aud`).
    ///   - body: The body's entity (role `accreditationBody`).
    ///   - grant: The ceiling; `role` `.tao`, `parentAccreditationId` the root authorisation's id.
    ///   - registryBaseURL: The registry's public base URL.
    ///   - issuedAt: `iat`.
    ///   - nonce: `jti`.
    /// - Returns: The statement.
    /// - Throws: As ``accredit(accreditor:grant:subjectEntity:rootAuthority:registryBaseURL:issuedAt:nonce:)``.
    public static func registerBody(
        rootAuthority: String,
        body: Entity?,
        grant: AccreditationGrant,
        registryBaseURL: String,
        issuedAt: Date = Date(),
        nonce: String = newNonce()
    ) throws(RegistryError) -> RegistryStatement {
        guard grant.role == .tao else { throw RegistryError(.malformed, "a body is registered with role TAO") }
        return try accredit(
            accreditor: rootAuthority,
            grant: grant,
            subjectEntity: body,
            rootAuthority: rootAuthority,
            registryBaseURL: registryBaseURL,
            issuedAt: issuedAt,
            nonce: nonce
        )
    }

    /// A lifecycle change (suspend, reinstate, revoke), signed by the accreditor that granted the target or by the
    /// root authority.
    /// - Parameters:
    ///   - signer: The signer's DID.
    ///   - change: The change.
    ///   - rootAuthority: The root DID (`aud`).
    ///   - issuedAt: `iat`.
    ///   - nonce: `jti`.
    /// - Returns: The statement.
    /// - Throws: ``RegistryError/Code/malformed`` for a bad id or a missing reason.
    public static func lifecycle(
        signer: String,
        change: LifecycleChange,
        rootAuthority: String,
        issuedAt: Date = Date(),
        nonce: String = newNonce()
    ) throws(RegistryError) -> RegistryStatement {
        try change.validate()
        var claims = common(kind: StatementKind(change.action), signer: signer, rootAuthority: rootAuthority, issuedAt: issuedAt, nonce: nonce)
        claims["accreditationId"] = .string(change.targetId)
        claims["sub"] = .string(change.subject)
        if let reason = change.reason { claims["reason"] = .string(reason) }
        return RegistryStatement(kind: StatementKind(change.action), claims: .object(claims))
    }

    /// Suspends an accreditation (reversible).
    /// - Parameters:
    ///   - signer: The accreditor's (or root's) DID.
    ///   - accreditationId: The target.
    ///   - subject: The target's subject DID.
    ///   - reason: Why (required).
    ///   - rootAuthority: The root DID.
    ///   - issuedAt: `iat`.
    ///   - nonce: `jti`.
    /// - Returns: The statement.
    /// - Throws: ``RegistryError/Code/malformed`` for a bad id or empty reason.
    public static func suspend(
        signer: String,
        accreditationId: String,
        subject: String,
        reason: String,
        rootAuthority: String,
        issuedAt: Date = Date(),
        nonce: String = newNonce()
    ) throws(RegistryError) -> RegistryStatement {
        try lifecycle(
            signer: signer,
            change: LifecycleChange(action: .suspend, targetId: accreditationId, subject: subject, reason: reason),
            rootAuthority: rootAuthority,
            issuedAt: issuedAt,
            nonce: nonce
        )
    }

    /// Reinstates a suspended accreditation.
    /// - Parameters:
    ///   - signer: The accreditor's (or root's) DID.
    ///   - accreditationId: The target.
    ///   - subject: The target's subject DID.
    ///   - reason: Why (optional).
    ///   - rootAuthority: The root DID.
    ///   - issuedAt: `iat`.
    ///   - nonce: `jti`.
    /// - Returns: The statement.
    /// - Throws: ``RegistryError/Code/malformed`` for a bad id.
    public static func reinstate(
        signer: String,
        accreditationId: String,
        subject: String,
        reason: String? = nil,
        rootAuthority: String,
        issuedAt: Date = Date(),
        nonce: String = newNonce()
    ) throws(RegistryError) -> RegistryStatement {
        try lifecycle(
            signer: signer,
            change: LifecycleChange(action: .reinstate, targetId: accreditationId, subject: subject, reason: reason),
            rootAuthority: rootAuthority,
            issuedAt: issuedAt,
            nonce: nonce
        )
    }

    /// Revokes an accreditation (final).
    /// - Parameters:
    ///   - signer: The accreditor's (or root's) DID.
    ///   - accreditationId: The target.
    ///   - subject: The target's subject DID.
    ///   - reason: Why (required).
    ///   - rootAuthority: The root DID.
    ///   - issuedAt: `iat`.
    ///   - nonce: `jti`.
    /// - Returns: The statement.
    /// - Throws: ``RegistryError/Code/malformed`` for a bad id or empty reason.
    public static func revoke(
        signer: String,
        accreditationId: String,
        subject: String,
        reason: String,
        rootAuthority: String,
        issuedAt: Date = Date(),
        nonce: String = newNonce()
    ) throws(RegistryError) -> RegistryStatement {
        try lifecycle(
            signer: signer,
            change: LifecycleChange(action: .revoke, targetId: accreditationId, subject: subject, reason: reason),
            rootAuthority: rootAuthority,
            issuedAt: issuedAt,
            nonce: nonce
        )
    }

    /// New registration data (keys, names, contact) for an entity, signed by the root authority or the entity itself
    /// (key rotation: sign with a currently registered key).
    /// - Parameters:
    ///   - signer: The signer's DID.
    ///   - entity: The complete new entity (same DID and role).
    ///   - rootAuthority: The root DID.
    ///   - issuedAt: `iat`.
    ///   - nonce: `jti`.
    /// - Returns: The statement.
    /// - Throws: ``RegistryError/Code/malformed`` for an invalid entity.
    public static func updateEntity(
        signer: String,
        entity: Entity,
        rootAuthority: String,
        issuedAt: Date = Date(),
        nonce: String = newNonce()
    ) throws(RegistryError) -> RegistryStatement {
        var claims = common(kind: .updateEntity, signer: signer, rootAuthority: rootAuthority, issuedAt: issuedAt, nonce: nonce)
        claims["entity"] = try JSONValue.registryEncoding(try entity.validated())
        claims["sub"] = .string(entity.did)
        return RegistryStatement(kind: .updateEntity, claims: .object(claims))
    }

    /// A recognition of another authority, signed by the root authority.
    /// - Parameters:
    ///   - rootAuthority: The root DID (signer and `aud`).
    ///   - grant: The recognition.
    ///   - issuedAt: `iat`.
    ///   - nonce: `jti`.
    /// - Returns: The statement.
    /// - Throws: ``RegistryError/Code/malformed`` for an invalid grant.
    public static func recognise(
        rootAuthority: String,
        grant: RecognitionGrant,
        issuedAt: Date = Date(),
        nonce: String = newNonce()
    ) throws(RegistryError) -> RegistryStatement {
        try grant.validate()
        var claims = common(kind: .recognise, signer: rootAuthority, rootAuthority: rootAuthority, issuedAt: issuedAt, nonce: nonce)
        claims["sub"] = .string(grant.entity)
        claims["recognition"] = [
            "recognitionId": .string(grant.recognitionId),
            "entity": .string(grant.entity),
            "actions": .array(grant.actions.map { .string($0) }),
            "resources": .array(grant.resources.map { .string($0) }),
            "names": .object(grant.names.mapValues { .string($0) }),
            "validFrom": .string(RegistryTime.format(grant.validFrom)),
            "validUntil": .string(RegistryTime.format(grant.validUntil)),
        ]
        return RegistryStatement(kind: .recognise, claims: .object(claims))
    }

    private static func common(kind: StatementKind, signer: String, rootAuthority: String, issuedAt: Date, nonce: String) -> [String: JSONValue] {
        [
            "stmt": .string(kind.rawValue),
            "iss": .string(signer),
            "aud": .string(rootAuthority),
            "iat": .number(Double(RegistryTime.numericDate(issuedAt))),
            "jti": .string(nonce),
        ]
    }
}

extension StatementKind {
    init(_ action: LifecycleAction) {
        switch action {
        case .suspend: self = .suspend
        case .reinstate: self = .reinstate
        case .revoke: self = .revoke
        }
    }

    var lifecycleAction: LifecycleAction? {
        switch self {
        case .suspend: .suspend
        case .reinstate: .reinstate
        case .revoke: .revoke
        default: nil
        }
    }
}

/// What a statement says, by kind.
public enum StatementContent: Sendable, Hashable {
    /// `initialise` or `accredit`: the grant and, when present, the subject's registration data.
    case accreditation(AccreditationGrant, subjectEntity: Entity?)
    /// `suspend`, `reinstate` or `revoke`.
    case lifecycle(LifecycleChange)
    /// `updateEntity`.
    case entityUpdate(Entity)
    /// `recognise`.
    case recognition(RecognitionGrant)
}

/// A submitted statement, parsed but **not yet verified**: the registry verifies it against the signer's registered
/// keys when it applies it (``RegistryState/prepare(statement:at:)``).
public struct SignedStatement: Sendable {
    /// The parsed JWS.
    public let jws: CompactJWS
    /// The kind (`stmt`).
    public let kind: StatementKind
    /// The signer's DID (`iss`).
    public let issuer: String
    /// The header `kid`, a DID URL of the signer.
    public let keyID: String
    /// `aud`: the root authority the statement is addressed to.
    public let audience: String
    /// `iat`.
    public let issuedAt: Date
    /// `jti`.
    public let nonce: String
    /// The content.
    public let content: StatementContent

    /// The longest statement accepted (256 KiB).
    public static let maximumLength = 256 << 10

    /// Parses a compact JWS statement: structure, claims and content shape, no signature check.
    /// - Parameter compact: The compact JWS.
    /// - Throws: ``RegistryError/Code/malformed`` naming the first problem (bad JWS, wrong `typ` for the kind, missing
    ///   claim, `kid` not a DID URL of `iss`, malformed content).
    public init(parsing compact: String) throws(RegistryError) {
        guard compact.utf8.count <= Self.maximumLength else {
            throw RegistryError(.malformed, "statement is longer than \(Self.maximumLength) bytes")
        }
        do {
            jws = try CompactJWS(parsing: compact)
        } catch {
            throw RegistryError(.malformed, "statement is not a compact JWS: \(error.reason)")
        }
        let payload: JSONValue
        do {
            payload = try jws.payloadJSON()
        } catch {
            throw RegistryError(.malformed, "statement payload is not JSON: \(error.reason)")
        }
        let claims = try JSONObjectReader(payload, context: "statement")
        let kindName = try claims.string("stmt", maximumLength: 32)
        guard let kind = StatementKind(rawValue: kindName) else {
            throw RegistryError(.malformed, "statement kind \"\(kindName)\" is not one of \(StatementKind.allCases.map(\.rawValue))")
        }
        self.kind = kind
        guard let type = jws.header.type, CompactJWS.mediaTypesMatch(type, kind.mediaType) else {
            throw RegistryError(.malformed, "a \(kind.rawValue) statement has typ \(kind.mediaType), not \(jws.header.type ?? "none")")
        }
        issuer = try claims.string("iss", maximumLength: 512)
        try Entity.validateDID(issuer)
        guard let keyID = jws.header.keyID, keyID.hasPrefix(issuer + "#"), keyID.count > issuer.count + 1 else {
            throw RegistryError(.malformed, "statement kid must be a DID URL of the signer (\(issuer)#<kid>)")
        }
        self.keyID = keyID
        audience = try claims.string("aud", maximumLength: 512)
        issuedAt = Date(timeIntervalSince1970: TimeInterval(try claims.integer("iat")))
        nonce = try claims.string("jti", maximumLength: 256)
        switch kind {
        case .initialise, .accredit:
            let grant = try AccreditationCredential.grant(from: claims, issuer: issuer)
            var entity: Entity?
            if claims.has("entity") { entity = try claims.decode(Entity.self, "entity") }
            content = .accreditation(grant, subjectEntity: entity)
        case .suspend, .reinstate, .revoke:
            content = .lifecycle(
                LifecycleChange(
                    action: kind.lifecycleAction ?? .suspend,
                    targetId: try claims.string("accreditationId", maximumLength: 64),
                    subject: try claims.string("sub", maximumLength: 2048),
                    reason: try claims.optionalString("reason", maximumLength: 4096)
                )
            )
        case .updateEntity:
            let entity = try claims.decode(Entity.self, "entity")
            guard try claims.string("sub", maximumLength: 512) == entity.did else {
                throw RegistryError(.malformed, "updateEntity sub differs from the entity's DID")
            }
            content = .entityUpdate(entity)
        case .recognise:
            let recognition = try claims.object("recognition")
            let names = recognition.has("names") ? try recognition.decode([String: String].self, "names") : [:]
            let grant = RecognitionGrant(
                recognitionId: try recognition.string("recognitionId", maximumLength: 64),
                entity: try recognition.string("entity", maximumLength: 2048),
                actions: try recognition.strings("actions", maximumCount: 16),
                resources: try recognition.strings("resources"),
                names: names,
                validFrom: try recognition.time("validFrom"),
                validUntil: try recognition.time("validUntil")
            )
            guard try claims.string("sub", maximumLength: 2048) == grant.entity else {
                throw RegistryError(.malformed, "recognise sub differs from the recognised entity")
            }
            content = .recognition(grant)
        }
    }
}
