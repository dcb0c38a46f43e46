import Foundation
import NIOHTTP1
import StandingAPI
import Testing

@testable import Server
import StandingTestSupport

/// The VC-API status calls of the Digital Credentials Consortium's and Sphereon's services (`POST /credentials/status`
/// and `POST /credentials/status/allocate`), mapped onto the admin API's rules.
@Suite struct CredentialStatusAPITests {
    /// The request examples of the VC-API (`UpdateCredentialStatusRequest`, status as a boolean), DCC's status-service
    /// README (status words in an array) and Sphereon's rest API / the earlier VC-API drafts (status "1"/"0").
    static let specificationExamples = [
        #"{"credentialId":"0fc754bc-fc32-46a0-aec1-a5ef385e7ea0","credentialStatus":{"type":"BitstringStatusList","statusPurpose":"revocation"},"status":true}"#,
        #"{"credentialId":"23kdr","credentialStatus":[{"type":"BitstringStatusListCredential","status":"revoked"}]}"#,
        #"{"credentialId":"urn:uuid:45a44711-e457-4fa8-9b89-69fe0287c86a","credentialStatus":[{"type":"RevocationList2020Status","status":"0"}]}"#,
        #"{"credentialId":"c1","credentialStatus":{"type":"BitstringStatusListEntry","statusPurpose":"suspension","id":"https://example.com/status/3#94567","statusListIndex":"94567","statusListCredential":"https://example.com/status/3"},"status":false}"#,
        #"{"credentialId":"c2","credentialStatus":[{"type":"StatusList2021","status":"1","statusListIndex":5}]}"#,
        #"{"credentialId":"c3","credentialStatus":{"type":"BitstringStatusListEntry","statusPurpose":"revocation"},"status":true,"indexAllocator":"urn:uuid:allocator"}"#,
    ]

    @Test(arguments: specificationExamples) func specificationExampleRoundTrips(example: String) throws {
        let decoded = try StrictJSON.decode(UpdateCredentialStatusRequest.self, from: Data(example.utf8))
        let encoded = try JSONEncoder().encode(decoded)
        let original = try JSONSerialization.jsonObject(with: Data(example.utf8)) as? NSDictionary
        let again = try JSONSerialization.jsonObject(with: encoded) as? NSDictionary
        #expect(original == again, "\(String(decoding: encoded, as: UTF8.self))")
    }

    /// DCC's README example credential, unsigned.
    static func credential(id: String?) -> [String: Any] {
        var credential: [String: Any] = [
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"],
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": "DCC Test Credential",
            "issuer": ["type": ["Profile"], "id": "did:key:z6MknNQD1WHLGGraFi6zcbGevuAgkVfdyCdtZnQTGWVVvR5Q", "name": "Test Issuer"],
            "validFrom": "2023-08-02T17:43:32.903Z",
            "credentialSubject": ["type": ["AchievementSubject"], "name": "Jane Doe"],
        ]
        credential["id"] = id
        return credential
    }

    /// Allocates through the DCC call and returns the credential's entries by purpose.
    static func allocate(
        _ server: TestServer, token: String, id: String?, purposes: String? = nil
    ) async throws -> (response: TestResponse, entries: [String: [String: Any]]) {
        let query = purposes.map { "?purposes=\($0)" } ?? ""
        let response = try await server.request(.POST, "/credentials/status/allocate\(query)", token: token, json: credential(id: id))
        let status = response.json["credentialStatus"]
        let list = (status as? [[String: Any]]) ?? (status as? [String: Any]).map { [$0] } ?? []
        var entries: [String: [String: Any]] = [:]
        for entry in list { entries[entry["statusPurpose"] as? String ?? ""] = entry }
        return (response, entries)
    }

    static func published(_ server: TestServer, _ entry: [String: Any]?) async throws -> Int? {
        guard let url = entry?["statusListCredential"] as? String, let index = entry?["statusListIndex"] as? String else { return nil }
        let list = String(url.split(separator: "/").last ?? "")
        return try await server.request(.GET, "/status/\(list)/\(index)").json["status"] as? Int
    }

    static func update(_ server: TestServer, token: String, _ body: [String: Any]) async throws -> TestResponse {
        try await server.request(.POST, "/credentials/status", token: token, json: body)
    }

    @Test func dccAllocateThenRevokeSuspendAndUnsuspendByCredentialId() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let uni = try await server.issueToken(role: "issuer", principal: "did:web:uni.example")
        let id = "urn:uuid:2fe53dc9-b2ec-4939-9b2c-0d00f6663b6c"

        let (allocated, entries) = try await Self.allocate(server, token: uni, id: id)
        #expect(allocated.status == 200, "\(allocated.text)")
        // The credential comes back as given, with a revocation and a suspension entry (as DCC allocates).
        #expect(allocated.json["name"] as? String == "DCC Test Credential" && allocated.json["id"] as? String == id)
        #expect(Set(entries.keys) == ["revocation", "suspension"])
        #expect(entries.values.allSatisfy { $0["type"] as? String == "BitstringStatusListEntry" })

        let suspended = try await Self.update(
            server, token: uni, ["credentialId": id, "credentialStatus": [["type": "BitstringStatusListCredential", "status": "suspended"]]])
        #expect(suspended.status == 200, "\(suspended.text)")
        #expect(suspended.json["code"] as? Int == 200 && suspended.json["message"] as? String == "Credential successfully suspended.")
        #expect(suspended.json["statusPurpose"] as? String == "suspension")
        #expect(try await eventually { try await Self.published(server, entries["suspension"]) == 1 })

        let unsuspended = try await Self.update(
            server, token: uni, ["credentialId": id, "credentialStatus": [["type": "BitstringStatusListCredential", "status": "unsuspended"]]])
        #expect(unsuspended.status == 200, "\(unsuspended.text)")
        #expect(try await eventually { try await Self.published(server, entries["suspension"]) == 0 })

        let revoked = try await Self.update(
            server, token: uni, ["credentialId": id, "credentialStatus": [["type": "BitstringStatusListCredential", "status": "revoked"]]])
        #expect(revoked.status == 200, "\(revoked.text)")
        #expect(revoked.json["statusPurpose"] as? String == "revocation")
        #expect((revoked.json["change"] as? [String: Any])?["applied"] as? Int == 1)
        #expect(try await eventually { try await Self.published(server, entries["revocation"]) == 1 })

        // Revocation stays final, whichever shape asks to undo it.
        let undo = try await Self.update(
            server, token: uni,
            ["credentialId": id, "credentialStatus": ["type": "BitstringStatusListEntry", "statusPurpose": "revocation"], "status": false])
        #expect(undo.status == 409, "\(undo.text)")
        #expect(undo.header("Content-Type") == "application/problem+json")
        // The audit log names the issuer as the actor of each change.
        let audit = try await server.admin(.GET, "/admin/audit")
        #expect((audit.json["records"] as? [[String: Any]])?.filter { $0["actor"] as? String == "did:web:uni.example" }.count == 3)
    }

    @Test func vcAPIAndSphereonShapesSelectTheEntryByPurpose() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let uni = try await server.issueToken(role: "issuer", principal: "uni")
        let (_, entries) = try await Self.allocate(server, token: uni, id: "c-1")

        // VC-API: status true on the suspension entry suspends, false reinstates.
        let suspend = ["credentialId": "c-1", "credentialStatus": ["type": "BitstringStatusListEntry", "statusPurpose": "suspension"], "status": true] as [String: Any]
        let suspended = try await Self.update(server, token: uni, suspend)
        #expect(suspended.status == 200 && suspended.json["message"] as? String == "Credential successfully suspended.", "\(suspended.text)")
        #expect(try await eventually { try await Self.published(server, entries["suspension"]) == 1 })
        var reinstate = suspend
        reinstate["status"] = false
        #expect(try await Self.update(server, token: uni, reinstate).status == 200)
        #expect(try await eventually { try await Self.published(server, entries["suspension"]) == 0 })

        // Sphereon: "1" without a purpose is ambiguous for a credential with two entries...
        let ambiguous = try await Self.update(server, token: uni, ["credentialId": "c-1", "credentialStatus": [["type": "StatusList2021", "status": "1"]]])
        #expect(ambiguous.status == 400 && ambiguous.text.contains("name the statusPurpose"), "\(ambiguous.text)")
        // ...and names the one entry of a credential allocated for revocation only.
        let (_, single) = try await Self.allocate(server, token: uni, id: "c-2", purposes: "revocation")
        #expect(Set(single.keys) == ["revocation"])
        let revoked = try await Self.update(server, token: uni, ["credentialId": "c-2", "credentialStatus": [["type": "StatusList2021", "status": "1"]]])
        #expect(revoked.status == 200 && revoked.json["statusPurpose"] as? String == "revocation", "\(revoked.text)")
        #expect(try await eventually { try await Self.published(server, single["revocation"]) == 1 })

        // The entry's own list URL and index select it too; a mismatch selects nothing.
        let other = try await Self.update(
            server, token: uni,
            [
                "credentialId": "c-1",
                "credentialStatus": ["type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "999999999"],
                "status": true,
            ])
        #expect(other.status == 404, "\(other.text)")
    }

    @Test func unknownIdsOtherIssuersAndMalformedRequestsAreProblems() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let uni = try await server.issueToken(role: "issuer", principal: "uni")
        let college = try await server.issueToken(role: "issuer", principal: "college")
        let (allocated, entries) = try await Self.allocate(server, token: uni, id: "urn:uuid:owned")
        #expect(allocated.status == 200)
        let revoke: [String: Any] = ["credentialId": "urn:uuid:owned", "credentialStatus": [["type": "BitstringStatusListCredential", "status": "revoked"]]]

        let unknown = try await Self.update(
            server, token: uni, ["credentialId": "urn:uuid:never-allocated", "credentialStatus": [["type": "BitstringStatusListCredential", "status": "revoked"]]])
        #expect(unknown.status == 404 && unknown.header("Content-Type") == "application/problem+json", "\(unknown.text)")
        #expect(unknown.json["type"] as? String == "urn:standing:problem:not-found")

        let foreign = try await Self.update(server, token: college, revoke)
        #expect(foreign.status == 403, "\(foreign.text)")
        #expect(try await Self.published(server, entries["revocation"]) == 0)
        let foreignAllocation = try await Self.allocate(server, token: college, id: "urn:uuid:owned").response
        #expect(foreignAllocation.status == 409, "an id is recorded once: \(foreignAllocation.text)")
        #expect(try await server.request(.POST, "/credentials/status", json: revoke).status == 401)

        let refusals: [[String: Any]] = [
            ["credentialId": "urn:uuid:owned", "credentialStatus": [["type": "invalid-type", "status": "revoked"]]],
            ["credentialId": "urn:uuid:owned", "credentialStatus": [["status": "expired"]]],
            ["credentialId": "urn:uuid:owned", "credentialStatus": ["statusPurpose": "revocation"]],
            ["credentialId": "urn:uuid:owned", "credentialStatus": [["status": "revoked"]], "status": true],
            ["credentialId": "urn:uuid:owned", "credentialStatus": [["status": "revoked"], ["status": "suspended"]]],
            ["credentialId": "urn:uuid:owned", "credentialStatus": [["status": "revoked", "statusListId": "x"]]],
            ["credentialId": "urn:uuid:owned", "credentialStatus": "revoked"],
        ]
        for body in refusals {
            let refused = try await Self.update(server, token: uni, body)
            #expect(refused.status == 400 && refused.header("Content-Type") == "application/problem+json", "\(body): \(refused.text)")
        }
        for (query, body) in [("", Data("[]".utf8)), ("", Data(#"{"id":7}"#.utf8)), ("", Data(#"{"credentialStatus":{}}"#.utf8)), ("?purposes=revocation,revocation", Data("{}".utf8))] {
            let refused = try await server.request(.POST, "/credentials/status/allocate\(query)", token: uni, body: body, headers: [("Content-Type", "application/json")])
            #expect(refused.status == 400, "\(query) \(String(decoding: body, as: UTF8.self)): \(refused.text)")
        }
        #expect(try await Self.published(server, entries["revocation"]) == 0, "no refused request changed anything")
    }

    @Test func aCredentialAllocatedWithoutIdIsFoundByItsListAndIndex() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let (allocated, entries) = try await Self.allocate(server, token: server.operatorToken, id: nil, purposes: "revocation")
        #expect(allocated.status == 200 && allocated.json["id"] == nil, "\(allocated.text)")
        let entry = try #require(entries["revocation"])
        // One entry: credentialStatus is an object, as DCC answers for one purpose.
        #expect(allocated.json["credentialStatus"] is [String: Any])

        let byId = try await Self.update(
            server, token: server.operatorToken, ["credentialId": "urn:uuid:anything", "credentialStatus": ["statusPurpose": "revocation"], "status": true])
        #expect(byId.status == 404, "nothing was recorded without an id: \(byId.text)")
        let byEntry = try await Self.update(
            server, token: server.operatorToken,
            [
                "credentialId": "urn:uuid:anything",
                "credentialStatus": [
                    "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListCredential": entry["statusListCredential"] ?? "",
                    "statusListIndex": entry["statusListIndex"] ?? "",
                ],
                "status": true,
            ])
        #expect(byEntry.status == 200, "\(byEntry.text)")
        #expect(try await eventually { try await Self.published(server, entry) == 1 })
    }
}
