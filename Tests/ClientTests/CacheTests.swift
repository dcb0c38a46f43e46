import Foundation
import Signing
import StatusList
import StatusListSecuring
import Testing

@testable import Client
import StandingTestSupport

/// Freshness, staleness, revalidation, trust re-checks and bounds of the caches.
@Suite struct CacheTests {
    let factory = ListFactory()

    /// A crafted server serving one list at `/list` with an entity tag, and a clock.
    func setUp(
        format: VerifiedStatusList.Format = .w3cJWT,
        ttlSeconds: Int = 60,
        validFor: TimeInterval = 3600,
        cacheControl: String? = nil
    ) async throws -> (CraftedServer, String, TestClock) {
        let server = try await CraftedServer.start()
        let url = "\(server.baseURL)/list"
        let statement = factory.statement(
            url: url,
            bitstring: try bitstring(set: [1: 1]),
            validUntil: Date().addingTimeInterval(validFor),
            ttlSeconds: ttlSeconds
        )
        server.serve("/list", try factory.body(statement, format), mediaType: format.mediaType, etag: "\"v1\"", cacheControl: cacheControl)
        return (server, url, TestClock())
    }

    func entry(_ url: String, _ index: Int = 1) throws -> BitstringStatusListEntry {
        try BitstringStatusListEntry(statusPurpose: .revocation, statusListIndex: index, statusListCredential: url)
    }

    @Test func freshUntilTheTTLThenRevalidatedWithTheEntityTag() async throws {
        let (server, url, clock) = try await setUp(cacheControl: "public, max-age=5")
        defer { Task { await server.stop() } }
        let client = makeClient(clock: clock)
        let first = try await client.checkStatus(try entry(url), trust: factory.trust)
        // The list's ttl (60 s) wins over max-age (5 s): IETF §8.2, claims over headers.
        #expect(first.list.freshUntil == first.list.fetchedAt.addingTimeInterval(60))
        clock.advance(by: 30)
        #expect(try await client.checkStatus(try entry(url), trust: factory.trust).source == .memory)
        #expect(server.requests("/list").count == 1)
        clock.advance(by: 31)
        let revalidated = try await client.checkStatus(try entry(url), trust: factory.trust)
        #expect(revalidated.source == .revalidated && revalidated.status == 1)
        #expect(server.requests("/list").map(\.status) == [200, 304])
        #expect(server.requests("/list").last?.header("If-None-Match") == "\"v1\"")
        #expect(revalidated.list.freshUntil == clock.now.addingTimeInterval(60))
    }

    @Test func freshnessNeverExceedsValidity() async throws {
        // ttl 1 h but valid for 10 minutes only.
        let (server, url, clock) = try await setUp(ttlSeconds: 3600, validFor: 600)
        defer { Task { await server.stop() } }
        let client = makeClient(clock: clock)
        let check = try await client.checkStatus(try entry(url), trust: factory.trust)
        let validUntil = try #require(check.list.validUntil)
        #expect(check.list.freshUntil == validUntil)
        // Offline after validUntil: refused, never served as current.
        clock.advance(by: 700)
        await expectFailure(.statusVerificationError, .expired) {
            try await client.checkStatus(try entry(url), trust: factory.trust, options: .init(policy: .offline))
        }
        // Online, the server still serving the expired list (304) is refused too.
        await expectFailure(.statusVerificationError, .expired) {
            try await client.checkStatus(try entry(url), trust: factory.trust)
        }
    }

    @Test func offlineReportsStalenessAndNeverTouchesTheNetwork() async throws {
        let (server, url, clock) = try await setUp()
        defer { Task { await server.stop() } }
        let transport = CountingTransport()
        let client = makeClient(transport: transport, clock: clock)
        _ = try await client.checkStatus(try entry(url), trust: factory.trust)
        clock.advance(by: 100)
        let offline = try await client.checkStatus(try entry(url), trust: factory.trust, options: .init(policy: .offline))
        #expect(offline.source == .memory && abs(offline.staleness - 40) < 0.001)
        #expect(transport.exchanges().count == 1)
    }

    @Test func diskCopiesAreReverifiedWithTheCurrentTrust() async throws {
        let (server, url, clock) = try await setUp(format: .ietfCWT)
        let directory = temporaryDirectory()
        defer {
            Task { await server.stop() }
            try? FileManager.default.removeItem(at: directory)
        }
        let reference = try StatusListReference(idx: 1, uri: url)
        let first = makeClient(clock: clock, cacheDirectory: directory)
        #expect(try await first.checkStatus(reference, trust: factory.trust, options: .init(preferredFormat: .ietfCWT)).status == 1)
        await server.stop()

        // Another caller trusting other keys gets nothing from the cached bytes.
        let other = ListFactory(keyID: factory.keyID)
        let distrustful = makeClient(clock: clock, cacheDirectory: directory)
        await expectFailure(.statusVerificationError, .verificationFailed) {
            try await distrustful.checkStatus(reference, trust: other.trust, options: .init(policy: .offline))
        }
        // A tampered disk file is refused as well.
        let files = try FileManager.default.contentsOfDirectory(at: directory.appendingPathComponent("lists"), includingPropertiesForKeys: nil)
        let file = try #require(files.first)
        var stored = try JSONDecoder().decode(StoredResponseProbe.self, from: Data(contentsOf: file))
        var body = try #require(Data(base64Encoded: stored.body))
        body[body.count - 10] ^= 0x01
        stored.body = body.base64EncodedString()
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        object["body"] = stored.body
        try JSONSerialization.data(withJSONObject: object).write(to: file)
        await expectFailure(.statusVerificationError) {
            try await makeClient(clock: clock, cacheDirectory: directory).checkStatus(
                reference,
                trust: factory.trust,
                options: .init(policy: .offline)
            )
        }
    }

    @Test func aMemoryHitStillRequiresTheCallersTrust() async throws {
        let (server, url, clock) = try await setUp()
        defer { Task { await server.stop() } }
        let client = makeClient(clock: clock)
        #expect(try await client.checkStatus(try entry(url), trust: factory.trust).status == 1)
        let other = ListFactory(keyID: factory.keyID)
        await expectFailure(.statusVerificationError, .verificationFailed) {
            try await client.checkStatus(try entry(url), trust: other.trust, options: .init(policy: .offline))
        }
        // Both trusted: the cached list answers.
        #expect(try await client.checkStatus(try entry(url), trust: .anyOf([factory.trust, other.trust])).source == .memory)
        #expect(server.requests("/list").count == 1)
    }

    @Test func theMemoryCacheIsBounded() async throws {
        let server = try await CraftedServer.start()
        defer { Task { await server.stop() } }
        for name in ["a", "b", "c"] {
            let statement = factory.statement(url: "\(server.baseURL)/\(name)", bitstring: try bitstring())
            server.serve("/\(name)", try factory.body(statement, .ietfJWT), mediaType: "application/statuslist+jwt")
        }
        let client = makeClient { $0.caching.maximumMemoryEntries = 2 }
        for name in ["a", "b", "a", "c", "a", "b"] {
            _ = try await client.checkStatus(try StatusListReference(idx: 0, uri: "\(server.baseURL)/\(name)"), trust: factory.trust)
        }
        // a stays (recently used), b was evicted by c, then fetched again.
        #expect(server.requests("/a").count == 1)
        #expect(server.requests("/b").count == 2)
        #expect(server.requests("/c").count == 1)
    }

    @Test func noStoreListsStayOffTheDisk() async throws {
        let (server, url, _) = try await setUp(cacheControl: "no-store")
        let directory = temporaryDirectory()
        defer {
            Task { await server.stop() }
            try? FileManager.default.removeItem(at: directory)
        }
        let client = makeClient(cacheDirectory: directory)
        _ = try await client.checkStatus(try entry(url), trust: factory.trust)
        let lists = directory.appendingPathComponent("lists")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: lists.path)) ?? []).isEmpty)
    }

    @Test func theDiskCacheIsBounded() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = DiskCache(directory: directory, maximumEntries: 3, maximumBytes: 1 << 20, maximumFileBytes: 1 << 20)
        for index in 0..<5 {
            cache.store(
                StoredResponse(
                    key: "k\(index)",
                    finalURL: "https://x/\(index)",
                    mediaType: nil,
                    etag: nil,
                    lastModified: nil,
                    fetchedAt: Date(),
                    headerLifetime: nil,
                    validUntilHint: nil,
                    body: Data(repeating: UInt8(index), count: 10)
                ),
                in: .lists
            )
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("lists").path)
        #expect(files.count == 3)
        #expect(cache.load("k4", in: .lists)?.body == Data(repeating: 4, count: 10))
        #expect(DiskCache.fileName(for: "k1") != DiskCache.fileName(for: "k2"))
        #expect(DiskCache.fileName(for: "k1").count == 37)
    }

    @Test func cacheControlParsing() {
        #expect(CacheControl("public, max-age=300").maxAge == 300)
        #expect(CacheControl("max-age=\"60\", no-store").maxAge == 60)
        #expect(CacheControl("max-age=60, no-store").noStore)
        #expect(CacheControl("no-cache, max-age=60").lifetime == 0)
        #expect(CacheControl("max-age=-1").maxAge == nil)
        #expect(CacheControl(nil).lifetime == nil)
    }

    @Test func historicalQueries() throws {
        let url = try #require(URL(string: "https://status.example/lists/1?x=y"))
        let time = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(try StandingClient.historicalURL(url, at: time, w3c: false).absoluteString == "https://status.example/lists/1?x=y&time=1700000000")
        #expect(
            try StandingClient.historicalURL(url, at: time, w3c: true).absoluteString
                == "https://status.example/lists/1?x=y&timestamp=2023-11-14T22:13:20Z"
        )
    }

    @Test func defaultCacheDirectory() {
        #expect(StandingClient.defaultCacheDirectory(environment: ["STANDING_CACHE_DIR": "/tmp/sc"]).path == "/tmp/sc")
        #expect(StandingClient.defaultCacheDirectory(environment: ["XDG_CACHE_HOME": "/tmp/xdg"]).path == "/tmp/xdg/standing")
        #expect(StandingClient.defaultCacheDirectory(environment: [:]).path.hasSuffix("standing"))
    }
}

/// The body member of a disk cache file.
private struct StoredResponseProbe: Decodable {
    var body: String
}
