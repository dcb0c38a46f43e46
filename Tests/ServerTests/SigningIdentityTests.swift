import Foundation
import NIOCore
import NIOHTTP1
import Signing
import StandingAPI
import StatusList
import StatusListSecuring
import Store
import Testing

@testable import Server
import StandingTestSupport

/// Issuer-bound signing (issue 12): a list owned by an issuer is signed by the issuer's identity, keys rotate without
/// a verification gap, and identity changes are explicit and audited.
@Suite struct SigningIdentityTests {
    static let formats: [(accept: String, expectsIETF: Bool)] = [
        ("application/statuslist+jwt", true), ("application/statuslist+cwt", true), ("application/vc", false), ("application/vc+jwt", false),
    ]

    func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: response.body)
    }

    /// Fetches one representation of a list.
    func fetch(_ server: TestServer, _ list: String, _ accept: String) async throws -> Data {
        let response = try await server.request(.GET, "/status/\(list)", headers: [("Accept", accept)])
        guard response.status == 200 else { throw TestFailure("GET /status/\(list) as \(accept): \(response.status) \(response.text)") }
        return response.body
    }

    /// Verifies a representation against the keys of a DID document, as a verifier that resolved the issuer's DID would.
    func verify(_ body: Data, accept: String, list: String, server: TestServer, document: DIDDocument) throws -> VerifiedStatusList {
        try StatusListVerifier.verify(
            body, mediaType: accept, expectedURL: "\(server.baseURL)/status/\(list)", trustedKeys: try TrustedKeys(didDocument: document))
    }

    func hostedDocument(_ server: TestServer, issuer: String) async throws -> DIDDocument {
        let response = try await server.request(.GET, "/issuers/\(issuer)/did.json")
        guard response.status == 200 else { throw TestFailure("GET /issuers/\(issuer)/did.json: \(response.status) \(response.text)") }
        #expect(response.header("Content-Type") == "application/did+json")
        return try JSONDecoder().decode(DIDDocument.self, from: response.body)
    }

    /// Waits until the list's representations name `issuer`.
    func waitForIssuer(_ server: TestServer, _ list: String, _ issuer: String, document: DIDDocument) async throws -> Bool {
        try await eventually(timeout: .seconds(5)) {
            let body = try await fetch(server, list, "application/statuslist+jwt")
            return (try? verify(body, accept: "application/statuslist+jwt", list: list, server: server, document: document))?.issuer == issuer
        }
    }

    @Test func aHostedIdentitySignsEveryFormOfTheIssuersListsOnlyWhenAskedForExistingLists() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "revocation", "owner": "uni", "id": "uni-1"])
        let serviceList = try await server.createList(["purpose": "revocation", "id": "service-1"])

        // The issuer owns a list: switching its signer must be asked for.
        let refused = try await server.admin(.POST, "/admin/identities", json: ["issuer": "uni", "kind": "hosted"])
        #expect(refused.status == 409, "\(refused.text)")
        #expect(refused.text.contains("--switch-existing-lists"))

        let created = try await server.admin(.POST, "/admin/identities", json: ["issuer": "uni", "kind": "hosted", "switchExistingLists": true])
        #expect(created.status == 201, "\(created.text)")
        let identity = try decode(SigningIdentityInfo.self, created)
        let did = "did:web:127.0.0.1%3A\(server.port):issuers:uni"
        #expect(identity.did == did && identity.active && identity.keys.count == 1 && identity.keys[0].signing)
        #expect(identity.didDocument?.id == did)
        #expect(!created.text.contains("\"d\""), "no private key member in the answer")

        let document = try await hostedDocument(server, issuer: "uni")
        #expect(document.assertionMethod == ["\(did)#\(identity.keys[0].kid)"])
        #expect(try await waitForIssuer(server, list, did, document: document))
        for format in Self.formats {
            let verified = try verify(try await fetch(server, list, format.accept), accept: format.accept, list: list, server: server, document: document)
            #expect(verified.issuer == did, "\(format.accept)")
        }
        let proof = try JSONDecoder().decode(ProofProbe.self, from: try await fetch(server, list, "application/vc"))
        #expect(proof.proof.verificationMethod == "\(did)#\(identity.keys[0].kid)")
        // Lists of issuers without an identity keep the service's.
        let serviceJWT = try await fetch(server, serviceList, "application/statuslist+jwt")
        #expect(throws: StatusVerificationError.self) {
            try verify(serviceJWT, accept: "application/statuslist+jwt", list: serviceList, server: server, document: document)
        }

        let events = try await server.store.identityEvents(issuer: "uni")
        #expect(events.map(\.action) == ["created"])
        #expect(events.first?.detail.contains("uni-1") == true && events.first?.actor == "operator")
    }

    @Test func rotatingAnIssuerKeyLeavesNoGapForCachedOrFreshVerifiers() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let created = try await server.admin(.POST, "/admin/identities", json: ["issuer": "college", "kind": "hosted"])
        #expect(created.status == 201, "\(created.text)")
        let did = try decode(SigningIdentityInfo.self, created).did
        let list = try await server.createList(["purpose": "revocation", "owner": "college", "id": "college-1"])
        let before = try await hostedDocument(server, issuer: "college")
        #expect(try await waitForIssuer(server, list, did, document: before))
        let cached = try await fetch(server, list, "application/statuslist+jwt")
        let oldKid = try decode(SigningIdentityInfo.self, created).keys[0].kid

        let rotated = try await server.admin(.POST, "/admin/keys/rotate", json: ["issuer": "college"])
        #expect(rotated.status == 200, "\(rotated.text)")
        let info = try decode(SigningIdentityInfo.self, rotated)
        #expect(info.keys.count == 2)
        #expect(info.keys[0].kid == oldKid && info.keys[0].state == .active && !info.keys[0].signing && info.keys[0].supersededAt != nil)
        #expect(info.keys[0].retiresAt != nil && info.keys[1].signing)

        // A verifier fetching afresh gets the new document, which still lists the old key: the cached list verifies,
        // and the re-signed list (new kid) verifies too.
        let after = try await hostedDocument(server, issuer: "college")
        #expect(Set(after.verificationMethod.map(\.id)) == Set(info.keys.map { "\(did)#\($0.kid)" }))
        #expect(try verify(cached, accept: "application/statuslist+jwt", list: list, server: server, document: after).issuer == did)
        let resigned = try await eventually(timeout: .seconds(5)) {
            let body = try await fetch(server, list, "application/statuslist+jwt")
            return body != cached && (try? verify(body, accept: "application/statuslist+jwt", list: list, server: server, document: after)) != nil
                && (try? CompactJWS(parsing: String(decoding: body, as: UTF8.self)).header.keyID) == info.keys[1].kid
        }
        #expect(resigned)
        // A verifier holding the old document verifies the cached list throughout.
        #expect(try verify(cached, accept: "application/statuslist+jwt", list: list, server: server, document: before).issuer == did)
        #expect(try await server.store.identityEvents(issuer: "college").map(\.action) == ["created", "rotated"])
    }

    @Test func rotatingTheServiceKeysResignsEveryListAndKeepsTheOldKeysPublished() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "revocation", "id": "plain"])
        let cached = try await fetch(server, list, "application/statuslist+jwt")
        let jwksBefore = try JSONDecoder().decode(JWKSet.self, from: try await server.request(.GET, "/.well-known/jwks.json").body)

        let rotated = try await server.admin(.POST, "/admin/keys/rotate", json: [String: String]())
        #expect(rotated.status == 200, "\(rotated.text)")
        let info = try decode(ServiceKeysInfo.self, rotated)
        #expect(info.keys.count == 4 && info.keys.filter(\.signing).count == 2 && info.listsResigned >= 1)
        let jwksAfter = try JSONDecoder().decode(JWKSet.self, from: try await server.request(.GET, "/.well-known/jwks.json").body)
        #expect(Set(jwksBefore.keys.compactMap(\.kid)).isSubset(of: Set(jwksAfter.keys.compactMap(\.kid))) && jwksAfter.keys.count == 4)
        let newKid = info.keys.last { $0.signing && $0.algorithm == "ES256" }?.kid
        let resigned = try await eventually(timeout: .seconds(5)) {
            let body = try await fetch(server, list, "application/statuslist+jwt")
            return (try? CompactJWS(parsing: String(decoding: body, as: UTF8.self)).header.keyID) == newKid
        }
        #expect(resigned)
        let keys = try TrustedKeys(jwks: jwksAfter)
        _ = try StatusListVerifier.verify(
            cached, mediaType: "application/statuslist+jwt", expectedURL: "\(server.baseURL)/status/\(list)", trustedKeys: keys)
        #expect(try await server.store.identityEvents(issuer: "service").map(\.action) == ["rotated"])
    }

    @Test func afterAServiceRotationTheServiceRestartsAndTheRegistryKeepsItsCertifiedKey() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-rotation-\(UUID().uuidString)")
        let server = try await TestServer.start(directory: directory)
        let certified = await server.registry.signerKeyID
        let rotated = try await server.admin(.POST, "/admin/keys/rotate", json: [String: String]())
        #expect(rotated.status == 200, "\(rotated.text)")
        let newKid = try decode(ServiceKeysInfo.self, rotated).keys.last { $0.signing && $0.algorithm == "ES256" }?.kid
        #expect(newKid != nil && newKid != certified)
        await server.stop()

        // The LoTE certificate certifies the older ES256 key: the restart accepts it, and the registry signs with it.
        let restarted = try await TestServer.start(directory: directory)
        defer { Task { await restarted.stopAndRemove() } }
        #expect(await restarted.registry.signerKeyID == certified)
        let jwks = try JSONDecoder().decode(JWKSet.self, from: try await restarted.request(.GET, "/.well-known/jwks.json").body)
        #expect(Set(jwks.keys.compactMap(\.kid)).isSuperset(of: [certified, newKid].compactMap { $0 }))
        let list = try await restarted.createList(["purpose": "revocation", "id": "after-restart"])
        let signedBy = try await eventually(timeout: .seconds(5)) {
            let body = try await fetch(restarted, list, "application/statuslist+jwt")
            return (try? CompactJWS(parsing: String(decoding: body, as: UTF8.self)).header.keyID) == newKid
        }
        #expect(signedBy)
    }

    @Test func aDidWebIdentitySignsOnlyOnceActivatedAndSurvivesARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-identity-\(UUID().uuidString)")
        var server = try await TestServer.start(directory: directory)
        // Only the restarted server is removed at the end (with the directory); this one is stopped below.
        let issuerDID = "did:web:uni.example.org"
        let created = try await server.admin(.POST, "/admin/identities", json: ["issuer": "uni", "kind": "did-web", "did": issuerDID])
        #expect(created.status == 201, "\(created.text)")
        let identity = try decode(SigningIdentityInfo.self, created)
        #expect(!identity.active && identity.keys.first?.state == .pending)
        let method = try #require(identity.verificationMethodToPublish)
        #expect(method.id == "\(issuerDID)#\(identity.keys[0].kid)" && method.publicKeyJwk?.d == nil)
        #expect(identity.didDocumentURL == "https://uni.example.org/.well-known/did.json")
        #expect(try await server.request(.GET, "/issuers/uni/did.json").status == 404)

        // Pending: the issuer's lists are still signed by the service.
        let list = try await server.createList(["purpose": "revocation", "owner": "uni", "id": "uni-web"])
        let serviceDocument = try JSONDecoder().decode(DIDDocument.self, from: try await server.request(.GET, "/.well-known/did.json").body)
        #expect(try await waitForIssuer(server, list, server.did, document: serviceDocument))

        let activated = try await server.admin(.POST, "/admin/identities/uni/activate", json: [String: String]())
        #expect(activated.status == 200, "\(activated.text)")
        // What the issuer publishes: the verification method the answer named.
        let issuerDocument = DIDDocument(
            context: [DIDDocument.didContext], id: issuerDID, verificationMethod: [method], authentication: [], assertionMethod: [method.id])
        #expect(try await waitForIssuer(server, list, issuerDID, document: issuerDocument))

        await server.stop()
        let restarted = try await TestServer.start(directory: directory)
        defer { Task { await restarted.stopAndRemove() } }
        server = restarted
        // After a restart the identity still signs: a change is published under the issuer's DID.
        let index = try #require(try await server.allocate(list).first)
        let changed = try await server.setStatus(list, index, 1)
        #expect(changed.status == 200, "\(changed.text)")
        let body = try await fetch(server, list, "application/statuslist+jwt")
        #expect(try verify(body, accept: "application/statuslist+jwt", list: list, server: server, document: issuerDocument).issuer == issuerDID)
        #expect(try await server.store.identityEvents(issuer: "uni").map(\.action) == ["created", "activated"])
    }

    @Test(arguments: [
        #"{"issuer": "uni", "kind": "hosted", "did": "did:web:x.example"}"#,
        #"{"issuer": "uni", "kind": "did-web"}"#,
        #"{"issuer": "uni", "kind": "did-web", "did": "did:key:z6Mk"}"#,
        #"{"issuer": "a/b", "kind": "hosted"}"#,
        #"{"issuer": "uni", "kind": "sideways"}"#,
        #"{"issuer": "uni", "kind": "hosted", "extra": 1}"#,
    ])
    func badIdentityRequestsAreProblems(body: String) async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let response = try await server.request(
            .POST, "/admin/identities", token: server.operatorToken, body: Data(body.utf8), headers: [("Content-Type", "application/json")])
        #expect(response.status == 400, "\(response.text)")
        #expect(response.header("Content-Type") == "application/problem+json")
    }

    @Test func onlyOperatorsManageIdentitiesAndUnknownOnesAreNotFound() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let issuerToken = try await server.issueToken(role: "issuer", principal: "uni")
        let forbidden = try await server.request(.POST, "/admin/identities", token: issuerToken, json: ["issuer": "uni", "kind": "hosted"])
        #expect(forbidden.status == 403)
        let rotate = try await server.request(.POST, "/admin/keys/rotate", token: issuerToken, json: [String: String]())
        #expect(rotate.status == 403)
        #expect(try await server.admin(.GET, "/admin/identities/nobody").status == 404)
        #expect(try await server.admin(.POST, "/admin/keys/rotate", json: ["issuer": "nobody"]).status == 404)
        #expect(try await server.request(.GET, "/admin/identities").status == 401)
    }

    @Test func superseededKeysLeaveTheDocumentsOnlyAfterWhatTheySignedExpired() throws {
        let old = SigningKey.generate(.es256)
        let new = SigningKey.generate(.es256)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        var identity = SigningIdentityRecord(
            issuer: "uni", kind: .hosted, did: "did:web:s.example:issuers:uni",
            keys: [IdentityKeyRecord(kid: "old", algorithm: .es256, state: .pending, createdAt: t0)], createdAt: t0, updatedAt: t0)
        SigningIdentityRules.activate("old", in: &identity, at: t0)
        identity.keys.append(IdentityKeyRecord(kid: "new", algorithm: .es256, state: .pending, createdAt: t0 + 100))
        SigningIdentityRules.activate("new", in: &identity, at: t0 + 100)
        #expect(identity.keys[0].supersededAt == t0 + 100 && SigningIdentityRules.signingKey(of: identity)?.kid == "new")
        let retirement = KeyRetirement(longestValidity: 86_400, resignDelay: 3600)
        let service = [(kid: "svc", key: SigningKey.generate(.es256), addedAt: t0)]
        func documentKids(at now: Date) throws -> [String] {
            let contents = try SigningKeyRing.Contents.build(
                baseURL: "https://s.example", service: service, identities: [identity], issuerKeys: ["old": old, "new": new], now: now,
                retirement: retirement, pinned: [])
            let ring = SigningKeyRing(contents)
            let document = try JSONDecoder().decode(DIDDocument.self, from: Data(try #require(ring.hostedDocument(issuer: "uni")).readableBytesView))
            #expect(try ring.signer(forOwner: "uni").jose.keyID == "new")
            return document.verificationMethod.map { String($0.id.split(separator: "#").last ?? "") }
        }
        #expect(try documentKids(at: t0 + 100 + 86_400 + 3599) == ["old", "new"])
        #expect(try documentKids(at: t0 + 100 + 86_400 + 3600) == ["new"])
    }
}

/// The proof member of a Data Integrity secured credential.
private struct ProofProbe: Decodable {
    struct Proof: Decodable { var verificationMethod: String }
    var proof: Proof
}
