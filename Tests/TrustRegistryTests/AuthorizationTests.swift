import Foundation
import Signing
import Testing

@testable import TrustRegistry

@Suite("State at T: authorization and recognition across history and the chain")
struct AuthorizationTests {
    func authorized(
        _ state: RegistryState,
        _ entity: String,
        at time: String,
        authority: String? = nil,
        resource: String = V.microCredential,
        eqf: String? = nil,
        jurisdiction: String? = nil,
        iscedF: String? = nil
    ) throws -> AuthorizationDecision {
        try state.authorization(
            entity: entity,
            authority: authority ?? (state.rootAuthority ?? ""),
            action: RegistryAction.issue,
            resource: resource,
            context: QueryContext(time: instant(time), eqfLevel: eqf, jurisdiction: jurisdiction, iscedF: iscedF),
            now: instant("2030-06-01T00:00:00Z")
        )
    }

    @Test("suspended between T1 and T2: authorized before T1, not between, again from T2")
    func suspensionWindow() throws {
        var world = try World()
        let (university, id) = try world.spanishUniversity()
        try world.change(.suspend, id, by: world.aneca, reason: "review", at: instant("2026-03-01T00:00:00Z"))
        try world.change(.reinstate, id, by: world.aneca, at: instant("2026-04-01T00:00:00Z"))
        let state = world.state
        #expect(try authorized(state, university.did, at: "2026-02-28T23:59:59Z").authorized)
        #expect(try !authorized(state, university.did, at: "2026-03-01T00:00:00Z").authorized)
        #expect(try !authorized(state, university.did, at: "2026-03-31T23:59:59Z").authorized)
        #expect(try authorized(state, university.did, at: "2026-04-01T00:00:00Z").authorized)
        let denial = try authorized(state, university.did, at: "2026-03-15T00:00:00Z")
        #expect(denial.message.contains("accreditation \(id) is suspended since 2026-03-01T00:00:00Z (review)"))
        #expect(denial.message.hasSuffix("(seq \(state.seq))"))
        let grant = try authorized(state, university.did, at: "2026-05-01T00:00:00Z")
        #expect(grant.accreditationId == id)
        #expect(
            grant.message == "accreditation \(id) (TI) of \(university.did) by \(world.aneca.did) active at 2026-05-01T00:00:00Z (seq \(state.seq))"
        )
    }

    @Test("was this issuer accredited for EQF 6 micro-credentials in Spain when it issued on 2026-03-01?")
    func scopedQuestion() throws {
        var world = try World()
        let (university, _) = try world.spanishUniversity()
        let state = world.state
        #expect(try authorized(state, university.did, at: "2026-03-01T00:00:00Z", eqf: "6", jurisdiction: "ESP", iscedF: "0613").authorized)
        #expect(try authorized(state, university.did, at: "2026-03-01T00:00:00Z", resource: V.microSchema, eqf: "6").authorized)
        #expect(try !authorized(state, university.did, at: "2026-03-01T00:00:00Z", eqf: "7").authorized)
        #expect(try !authorized(state, university.did, at: "2026-03-01T00:00:00Z", jurisdiction: "NLD").authorized)
        #expect(try !authorized(state, university.did, at: "2026-03-01T00:00:00Z", iscedF: "0713").authorized)
        #expect(try !authorized(state, university.did, at: "2026-03-01T00:00:00Z", resource: V.diploma).authorized)
        let outside = try authorized(state, university.did, at: "2026-03-01T00:00:00Z", eqf: "7")
        #expect(outside.message.contains("no accreditation of \(university.did) covers issue of MicroCredential EQF http://data.europa.eu/snb/eqf/7"))
        // Before validFrom and from validUntil on: not authorized.
        #expect(try !authorized(state, university.did, at: "2025-12-31T23:59:59Z").authorized)
        #expect(try authorized(state, university.did, at: "2028-12-31T23:59:59Z").authorized)
        #expect(try !authorized(state, university.did, at: "2029-01-01T00:00:00Z").authorized)
    }

    @Test("chain: while the body is suspended its issuers are not authorized; before and after they are")
    func bodySuspensionPropagates() throws {
        var world = try World()
        let (university, _) = try world.spanishUniversity()
        try world.change(.suspend, world.anecaAccreditationId, by: world.root, reason: "agency audit", at: instant("2026-06-01T00:00:00Z"))
        try world.change(.reinstate, world.anecaAccreditationId, by: world.root, at: instant("2026-07-01T00:00:00Z"))
        let state = world.state
        #expect(try authorized(state, university.did, at: "2026-05-31T23:59:59Z").authorized)
        let during = try authorized(state, university.did, at: "2026-06-15T00:00:00Z")
        #expect(!during.authorized)
        #expect(during.message.contains("parent accreditation \(world.anecaAccreditationId) of \(world.aneca.did) is suspended"))
        #expect(try authorized(state, university.did, at: "2026-07-01T00:00:00Z").authorized)
    }

    @Test("chain: after the body is revoked its issuers are no longer authorized, but earlier instants still are")
    func bodyRevocationPropagates() throws {
        var world = try World()
        let (university, _) = try world.spanishUniversity()
        try world.change(.revoke, world.anecaAccreditationId, by: world.root, reason: "de-listed", at: instant("2027-01-01T00:00:00Z"))
        #expect(try authorized(world.state, university.did, at: "2026-12-31T23:59:59Z").authorized)
        #expect(try !authorized(world.state, university.did, at: "2027-01-01T00:00:00Z").authorized)
    }

    @Test("authority: the root and the accrediting body are authorities for the issuer; another body is not")
    func authorities() throws {
        var world = try World()
        let (university, id) = try world.spanishUniversity()
        #expect(try authorized(world.state, university.did, at: "2026-03-01T00:00:00Z", authority: world.aneca.did).authorized)
        let other = try authorized(world.state, university.did, at: "2026-03-01T00:00:00Z", authority: world.nvao.did)
        #expect(!other.authorized)
        #expect(other.message.contains("accreditation \(id) of \(university.did) was not granted under authority \(world.nvao.did)"))
        expectRegistryError(.unknownAuthority) {
            _ = try authorized(world.state, university.did, at: "2026-03-01T00:00:00Z", authority: "did:web:unknown.example")
        }
        // An issuer is not an authority.
        expectRegistryError(.unknownAuthority) {
            _ = try authorized(world.state, university.did, at: "2026-03-01T00:00:00Z", authority: university.did)
        }
    }

    @Test("unknown entities and undefined actions are denials, not errors")
    func denials() throws {
        let world = try World()
        let unknown = try authorized(world.state, "did:web:nobody.example", at: "2026-03-01T00:00:00Z")
        #expect(!unknown.authorized && unknown.message.contains("is not accredited in this registry"))
        let action = try world.state.authorization(entity: world.aneca.did, authority: world.root.did, action: "delete", resource: V.microCredential)
        #expect(!action.authorized && action.message.contains("action delete is not defined"))
    }

    @Test("action accredit: bodies for resources in their ceiling, the root for its whole scope")
    func accreditAction() throws {
        let world = try World()
        let at = QueryContext(time: instant("2026-03-01T00:00:00Z"), eqfLevel: "6")
        #expect(
            try world.state.authorization(
                entity: world.aneca.did,
                authority: world.root.did,
                action: "accredit",
                resource: V.microCredential,
                context: at
            ).authorized
        )
        #expect(
            try !world.state.authorization(entity: world.aneca.did, authority: world.root.did, action: "accredit", resource: V.diploma, context: at)
                .authorized
        )
        #expect(
            try !world.state.authorization(
                entity: world.aneca.did,
                authority: world.root.did,
                action: "issue",
                resource: V.microCredential,
                context: at
            ).authorized
        )
        #expect(
            try world.state.authorization(entity: world.root.did, authority: world.root.did, action: "accredit", resource: V.diploma, context: at)
                .authorized
        )
    }

    @Test("recognition: the root recognises its active bodies, and explicit recognitions of other authorities")
    func recognition() throws {
        var world = try World()
        let at = QueryContext(time: instant("2026-03-01T00:00:00Z"))
        #expect(
            try world.state.recognition(
                entity: world.aneca.did,
                authority: world.root.did,
                action: "recognize",
                resource: RegistryAction.accreditationDecisions,
                context: at
            ).authorized
        )
        #expect(
            try world.state.recognition(entity: world.nvao.did, authority: world.root.did, action: "accredit", resource: V.diploma, context: at)
                .authorized
        )
        #expect(
            try !world.state.recognition(entity: world.aneca.did, authority: world.root.did, action: "accredit", resource: V.diploma, context: at)
                .authorized
        )
        let grant = RecognitionGrant(
            entity: "did:web:registry.other.example",
            actions: ["recognize"],
            resources: [RegistryAction.accreditationDecisions],
            names: ["en": "Other registry"],
            validFrom: instant("2026-01-01T00:00:00Z"),
            validUntil: instant("2028-01-01T00:00:00Z")
        )
        let statement = try RegistryStatement.recognise(rootAuthority: world.root.did, grant: grant, issuedAt: world.clock)
        try world.state.apply(statement: try world.root.sign(statement), at: world.tick())
        let recognised = try world.state.recognition(
            entity: grant.entity,
            authority: world.root.did,
            action: "recognize",
            resource: RegistryAction.accreditationDecisions,
            context: at
        )
        #expect(recognised.authorized && recognised.accreditationId == grant.recognitionId)
        try world.change(.suspend, grant.recognitionId, by: world.root, reason: "review", at: instant("2026-06-01T00:00:00Z"))
        let suspended = try world.state.recognition(
            entity: grant.entity,
            authority: world.root.did,
            action: "recognize",
            resource: RegistryAction.accreditationDecisions,
            context: QueryContext(time: instant("2026-07-01T00:00:00Z"))
        )
        #expect(!suspended.authorized && suspended.message.contains("suspended"))
        expectRegistryError(.notPermitted) { try world.change(.revoke, grant.recognitionId, by: world.aneca) }
        let byBody = try RegistryStatement.recognise(rootAuthority: world.root.did, grant: grant, issuedAt: world.clock)
        expectRegistryError(.badSignature) {
            try world.state.apply(statement: try byBody.sign(with: world.aneca.key, keyID: world.root.keyID), at: world.tick())
        }
    }

    @Test("the evaluation time is used when the context has none")
    func defaultTime() throws {
        var world = try World()
        let (university, _) = try world.spanishUniversity()
        let answer = try world.state.authorization(
            entity: university.did,
            authority: world.root.did,
            action: "issue",
            resource: V.microCredential,
            now: instant("2027-02-03T04:05:06.7Z")
        )
        #expect(answer.authorized && answer.time == instant("2027-02-03T04:05:06Z"))
    }
}
