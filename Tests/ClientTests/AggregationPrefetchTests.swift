import Foundation
import StatusList
import StatusListSecuring
import Testing

@testable import Client
import Server
import StandingTestSupport

/// `StandingClient` prefetching every list of an issuer through its Status List Aggregation
/// (draft-ietf-oauth-status-list §9), for wallets that check offline later.
@Suite struct AggregationPrefetchTests {
    static let university = "did:web:uni.example.es"

    func ietfReference(_ allocated: [String: Any]) throws -> StatusListReference {
        let status = try #require(allocated["status"] as? [String: Any])
        return try JSONDecoder().decode(StatusClaim.self, from: JSONSerialization.data(withJSONObject: status)).statusList
    }

    func w3cEntry(_ allocated: [String: Any]) throws -> BitstringStatusListEntry {
        let status = try #require(allocated["credentialStatus"] as? [String: Any])
        return try JSONDecoder().decode(BitstringStatusListEntry.self, from: JSONSerialization.data(withJSONObject: status))
    }

    @Test func prefetchingAnIssuersListsLetsAnOfflineWalletCheckEveryOne() async throws {
        let server = try await TestServer.start()
        let diplomas = try await server.createList(["purpose": "revocation", "owner": Self.university])
        let badges = try await server.createList(["purpose": "message", "statusSize": 2, "owner": Self.university])
        let other = try await server.createList(["purpose": "revocation", "owner": "did:web:other.example"])
        let diploma = try #require(try await server.allocateEntries(diplomas).first)
        let badge = try #require(try await server.allocateEntries(badges).first)
        let foreign = try #require(try await server.allocateEntries(other).first)
        try await server.setStatus(diplomas, try #require(diploma["index"] as? Int), 1)
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let trust = TrustSource.did(server.did)

        // Online: one call fetches, verifies and caches the issuer's lists, and only those.
        for format in [VerifiedStatusList.Format.ietfJWT, .w3cDataIntegrity] {
            let prefetched = try await makeClient(cacheDirectory: directory).prefetchLists(
                ofIssuer: Self.university, server: server.baseURL + "/", trust: trust, preferring: format)
            #expect(prefetched.aggregationURL == "\(server.baseURL)/status/aggregation/\(Self.university)")
            #expect(Set(prefetched.listed) == Set([diplomas, badges].map { "\(server.baseURL)/status/\($0)" }))
            #expect(prefetched.failures.isEmpty, "\(prefetched.failures.map { "\($0.url): \($0.error)" })")
            #expect(prefetched.lists.map(\.list.format) == [format, format])
            #expect(prefetched.lists.allSatisfy { $0.source == .network || $0.source == .revalidated })
        }
        await server.stopAndRemove()

        // Offline (a restarted wallet, the server gone): every prefetched list answers from disk, in both specifications.
        let transport = CountingTransport()
        let offline = makeClient(transport: transport, cacheDirectory: directory)
        let revoked = try await offline.checkStatus(try ietfReference(diploma), trust: trust, options: .init(policy: .offline))
        #expect(revoked.status == 1 && revoked.source == .disk)
        // A 2-bit W3C entry: the cached bytes are decoded at the entry's size, offline.
        let message = try await offline.checkStatus(try w3cEntry(badge), trust: trust, options: .init(policy: .offline))
        #expect(message.status == 0 && message.source == .disk)
        #expect(transport.exchanges().isEmpty)
        // Another issuer's list was not fetched.
        await expectFailure(.statusRetrievalError, .notCached) {
            try await offline.checkStatus(try ietfReference(foreign), trust: trust, options: .init(policy: .offline))
        }
    }

    @Test func theAggregationATokenNamesLeadsToItsIssuersOtherLists() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let first = try await server.createList(["purpose": "revocation", "owner": Self.university])
        let second = try await server.createList(["purpose": "revocation", "owner": Self.university])
        let client = makeClient()
        let trust = TrustSource.did(server.did)
        for format in [VerifiedStatusList.Format.ietfJWT, .ietfCWT] {
            // §9.2: the Status List Parameter, read from the verified token.
            let token = try await client.fetchList(url: "\(server.baseURL)/status/\(first)", preferring: format, trust: trust)
            let aggregation = try #require(token.list.aggregationURI, "\(format)")
            #expect(aggregation == "\(server.baseURL)/status/aggregation/\(Self.university)")
            let prefetched = try await client.prefetchAggregation(url: aggregation, trust: trust, preferring: format)
            #expect(Set(prefetched.lists.map(\.metadata.url)) == Set([first, second].map { "\(server.baseURL)/status/\($0)" }))
        }
    }

    @Test func aListThatFailsIsReportedAndTheOthersAreStillFetched() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let good = try await server.createList(["purpose": "revocation", "owner": Self.university])
        let crafted = try await CraftedServer.start()
        defer { Task { await crafted.stop() } }
        let missing = "\(server.baseURL)/status/no-such-list"
        let aggregation = try JSONSerialization.data(withJSONObject: ["status_lists": [missing, "\(server.baseURL)/status/\(good)"]])
        crafted.serve("/aggregation", aggregation, mediaType: "application/json")

        let prefetched = try await makeClient().prefetchAggregation(
            url: "\(crafted.baseURL)/aggregation", trust: .did(server.did))
        #expect(prefetched.listed.count == 2)
        #expect(prefetched.lists.map(\.metadata.url) == ["\(server.baseURL)/status/\(good)"])
        #expect(prefetched.failures.map(\.url) == [missing])
        #expect(prefetched.failures.first?.error.code == .httpStatus)
    }

    @Test(
        "an aggregation that is not {\"status_lists\": [strings]}, or lists too many, is refused",
        arguments: [#"{"lists": []}"#, #"{"status_lists": "https://a.example/1"}"#, #"{"status_lists": [1]}"#, "not json"])
    func malformedAggregationIsRefused(body: String) async throws {
        let crafted = try await CraftedServer.start()
        defer { Task { await crafted.stop() } }
        crafted.serve("/aggregation", Data(body.utf8), mediaType: "application/json")
        await expectFailure(.malformedValueError, .malformed) {
            try await makeClient().prefetchAggregation(url: "\(crafted.baseURL)/aggregation", trust: .did("did:web:unused.example"))
        }
    }

    @Test func anAggregationListingMoreThanTheLimitIsRefusedBeforeAnyFetch() async throws {
        let crafted = try await CraftedServer.start()
        defer { Task { await crafted.stop() } }
        let uris = (0..<3).map { "\(crafted.baseURL)/status/\($0)" }
        crafted.serve("/aggregation", try JSONSerialization.data(withJSONObject: ["status_lists": uris]), mediaType: "application/json")
        await expectFailure(.malformedValueError, .malformed) {
            try await makeClient().prefetchAggregation(
                url: "\(crafted.baseURL)/aggregation", trust: .did("did:web:unused.example"), maximumLists: 2)
        }
        #expect(crafted.requests("/status/0").isEmpty)
    }

    @Test func theIssuerSegmentIsEncodedAsTheServerNamesIt() {
        #expect(StandingClient.aggregationPathSegment("did:web:uni.example.es") == "did:web:uni.example.es")
        #expect(StandingClient.aggregationPathSegment("did:web:127.0.0.1%3A8443") == "did:web:127.0.0.1%253A8443")
        #expect(StandingClient.aggregationPathSegment("a/b c") == "a%2Fb%20c")
        // The client builds the URL the server puts in its tokens' aggregation_uri.
        for issuer in ["did:web:uni.example.es", "did:web:127.0.0.1%3A8443", "a/b c", "did:key:z6Mk+x?y#z"] {
            #expect(StandingClient.aggregationPathSegment(issuer) == StatusAggregation.encodeSegment(issuer), "\(issuer)")
        }
    }
}
