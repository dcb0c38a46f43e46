import Foundation
import NIOHTTP1
import Signing
import StatusList
import StatusListSecuring
import Testing

@testable import Server
import StandingTestSupport

/// draft-ietf-oauth-status-list §9 (Status List Aggregation) and the W3C subject's message table, against a running
/// server.
@Suite struct StatusAggregationTests {
    static let university = "did:web:uni.example.es"
    /// A did:web with a port: its `%3A` must survive the trip through a path segment.
    static let portedIssuer = "did:web:127.0.0.1%3A8443"

    func statusLists(_ response: TestResponse) -> [String] {
        response.json["status_lists"] as? [String] ?? []
    }

    @Test func aggregationListsEveryTokenAndEachIssuerItsOwn() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let universityList = try await server.createList(["purpose": "revocation", "owner": Self.university, "id": "uni-b"])
        let portedList = try await server.createList(["purpose": "message", "statusSize": 2, "owner": Self.portedIssuer, "id": "ported-a"])
        let operatorList = try await server.createList(["purpose": "revocation", "id": "operator-c"])
        // A suspension list has no IETF token (SUSPENDED needs 2 bits), so no aggregation lists it.
        let suspension = try await server.createList(["purpose": "suspension", "owner": Self.university, "id": "uni-suspension"])

        let all = try await server.request(.GET, "/status/aggregation")
        #expect(all.status == 200, "\(all.text)")
        #expect(all.header("Content-Type") == "application/json")
        #expect(all.header("ETag")?.hasPrefix("\"") == true)
        #expect(all.header("Access-Control-Allow-Origin") == "*")
        // Sorted by list id.
        #expect(statusLists(all) == [operatorList, portedList, universityList].map { "\(server.baseURL)/status/\($0)" })

        let university = try await server.request(.GET, "/status/aggregation/\(Self.university)")
        #expect(university.status == 200, "\(university.text)")
        #expect(statusLists(university) == ["\(server.baseURL)/status/\(universityList)"])
        #expect(!statusLists(all).contains("\(server.baseURL)/status/\(suspension)"))
        let ported = try await server.request(.GET, "/status/aggregation/" + StatusAggregation.encodeSegment(Self.portedIssuer))
        #expect(ported.status == 200, "\(ported.text)")
        #expect(statusLists(ported) == ["\(server.baseURL)/status/\(portedList)"])

        let unknown = try await server.request(.GET, "/status/aggregation/did:web:nobody.example")
        #expect(unknown.status == 404)
        #expect(unknown.header("Content-Type") == "application/problem+json")

        // Every listed URI answers a Status List Token that verifies.
        let keys = try await trustedKeys(server)
        for uri in statusLists(all) {
            let token = try await server.request(
                .GET, String(uri.dropFirst(server.baseURL.count)), headers: [("Accept", "application/statuslist+jwt")])
            #expect(token.status == 200, "\(uri): \(token.status)")
            let verified = try StatusListVerifier.verify(
                token.body, mediaType: token.header("Content-Type"), expectedURL: uri, trustedKeys: keys)
            #expect(verified.url == uri)
        }
    }

    @Test func aggregationIsServedWithETagAnd304AndChangesOnlyWithTheLists() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "revocation", "owner": Self.university])
        let first = try await server.request(.GET, "/status/aggregation")
        let etag = try #require(first.header("ETag"))
        let issuerFirst = try await server.request(.GET, "/status/aggregation/\(Self.university)")
        let issuerTag = try #require(issuerFirst.header("ETag"))

        let notModified = try await server.request(.GET, "/status/aggregation", headers: [("If-None-Match", etag)])
        #expect(notModified.status == 304)
        #expect(notModified.body.isEmpty)
        #expect(notModified.header("ETag") == etag)
        #expect(try await server.request(.GET, "/status/aggregation/\(Self.university)", headers: [("If-None-Match", issuerTag)]).status == 304)
        #expect(try await server.request(.GET, "/status/aggregation", headers: [("If-None-Match", "\"other\"")]).status == 200)

        // A republication (a revocation) leaves the aggregation as it was.
        let index = try #require(try await server.allocate(list).first)
        #expect(try await server.setStatus(list, index, 1).status == 200)
        #expect(try await eventually { try await server.request(.GET, "/status/\(list)/\(index)").json["status"] as? Int == 1 })
        #expect(try await server.request(.GET, "/status/aggregation").header("ETag") == etag)

        // A new list with tokens changes it; one without (suspension) does not.
        _ = try await server.createList(["purpose": "suspension", "owner": "did:web:other.example"])
        #expect(try await server.request(.GET, "/status/aggregation", headers: [("If-None-Match", etag)]).status == 304)
        let second = try await server.createList(["purpose": "revocation", "owner": "did:web:other.example"])
        let changed = try await server.request(.GET, "/status/aggregation", headers: [("If-None-Match", etag)])
        #expect(changed.status == 200)
        #expect(changed.header("ETag") != etag)
        #expect(statusLists(changed).contains("\(server.baseURL)/status/\(second)"))
        #expect(statusLists(changed).contains("\(server.baseURL)/status/\(list)"))
        // The university's own aggregation did not change.
        #expect(try await server.request(.GET, "/status/aggregation/\(Self.university)").header("ETag") == issuerTag)
    }

    @Test func everyStatusListTokenNamesItsIssuersAggregationInJWTAndCWT() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "revocation", "owner": Self.portedIssuer])
        let expected = "\(server.baseURL)/status/aggregation/did:web:127.0.0.1%253A8443"

        let jwt = try await server.request(.GET, "/status/\(list)", headers: [("Accept", "application/statuslist+jwt")])
        let parts = jwt.text.split(separator: ".")
        try #require(parts.count == 3)
        let payload = try Signing.Base64URL.decode(parts[1])
        let claims = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        let statusList = try #require(claims["status_list"] as? [String: Any])
        #expect(statusList["aggregation_uri"] as? String == expected)
        // The JSON model reads it back (and checks it is an absolute URI).
        let decoded = try JSONDecoder().decode(IETFStatusList.self, from: JSONSerialization.data(withJSONObject: statusList))
        #expect(decoded.aggregationURI == expected)

        let cwt = try await server.request(.GET, "/status/\(list).cwt")
        #expect(cwt.status == 200)
        let sign1 = try COSESign1.parse(cwt.body)
        let cwtClaims = try CBOR.decode(sign1.payload)
        let cwtStatusList = try #require(cwtClaims[CBOR(StatusListSigner.CWTClaim.statusList)])
        #expect(cwtStatusList[.textString("aggregation_uri")]?.string == expected)

        // The aggregation it names lists this token.
        let aggregation = try await server.request(.GET, String(expected.dropFirst(server.baseURL.count)))
        #expect(statusLists(aggregation) == ["\(server.baseURL)/status/\(list)"])
    }

    @Test func authorizationServerMetadataAdvertisesTheAggregationEndpoint() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let metadata = try await server.request(.GET, "/.well-known/oauth-authorization-server")
        #expect(metadata.status == 200)
        #expect(metadata.header("Content-Type") == "application/json")
        #expect(metadata.json["issuer"] as? String == server.baseURL)
        #expect(metadata.json["jwks_uri"] as? String == "\(server.baseURL)/.well-known/jwks.json")
        let endpoint = try #require(metadata.json["status_list_aggregation_endpoint"] as? String)
        #expect(endpoint == "\(server.baseURL)/status/aggregation")
        #expect(try await server.request(.GET, String(endpoint.dropFirst(server.baseURL.count))).status == 200)
    }

    @Test func aggregationIsNotAcceptedAsAListId() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let refused = try await server.admin(.POST, "/admin/lists", json: ["purpose": "revocation", "id": "aggregation"])
        #expect(refused.status == 400, "\(refused.text)")
        #expect(refused.header("Content-Type") == "application/problem+json")
    }

    @Test func messageListCredentialSubjectCarriesStatusSizeAndStatusMessages() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "message", "statusSize": 2])
        let revocation = try await server.createList(["purpose": "revocation"])
        let keys = try await trustedKeys(server)
        for mediaType in ["application/vc", "application/vc+jwt"] {
            let response = try await server.request(.GET, "/status/\(list)", headers: [("Accept", mediaType)])
            #expect(response.status == 200)
            // Both secured forms verify with the subject's table present (the entry's size is what is used).
            let verified = try StatusListVerifier.verify(
                response.body, mediaType: mediaType, expectedURL: "\(server.baseURL)/status/\(list)", trustedKeys: keys,
                statusSize: StatusSize(bits: 2))
            #expect(verified.bitstring.count == 131_072)
        }
        let credential = try await server.request(.GET, "/status/\(list)", headers: [("Accept", "application/vc")])
        let subject = try #require(credential.json["credentialSubject"] as? [String: Any])
        #expect(subject["statusSize"] as? Int == 2)
        let messages = try #require(subject["statusMessages"] as? [[String: Any]])
        #expect(messages.map { $0["status"] as? String } == ["0x0", "0x1", "0x2", "0x3"])
        // The same table as the entries carry.
        let entry = try #require(try await server.allocateEntries(list).first)
        let entryMessages = try #require((entry["credentialStatus"] as? [String: Any])?["statusMessage"] as? [[String: Any]])
        #expect(messages.map { $0["message"] as? String } == entryMessages.map { $0["message"] as? String })
        // Other lists keep their subject as before.
        let plain = try await server.request(.GET, "/status/\(revocation)", headers: [("Accept", "application/vc")])
        let plainSubject = try #require(plain.json["credentialSubject"] as? [String: Any])
        #expect(plainSubject["statusSize"] == nil && plainSubject["statusMessages"] == nil)
    }

    func trustedKeys(_ server: TestServer) async throws -> TrustedKeys {
        let jwks = try JSONDecoder().decode(JWKSet.self, from: try await server.request(.GET, "/.well-known/jwks.json").body)
        var keys = try TrustedKeys(jwks: jwks)
        let did = try JSONDecoder().decode(DIDDocument.self, from: try await server.request(.GET, "/.well-known/did.json").body)
        keys.merge(try TrustedKeys(didDocument: did))
        return keys
    }
}

extension StatusAggregationTests {
    @Test func aggregationCanBeSwitchedOff() async throws {
        let server = try await TestServer.start { $0.statusAggregation = false }
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "revocation", "owner": Self.university])
        for path in ["/status/aggregation", "/status/aggregation/\(Self.university)"] {
            let refused = try await server.request(.GET, path)
            #expect(refused.status == 501, "\(path): \(refused.status)")
            #expect(refused.header("Content-Type") == "application/problem+json")
        }
        let metadata = try await server.request(.GET, "/.well-known/oauth-authorization-server")
        #expect(metadata.status == 200)
        #expect(metadata.json["status_list_aggregation_endpoint"] == nil)
        let jwt = try await server.request(.GET, "/status/\(list)", headers: [("Accept", "application/statuslist+jwt")])
        let parts = jwt.text.split(separator: ".")
        try #require(parts.count == 3)
        let claims = try #require(try JSONSerialization.jsonObject(with: Signing.Base64URL.decode(parts[1])) as? [String: Any])
        let statusList = try #require(claims["status_list"] as? [String: Any])
        #expect(statusList["aggregation_uri"] == nil)
        #expect(statusList["lst"] is String)
    }
}

extension StatusAggregationTests {
    @Test func theAggregationSwitchIsReadFromTheEnvironmentAndFiles() throws {
        var configuration = ServerConfiguration()
        #expect(configuration.statusAggregation)
        try configuration.applyEnvironment(["STANDING_STATUS_AGGREGATION": "false"])
        #expect(!configuration.statusAggregation)
        try configuration.apply("statusAggregation", "TRUE", source: "test")
        #expect(configuration.statusAggregation)
        #expect(throws: ServiceError.self) { try configuration.apply("statusAggregation", "off", source: "test") }
    }
}
