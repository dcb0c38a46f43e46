import Foundation
import NIOHTTP1
import Signing
import StatusList
import StatusListSecuring
import Store
import Testing

@testable import Server
import StandingTestSupport

@Suite struct StatusAPITests {
    /// Fetches the service keys a verifier would trust.
    func trustedKeys(_ server: TestServer) async throws -> TrustedKeys {
        let response = try await server.request(.GET, "/.well-known/jwks.json")
        #expect(response.status == 200)
        let jwks = try JSONDecoder().decode(JWKSet.self, from: response.body)
        var keys = try TrustedKeys(jwks: jwks)
        let did = try JSONDecoder().decode(DIDDocument.self, from: try await server.request(.GET, "/.well-known/did.json").body)
        keys.merge(try TrustedKeys(didDocument: did))
        return keys
    }

    /// Fetches and verifies a list in one media type.
    func fetchVerified(_ server: TestServer, _ list: String, _ mediaType: String, statusSize: StatusSize = .one) async throws
        -> VerifiedStatusList
    {
        let response = try await server.request(.GET, "/status/\(list)", headers: [("Accept", mediaType)])
        try #require(response.status == 200, "\(mediaType): \(response.status) \(response.text)")
        #expect(response.header("Content-Type") == mediaType)
        return try StatusListVerifier.verify(
            response.body, mediaType: response.header("Content-Type"), expectedURL: "\(server.baseURL)/status/\(list)",
            trustedKeys: try await trustedKeys(server), statusSize: statusSize)
    }

    @Test func revocationIsPublishedInAllFourFormatsAndIsFinal() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let indices = try await server.allocate(list, count: 3)
        #expect(Set(indices).count == 3)
        #expect(indices.allSatisfy { (0..<131_072).contains($0) })

        let revoke = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": indices[0], "value": 1, "reason": "lost"])
        #expect(try await eventually { try await server.request(.GET, "/status/\(list)/\(indices[0])").json["status"] as? Int == 1 })
        #expect(revoke.status == 200, "\(revoke.text)")
        #expect(revoke.json["applied"] as? Int == 1)
        let records = revoke.json["records"] as? [[String: Any]]
        #expect(records?.first?["reason"] as? String == "lost")

        for mediaType in StatusMediaType.allCases {
            let verified = try await fetchVerified(server, list, mediaType.rawValue)
            #expect(verified.bitstring[indices[0]] == 1, "\(mediaType)")
            #expect(verified.bitstring[indices[1]] == 0, "\(mediaType)")
            #expect(verified.bitstring.nonZeroCount == 1)
            #expect(verified.url == "\(server.baseURL)/status/\(list)")
            #expect(verified.ttlSeconds == 300)
        }

        let unrevoke = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": indices[0], "value": 0])
        #expect(unrevoke.status == 409)
        #expect(unrevoke.header("Content-Type") == "application/problem+json")
        #expect((unrevoke.json["detail"] as? String)?.contains("final") == true)
    }

    @Test func allocationDoesNotChangeThePublishedList() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let before = try await server.request(.GET, "/status/\(list)")
        _ = try await server.allocate(list, count: 50)
        try await Task.sleep(for: .milliseconds(100))
        let after = try await server.request(.GET, "/status/\(list)")
        #expect(before.header("ETag") == after.header("ETag"))
        #expect(before.body == after.body)
    }

    @Test func allocationByPurposeCreatesAndReusesTheCurrentList() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let issuer = try await server.issueToken(role: "issuer", principal: "did:web:university.example")
        let first = try await server.request(.POST, "/admin/entries", token: issuer, json: ["purpose": "suspension", "count": 2])
        #expect(first.status == 201, "\(first.text)")
        let entries = try #require(first.json["entries"] as? [[String: Any]])
        let status = try #require(entries.first?["credentialStatus"] as? [String: Any])
        #expect(status["type"] as? String == "BitstringStatusListEntry")
        #expect(status["statusPurpose"] as? String == "suspension")
        #expect(status["statusListIndex"] is String)
        #expect(entries.first?["status"] == nil, "a suspension list is not expressible as an IETF list")
        let second = try await server.request(.POST, "/admin/entries", token: issuer, json: ["purpose": "suspension"])
        let secondEntries = try #require(second.json["entries"] as? [[String: Any]])
        #expect(secondEntries.first?["list"] as? String == entries.first?["list"] as? String)
        let lists = try await server.request(.GET, "/admin/lists", token: issuer)
        #expect((lists.json["lists"] as? [Any])?.count == 1)
        #expect(((lists.json["lists"] as? [[String: Any]])?.first?["owner"] as? String) == "did:web:university.example")
    }

    @Test func suspensionIsReversible() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "suspension"])
        let index = try #require(try await server.allocate(list).first)
        for value in [1, 0, 1, 0] {
            let response = try await server.setStatus(list, index, value)
            #expect(response.status == 200)
            let lookup = try await server.request(.GET, "/status/\(list)/\(index)")
            #expect(lookup.json["status"] as? Int == value)
        }
        let ietf = try await server.request(.GET, "/status/\(list)", headers: [("Accept", "application/statuslist+jwt")])
        #expect(ietf.status == 406)
        #expect((ietf.json["detail"] as? String)?.contains("application/vc") == true)
    }

    @Test func ietfStatusTypesListCarriesSuspendedAndRevokedInOneList() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "message", "statusSize": 2])
        let indices = try await server.allocate(list, count: 2)
        _ = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["changes": [["index": indices[0], "value": 2], ["index": indices[1], "value": 1]]])
        #expect(try await eventually { try await server.request(.GET, "/status/\(list)/\(indices[1])").json["status"] as? Int == 1 })
        let verified = try await fetchVerified(server, list, "application/statuslist+cwt")
        #expect(verified.bitstring.entrySize == .two)
        let suspended = try verified.check(try StatusListReference(idx: indices[0], uri: "\(server.baseURL)/status/\(list)"))
        #expect(suspended.status == 2 && suspended.message == StatusType.suspended.name && !suspended.valid)
        let w3c = try await fetchVerified(server, list, "application/vc", statusSize: .two)
        #expect(w3c.bitstring[indices[1]] == 1)
        // INVALID is final; SUSPENDED is not.
        #expect(try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": indices[1], "value": 0]).status == 409)
        #expect(try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": indices[0], "value": 0]).status == 200)
        // Reserved IETF values are refused.
        #expect(try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": indices[0], "value": 3]).status == 200)
        let message = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": indices[0], "value": 4])
        #expect(message.status == 400)
    }

    @Test func batchUpdatesAreAtomic() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let indices = try await server.allocate(list, count: 3)
        _ = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": indices[2], "value": 1])
        // The batch contains an un-revocation, so nothing of it may be applied.
        let batch = try await server.admin(
            .POST, "/admin/lists/\(list)/status",
            json: ["changes": [["index": indices[0], "value": 1], ["index": indices[2], "value": 0]]])
        #expect(batch.status == 409)
        let lookup = try await server.request(.GET, "/status/\(list)/\(indices[0])")
        #expect(lookup.json["status"] as? Int == 0)
        let audit = try await server.admin(.GET, "/admin/audit?list=\(list)")
        #expect((audit.json["records"] as? [Any])?.count == 1)
    }

    @Test func badInputGetsPreciseProblems() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let index = try #require(try await server.allocate(list).first)
        let cases: [(String, Any?, Data?, Int, String)] = [
            ("/admin/lists", ["purpose": "revocation", "capacity": 1000], nil, 400, "131072"),
            ("/admin/lists", ["purpose": "revocation", "statusSize": 2], nil, 400, "message"),
            ("/admin/lists", ["purpose": "revocation", "statusSize": 3], nil, 400, "1, 2, 4 or 8"),
            ("/admin/lists", ["purpose": "nonsense"], nil, 400, "purpose"),
            ("/admin/lists", ["purpose": "revocation", "ttlSeconds": "300"], nil, 400, "ttlSeconds"),
            ("/admin/lists", ["purpose": "revocation", "colour": "red"], nil, 400, "colour"),
            ("/admin/lists", nil, Data("{\"purpose\":".utf8), 400, "JSON"),
            ("/admin/lists", nil, Data("[1,2]".utf8), 400, "object"),
            ("/admin/lists/\(list)/status", ["index": 131_072, "value": 1], nil, 400, "outside"),
            ("/admin/lists/\(list)/status", ["index": -1, "value": 1], nil, 400, "outside"),
            ("/admin/lists/\(list)/status", ["index": index, "value": 2], nil, 400, "1-bit"),
            ("/admin/lists/\(list)/status", ["index": index, "value": 256], nil, 400, "0-255"),
            ("/admin/lists/\(list)/status", ["index": index], nil, 400, "either"),
            ("/admin/lists/nope/status", ["index": 1, "value": 1], nil, 404, "nope"),
            ("/admin/lists", nil, Data(repeating: 0x20, count: 9 << 20), 413, "larger"),
        ]
        for (path, json, body, status, detail) in cases {
            let response = try await server.request(.POST, path, token: server.operatorToken, json: json, body: body)
            #expect(response.status == status, "\(path) \(String(describing: json)): \(response.text)")
            #expect(response.header("Content-Type") == "application/problem+json", "\(path)")
            let problem = response.json
            #expect(problem["status"] as? Int == status)
            #expect(problem["type"] is String && problem["title"] is String)
            #expect((problem["detail"] as? String)?.contains(detail) == true, "\(path): \(problem["detail"] ?? "")")
        }
        let outside = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": 131_072, "value": 1])
        #expect(outside.json["type"] as? String == StatusValidationErrorKind.rangeError.typeURI)
        // An allocated-looking but never handed out index is refused too.
        var unallocated = 0
        while unallocated == index { unallocated += 1 }
        let notAllocated = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": unallocated, "value": 1])
        #expect(notAllocated.status == 400)
        #expect((notAllocated.json["detail"] as? String)?.contains("not been allocated") == true)
    }

    @Test func authenticationAndScopes() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let alice = try await server.issueToken(role: "issuer", principal: "alice")
        let bob = try await server.issueToken(role: "issuer", principal: "bob")
        let aliceList = try await server.createList(["purpose": "revocation"], token: alice)

        #expect(try await server.request(.GET, "/admin/lists").status == 401)
        #expect(try await server.request(.GET, "/admin/lists", token: "stn_wrong").status == 401)
        let malformed = try await server.request(.GET, "/admin/lists", headers: [("Authorization", "Basic abc")])
        #expect(malformed.status == 401)
        #expect(try await server.request(.GET, "/admin/lists/\(aliceList)", token: bob).status == 403)
        #expect(try await server.request(.POST, "/admin/lists/\(aliceList)/entries", token: bob, json: [:]).status == 403)
        #expect(try await server.request(.POST, "/admin/tokens", token: alice, json: ["role": "issuer", "principal": "x"]).status == 403)
        #expect(try await server.request(.POST, "/admin/lists", token: alice, json: ["purpose": "revocation", "owner": "bob"]).status == 403)
        let bobLists = try await server.request(.GET, "/admin/lists", token: bob)
        #expect((bobLists.json["lists"] as? [Any])?.isEmpty == true)
        #expect(try await server.request(.GET, "/admin/audit", token: alice).status == 400)

        // Listing tokens shows neither secrets nor hashes; revoking one shuts it out at once.
        let tokens = try await server.admin(.GET, "/admin/tokens")
        #expect(!tokens.text.contains(alice) && !tokens.text.contains(Tokens<SQLiteStore>.hash(alice)))
        let aliceId = try #require((tokens.json["tokens"] as? [[String: Any]])?.first { $0["principal"] as? String == "alice" }?["id"] as? String)
        #expect(try await server.admin(.DELETE, "/admin/tokens/\(aliceId)").status == 204)
        #expect(try await server.request(.GET, "/admin/lists", token: alice).status == 401)
        #expect(try await server.admin(.DELETE, "/admin/tokens/tok_missing").status == 404)
    }

    @Test func contentNegotiationCachingAndConditionalRequests() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "revocation", "ttlSeconds": 120])
        let cases: [(String?, String)] = [
            (nil, "application/vc"),
            ("*/*", "application/vc"),
            ("application/*", "application/vc"),
            ("application/statuslist+jwt", "application/statuslist+jwt"),
            ("application/statuslist+cwt;q=0.9, application/statuslist+jwt;q=0.5", "application/statuslist+cwt"),
            ("application/vc+jwt", "application/vc+jwt"),
            ("application/vc+ld+json", "application/vc+ld+json"),
            ("application/json", "application/json"),
            ("text/html, */*;q=0.1", "application/vc"),
        ]
        for (accept, expected) in cases {
            let response = try await server.request(.GET, "/status/\(list)", headers: accept.map { [("Accept", $0)] } ?? [])
            #expect(response.status == 200, "\(accept ?? "none")")
            #expect(response.header("Content-Type") == expected, "\(accept ?? "none")")
            #expect(response.header("Cache-Control") == "public, max-age=120")
            #expect(response.header("Vary") == "Accept")
            #expect(response.header("ETag")?.hasPrefix("\"") == true)
            #expect(response.header("Last-Modified")?.hasSuffix(" GMT") == true)
        }
        #expect(try await server.request(.GET, "/status/\(list)", headers: [("Accept", "text/html")]).status == 406)
        #expect(try await server.request(.GET, "/status/\(list)", headers: [("Accept", "application/statuslist+jwt;q=0")]).status == 406)
        #expect(try await server.request(.GET, "/status/missing").status == 404)

        // Per-format URLs for static hosting.
        let cwt = try await server.request(.GET, "/status/\(list).cwt")
        #expect(cwt.header("Content-Type") == "application/statuslist+cwt" && cwt.header("Vary") == nil)
        #expect(try await server.request(.GET, "/status/\(list).xml").status == 404)

        // 304 on a matching ETag, a new ETag after a change.
        let first = try await server.request(.GET, "/status/\(list)", headers: [("Accept", "application/statuslist+jwt")])
        let etag = try #require(first.header("ETag"))
        let notModified = try await server.request(
            .GET, "/status/\(list)", headers: [("Accept", "application/statuslist+jwt"), ("If-None-Match", etag)])
        #expect(notModified.status == 304 && notModified.body.isEmpty)
        #expect(notModified.header("ETag") == etag)
        let index = try #require(try await server.allocate(list).first)
        try await server.setStatus(list, index, 1)
        let changed = try await server.request(
            .GET, "/status/\(list)", headers: [("Accept", "application/statuslist+jwt"), ("If-None-Match", etag)])
        #expect(changed.status == 200 && changed.header("ETag") != etag)

        let head = try await server.request(.HEAD, "/status/\(list)")
        #expect(head.status == 200 && head.body.isEmpty)
    }

    @Test func historicalResolution() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let index = try #require(try await server.allocate(list).first)
        // Query times have second precision: leave whole seconds between publication, query time and change.
        try await Task.sleep(for: .milliseconds(1100))
        let before = Date()
        try await Task.sleep(for: .milliseconds(1100))
        try await server.setStatus(list, index, 1)
        let keys = try await trustedKeys(server)
        let url = "\(server.baseURL)/status/\(list)"

        let old = try await server.request(.GET, "/status/\(list)?time=\(Int(before.timeIntervalSince1970))", headers: [("Accept", "application/statuslist+jwt")])
        #expect(old.status == 200)
        let oldList = try StatusListVerifier.verify(old.body, mediaType: "application/statuslist+jwt", expectedURL: url, trustedKeys: keys)
        #expect(oldList.bitstring[index] == 0)
        let timestamp = ISO8601DateFormatter().string(from: before)
        let oldW3C = try await server.request(.GET, "/status/\(list)?timestamp=\(timestamp)")
        #expect(try StatusListVerifier.verify(oldW3C.body, mediaType: "application/vc", expectedURL: url, trustedKeys: keys).bitstring[index] == 0)
        let now = try await server.request(.GET, "/status/\(list)?time=\(Int(Date().timeIntervalSince1970) + 1)", headers: [("Accept", "application/statuslist+jwt")])
        #expect(try StatusListVerifier.verify(now.body, mediaType: "application/statuslist+jwt", expectedURL: url, trustedKeys: keys).bitstring[index] == 1)

        let tooEarly = try await server.request(.GET, "/status/\(list)?time=1000")
        #expect(tooEarly.status == 404)
        #expect(tooEarly.json["type"] as? String == StatusValidationErrorKind.statusRetrievalError.typeURI)
        #expect(try await server.request(.GET, "/status/\(list)?time=yesterday").status == 400)
        #expect(try await server.request(.GET, "/status/\(list)?timestamp=2026-01-01").status == 400)
    }

    /// `timestamp` is an XML Schema dateTimeStamp, read by the same parser as the credentials' `validFrom`: a date
    /// that does not exist, `24:00:00`, an offset beyond ±14:00 or one without its colon is refused, not rolled over
    /// into another instant (Foundation's ISO 8601 parser read 2026-02-30 as 2 March).
    @Test(arguments: [
        "2026-02-30T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00%2B15:00", "2026-01-01T00:00:00%2B0100",
    ])
    func timestampsThatAreNotDateTimeStampsAreRefused(timestamp: String) async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let response = try await server.request(.GET, "/status/\(list)?timestamp=\(timestamp)")
        #expect(response.status == 400, "\(timestamp)")
        #expect((response.json["detail"] as? String)?.contains("dateTimeStamp") == true)
        #expect(try await server.request(.GET, "/status/\(list)?timestamp=2026-01-01T00:00:00%2B14:00").status != 400)
    }

    @Test func directLookupAndBatchLookup() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "message", "statusSize": 2])
        let indices = try await server.allocate(list, count: 2)
        try await server.setStatus(list, indices[0], 2)
        let single = try await server.request(.GET, "/status/\(list)/\(indices[0])")
        #expect(single.json["status"] as? Int == 2 && single.json["message"] as? String == "suspended")
        #expect(single.json["version"] as? Int == 2)
        #expect(try await server.request(.GET, "/status/\(list)/131072").status == 400)
        #expect(try await server.request(.GET, "/status/\(list)/abc").status == 400)
        let batch = try await server.request(
            .POST, "/status/lookup",
            json: ["entries": [["list": list, "index": indices[0]], ["list": list, "index": indices[1]], ["list": "nope", "index": 0]]])
        let results = try #require(batch.json["results"] as? [[String: Any]])
        #expect((results[0]["result"] as? [String: Any])?["status"] as? Int == 2)
        #expect((results[1]["result"] as? [String: Any])?["status"] as? Int == 0)
        #expect((results[2]["error"] as? [String: Any])?["status"] as? Int == 404)
    }

    @Test func directLookupCanBeSwitchedOff() async throws {
        let server = try await TestServer.start { $0.directLookup = false }
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        #expect(try await server.request(.GET, "/status/\(list)/0").status == 501)
        #expect(try await server.request(.POST, "/status/lookup", json: ["entries": []]).status == 501)
        #expect(try await server.request(.GET, "/status/\(list)").status == 200)
    }

    @Test func systemEndpoints() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        #expect(try await server.request(.GET, "/health").json["status"] as? String == "ok")
        #expect(try await server.request(.GET, "/ready").status == 200)
        let list = try await server.createList()
        _ = try await server.request(.GET, "/status/\(list)")
        let metrics = try await server.request(.GET, "/metrics")
        #expect(metrics.text.contains("standing_publications_total"))
        #expect(metrics.text.contains("hb_requests"))
        let did = try JSONDecoder().decode(DIDDocument.self, from: try await server.request(.GET, "/.well-known/did.json").body)
        let jwks = try JSONDecoder().decode(JWKSet.self, from: try await server.request(.GET, "/.well-known/jwks.json").body)
        #expect(did.id == "did:web:127.0.0.1%3A\(server.port)")
        #expect(Set(did.verificationMethod.map(\.id)) == Set(jwks.keys.compactMap(\.kid).map { "\(did.id)#\($0)" }))
        #expect(jwks.keys.allSatisfy { $0.d == nil })
        let openapi = try await server.request(.GET, "/openapi.json")
        #expect(openapi.json["openapi"] as? String == "3.1.0")
    }

    @Test func restartKeepsListsStatusesAndPublications() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-restart-\(UUID().uuidString)")
        let first = try await TestServer.start(directory: directory)
        let list = try await first.createList()
        let firstVersionETag = try await first.request(.GET, "/status/\(list)").header("ETag")
        let firstVersionTime = Int(Date().timeIntervalSince1970.rounded(.up))
        try await Task.sleep(for: .milliseconds(1100))
        let indices = try await first.allocate(list, count: 5)
        try await first.setStatus(list, indices[3], 1)
        let etag = try await first.request(.GET, "/status/\(list)").header("ETag")
        await first.stop()

        let second = try await TestServer.start(directory: directory)
        defer { Task { await second.stopAndRemove() } }
        #expect(second.operatorToken == first.operatorToken)
        #expect(try await second.request(.GET, "/status/\(list)/\(indices[3])").json["status"] as? Int == 1)
        #expect(try await second.request(.GET, "/status/\(list)").header("ETag") == etag, "an unchanged list keeps its publication")
        let more = try await second.allocate(list, count: 5)
        #expect(Set(more).isDisjoint(with: indices), "an index is never handed out twice")
        // History survives the restart: the first version (all zero) is still answerable.
        let firstVersion = try await second.request(.GET, "/status/\(list)?time=\(firstVersionTime)")
        #expect(firstVersion.status == 200)
        #expect(firstVersion.header("ETag") == firstVersionETag)
        let versions = try await second.admin(.GET, "/admin/lists/\(list)").json["publishedVersion"] as? Int
        #expect(versions == 2)
    }
}
