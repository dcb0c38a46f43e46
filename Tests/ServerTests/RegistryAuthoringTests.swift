import Client
import Foundation
import Signing
import StandingAPI
import StandingTestSupport
import Testing
import TrustRegistry

/// Registry authoring as a library (what the CLI's registry commands call): found the registry, register a body,
/// accredit an issuer idempotently, change its lifecycle, and verify what the server publishes.
@Suite struct RegistryAuthoringTests {
    static func entity(_ did: String, _ role: EntityRole, _ key: SigningKey) throws -> Entity {
        try Entity(did: did, role: role, keys: [key.verificationKey.jwk(keyID: "key-1")], names: ["en": did], country: "ES", website: "https://example.es")
            .validated()
    }

    @Test func foundRegisterAccreditChangeAndVerify() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let author = RegistryAuthoring(client: StandingAdminClient(serverURL: server.baseURL, token: server.operatorToken))
        let rootKey = SigningKey.generate(.es256)
        let bodyKey = SigningKey.generate(.es256)
        let root = RegistryAuthoring.Signer(did: "did:web:root.example.eu", key: rootKey, fileKid: "key-1")
        let scope = Scope(
            credentialTypes: ["VerifiableCredential", "MicroCredential"], eqfLevels: [RegistryVocabulary.eqfLevel(6)],
            jurisdictions: [RegistryVocabulary.country("ESP")])
        let from = RegistryTime.truncated(Date())
        let until = from.addingTimeInterval(365 * 86_400)

        let missing = await #expect(throws: AuthoringError.self) {
            _ = try await author.registerBody(
                try Self.entity("did:web:aneca.example", .accreditationBody, bodyKey), scope: scope, validFrom: from, validUntil: until,
                signer: { _ in root }, root: nil)
        }
        #expect(missing?.description.contains("no root authority yet") == true)

        let rootGrant = AccreditationGrant(
            subject: root.did, role: .rootTAO, scope: [scope], validFrom: from, validUntil: until, parentAccreditationId: nil)
        let founded = try await author.initialise(
            root: try Self.entity(root.did, .rootAuthority, rootKey), signer: root, grant: rootGrant)
        #expect(founded.seq == 1)

        let body = RegistryAuthoring.Signer(did: "did:web:aneca.example", key: bodyKey, fileKid: "key-1")
        let registered = try await author.registerBody(
            try Self.entity(body.did, .accreditationBody, bodyKey), scope: scope, validFrom: from, validUntil: until,
            signer: { _ in root }, root: nil)
        #expect(registered.grant.parentAccreditationId == rootGrant.accreditationId && registered.recorded.seq == 2)

        let issuerKey = SigningKey.generate(.es256)
        let issuer = "did:web:uni.example.es"
        func accredit() async throws -> RegistryAuthoring.AccreditationOutcome {
            try await author.accredit(
                subject: issuer, role: .ti, scope: scope, validFrom: from, validUntil: until, startedByDefault: true, signer: body
            ) { role in try Self.entity(issuer, role, issuerKey) }
        }
        guard case .recorded(let grant, let recorded) = try await accredit() else { throw TestFailure("the first accreditation was not recorded") }
        #expect(grant.parentAccreditationId == registered.grant.accreditationId && recorded.seq == 3)
        guard case .alreadyAccredited(let id, let status) = try await accredit() else { throw TestFailure("the same accreditation was submitted twice") }
        #expect(id == grant.accreditationId && status == "active")

        let suspended = try await author.changeLifecycle(.suspend, of: grant.accreditationId, reason: "inquiry", signer: body)
        #expect(suspended.seq == 4 && suspended.target == grant.accreditationId)
        #expect(try await author.replayedState().seq == 4)

        // Another author writes; this one, which has verified up to seq 4, replays only what follows.
        let other = RegistryAuthoring(client: StandingAdminClient(serverURL: server.baseURL, token: server.operatorToken))
        _ = try await other.changeLifecycle(.reinstate, of: grant.accreditationId, reason: nil, signer: body)
        let caughtUp = try await author.replayedState()
        let otherHead = try await other.replayedState().headHash
        #expect(caughtUp.seq == 5 && caughtUp.headHash == otherHead)
        #expect(caughtUp.accreditation(grant.accreditationId)?.status(at: Date()).publishedStatus.rawValue == "active")

        // The snapshot and LoTE are signed in the background; once they catch up every check passes.
        #expect(
            try await eventually(timeout: .seconds(20)) {
                let checks = await author.verify()
                return checks.allSatisfy(\.passed) && checks.contains { $0.line.contains("snapshot: seq 5") }
            })
    }
}
