import Foundation
import Testing

@testable import TrustRegistry

/// ``RegistryState/issuingStanding(of:at:)``: "an active accredited issuer now, for any credential type", the rule of
/// TRQP `issue` queries without a scope, with every reason for a denial.
@Suite("Issuing standing: accredited for any type, or why not")
struct IssuingStandingTests {
    /// Whether TRQP would authorize `entity` to issue a micro-credential at `time` (under the root authority).
    func trqpAuthorizes(_ state: RegistryState, _ entity: String, at time: Date) throws -> Bool {
        try state.authorization(
            entity: entity,
            authority: state.rootAuthority ?? "",
            action: RegistryAction.issue,
            resource: V.microCredential,
            context: QueryContext(time: time)
        ).authorized
    }

    /// The one lapse of a `.lapsed` standing, or nil.
    func onlyLapse(_ standing: IssuingStanding) -> LapsedAccreditation? {
        guard case .lapsed(let lapses) = standing, lapses.count == 1 else { return nil }
        return lapses[0]
    }

    @Test("in force: accredited, with the accreditation that decided, as TRQP decides")
    func accreditedIssuer() throws {
        var world = try World()
        let (university, id) = try world.spanishUniversity()
        let time = instant("2026-03-01T00:00:00Z")
        guard case .accredited(let record) = world.state.issuingStanding(of: university.did, at: time) else {
            Issue.record("not accredited: \(world.state.issuingStanding(of: university.did, at: time))")
            return
        }
        #expect(record.accreditationId == id)
        #expect(try trqpAuthorizes(world.state, university.did, at: time))
    }

    @Test("unknown DID: unregistered; a body: registered, but not accredited to issue")
    func unknownAndNonIssuers() throws {
        let world = try World()
        let time = instant("2026-03-01T00:00:00Z")
        guard case .unregistered = world.state.issuingStanding(of: "did:web:nobody.example", at: time) else {
            Issue.record("an unknown DID is not unregistered")
            return
        }
        guard case .notAccreditedToIssue(let role) = world.state.issuingStanding(of: world.aneca.did, at: time) else {
            Issue.record("a body is not refused as a non-issuer")
            return
        }
        #expect(role == .accreditationBody)
    }

    @Test("suspended, revoked and expired accreditations lapse at the instant, each with its status; TRQP agrees")
    func ownLapses() throws {
        var world = try World()
        let (suspended, suspendedId) = try world.spanishUniversity("Suspendida", host: "suspended.example.es")
        let (revoked, revokedId) = try world.spanishUniversity("Revocada", host: "revoked.example.es")
        let (expired, _) = try world.spanishUniversity("Caducada", host: "expired.example.es")
        try world.change(.suspend, suspendedId, by: world.aneca, reason: "review", at: instant("2026-06-01T00:00:00Z"))
        try world.change(.revoke, revokedId, by: world.aneca, reason: "fraud", at: instant("2026-06-01T00:00:00Z"))
        let during = instant("2026-07-01T00:00:00Z")
        let afterExpiry = instant("2029-01-01T00:00:00Z")
        for (party, expected, time) in [
            (suspended, EffectiveStatus.suspended, during), (revoked, .revoked, during), (expired, .expired, afterExpiry),
        ] {
            let lapse = try #require(onlyLapse(world.state.issuingStanding(of: party.did, at: time)), "\(party.did)")
            guard case .notInForce(let link, let status, let depth) = lapse.chainBreak else {
                Issue.record("\(party.did): \(lapse.chainBreak)")
                continue
            }
            #expect(status == expected)
            #expect(depth == 0)
            #expect(link.accreditationId == lapse.accreditation.accreditationId)
            #expect(try !trqpAuthorizes(world.state, party.did, at: time))
        }
        // Before the changes, all three were accredited.
        for party in [suspended, revoked, expired] {
            guard case .accredited = world.state.issuingStanding(of: party.did, at: instant("2026-03-01T00:00:00Z")) else {
                Issue.record("\(party.did) was not accredited before its lapse")
                continue
            }
        }
    }

    @Test("a body that lost its accreditation: the issuer's chain breaks at the body's accreditation (depth 1)")
    func bodyLapse() throws {
        var world = try World()
        let (university, _) = try world.spanishUniversity()
        try world.change(.revoke, world.anecaAccreditationId, by: world.root, reason: "de-listed", at: instant("2027-01-01T00:00:00Z"))
        let time = instant("2027-02-01T00:00:00Z")
        let lapse = try #require(onlyLapse(world.state.issuingStanding(of: university.did, at: time)))
        guard case .notInForce(let link, let status, let depth) = lapse.chainBreak else {
            Issue.record("\(lapse.chainBreak)")
            return
        }
        #expect(link.accreditationId == world.anecaAccreditationId)
        #expect(link.subject == world.aneca.did)
        #expect(status == .revoked)
        #expect(depth == 1)
        #expect(try !trqpAuthorizes(world.state, university.did, at: time))
    }

    @Test("one accreditation in force is enough, whatever the others")
    func oneInForceSuffices() throws {
        var world = try World()
        let (university, first) = try world.spanishUniversity()
        // Another period, so that it is not refused as a duplicate of the first.
        let second = try world.accredit(
            by: world.aneca,
            parent: world.anecaAccreditationId,
            subject: university,
            scope: World.spanishMicro,
            validFrom: instant("2026-02-01T00:00:00Z")
        )
        try world.change(.revoke, first, by: world.aneca, at: instant("2026-06-01T00:00:00Z"))
        guard case .accredited(let record) = world.state.issuingStanding(of: university.did, at: instant("2026-07-01T00:00:00Z")) else {
            Issue.record("the second accreditation did not count")
            return
        }
        #expect(record.accreditationId == second)
    }
}
