import Foundation
import Signing
import Testing

@testable import TrustRegistry

@Suite("Scale sanity: authorization is indexed")
struct ScaleTests {
    /// A 64-hex id from two numbers.
    static func id(_ index: Int, _ slot: Int) -> String {
        let text = String(index) + "0" + String(slot)
        return String(repeating: "0", count: 64 - text.count) + text
    }

    /// Builds 10,000 issuers with 5 accreditations each under two bodies through `commit` (the signature checks of
    /// `prepare` are exercised elsewhere; here only the indexes matter), then queries.
    @Test("10,000 issuers and 50,000 accreditations: queries look up the subject's few accreditations")
    func largeRegistry() throws {
        var world = try World()
        let types = ["MicroCredential", "Diploma", "VerifiableCredential", "EuropeanDigitalCredential", "VerifiableAttestation"]
        let start = world.state.seq
        var seq = world.state.seq
        for index in 0..<10_000 {
            let did = "did:web:issuer\(index).example.org"
            let body = index % 2 == 0 ? world.aneca : world.nvao
            let parent = index % 2 == 0 ? world.anecaAccreditationId : world.nvaoAccreditationId
            let jurisdiction = index % 2 == 0 ? "ESP" : "NLD"
            for slot in 0..<5 {
                seq += 1
                let record = AccreditationRecord(
                    accreditationId: Self.id(index, slot),
                    subject: did,
                    role: .ti,
                    accreditedBy: AccreditorReference(did: body.did, accreditationId: parent),
                    rootAuthority: world.root.did,
                    scope: [Scope(credentialTypes: [types[slot]], eqfLevels: V.eqf(6), jurisdictions: [RegistryVocabulary.country(jurisdiction)])],
                    validFrom: instant("2026-01-01T00:00:00Z"),
                    validUntil: instant("2029-01-01T00:00:00Z"),
                    statusHistory: [StatusChange(status: .active, at: instant("2026-01-01T00:00:00Z"), reason: nil, seq: seq)],
                    evidence: "evidence",
                    changeEvidence: [:]
                )
                let entity =
                    slot == 0
                    ? Entity(
                        did: did,
                        role: .issuer,
                        keys: [],
                        names: ["en": "Issuer \(index)"],
                        country: "ES",
                        website: "https://issuer\(index).example.org"
                    ) : nil
                let event = try RegistryEvent(
                    seq: seq,
                    at: world.clock,
                    kind: .accredit,
                    target: record.accreditationId,
                    payload: .null,
                    evidence: "e",
                    prevHash: world.state.headHash
                )
                try world.state.commit(PreparedWrite(event: event, mutation: .accredit(record, newEntity: entity), nonceKey: "\(seq)"))
            }
        }
        #expect(world.state.seq == start + 50_000)
        #expect(world.state.accreditationCount == 50_003)
        #expect(world.state.accreditedSubjects.count == 10_003)
        let did = "did:web:issuer5000.example.org"
        #expect(world.state.accreditations(of: did).count == 5)
        let context = QueryContext(time: instant("2026-03-01T00:00:00Z"), eqfLevel: "6", jurisdiction: "ESP")
        let yes = try world.state.authorization(entity: did, authority: world.root.did, action: "issue", resource: "Diploma", context: context)
        #expect(yes.authorized && yes.accreditationId == Self.id(5000, 1))
        let no = try world.state.authorization(
            entity: "did:web:issuer5001.example.org",
            authority: world.aneca.did,
            action: "issue",
            resource: "Diploma",
            context: QueryContext(time: instant("2026-03-01T00:00:00Z"))
        )
        #expect(!no.authorized)
        // The 10,000 issuers' plus the root authorisation and NVAO, whose scopes name Diploma too.
        #expect(world.state.accreditations(forResource: "Diploma").count == 10_002)
        let page = world.state.ebsiIssuers(page: try EBSIPageRequest(after: did, size: 2), configuration: EBSIConfiguration(baseURL: World.base))
        #expect(page.body.items.map(\.did) == ["did:web:issuer5001.example.org", "did:web:issuer5002.example.org"])
    }
}
