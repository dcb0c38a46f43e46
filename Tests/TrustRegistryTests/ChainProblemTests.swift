import Foundation
import Testing

@testable import TrustRegistry

/// The chain walk shared by the registry's decisions and a wallet's local ones (``AccreditationLink/chainProblem``),
/// on canonical records as a wallet snapshot carries them.
@Suite("Chain problems: every link up to the root authorisation, worded once")
struct ChainProblemTests {
    static let from = instant("2026-01-01T00:00:00Z")
    static let until = instant("2030-01-01T00:00:00Z")
    static let now = instant("2026-06-01T00:00:00Z")

    static func record(
        _ id: String,
        subject: String,
        role: AccreditationRole,
        parent: String,
        by accreditor: String,
        history: [StatusChange] = []
    ) -> CanonicalAccreditation {
        CanonicalAccreditation(
            accreditationId: id,
            subject: subject,
            role: role,
            accreditedBy: AccreditorReference(did: accreditor, accreditationId: parent),
            rootAuthority: "did:web:root.example",
            scope: [],
            validFrom: from,
            validUntil: until,
            status: .active,
            statusHistory: [StatusChange(status: .active, at: from, reason: nil, seq: 1)] + history
        )
    }

    /// Root authorisation → accreditation body → issuer, with the body's record changed by `bodyHistory`.
    static func chain(bodyHistory: [StatusChange] = []) -> [String: CanonicalAccreditation] {
        let records = [
            record("root", subject: "did:web:root.example", role: .rootTAO, parent: "root", by: "did:web:root.example"),
            record("body", subject: "did:web:body.example", role: .tao, parent: "root", by: "did:web:root.example", history: bodyHistory),
            record("issuer", subject: "did:web:uni.example", role: .ti, parent: "body", by: "did:web:body.example"),
        ]
        return Dictionary(uniqueKeysWithValues: records.map { ($0.accreditationId, $0) })
    }

    @Test("a chain in force up to the root authorisation has no problem, with or without the root to end at")
    func chainInForce() throws {
        let records = Self.chain()
        let issuer = try #require(records["issuer"])
        #expect(issuer.chainProblem(at: Self.now) { records[$0] } == nil)
        #expect(issuer.chainProblem(at: Self.now, rootAuthority: "did:web:root.example") { records[$0] } == nil)
    }

    @Test("a chain ending at another root authorisation than the one named is refused")
    func otherRoot() throws {
        let records = Self.chain()
        let issuer = try #require(records["issuer"])
        let problem = issuer.chainProblem(at: Self.now, rootAuthority: "did:web:other-root.example") { records[$0] }
        #expect(problem == "the chain ends at did:web:root.example, not the root authority")
    }

    @Test("a suspended link up the chain and a missing parent are named")
    func brokenLinks() throws {
        let suspendedAt = instant("2026-03-01T00:00:00Z")
        let records = Self.chain(bodyHistory: [StatusChange(status: .suspended, at: suspendedAt, reason: "audit", seq: 7)])
        let issuer = try #require(records["issuer"])
        #expect(
            issuer.chainProblem(at: Self.now) { records[$0] }
                == "parent accreditation body of did:web:body.example is suspended since \(RegistryTime.format(suspendedAt)) (audit)"
        )
        #expect(issuer.chainProblem(at: Self.now) { $0 == "body" ? nil : records[$0] } == "parent accreditation body is missing")
        #expect(
            issuer.chainProblem(at: Self.until) { records[$0] } == "accreditation issuer is expired at \(RegistryTime.format(Self.until))"
        )
    }
}
