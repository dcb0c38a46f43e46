import Foundation
import Signing
import Testing

@testable import TrustRegistry

/// Parses an RFC 3339 instant in tests.
func instant(_ text: String) -> Date {
    (try? RegistryTime.parse(text)) ?? Date(timeIntervalSince1970: 0)
}

/// Expects `body` to throw a ``RegistryError`` with `code`; returns the error for message checks.
@discardableResult
func expectRegistryError(
    _ code: RegistryError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> RegistryError? {
    do {
        try body()
        Issue.record("expected RegistryError(\(code)), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as RegistryError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected RegistryError(\(code)), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Vocabulary shortcuts.
enum V {
    static func eqf(_ levels: Int...) -> Set<String> { Set(levels.map(RegistryVocabulary.eqfLevel)) }
    static func country(_ codes: String...) -> Set<String> { Set(codes.map(RegistryVocabulary.country)) }
    static func isced(_ codes: String...) -> Set<String> { Set(codes.map(RegistryVocabulary.iscedF)) }
    static let baseTypes: Set<String> = ["VerifiableCredential", "VerifiableAttestation", "EuropeanDigitalCredential"]
    static let microCredential = "MicroCredential"
    static let diploma = "Diploma"
    static let microSchema = "https://registry.example.eu/schemas/edc-microcredential-v1"
    static let diplomaSchema = "https://registry.example.eu/schemas/edc-diploma-v1"
}

/// A signer: an entity and its private key.
struct Party {
    let key: SigningKey
    let entity: Entity

    var did: String { entity.did }
    var keyID: String { entity.did + "#" + (entity.keys.first?.kid ?? "") }

    init(did: String, role: EntityRole, name: String, country: String, algorithm: SignatureAlgorithm = .es256) {
        let key = SigningKey.generate(algorithm)
        self.key = key
        let draft = Entity(
            did: did,
            role: role,
            keys: [key.verificationKey.jwk(keyID: "key-1")],
            names: ["en": name],
            country: country,
            website: "https://" + (did.split(separator: ":").dropFirst(2).first.map(String.init) ?? "example.org"),
            email: "registry@example.org",
            address: PostalAddress(street: "1 Example Street", locality: "Example", postalCode: "1000")
        )
        self.entity = (try? draft.validated()) ?? draft
    }

    /// A party with a did:key identifier.
    init(didKeyRole role: EntityRole, name: String) {
        let key = SigningKey.generate(.es256)
        self.key = key
        let didKey = key.verificationKey.didKey
        let draft = Entity(
            did: didKey.did,
            role: role,
            keys: [key.verificationKey.jwk(keyID: nil)],
            names: ["en": name],
            country: "DE",
            website: "https://didkey.example.org"
        )
        self.entity = (try? draft.validated()) ?? draft
    }

    func sign(_ statement: RegistryStatement) throws -> String {
        try statement.sign(with: key, keyID: keyID)
    }
}

/// A registry with a root authority and two accreditation bodies (ES and NL), and helpers to accredit issuers.
struct World {
    static let base = "https://registry.example.eu"
    static let genesisTime = instant("2025-06-01T00:00:00Z")

    var state = RegistryState()
    /// Every event the helpers applied, in order (what a store would hold).
    var log = [RegistryEvent]()
    let root = Party(did: "did:web:registry.example.eu", role: .rootAuthority, name: "Example Accreditation Registry", country: "BE")
    let aneca = Party(did: "did:web:aneca.example", role: .accreditationBody, name: "ANECA (example)", country: "ES")
    let nvao = Party(did: "did:web:nvao.example", role: .accreditationBody, name: "NVAO (example)", country: "NL")
    var rootAuthorisationId = ""
    var anecaAccreditationId = ""
    var nvaoAccreditationId = ""
    /// The clock of the world: each write happens one minute after the previous one unless given a time.
    var clock = World.genesisTime

    static let rootScope = [
        Scope(
            credentialTypes: V.baseTypes.union([V.microCredential, V.diploma]),
            schemaIds: [V.microSchema, V.diplomaSchema],
            eqfLevels: Set((1...8).map(RegistryVocabulary.eqfLevel)),
            jurisdictions: V.country("ESP", "NLD", "BEL", "DEU", "FRA")
        )
    ]
    static let anecaScope = [
        Scope(
            credentialTypes: V.baseTypes.union([V.microCredential]),
            schemaIds: [V.microSchema],
            eqfLevels: V.eqf(4, 5, 6, 7),
            jurisdictions: V.country("ESP")
        )
    ]
    static let nvaoScope = [
        Scope(
            credentialTypes: V.baseTypes.union([V.microCredential, V.diploma]),
            schemaIds: [V.microSchema, V.diplomaSchema],
            eqfLevels: V.eqf(5, 6, 7, 8),
            jurisdictions: V.country("NLD"),
            iscedF: V.isced("04", "061")
        )
    ]

    /// A fresh world: root initialised, both bodies registered (periods 2025-06-01 to 2031-01-01).
    init() throws {
        let authorisation = AccreditationGrant(
            subject: root.did,
            role: .rootTAO,
            scope: Self.rootScope,
            validFrom: instant("2025-01-01T00:00:00Z"),
            validUntil: instant("2036-01-01T00:00:00Z"),
            parentAccreditationId: nil
        )
        rootAuthorisationId = authorisation.accreditationId
        let initialise = try RegistryStatement.initialise(root: root.entity, grant: authorisation, registryBaseURL: Self.base, issuedAt: clock)
        log.append(try state.apply(statement: try root.sign(initialise), at: clock))
        anecaAccreditationId = try registerBody(aneca, scope: Self.anecaScope)
        nvaoAccreditationId = try registerBody(nvao, scope: Self.nvaoScope)
    }

    mutating func tick(_ seconds: TimeInterval = 60) -> Date {
        clock = clock.addingTimeInterval(seconds)
        return clock
    }

    /// The root registers a body (TAO) with `scope` over 2025-06-01...2031-01-01.
    mutating func registerBody(
        _ body: Party,
        scope: [Scope],
        validFrom: Date = instant("2025-06-01T00:00:00Z"),
        validUntil: Date = instant("2031-01-01T00:00:00Z")
    ) throws -> String {
        let grant = AccreditationGrant(
            subject: body.did,
            role: .tao,
            scope: scope,
            validFrom: validFrom,
            validUntil: validUntil,
            parentAccreditationId: rootAuthorisationId
        )
        let at = tick()
        let statement = try RegistryStatement.registerBody(
            rootAuthority: root.did,
            body: body.entity,
            grant: grant,
            registryBaseURL: Self.base,
            issuedAt: at
        )
        log.append(try state.apply(statement: try root.sign(statement), at: at))
        return grant.accreditationId
    }

    /// Builds a signed accreditation statement (not applied).
    func accreditStatement(
        by body: Party,
        parent: String,
        subject: Party,
        role: AccreditationRole = .ti,
        scope: [Scope],
        validFrom: Date = instant("2026-01-01T00:00:00Z"),
        validUntil: Date = instant("2029-01-01T00:00:00Z"),
        includeEntity: Bool = true,
        issuedAt: Date? = nil,
        id: String = AccreditationGrant.newID()
    ) throws -> String {
        let grant = AccreditationGrant(
            accreditationId: id,
            subject: subject.did,
            role: role,
            scope: scope,
            validFrom: validFrom,
            validUntil: validUntil,
            parentAccreditationId: parent
        )
        let statement = try RegistryStatement.accredit(
            accreditor: body.did,
            grant: grant,
            subjectEntity: includeEntity ? subject.entity : nil,
            rootAuthority: root.did,
            registryBaseURL: Self.base,
            issuedAt: issuedAt ?? clock
        )
        return try body.sign(statement)
    }

    /// A body accredits `subject`; returns the accreditation id.
    @discardableResult
    mutating func accredit(
        by body: Party,
        parent: String,
        subject: Party,
        role: AccreditationRole = .ti,
        scope: [Scope],
        validFrom: Date = instant("2026-01-01T00:00:00Z"),
        validUntil: Date = instant("2029-01-01T00:00:00Z"),
        at: Date? = nil
    ) throws -> String {
        let time = at ?? tick()
        clock = max(clock, time)
        let id = AccreditationGrant.newID()
        let compact = try accreditStatement(
            by: body,
            parent: parent,
            subject: subject,
            role: role,
            scope: scope,
            validFrom: validFrom,
            validUntil: validUntil,
            includeEntity: state.entity(subject.did) == nil,
            issuedAt: time,
            id: id
        )
        log.append(try state.apply(statement: compact, at: time))
        return id
    }

    /// Signs and applies a lifecycle change at `at`.
    @discardableResult
    mutating func change(
        _ action: LifecycleAction,
        _ id: String,
        by signer: Party,
        reason: String? = "quality review",
        at: Date? = nil
    ) throws -> RegistryEvent {
        let time = at ?? tick()
        clock = max(clock, time)
        let subject = state.accreditation(id)?.subject ?? state.recognitionRecord(id)?.entity ?? "did:web:unknown.example"
        let statement = try RegistryStatement.lifecycle(
            signer: signer.did,
            change: LifecycleChange(action: action, targetId: id, subject: subject, reason: action == .reinstate ? nil : reason),
            rootAuthority: root.did,
            issuedAt: time
        )
        let event = try state.apply(statement: try signer.sign(statement), at: time)
        log.append(event)
        return event
    }

    /// A standard Spanish micro-credential scope inside ANECA's ceiling.
    static let spanishMicro = [
        Scope(
            credentialTypes: V.baseTypes.union([V.microCredential]),
            schemaIds: [V.microSchema],
            eqfLevels: V.eqf(5, 6),
            jurisdictions: V.country("ESP"),
            iscedF: V.isced("0613")
        )
    ]

    /// A university accredited by ANECA for EQF 5-6 micro-credentials in Spain, ICT field 0613, 2026-2029.
    mutating func spanishUniversity(_ name: String = "Universidad Ejemplo", host: String = "uni.example.es") throws -> (Party, String) {
        let university = Party(did: "did:web:\(host)", role: .issuer, name: name, country: "ES")
        let id = try accredit(by: aneca, parent: anecaAccreditationId, subject: university, scope: Self.spanishMicro)
        return (university, id)
    }
}

/// Key generation for tests that need a bare key.
enum SigningKeyFixture {
    static func make() -> SigningKey { SigningKey.generate(.es256) }
}
