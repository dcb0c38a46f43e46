import Foundation
import NIOHTTP1
import Signing
import StatusList
import StatusListSecuring
import Testing

@testable import Client
import StandingTestSupport

/// The client against a real Standing service on an ephemeral port: the lists as the service publishes them.
@Suite struct EndToEndTests {
    func w3cEntry(_ allocated: [String: Any]) throws -> BitstringStatusListEntry {
        let status = try #require(allocated["credentialStatus"] as? [String: Any])
        return try JSONDecoder().decode(BitstringStatusListEntry.self, from: JSONSerialization.data(withJSONObject: status))
    }

    func ietfReference(_ allocated: [String: Any]) throws -> StatusListReference {
        let status = try #require(allocated["status"] as? [String: Any])
        return try JSONDecoder().decode(StatusClaim.self, from: JSONSerialization.data(withJSONObject: status)).statusList
    }

    @Test func validAndRevokedInEveryFormTrustingTheServiceDID() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let entries = try await server.allocateEntries(list, count: 2)
        try await server.setStatus(list, try #require(entries[0]["index"] as? Int), 1)
        let trust = TrustSource.did(server.did)
        for format in VerifiedStatusList.Format.allCases {
            let client = makeClient()
            let options = FetchOptions(preferredFormat: format)
            let revoked: StatusCheck
            let valid: StatusCheck
            if format.isW3C {
                revoked = try await client.checkStatus(try w3cEntry(entries[0]), trust: trust, options: options)
                valid = try await client.checkStatus(try w3cEntry(entries[1]), trust: trust, options: options)
                #expect(revoked.purpose == "revocation" && revoked.message == "set")
            } else {
                revoked = try await client.checkStatus(try ietfReference(entries[0]), trust: trust, options: options)
                valid = try await client.checkStatus(try ietfReference(entries[1]), trust: trust, options: options)
                #expect(revoked.message == "INVALID" && valid.message == "VALID")
            }
            #expect(revoked.status == 1 && !revoked.valid, "\(format)")
            #expect(valid.status == 0 && valid.valid, "\(format)")
            #expect(revoked.list.mediaType == format.rawValue)
            #expect(revoked.list.issuer == server.did)
            #expect(revoked.list.ttlSeconds == 300)
            #expect(revoked.list.etag != nil)
            #expect(revoked.source == .network && valid.source == .memory)
        }
        // The JWKS URL works as a trust source too.
        let jwks = try #require(URL(string: server.baseURL + "/.well-known/jwks.json"))
        #expect(try await makeClient().checkStatus(try w3cEntry(entries[1]), trust: .jwks(jwks)).valid)
    }

    @Test func suspendedThenReinstated() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "suspension"])
        let allocated = try #require(try await server.allocateEntries(list).first)
        let entry = try w3cEntry(allocated)
        let index = try #require(allocated["index"] as? Int)
        let client = makeClient()
        let trust = TrustSource.did(server.did)
        #expect(try await client.checkStatus(entry, trust: trust).valid)
        try await server.setStatus(list, index, 1)
        let suspended = try await client.checkStatus(entry, trust: trust, options: .init(policy: .revalidate))
        #expect(suspended.status == 1 && !suspended.valid && suspended.purpose == "suspension" && suspended.source == .network)
        try await server.setStatus(list, index, 0)
        let reinstated = try await client.checkStatus(entry, trust: trust, options: .init(policy: .revalidate))
        #expect(reinstated.valid && reinstated.source == .network)
        #expect(reinstated.list.etag != suspended.list.etag)
    }

    @Test func messageListWithTwoBitEntriesInBothSpecifications() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "message", "statusSize": 2])
        let entries = try await server.allocateEntries(list, count: 3)
        let indices = try entries.map { try #require($0["index"] as? Int) }
        _ = try await server.admin(
            .POST,
            "/admin/lists/\(list)/status",
            json: ["changes": [["index": indices[0], "value": 2], ["index": indices[1], "value": 1]]]
        )
        #expect(try await eventually { try await server.request(.GET, "/status/\(list)/\(indices[1])").json["status"] as? Int == 1 })
        let client = makeClient()
        let trust = TrustSource.did(server.did)
        let suspended = try await client.checkStatus(try w3cEntry(entries[0]), trust: trust)
        #expect(suspended.status == 2 && suspended.message == "suspended" && suspended.purpose == "message" && suspended.list.bitsPerEntry == 2)
        let invalid = try await client.checkStatus(try w3cEntry(entries[1]), trust: trust)
        #expect(invalid.status == 1 && invalid.message == "invalid")
        #expect(try await client.checkStatus(try w3cEntry(entries[2]), trust: trust).message == "valid")
        for format in [VerifiedStatusList.Format.ietfJWT, .ietfCWT] {
            let ietf = try await client.checkStatus(try ietfReference(entries[0]), trust: trust, options: .init(preferredFormat: format))
            #expect(ietf.status == 2 && ietf.message == "SUSPENDED" && ietf.list.bitsPerEntry == 2)
        }
    }

    @Test func revalidationUsesConditionalRequestsAnd304() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "revocation", "ttlSeconds": 60])
        let allocated = try #require(try await server.allocateEntries(list).first)
        let entry = try w3cEntry(allocated)
        let transport = CountingTransport()
        let clock = TestClock()
        let client = makeClient(transport: transport, clock: clock)
        let trust = TrustSource.did(server.did)
        let path = "/status/\(list)"

        let first = try await client.checkStatus(entry, trust: trust)
        #expect(first.source == .network && transport.statuses(path) == [200])
        // Fresh: no request at all.
        let cached = try await client.checkStatus(entry, trust: trust)
        #expect(cached.source == .memory && transport.statuses(path) == [200])
        // --refresh: a conditional request, answered 304, the cached list kept.
        let refreshed = try await client.checkStatus(entry, trust: trust, options: .init(policy: .revalidate))
        #expect(refreshed.source == .revalidated && refreshed.fromCache)
        #expect(transport.statuses(path) == [200, 304])
        #expect(transport.exchanges(path).last?.headers.contains { $0.name == "If-None-Match" && $0.value == first.list.etag } == true)
        // Past the ttl, the next check revalidates by itself.
        clock.advance(by: 61)
        let stale = try await client.checkStatus(entry, trust: trust)
        #expect(stale.source == .revalidated && stale.list.fetchedAt == clock.now)
        #expect(transport.statuses(path) == [200, 304, 304])
        // A change: the conditional request gets the new list.
        try await server.setStatus(list, try #require(allocated["index"] as? Int), 1)
        clock.advance(by: 61)
        let changed = try await client.checkStatus(entry, trust: trust)
        #expect(changed.status == 1 && changed.source == .network)
        #expect(transport.statuses(path) == [200, 304, 304, 200])
    }

    @Test func offlineAnswersFromTheDiskCacheAfterTheServerStops() async throws {
        let server = try await TestServer.start()
        let list = try await server.createList()
        let entries = try await server.allocateEntries(list, count: 2)
        try await server.setStatus(list, try #require(entries[0]["index"] as? Int), 1)
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let trust = TrustSource.did(server.did)
        let online = makeClient(cacheDirectory: directory)
        let fetched = try await online.checkStatus(try w3cEntry(entries[0]), trust: trust)
        #expect(fetched.status == 1)
        #expect(try await online.checkStatus(try ietfReference(entries[1]), trust: trust).valid)
        await server.stopAndRemove()

        // A new client (a restarted wallet): nothing in memory, the disk copy re-verified with the DID document cached
        // on disk too. 400 s after the fetch, counted from the fetch itself: stopping the server may take seconds on
        // a loaded machine, and that must not count.
        let clock = TestClock(fetched.list.fetchedAt.addingTimeInterval(400))
        let transport = CountingTransport()
        let offline = makeClient(transport: transport, clock: clock, cacheDirectory: directory)
        let revoked = try await offline.checkStatus(try w3cEntry(entries[0]), trust: trust, options: .init(policy: .offline))
        #expect(revoked.status == 1 && revoked.source == .disk && revoked.fromCache)
        #expect(revoked.staleness > 90 && revoked.staleness < 110, "fresh for 300 s, asked 400 s later: \(revoked.staleness)")
        let valid = try await offline.checkStatus(try ietfReference(entries[1]), trust: trust, options: .init(policy: .offline))
        #expect(valid.valid && valid.source == .disk)
        #expect(transport.exchanges().isEmpty)
        // Online, the stale copy must be revalidated, and the server is gone.
        await expectFailure(.statusRetrievalError, .unreachable) {
            try await offline.checkStatus(try w3cEntry(entries[0]), trust: trust)
        }
        // Never past validity: the service's lists are valid for a day.
        clock.advance(by: 86_400)
        let expired = await expectFailure(.statusVerificationError, .expired) {
            try await offline.checkStatus(try w3cEntry(entries[0]), trust: trust, options: .init(policy: .offline))
        }
        #expect(expired?.reason.contains("expired") == true)
        // And a list never fetched is not there.
        await expectFailure(.statusRetrievalError, .notCached) {
            try await offline.checkStatus(
                try BitstringStatusListEntry(statusPurpose: .revocation, statusListIndex: 0, statusListCredential: server.baseURL + "/status/other"),
                trust: trust,
                options: .init(policy: .offline)
            )
        }
    }

    @Test func historicalResolutionAsksForTheListInForceThen() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let allocated = try #require(try await server.allocateEntries(list).first)
        // Query times have second precision: leave whole seconds between publication, query time and change.
        try await Task.sleep(for: .milliseconds(1100))
        let before = Date()
        try await Task.sleep(for: .milliseconds(1100))
        try await server.setStatus(list, try #require(allocated["index"] as? Int), 1)
        let transport = CountingTransport()
        let client = makeClient(transport: transport)
        let trust = TrustSource.did(server.did)
        let then = try await client.checkStatus(try ietfReference(allocated), trust: trust, options: .init(at: before))
        #expect(then.valid && then.checkedAt == before)
        let w3cThen = try await client.checkStatus(try w3cEntry(allocated), trust: trust, options: .init(at: before))
        #expect(w3cThen.valid)
        #expect(try await client.checkStatus(try ietfReference(allocated), trust: trust).status == 1)
        let urls = transport.exchanges("/status/\(list)").map(\.url)
        #expect(urls.contains { $0.contains("time=\(Int(before.timeIntervalSince1970))") })
        #expect(urls.contains { $0.contains("timestamp=") })
    }
}
