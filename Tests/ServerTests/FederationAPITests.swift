import Foundation
import NIOHTTP1
import Server
import Signing
import StandingTestSupport
import Testing
import TrustRegistry

/// The registry as an OpenID Federation Trust Anchor, against a running server: the Entity Configuration, Subordinate
/// Statements, listings, Trust Marks and their status through suspension and revocation, and agreement with the wallet
/// snapshot at the same `seq`.
@Suite struct FederationAPITests {
    static func percent(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? value
    }

    /// The Entity Configuration, verified with its own `jwks` (it is self-signed), with its claims.
    static func entityConfiguration(_ world: RegistryWorld) async throws -> (claims: JSONValue, keys: JWKSet, response: TestResponse) {
        let response = try await world.read("/.well-known/openid-federation")
        guard response.status == 200 else { throw TestFailure("entity configuration: \(response.status) \(response.text)") }
        let unverified = try CompactJWS(parsing: response.text).payloadJSON()
        let keys = try unverified["jwks"]!.decode(JWKSet.self)
        let claims = try FederationSigning.verify(response.text, type: FederationMediaType.entityStatement, keys: keys)
        return (claims, keys, response)
    }

    static func statusOf(_ mark: String, world: RegistryWorld, keys: JWKSet) async throws -> String? {
        let response = try await world.server.request(
            .POST, "/federation/trust-mark-status", body: Data("trust_mark=\(percent(mark))".utf8),
            headers: [("Content-Type", "application/x-www-form-urlencoded")])
        guard response.status == 200 else { throw TestFailure("status: \(response.status) \(response.text)") }
        #expect(response.header("Content-Type") == "application/trust-mark-status-response+jwt")
        let claims = try FederationSigning.verify(response.text, type: FederationMediaType.trustMarkStatusResponse, keys: keys)
        #expect(claims["trust_mark"]?.stringValue == mark)
        #expect(claims["iss"]?.stringValue == world.server.baseURL)
        return claims["status"]?.stringValue
    }

    @Test func entityConfigurationIsASelfSignedTrustAnchor() async throws {
        try await RegistryWorld.run { world in
            try await world.settled()
            let (claims, keys, response) = try await Self.entityConfiguration(world)
            #expect(response.header("Content-Type") == "application/entity-statement+jwt")
            let header = try CompactJWS(parsing: response.text).header
            #expect(header.type == "entity-statement+jwt")
            #expect(header.algorithm == "ES256")
            // Signed with the registry's key, the one the service's JWKS publishes and the LoTE certificate is for.
            let serviceKeys = try await world.serviceKeys()
            #expect(keys.keys.count == 1)
            #expect(serviceKeys.keys.contains { $0.kid == keys.keys[0].kid && $0.x == keys.keys[0].x })
            #expect(claims["iss"]?.stringValue == world.server.baseURL)
            #expect(claims["sub"]?.stringValue == world.server.baseURL)
            #expect(claims["authority_hints"] == nil)
            let iat = try #require(claims["iat"]?.numberValue)
            let exp = try #require(claims["exp"]?.numberValue)
            #expect(exp > iat && exp > Date().timeIntervalSince1970)
            let entity = try #require(claims["metadata"]?["federation_entity"])
            #expect(entity["organization_name"]?.stringValue == "Example Registry")
            #expect(entity["federation_fetch_endpoint"]?.stringValue == world.server.baseURL + "/federation/fetch")
            #expect(entity["federation_list_endpoint"]?.stringValue == world.server.baseURL + "/federation/list")
            #expect(entity["federation_trust_mark_status_endpoint"]?.stringValue == world.server.baseURL + "/federation/trust-mark-status")
            let issuers = try #require(claims["trust_mark_issuers"]?.objectValue)
            let microIssue = world.server.baseURL + "/tm/issue/MicroCredential"
            let microAccredit = world.server.baseURL + "/tm/accredit/MicroCredential"
            #expect(issuers[microAccredit] == .array([.string(world.server.baseURL)]))
            #expect(issuers[microIssue] == nil, "no accreditation to issue yet")
            // Cached bytes with an ETag: a revalidation is answered 304.
            let etag = try #require(response.header("ETag"))
            let again = try await world.server.request(.GET, "/.well-known/openid-federation", headers: [("If-None-Match", etag)])
            #expect(again.status == 304)
        }
    }

    @Test func subordinateStatementsListingAndTrustMarksFollowTheLifecycle() async throws {
        try await RegistryWorld.run { world in
            let university = RegistryParty(did: "did:web:uni.example.es", role: .issuer, name: "Universidad Ejemplo", country: "ES")
            let accreditationId = try await world.accredit(university, by: world.aneca, token: world.anecaToken)
            try await world.settled()
            let (_, keys, _) = try await Self.entityConfiguration(world)

            // The Subordinate Statement carries the issuer's registered keys and display data.
            let fetched = try await world.read("/federation/fetch?sub=\(Self.percent(university.did))")
            #expect(fetched.status == 200, "\(fetched.text)")
            #expect(fetched.header("Content-Type") == "application/entity-statement+jwt")
            let statement = try FederationSigning.verify(fetched.text, type: FederationMediaType.entityStatement, keys: keys)
            #expect(statement["iss"]?.stringValue == world.server.baseURL)
            #expect(statement["sub"]?.stringValue == university.did)
            let subjectKeys = try statement["jwks"]!.decode(JWKSet.self)
            #expect(subjectKeys.keys == university.entity.keys)
            #expect(statement["metadata"]?["federation_entity"]?["organization_name"]?.stringValue == "Universidad Ejemplo")
            #expect(statement["source_endpoint"]?.stringValue == world.server.baseURL + "/federation/fetch")

            // Listing: bodies and issuers, not the Trust Anchor's own root authority.
            let all = try await world.read("/federation/list")
            #expect(all.status == 200 && all.header("Content-Type") == "application/json")
            let listed = try JSONDecoder().decode([String].self, from: all.body)
            #expect(listed == [world.aneca.did, world.nvao.did, university.did].sorted())
            let type = world.server.baseURL + "/tm/issue/MicroCredential"
            let marked = try JSONDecoder().decode(
                [String].self, from: try await world.read("/federation/list?trust_mark_type=\(Self.percent(type))").body)
            #expect(marked == [university.did])
            let intermediates = try JSONDecoder().decode([String].self, from: try await world.read("/federation/list?intermediate=true").body)
            #expect(intermediates.isEmpty)
            let trustMarkList = try JSONDecoder().decode(
                [String].self, from: try await world.read("/federation/trust-mark-list?trust_mark_type=\(Self.percent(type))").body)
            #expect(trustMarkList == [university.did])

            // The Trust Mark, and its status through suspension, reinstatement and revocation.
            let markResponse = try await world.read("/federation/trust-mark?trust_mark_type=\(Self.percent(type))&sub=\(Self.percent(university.did))")
            #expect(markResponse.status == 200, "\(markResponse.text)")
            #expect(markResponse.header("Content-Type") == "application/trust-mark+jwt")
            let mark = markResponse.text
            let markClaims = try FederationSigning.verify(mark, type: FederationMediaType.trustMark, keys: keys)
            #expect(markClaims["trust_mark_type"]?.stringValue == type)
            #expect(markClaims["sub"]?.stringValue == university.did)
            #expect(markClaims["accreditation_id"]?.stringValue == accreditationId)
            #expect(try await Self.statusOf(mark, world: world, keys: keys) == "active")

            try await world.change(.suspend, accreditationId, subject: university.did, by: world.aneca, token: world.anecaToken)
            #expect(try await Self.statusOf(mark, world: world, keys: keys) == "suspended")
            let whileSuspended = try await world.read("/federation/trust-mark?trust_mark_type=\(Self.percent(type))&sub=\(Self.percent(university.did))")
            #expect(whileSuspended.status == 404 && whileSuspended.json["error"] as? String == "not_found")
            #expect(try JSONDecoder().decode([String].self, from: try await world.read("/federation/list?trust_marked=true").body) == [world.aneca.did, world.nvao.did])

            try await world.change(.reinstate, accreditationId, subject: university.did, by: world.aneca, token: world.anecaToken)
            #expect(try await Self.statusOf(mark, world: world, keys: keys) == "active")

            // The accrediting body's suspension suspends its issuers' marks too.
            try await world.change(.suspend, world.anecaAccreditationId, subject: world.aneca.did, by: world.root, token: world.server.operatorToken)
            #expect(try await Self.statusOf(mark, world: world, keys: keys) == "suspended")
            try await world.change(.reinstate, world.anecaAccreditationId, subject: world.aneca.did, by: world.root, token: world.server.operatorToken)

            try await world.change(.revoke, accreditationId, subject: university.did, by: world.aneca, token: world.anecaToken)
            #expect(try await Self.statusOf(mark, world: world, keys: keys) == "revoked")
            // A revoked issuer stays a subordinate (past credentials still name it), without Trust Marks.
            #expect(try await world.read("/federation/fetch?sub=\(Self.percent(university.did))").status == 200)
            #expect(try JSONDecoder().decode([String].self, from: try await world.read("/federation/trust-mark-list?trust_mark_type=\(Self.percent(type))").body).isEmpty)

            // A mark whose signature does not verify is invalid; one signed by another key too.
            let tampered = String(mark.dropLast(4)) + (mark.hasSuffix("AAAA") ? "BBBB" : "AAAA")
            #expect(try await Self.statusOf(tampered, world: world, keys: keys) == "invalid")
            let stranger = SigningKey.generate(.es256)
            let forged = try FederationSigning.sign(markClaims, type: FederationMediaType.trustMark, key: stranger, keyID: keys.keys[0].kid ?? "")
            #expect(try await Self.statusOf(forged, world: world, keys: keys) == "invalid")
        }
    }

    @Test func errorsAreFederationErrorObjects() async throws {
        try await RegistryWorld.run { world in
            func expectError(_ response: TestResponse, _ status: Int, _ code: String) {
                #expect(response.status == status, "\(response.text)")
                #expect(response.header("Content-Type") == "application/json")
                #expect(response.json["error"] as? String == code, "\(response.text)")
                #expect(response.json["error_description"] is String)
            }
            expectError(try await world.read("/federation/list?colour=blue"), 400, "unsupported_parameter")
            expectError(try await world.read("/federation/list?trust_marked=maybe"), 400, "invalid_request")
            expectError(try await world.read("/federation/fetch"), 400, "invalid_request")
            expectError(try await world.read("/federation/fetch?sub=\(Self.percent(world.server.baseURL))"), 400, "invalid_request")
            expectError(try await world.read("/federation/fetch?sub=did%3Aweb%3Aunknown.example"), 404, "not_found")
            expectError(try await world.read("/federation/fetch?sub=\(Self.percent(world.root.did))"), 404, "not_found")
            expectError(try await world.read("/federation/trust-mark?trust_mark_type=x"), 400, "invalid_request")
            expectError(
                try await world.read("/federation/trust-mark?trust_mark_type=\(Self.percent(world.server.baseURL + "/tm/issue/Diploma"))&sub=\(Self.percent(world.aneca.did))"),
                404, "not_found")
            let noMark = try await world.server.request(
                .POST, "/federation/trust-mark-status", body: Data("other=1".utf8), headers: [("Content-Type", "application/x-www-form-urlencoded")])
            expectError(noMark, 400, "invalid_request")
            let json = try await world.server.request(.POST, "/federation/trust-mark-status", json: ["trust_mark": "x"])
            expectError(json, 400, "invalid_request")
        }
    }

    @Test func everyFederationViewAgreesWithTheSnapshotAtTheSameSeq() async throws {
        try await RegistryWorld.run { world in
            let keys = try await world.serviceKeys()
            let first = RegistryParty(did: "did:web:first.example.es", role: .issuer, name: "Primera", country: "ES")
            let firstId = try await world.accredit(first, by: world.aneca, token: world.anecaToken)
            let second = RegistryParty(did: "did:web:second.example.nl", role: .issuer, name: "Tweede", country: "NL")
            _ = try await world.accredit(second, by: world.nvao, token: world.nvaoToken, scope: RegistryWorld.dutchMicro)
            try await world.change(.suspend, firstId, subject: first.did, by: world.aneca, token: world.anecaToken)
            let head = try await world.settled()

            let snapshotResponse = try await world.read("/registry/v1/snapshot")
            let snapshot = try WalletSigning.verifySnapshot(snapshotResponse.text, keys: keys)
            #expect(snapshot.seq == head)
            let (configuration, federationKeys, ecResponse) = try await Self.entityConfiguration(world)
            #expect(ecResponse.header("X-Registry-Signed-Seq") == String(head))
            let federation = FederationConfiguration(baseURL: world.server.baseURL)

            // Trust Mark types: those of the snapshot's accreditations.
            let expectedTypes = Set(snapshot.records.flatMap { record in
                record.scope.flatMap { $0.credentialTypes.union($0.schemaIds) }.compactMap { federation.trustMarkType(role: record.role, resource: $0) }
            })
            #expect(Set(configuration["trust_mark_issuers"]?.objectValue?.keys.map { $0 } ?? []) == expectedTypes)

            // Subordinates: the snapshot's entities but the root; each statement's keys and name are the snapshot's.
            let listing = try await world.read("/federation/list")
            #expect(listing.header("X-Registry-Seq") == String(head))
            let subordinates = try JSONDecoder().decode([String].self, from: listing.body)
            #expect(subordinates == snapshot.entities.map(\.did).filter { $0 != snapshot.rootAuthority })
            for entity in snapshot.entities where entity.did != snapshot.rootAuthority {
                let response = try await world.read("/federation/fetch?sub=\(Self.percent(entity.did))")
                #expect(response.header("X-Registry-Seq") == String(head))
                let statement = try FederationSigning.verify(response.text, type: FederationMediaType.entityStatement, keys: federationKeys)
                #expect(try statement["jwks"]!.decode(JWKSet.self).keys == entity.keys)
                #expect(statement["metadata"]?["federation_entity"]?["organization_name"]?.stringValue == entity.displayName)
            }

            // Trust-marked entities: those with a snapshot record in force (status active, chain active) for the type.
            let now = Date()
            for type in expectedTypes.sorted() {
                let (role, resource) = try #require(federation.parseTrustMarkType(type))
                let expected = Set(snapshot.records.filter { record in
                    record.role == role && record.scope.contains { $0.credentialTypes.contains(resource) || $0.schemaIds.contains(resource) }
                        && record.chainBreak(at: now, rootAuthority: snapshot.rootAuthority, parent: { id in snapshot.records.first { $0.accreditationId == id } }) == nil
                }.map(\.subject))
                let listed = try JSONDecoder().decode(
                    [String].self, from: try await world.read("/federation/trust-mark-list?trust_mark_type=\(Self.percent(type))").body)
                #expect(Set(listed) == expected, "\(type)")
            }
        }
    }
}
