import Foundation
import Testing

@testable import TrustRegistry

@Suite("Packed statements: the registry keeps signed statements compressed and gives back their exact text")
struct PackedStatementTests {
    @Test("a signed statement is packed, smaller, and unpacks to the same text")
    func signedStatementsArePacked() throws {
        var world = try World()
        _ = try world.spanishUniversity()
        let records = world.state.allAccreditations
        #expect(!records.isEmpty)
        for record in records {
            let statement = record.evidence
            let packed = PackedStatement(statement)
            guard case .packed(let header, let payload, _, let signature) = packed.storage else {
                Issue.record("the statement of \(record.accreditationId) was kept as text")
                continue
            }
            #expect(packed.text == statement)
            #expect(header.utf8.count + payload.count + signature.utf8.count < statement.utf8.count * 2 / 3)
            #expect(packed == PackedStatement(statement))
            #expect(record.packedEvidence == packed)
        }
    }

    @Test(
        "text that is not a canonical compact JWS is kept as it is",
        arguments: [
            "", "not a jws", "a.b", "a.b.c.d", "eyJh.e30.sig", "eyJh.e31.sig", "eyJh.e3=.sig", "eyJh.e3+.sig", "eyJh..sig", "..",
        ])
    func otherTextIsKeptAsText(_ text: String) {
        let packed = PackedStatement(text)
        #expect(packed.text == text)
        if case .packed = packed.storage {
            // Only canonical base64url payloads are packed: "e30" is `{}`.
            #expect(text == "eyJh.e30.sig")
        }
    }

    @Test("a record's change evidence is packed too, and set through the text")
    func changeEvidence() throws {
        var world = try World()
        let (_, accreditation) = try world.spanishUniversity()
        try world.change(.suspend, accreditation, by: world.aneca, reason: "review", at: instant("2026-03-01T00:00:00Z"))
        let record = try #require(world.state.allAccreditations.first { $0.accreditationId == accreditation })
        let (seq, text) = try #require(record.changeEvidence.first)
        #expect(record.packedChangeEvidence[seq]?.text == text)
        var copy = record
        copy.changeEvidence = [seq: "other"]
        #expect(copy.packedChangeEvidence[seq] == PackedStatement("other"))
        #expect(copy.changeEvidence == [seq: "other"])
    }
}
