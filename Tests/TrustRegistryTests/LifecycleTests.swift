import Foundation
import Signing
import Testing

@testable import TrustRegistry

@Suite("Lifecycle: suspension is reversible, revocation final, expiry derived")
struct LifecycleTests {
    @Test("active → suspended → active → revoked, each with reason and seq")
    func fullCycle() throws {
        var world = try World()
        let (_, id) = try world.spanishUniversity()
        let t1 = instant("2026-03-01T00:00:00Z")
        let t2 = instant("2026-04-01T00:00:00Z")
        let t3 = instant("2026-05-01T00:00:00Z")
        let suspend = try world.change(.suspend, id, by: world.aneca, reason: "complaint under review", at: t1)
        let reinstate = try world.change(.reinstate, id, by: world.aneca, at: t2)
        let revoke = try world.change(.revoke, id, by: world.aneca, reason: "fraud", at: t3)
        let history = try #require(world.state.accreditation(id)?.statusHistory)
        #expect(history.map(\.status) == [.active, .suspended, .active, .revoked])
        #expect(history.map(\.seq) == [history[0].seq, suspend.seq, reinstate.seq, revoke.seq])
        #expect(history[1].reason == "complaint under review" && history[1].at == t1)
        #expect(history[3].reason == "fraud")
        #expect(try world.state.status(of: id, at: t1.addingTimeInterval(-1)) == .active)
        #expect(try world.state.status(of: id, at: t1) == .suspended)
        #expect(try world.state.status(of: id, at: t2) == .active)
        #expect(try world.state.status(of: id, at: t3) == .revoked)
        #expect(try world.state.status(of: id, at: instant("2040-01-01T00:00:00Z")) == .revoked)
    }

    @Test("revoked is final: no reinstatement, suspension or second revocation")
    func revokedIsFinal() throws {
        var world = try World()
        let (_, id) = try world.spanishUniversity()
        try world.change(.revoke, id, by: world.aneca, reason: "fraud")
        for action in LifecycleAction.allCases {
            let error = expectRegistryError(.forbiddenTransition) { try world.change(action, id, by: world.aneca) }
            #expect(error?.reason.contains("revoked is final") == true)
        }
    }

    @Test("suspending twice and reinstating an active accreditation are refused")
    func invalidTransitions() throws {
        var world = try World()
        let (_, id) = try world.spanishUniversity()
        expectRegistryError(.forbiddenTransition) { try world.change(.reinstate, id, by: world.aneca) }
        try world.change(.suspend, id, by: world.aneca)
        let error = expectRegistryError(.forbiddenTransition) { try world.change(.suspend, id, by: world.aneca) }
        #expect(error?.reason.contains("already suspended") == true)
    }

    @Test("expiry is derived: validFrom inclusive, validUntil exclusive; expired cannot be suspended but can be revoked")
    func expiryBoundaries() throws {
        var world = try World()
        let (_, id) = try world.spanishUniversity()
        let from = instant("2026-01-01T00:00:00Z")
        let until = instant("2029-01-01T00:00:00Z")
        #expect(try world.state.status(of: id, at: from.addingTimeInterval(-1)) == .notYetValid)
        #expect(try world.state.status(of: id, at: from) == .active)
        #expect(try world.state.status(of: id, at: until.addingTimeInterval(-1)) == .active)
        #expect(try world.state.status(of: id, at: until) == .expired)
        #expect(world.state.accreditation(id)?.canonical(at: from.addingTimeInterval(-1)).status == .active)
        #expect(world.state.accreditation(id)?.canonical(at: until).status == .expired)
        let error = expectRegistryError(.forbiddenTransition) { try world.change(.suspend, id, by: world.aneca, at: until) }
        #expect(error?.reason.contains("expired at 2029-01-01T00:00:00Z") == true)
        expectRegistryError(.forbiddenTransition) { try world.change(.reinstate, id, by: world.aneca, at: until) }
        try world.change(.revoke, id, by: world.aneca, reason: "found after expiry", at: until.addingTimeInterval(86_400))
        #expect(try world.state.status(of: id, at: until) == .expired)
        #expect(try world.state.status(of: id, at: until.addingTimeInterval(86_400)) == .revoked)
    }

    @Test("a status change takes effect at its instant (inclusive)")
    func changeInstantInclusive() throws {
        var world = try World()
        let (_, id) = try world.spanishUniversity()
        let t = instant("2026-06-15T12:00:00Z")
        try world.change(.suspend, id, by: world.aneca, at: t)
        #expect(try world.state.status(of: id, at: t.addingTimeInterval(-1)) == .active)
        #expect(try world.state.status(of: id, at: t) == .suspended)
    }

    @Test("only the accreditor or the root authority may change an accreditation")
    func whoMayChange() throws {
        var world = try World()
        let (university, id) = try world.spanishUniversity()
        let error = expectRegistryError(.notPermitted) { try world.change(.suspend, id, by: world.nvao) }
        #expect(error?.reason.contains("only the accreditor did:web:aneca.example") == true)
        expectRegistryError(.notPermitted) { try world.change(.suspend, id, by: university) }
        try world.change(.suspend, id, by: world.root, reason: "operator action")
        try world.change(.reinstate, id, by: world.root)
    }

    @Test("the root authorisation cannot change status")
    func rootAuthorisationFixed() throws {
        var world = try World()
        expectRegistryError(.forbiddenTransition) { try world.change(.suspend, world.rootAuthorisationId, by: world.root) }
        expectRegistryError(.forbiddenTransition) { try world.change(.revoke, world.rootAuthorisationId, by: world.root) }
    }

    @Test("a suspended body may still suspend its issuers but not reinstate them")
    func suspendedBodyRestrictsOnly() throws {
        var world = try World()
        let (_, id) = try world.spanishUniversity()
        try world.change(.suspend, world.anecaAccreditationId, by: world.root, reason: "audit")
        try world.change(.suspend, id, by: world.aneca, reason: "follow-up")
        let error = expectRegistryError(.notActive) { try world.change(.reinstate, id, by: world.aneca) }
        #expect(error?.reason.contains("cannot reinstate") == true)
        try world.change(.revoke, id, by: world.aneca, reason: "closed")
    }

    @Test("lifecycle statements need a reason to suspend or revoke, a known id and the right subject")
    func lifecycleShape() throws {
        var world = try World()
        let (_, id) = try world.spanishUniversity()
        expectRegistryError(.malformed) {
            _ = try RegistryStatement.suspend(
                signer: world.aneca.did,
                accreditationId: id,
                subject: "did:web:uni.example.es",
                reason: " ",
                rootAuthority: world.root.did
            )
        }
        expectRegistryError(.unknownAccreditation) { try world.change(.suspend, AccreditationGrant.newID(), by: world.aneca) }
        let wrongSubject = try RegistryStatement.suspend(
            signer: world.aneca.did,
            accreditationId: id,
            subject: "did:web:someone.example",
            reason: "x",
            rootAuthority: world.root.did,
            issuedAt: world.clock
        )
        let error = expectRegistryError(.malformed) { try world.state.apply(statement: try world.aneca.sign(wrongSubject), at: world.tick()) }
        #expect(error?.reason.contains("belongs to did:web:uni.example.es") == true)
    }

    @Test("refused writes change nothing")
    func refusedWritesAreAtomic() throws {
        var world = try World()
        let (_, id) = try world.spanishUniversity()
        try world.change(.revoke, id, by: world.aneca, reason: "fraud")
        let before = (world.state.seq, world.state.headHash, world.state.accreditation(id))
        expectRegistryError(.forbiddenTransition) { try world.change(.reinstate, id, by: world.aneca) }
        #expect(world.state.seq == before.0 && world.state.headHash == before.1 && world.state.accreditation(id) == before.2)
    }

    @Test("entity updates: by the root or the entity itself, same role, with a change")
    func entityUpdates() throws {
        var world = try World()
        let (university, _) = try world.spanishUniversity()
        var renamed = university.entity
        renamed.names["es"] = "Universidad Ejemplo de Madrid"
        let byItself = try RegistryStatement.updateEntity(
            signer: university.did,
            entity: renamed,
            rootAuthority: world.root.did,
            issuedAt: world.clock
        )
        try world.state.apply(statement: try university.sign(byItself), at: world.tick())
        #expect(world.state.entity(university.did)?.names["es"] == "Universidad Ejemplo de Madrid")
        let unchanged = try RegistryStatement.updateEntity(
            signer: world.root.did,
            entity: renamed,
            rootAuthority: world.root.did,
            issuedAt: world.clock
        )
        expectRegistryError(.conflict) { try world.state.apply(statement: try world.root.sign(unchanged), at: world.tick()) }
        var promoted = renamed
        promoted.role = .accreditationBody
        let roleChange = try RegistryStatement.updateEntity(
            signer: world.root.did,
            entity: promoted,
            rootAuthority: world.root.did,
            issuedAt: world.clock
        )
        expectRegistryError(.conflict) { try world.state.apply(statement: try world.root.sign(roleChange), at: world.tick()) }
        var byOther = renamed
        byOther.website = "https://elsewhere.example.es"
        let other = try RegistryStatement.updateEntity(signer: world.aneca.did, entity: byOther, rootAuthority: world.root.did, issuedAt: world.clock)
        expectRegistryError(.notPermitted) { try world.state.apply(statement: try world.aneca.sign(other), at: world.tick()) }
    }

    @Test("key rotation: after an update only the new key is accepted")
    func keyRotation() throws {
        var world = try World()
        let (university, id) = try world.spanishUniversity()
        _ = id
        let newKey = SigningKeyFixture.make()
        var rotated = university.entity
        rotated.keys = [newKey.verificationKey.jwk(keyID: "key-2")]
        let update = try RegistryStatement.updateEntity(signer: university.did, entity: rotated, rootAuthority: world.root.did, issuedAt: world.clock)
        try world.state.apply(statement: try university.sign(update), at: world.tick())
        var again = rotated
        again.names["ca"] = "Universitat"
        let withOldKey = try RegistryStatement.updateEntity(
            signer: university.did,
            entity: again,
            rootAuthority: world.root.did,
            issuedAt: world.clock
        )
        expectRegistryError(.badSignature) { try world.state.apply(statement: try university.sign(withOldKey), at: world.tick()) }
        let signedNew = try withOldKey.sign(with: newKey, keyID: university.did + "#key-2")
        try world.state.apply(statement: signedNew, at: world.tick())
    }
}
