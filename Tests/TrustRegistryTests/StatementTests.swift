import Foundation
import Signing
import Testing

@testable import TrustRegistry

@Suite("Signed statements: only the signer's registered key counts")
struct StatementTests {
    @Test("statements round-trip through signing and parsing")
    func roundTrip() throws {
        let world = try World()
        let university = Party(did: "did:web:uni.example.es", role: .issuer, name: "Universidad", country: "ES")
        let grant = AccreditationGrant(
            subject: university.did,
            role: .ti,
            scope: World.spanishMicro,
            validFrom: instant("2026-01-01T00:00:00Z"),
            validUntil: instant("2029-01-01T00:00:00Z"),
            parentAccreditationId: world.anecaAccreditationId
        )
        let statement = try RegistryStatement.accredit(
            accreditor: world.aneca.did,
            grant: grant,
            subjectEntity: university.entity,
            rootAuthority: world.root.did,
            registryBaseURL: World.base,
            issuedAt: instant("2026-01-02T00:00:00Z"),
            nonce: "urn:uuid:1"
        )
        let compact = try world.aneca.sign(statement)
        let parsed = try SignedStatement(parsing: compact)
        #expect(parsed.kind == .accredit)
        #expect(parsed.issuer == world.aneca.did && parsed.keyID == world.aneca.keyID && parsed.audience == world.root.did)
        #expect(parsed.nonce == "urn:uuid:1" && parsed.issuedAt == instant("2026-01-02T00:00:00Z"))
        #expect(parsed.content == .accreditation(grant, subjectEntity: university.entity))
        #expect(parsed.jws.header.type == "JWT")

        let change = LifecycleChange(action: .suspend, targetId: grant.accreditationId, subject: university.did, reason: "why")
        let suspend = try world.aneca.sign(try RegistryStatement.lifecycle(signer: world.aneca.did, change: change, rootAuthority: world.root.did))
        let parsedSuspend = try SignedStatement(parsing: suspend)
        #expect(parsedSuspend.content == .lifecycle(change))
        #expect(parsedSuspend.jws.header.type == RegistryStatement.mediaType)
    }

    @Test("the accreditation statement is an EBSI-shaped Verifiable Accreditation")
    func vcShape() throws {
        var world = try World()
        let (university, id) = try world.spanishUniversity()
        let record = try #require(world.state.accreditation(id))
        let claims = try CompactJWS(parsing: record.evidence).payloadJSON()
        let vc = try #require(claims["vc"])
        #expect(vc["type"] == ["VerifiableCredential", "VerifiableAttestation", "VerifiableAccreditation", "VerifiableAccreditationToAttest"])
        #expect(vc["issuer"]?.stringValue == world.aneca.did)
        #expect(vc["credentialSubject"]?["id"]?.stringValue == university.did)
        #expect(vc["credentialSubject"]?["reservedAttributeId"]?.stringValue == id)
        let accreditedFor = try #require(vc["credentialSubject"]?["accreditedFor"]?.arrayValue?.first)
        #expect(accreditedFor["schemaId"]?.stringValue == V.microSchema)
        #expect(accreditedFor["types"]?.arrayValue?.contains("MicroCredential") == true)
        #expect(accreditedFor["limitJurisdiction"] == [.string(RegistryVocabulary.country("ESP"))])
        #expect(accreditedFor["limitEQFLevel"] == [.string(RegistryVocabulary.eqfLevel(5)), .string(RegistryVocabulary.eqfLevel(6))])
        #expect(accreditedFor["limitISCEDF"] == [.string(RegistryVocabulary.iscedF("0613"))])
        #expect(vc["termsOfUse"]?["type"]?.stringValue == "AccreditationPolicy")
        #expect(
            vc["termsOfUse"]?["parentAccreditation"]?.stringValue
                == "\(World.base)/trusted-issuers-registry/v5/issuers/\(world.aneca.did)/attributes/\(world.anecaAccreditationId)"
        )
        #expect(vc["credentialStatus"]?["type"]?.stringValue == "EbsiAccreditationEntry")
        #expect(vc["expirationDate"]?.stringValue == "2029-01-01T00:00:00Z")
        #expect(claims["exp"]?.integerValue == RegistryTime.numericDate(instant("2029-01-01T00:00:00Z")))
    }

    @Test("a forged statement signed with an unregistered key is refused and nothing is recorded")
    func forgedSignature() throws {
        var world = try World()
        let university = Party(did: "did:web:uni.example.es", role: .issuer, name: "Universidad", country: "ES")
        let grant = AccreditationGrant(
            subject: university.did,
            role: .ti,
            scope: World.spanishMicro,
            validFrom: instant("2026-01-01T00:00:00Z"),
            validUntil: instant("2029-01-01T00:00:00Z"),
            parentAccreditationId: world.anecaAccreditationId
        )
        let statement = try RegistryStatement.accredit(
            accreditor: world.aneca.did,
            grant: grant,
            subjectEntity: university.entity,
            rootAuthority: world.root.did,
            registryBaseURL: World.base,
            issuedAt: world.clock
        )
        let attacker = SigningKey.generate(.es256)
        let before = world.state.headHash
        // Claims ANECA's registered key id, signed with another key.
        let forged = try statement.sign(with: attacker, keyID: world.aneca.keyID)
        let error = expectRegistryError(.badSignature) { try world.state.apply(statement: forged, at: world.tick()) }
        #expect(error?.reason.contains("does not verify") == true)
        // Names a key id ANECA never registered.
        let unregistered = try statement.sign(with: attacker, keyID: world.aneca.did + "#attacker")
        let second = expectRegistryError(.badSignature) { try world.state.apply(statement: unregistered, at: world.tick()) }
        #expect(second?.reason.contains("is not registered for did:web:aneca.example") == true)
        // Signed by another registered body under ANECA's name.
        let crossSigned = try statement.sign(with: world.nvao.key, keyID: world.aneca.keyID)
        expectRegistryError(.badSignature) { try world.state.apply(statement: crossSigned, at: world.tick()) }
        #expect(world.state.headHash == before && world.state.accreditation(grant.accreditationId) == nil)
    }

    @Test("a tampered payload no longer verifies")
    func tamperedPayload() throws {
        var world = try World()
        let university = Party(did: "did:web:uni.example.es", role: .issuer, name: "Universidad", country: "ES")
        let compact = try world.accreditStatement(by: world.aneca, parent: world.anecaAccreditationId, subject: university, scope: World.spanishMicro)
        let parts = compact.split(separator: ".").map(String.init)
        var claims = try #require(try CompactJWS(parsing: compact).payloadJSON().objectValue)
        claims["jti"] = "urn:uuid:00000000-0000-0000-0000-000000000000"
        let tampered = parts[0] + "." + Base64URL.encode(try JSONValue.object(claims).canonicalData()) + "." + parts[2]
        expectRegistryError(.badSignature) { try world.state.apply(statement: tampered, at: world.tick()) }
    }

    @Test("unregistered signers, other registries, replays and clock violations are refused")
    func otherRefusals() throws {
        var world = try World()
        let stranger = Party(did: "did:web:stranger.example", role: .accreditationBody, name: "Stranger", country: "FR")
        let university = Party(did: "did:web:uni.example.es", role: .issuer, name: "Universidad", country: "ES")
        let byStranger = try world.accreditStatement(by: stranger, parent: world.anecaAccreditationId, subject: university, scope: World.spanishMicro)
        expectRegistryError(.unknownEntity) { try world.state.apply(statement: byStranger, at: world.tick()) }

        let grant = AccreditationGrant(
            subject: university.did,
            role: .ti,
            scope: World.spanishMicro,
            validFrom: instant("2026-01-01T00:00:00Z"),
            validUntil: instant("2029-01-01T00:00:00Z"),
            parentAccreditationId: world.anecaAccreditationId
        )
        let elsewhere = try RegistryStatement.accredit(
            accreditor: world.aneca.did,
            grant: grant,
            subjectEntity: university.entity,
            rootAuthority: "did:web:other-registry.example",
            registryBaseURL: World.base,
            issuedAt: world.clock
        )
        expectRegistryError(.notPermitted) { try world.state.apply(statement: try world.aneca.sign(elsewhere), at: world.tick()) }

        let future = try RegistryStatement.accredit(
            accreditor: world.aneca.did,
            grant: grant,
            subjectEntity: university.entity,
            rootAuthority: world.root.did,
            registryBaseURL: World.base,
            issuedAt: world.clock.addingTimeInterval(3600)
        )
        expectRegistryError(.malformed) { try world.state.apply(statement: try world.aneca.sign(future), at: world.clock) }

        let good = try world.accreditStatement(by: world.aneca, parent: world.anecaAccreditationId, subject: university, scope: World.spanishMicro)
        try world.state.apply(statement: good, at: world.tick())
        let replay = expectRegistryError(.conflict) { try world.state.apply(statement: good, at: world.tick()) }
        #expect(replay?.reason.contains("already used") == true)

        var strict = world.state
        strict.policy = RegistryPolicy(maximumStatementAge: 3600)
        let old = try world.accreditStatement(
            by: world.aneca,
            parent: world.anecaAccreditationId,
            subject: university,
            scope: World.spanishMicro,
            validUntil: instant("2030-01-01T00:00:00Z"),  // not a duplicate of `good`
            includeEntity: false,
            issuedAt: world.clock.addingTimeInterval(-7200)
        )
        expectRegistryError(.malformed) { try strict.apply(statement: old, at: world.clock) }
        try world.state.apply(statement: old, at: world.tick())
    }

    @Test("initialisation: first and only once, self-signed by the root entity")
    func initialisation() throws {
        var world = try World()
        let grant = AccreditationGrant(
            subject: world.root.did,
            role: .rootTAO,
            scope: World.rootScope,
            validFrom: instant("2025-01-01T00:00:00Z"),
            validUntil: instant("2036-01-01T00:00:00Z"),
            parentAccreditationId: nil
        )
        let again = try RegistryStatement.initialise(root: world.root.entity, grant: grant, registryBaseURL: World.base, issuedAt: world.clock)
        expectRegistryError(.conflict) { try world.state.apply(statement: try world.root.sign(again), at: world.tick()) }
        var empty = RegistryState()
        let university = Party(did: "did:web:uni.example.es", role: .issuer, name: "Universidad", country: "ES")
        let notFirst = try world.accreditStatement(
            by: world.aneca,
            parent: world.anecaAccreditationId,
            subject: university,
            scope: World.spanishMicro
        )
        expectRegistryError(.malformed) { try empty.apply(statement: notFirst, at: world.clock) }
        // Signed by a key that is not in the entity it registers.
        let hijack = try again.sign(with: SigningKey.generate(.es256), keyID: world.root.keyID)
        expectRegistryError(.badSignature) { try empty.apply(statement: hijack, at: world.clock) }
        #expect(empty.seq == 0)
        #expect(world.state.rootAuthorisationId == world.rootAuthorisationId)
        #expect(world.state.accreditation(world.rootAuthorisationId)?.role == .rootTAO)
    }

    @Test(
        "malformed statements are refused before any key lookup",
        arguments: [
            "", "a.b", "not.a.jws", "eyJhbGciOiJub25lIn0.e30.", "oversized",
        ]
    )
    func malformed(text: String) throws {
        var world = try World()
        let statement = text == "oversized" ? String(repeating: "a", count: SignedStatement.maximumLength + 1) : text
        expectRegistryError(.malformed) { try world.state.apply(statement: statement, at: world.tick()) }
    }

    @Test("wrong typ, missing claims and a kid of another DID are malformed")
    func wrongHeaderOrClaims() throws {
        let world = try World()
        let claims: JSONValue = [
            "stmt": "suspend", "iss": .string(world.aneca.did), "aud": .string(world.root.did), "iat": 1, "jti": "x",
            "accreditationId": .string(world.anecaAccreditationId), "sub": "did:web:x.example", "reason": "r",
        ]
        let wrongType = try CompactJWS.sign(json: claims, key: world.aneca.key, type: "JWT", keyID: world.aneca.keyID)
        expectRegistryError(.malformed) { _ = try SignedStatement(parsing: wrongType) }
        let otherKid = try CompactJWS.sign(json: claims, key: world.aneca.key, type: RegistryStatement.mediaType, keyID: world.nvao.keyID)
        expectRegistryError(.malformed) { _ = try SignedStatement(parsing: otherKid) }
        var missing = try #require(claims.objectValue)
        missing["jti"] = nil
        let noNonce = try CompactJWS.sign(json: .object(missing), key: world.aneca.key, type: RegistryStatement.mediaType, keyID: world.aneca.keyID)
        expectRegistryError(.malformed) { _ = try SignedStatement(parsing: noNonce) }
        var hugeTime = try #require(claims.objectValue)
        hugeTime["iat"] = .number(-9.223372036854776e18)
        let badTime = try CompactJWS.sign(json: .object(hugeTime), key: world.aneca.key, type: RegistryStatement.mediaType, keyID: world.aneca.keyID)
        expectRegistryError(.malformed) { _ = try SignedStatement(parsing: badTime) }
        var unknownKind = try #require(claims.objectValue)
        unknownKind["stmt"] = "delete"
        let badKind = try CompactJWS.sign(
            json: .object(unknownKind),
            key: world.aneca.key,
            type: RegistryStatement.mediaType,
            keyID: world.aneca.keyID
        )
        expectRegistryError(.malformed) { _ = try SignedStatement(parsing: badKind) }
    }

    @Test("entity validation refuses private keys, bad DIDs, bad websites and foreign did:key keys")
    func entityValidation() throws {
        let key = SigningKey.generate(.es256)
        let good = Entity(
            did: "did:web:uni.example.es",
            role: .issuer,
            keys: [key.verificationKey.jwk],
            names: ["es": "U"],
            country: "ES",
            website: "https://uni.example.es"
        )
        let validated = try good.validated()
        #expect(validated.keys[0].kid == key.verificationKey.thumbprint)
        var privateKey = good
        privateKey.keys = [try key.jwk]
        expectRegistryError(.malformed) { _ = try privateKey.validated() }
        for did in ["web:uni.example.es", "did:web:", "did:Web:x", "did:web:x#frag", "did:key:zNotAKey"] {
            var bad = good
            bad.did = did
            expectRegistryError(.malformed) { _ = try bad.validated() }
        }
        var http = good
        http.website = "http://uni.example.es"
        expectRegistryError(.malformed) { _ = try http.validated() }
        var country = good
        country.country = "ESP"
        expectRegistryError(.malformed) { _ = try country.validated() }
        var foreign = good
        foreign.did = SigningKey.generate(.es256).verificationKey.didKey.did
        expectRegistryError(.malformed) { _ = try foreign.validated() }
        var duplicate = good
        duplicate.keys = [key.verificationKey.jwk(keyID: "k"), SigningKey.generate(.edDSA).verificationKey.jwk(keyID: "k")]
        expectRegistryError(.malformed) { _ = try duplicate.validated() }
    }
}
