import Foundation
import Signing
import Testing

@testable import TrustRegistry

@Suite("Delegation: every write is checked against the accreditor's own scope and period")
struct DelegationTests {
    @Test("a body accredits an issuer inside its scope; the record is canonical")
    func accreditWithinScope() throws {
        var world = try World()
        let (university, id) = try world.spanishUniversity()
        let record = try #require(world.state.accreditation(id))
        #expect(record.subject == university.did)
        #expect(record.role == .ti)
        #expect(record.accreditedBy == AccreditorReference(did: world.aneca.did, accreditationId: world.anecaAccreditationId))
        #expect(record.rootAuthority == world.root.did)
        #expect(record.scope == World.spanishMicro)
        #expect(record.statusHistory.count == 1 && record.statusHistory[0].status == .active && record.statusHistory[0].seq == world.state.seq)
        #expect(world.state.entity(university.did) == university.entity)
        #expect(world.state.accreditations(of: university.did).map(\.accreditationId) == [id])
        #expect(world.state.accreditations(grantedBy: world.aneca.did).map(\.accreditationId) == [id])
        #expect(world.state.accreditations(forResource: V.microCredential).map(\.accreditationId).contains(id))
        #expect(world.state.seq == 4)
    }

    @Test("the same accreditation twice is refused naming the first; after a revocation it may be granted again")
    func duplicateAccreditationRefused() throws {
        var world = try World()
        let (university, id) = try world.spanishUniversity()
        let before = (world.state.seq, world.state.headHash)
        let again = try world.accreditStatement(
            by: world.aneca, parent: world.anecaAccreditationId, subject: university, scope: World.spanishMicro, includeEntity: false)
        let error = expectRegistryError(.conflict) { try world.state.apply(statement: again, at: world.tick()) }
        #expect(error?.reason.contains("already holds this accreditation from \(world.aneca.did) (accreditation \(id)") == true, "\(String(describing: error))")
        #expect(world.state.seq == before.0 && world.state.headHash == before.1)
        #expect(world.state.accreditation(duplicating: try #require(world.state.accreditation(id)).grantForTesting, by: world.aneca.did)?.accreditationId == id)

        // A different period is a different accreditation.
        try world.accredit(
            by: world.aneca, parent: world.anecaAccreditationId, subject: university, scope: World.spanishMicro,
            validUntil: instant("2030-01-01T00:00:00Z"))
        // A revoked one no longer blocks the same grant.
        try world.change(.revoke, id, by: world.aneca)
        try world.accredit(by: world.aneca, parent: world.anecaAccreditationId, subject: university, scope: World.spanishMicro)
        #expect(world.state.accreditations(of: university.did).count == 3)
    }

    /// Each widening dimension, with the message naming the rule, and nothing recorded.
    @Test(
        "a body trying to widen its scope is refused with the rule named",
        arguments: [
            (
                Scope(credentialTypes: [V.diploma], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP")),
                "types widen the body's scope: Diploma not in ceiling"
            ),
            (
                Scope(credentialTypes: [V.microCredential], schemaIds: [V.diplomaSchema], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP")),
                "schema ids widen the body's scope: \(V.diplomaSchema) not in ceiling"
            ),
            (
                Scope(credentialTypes: [V.microCredential], eqfLevels: V.eqf(6, 8), jurisdictions: V.country("ESP")),
                "EQF level widens the body's scope: http://data.europa.eu/snb/eqf/8 not in ceiling"
            ),
            (
                Scope(credentialTypes: [V.microCredential], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP", "NLD")),
                "jurisdiction widens the body's scope: http://publications.europa.eu/resource/authority/country/NLD not in ceiling"
            ),
        ]
    )
    func wideningRefused(scope: Scope, message: String) throws {
        var world = try World()
        let university = Party(did: "did:web:uni.example.es", role: .issuer, name: "Universidad", country: "ES")
        let before = (world.state.seq, world.state.headHash)
        let statement = try world.accreditStatement(by: world.aneca, parent: world.anecaAccreditationId, subject: university, scope: [scope])
        let error = expectRegistryError(.scopeViolation) { try world.state.apply(statement: statement, at: world.tick()) }
        #expect(error?.reason == message)
        #expect(world.state.seq == before.0 && world.state.headHash == before.1)
        #expect(world.state.entity(university.did) == nil)
    }

    @Test("ISCED-F widening against a body restricted to fields is refused")
    func iscedWidening() throws {
        var world = try World()
        let hogeschool = Party(did: "did:web:hs.example.nl", role: .issuer, name: "Hogeschool", country: "NL")
        let outside = Scope(credentialTypes: [V.diploma], eqfLevels: V.eqf(6), jurisdictions: V.country("NLD"), iscedF: V.isced("0713"))
        let error = expectRegistryError(.scopeViolation) {
            try world.accredit(by: world.nvao, parent: world.nvaoAccreditationId, subject: hogeschool, scope: [outside])
        }
        #expect(error?.reason == "ISCED-F field widens the body's scope: http://data.europa.eu/snb/isced-f/0713 not in ceiling")
        let anyField = Scope(credentialTypes: [V.diploma], eqfLevels: V.eqf(6), jurisdictions: V.country("NLD"))
        let second = expectRegistryError(.scopeViolation) {
            try world.accredit(by: world.nvao, parent: world.nvaoAccreditationId, subject: hogeschool, scope: [anyField])
        }
        #expect(second?.reason.hasPrefix("ISCED-F fields widen the body's scope") == true)
        let inside = Scope(credentialTypes: [V.diploma], eqfLevels: V.eqf(6), jurisdictions: V.country("NLD"), iscedF: V.isced("0613", "0413"))
        try world.accredit(by: world.nvao, parent: world.nvaoAccreditationId, subject: hogeschool, scope: [inside])
    }

    @Test("the period must lie inside the body's accreditation (validFrom inclusive, validUntil may equal the body's)")
    func periodContainment() throws {
        var world = try World()
        let university = Party(did: "did:web:uni.example.es", role: .issuer, name: "Universidad", country: "ES")
        let starts = expectRegistryError(.scopeViolation) {
            try world.accredit(
                by: world.aneca,
                parent: world.anecaAccreditationId,
                subject: university,
                scope: World.spanishMicro,
                validFrom: instant("2025-05-31T23:59:59Z")
            )
        }
        #expect(starts?.reason.hasPrefix("period starts before the body's accreditation") == true)
        let ends = expectRegistryError(.scopeViolation) {
            try world.accredit(
                by: world.aneca,
                parent: world.anecaAccreditationId,
                subject: university,
                scope: World.spanishMicro,
                validUntil: instant("2031-01-01T00:00:01Z")
            )
        }
        #expect(ends?.reason.hasPrefix("period ends after the body's accreditation") == true)
        // Exactly the body's period is allowed: both ends are within.
        try world.accredit(
            by: world.aneca,
            parent: world.anecaAccreditationId,
            subject: university,
            scope: World.spanishMicro,
            validFrom: instant("2025-06-01T00:00:00Z"),
            validUntil: instant("2031-01-01T00:00:00Z")
        )
    }

    @Test("an empty or already-ended period is refused")
    func emptyPeriod() throws {
        var world = try World()
        let university = Party(did: "did:web:uni.example.es", role: .issuer, name: "Universidad", country: "ES")
        expectRegistryError(.malformed) {
            try world.accredit(
                by: world.aneca,
                parent: world.anecaAccreditationId,
                subject: university,
                scope: World.spanishMicro,
                validFrom: instant("2027-01-01T00:00:00Z"),
                validUntil: instant("2027-01-01T00:00:00Z")
            )
        }
        let ended = expectRegistryError(.scopeViolation) {
            try world.accredit(
                by: world.aneca,
                parent: world.anecaAccreditationId,
                subject: university,
                scope: World.spanishMicro,
                validFrom: instant("2025-07-01T00:00:00Z"),
                validUntil: instant("2025-08-01T00:00:00Z"),
                at: instant("2025-09-01T00:00:00Z")
            )
        }
        #expect(ended?.reason.hasPrefix("period already ended") == true)
    }

    @Test("a suspended body cannot accredit, and can again after reinstatement")
    func suspendedBodyCannotAccredit() throws {
        var world = try World()
        try world.change(.suspend, world.anecaAccreditationId, by: world.root, reason: "audit")
        let university = Party(did: "did:web:uni.example.es", role: .issuer, name: "Universidad", country: "ES")
        let error = expectRegistryError(.notActive) {
            try world.accredit(by: world.aneca, parent: world.anecaAccreditationId, subject: university, scope: World.spanishMicro)
        }
        #expect(error?.reason.contains("suspended") == true)
        try world.change(.reinstate, world.anecaAccreditationId, by: world.root)
        try world.accredit(by: world.aneca, parent: world.anecaAccreditationId, subject: university, scope: World.spanishMicro)
    }

    @Test("a body whose accreditation expired cannot accredit")
    func expiredBodyCannotAccredit() throws {
        var world = try World()
        let university = Party(did: "did:web:uni.example.es", role: .issuer, name: "Universidad", country: "ES")
        let error = expectRegistryError(.notActive) {
            try world.accredit(
                by: world.aneca,
                parent: world.anecaAccreditationId,
                subject: university,
                scope: World.spanishMicro,
                validFrom: instant("2026-01-01T00:00:00Z"),
                validUntil: instant("2031-01-01T00:00:00Z"),
                at: instant("2031-01-01T00:00:00Z")
            )
        }
        #expect(error?.reason.contains("expired at 2031-01-01T00:00:00Z") == true)
    }

    @Test("sub-bodies: a body accredits a sub-body inside its scope, which accredits issuers inside its own")
    func subBodies() throws {
        var world = try World()
        let regional = Party(did: "did:web:acsucyl.example", role: .accreditationBody, name: "Agencia regional", country: "ES")
        let subScope = [Scope(credentialTypes: V.baseTypes.union([V.microCredential]), eqfLevels: V.eqf(5, 6), jurisdictions: V.country("ESP"))]
        let regionalID = try world.accredit(
            by: world.aneca,
            parent: world.anecaAccreditationId,
            subject: regional,
            role: .tao,
            scope: subScope,
            validFrom: instant("2026-01-01T00:00:00Z"),
            validUntil: instant("2030-01-01T00:00:00Z")
        )
        let college = Party(did: "did:web:college.example.es", role: .issuer, name: "College", country: "ES")
        let narrow = [Scope(credentialTypes: [V.microCredential], eqfLevels: V.eqf(5), jurisdictions: V.country("ESP"))]
        // A body acts only while its own accreditation is in force (from 2026-01-01 here).
        let early = expectRegistryError(.notActive) { try world.accredit(by: regional, parent: regionalID, subject: college, scope: narrow) }
        #expect(early?.reason.contains("not yet valid") == true)
        let collegeID = try world.accredit(
            by: regional,
            parent: regionalID,
            subject: college,
            scope: narrow,
            at: instant("2026-02-01T00:00:00Z")
        )
        #expect(world.state.accreditation(collegeID)?.accreditedBy.did == regional.did)
        // The sub-body cannot pass on what ANECA allows but it was not given.
        expectRegistryError(.scopeViolation) {
            try world.accredit(
                by: regional,
                parent: regionalID,
                subject: college,
                scope: [Scope(credentialTypes: [V.microCredential], eqfLevels: V.eqf(7), jurisdictions: V.country("ESP"))]
            )
        }
        // Nor a period beyond its own.
        expectRegistryError(.scopeViolation) {
            try world.accredit(by: regional, parent: regionalID, subject: college, scope: narrow, validUntil: instant("2030-06-01T00:00:00Z"))
        }
    }

    @Test("who may accredit: not issuers, not the root for issuers, not oneself, only with one's own parent")
    func permissions() throws {
        var world = try World()
        let (university, universityID) = try world.spanishUniversity()
        let other = Party(did: "did:web:other.example.es", role: .issuer, name: "Other", country: "ES")
        expectRegistryError(.notPermitted) {
            try world.accredit(by: university, parent: universityID, subject: other, scope: World.spanishMicro)
        }
        expectRegistryError(.notPermitted) {
            try world.accredit(by: world.root, parent: world.rootAuthorisationId, subject: other, scope: World.spanishMicro)
        }
        let selfParty = Party(did: world.aneca.did, role: .accreditationBody, name: "ANECA", country: "ES")
        expectRegistryError(.notPermitted) {
            try world.accredit(by: world.aneca, parent: world.anecaAccreditationId, subject: selfParty, role: .tao, scope: World.anecaScope)
        }
        // NVAO naming ANECA's accreditation as its ceiling: the URL names ANECA, not the signer.
        let borrowed = expectRegistryError(.notPermitted) {
            try world.accredit(by: world.nvao, parent: world.anecaAccreditationId, subject: other, scope: World.spanishMicro)
        }
        #expect(borrowed?.reason.contains("belongs to did:web:aneca.example") == true)
        expectRegistryError(.unknownAccreditation) {
            try world.accredit(by: world.aneca, parent: AccreditationGrant.newID(), subject: other, scope: World.spanishMicro)
        }
    }

    @Test("subject registration: required the first time, role must fit, later data must match")
    func subjectRegistration() throws {
        var world = try World()
        let university = Party(did: "did:web:uni.example.es", role: .issuer, name: "Universidad", country: "ES")
        let withoutEntity = try world.accreditStatement(
            by: world.aneca,
            parent: world.anecaAccreditationId,
            subject: university,
            scope: World.spanishMicro,
            includeEntity: false
        )
        expectRegistryError(.unknownEntity) { try world.state.apply(statement: withoutEntity, at: world.tick()) }
        try world.accredit(by: world.aneca, parent: world.anecaAccreditationId, subject: university, scope: World.spanishMicro)
        // Accrediting the issuer as a body conflicts with its registered role.
        expectRegistryError(.conflict) {
            try world.accredit(by: world.aneca, parent: world.anecaAccreditationId, subject: university, role: .tao, scope: World.spanishMicro)
        }
        // Different entity data for a registered subject must go through updateEntity.
        let impostor = Party(did: university.did, role: .issuer, name: "Universidad", country: "ES")
        let conflicting = try world.accreditStatement(
            by: world.aneca,
            parent: world.anecaAccreditationId,
            subject: impostor,
            scope: World.spanishMicro,
            includeEntity: true
        )
        let error = expectRegistryError(.conflict) { try world.state.apply(statement: conflicting, at: world.tick()) }
        #expect(error?.reason.contains("use updateEntity") == true)
    }

    @Test("accreditation ids are unique")
    func duplicateID() throws {
        var world = try World()
        let (_, id) = try world.spanishUniversity()
        let other = Party(did: "did:web:other.example.es", role: .issuer, name: "Other", country: "ES")
        let statement = try world.accreditStatement(
            by: world.aneca,
            parent: world.anecaAccreditationId,
            subject: other,
            scope: World.spanishMicro,
            id: id
        )
        expectRegistryError(.conflict) { try world.state.apply(statement: statement, at: world.tick()) }
    }

    @Test("did:key entities can be accredited and sign with their own key")
    func didKeyEntities() throws {
        var world = try World()
        let issuer = Party(didKeyRole: .issuer, name: "did:key issuer")
        let scope = [Scope(credentialTypes: [V.microCredential], eqfLevels: V.eqf(6), jurisdictions: V.country("NLD"), iscedF: V.isced("0613"))]
        let id = try world.accredit(by: world.nvao, parent: world.nvaoAccreditationId, subject: issuer, scope: scope)
        #expect(world.state.entity(issuer.did)?.keys.first?.kid == issuer.key.verificationKey.multikey)
        #expect(world.state.accreditation(id) != nil)
    }

    @Test("parent candidates list the body's accreditations that could cover a grant")
    func parentCandidates() throws {
        let world = try World()
        let candidates = world.state.parentCandidates(
            body: world.aneca.did,
            scope: World.spanishMicro,
            validFrom: instant("2026-01-01T00:00:00Z"),
            validUntil: instant("2029-01-01T00:00:00Z"),
            at: world.clock
        )
        #expect(candidates == [world.anecaAccreditationId])
        #expect(
            world.state.parentCandidates(
                body: world.nvao.did,
                scope: World.spanishMicro,
                validFrom: instant("2026-01-01T00:00:00Z"),
                validUntil: instant("2029-01-01T00:00:00Z"),
                at: world.clock
            ).isEmpty
        )
    }
}

extension AccreditationRecord {
    /// The grant this record was made from (id and parent included).
    var grantForTesting: AccreditationGrant {
        AccreditationGrant(
            accreditationId: accreditationId, subject: subject, role: role, scope: scope, validFrom: validFrom, validUntil: validUntil,
            parentAccreditationId: accreditedBy.accreditationId)
    }
}
