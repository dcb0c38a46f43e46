import Foundation
import NIOHTTP1
import PostgresStore
import StandingTestSupport
import Testing
import TrustRegistry

@testable import Server

/// Several `standing serve` instances on one PostgreSQL database (issue 11): a change acknowledged by any instance is
/// served by every instance within the publication window plus one second, with the same bytes and entity tag;
/// allocations never collide; registry writes from both never fail with 500. Skipped without
/// STANDING_TEST_DATABASE_URL (`Tests/Probes/with-postgres.sh swift test` sets it).
@Suite(.serialized) struct MultiInstanceTests {
    static let windowMilliseconds = 200

    /// Two in-process servers on one database, each with its own copy of the data directory (same keys and token).
    /// - Parameter publishDirectories: When given, the first instance writes into the first, the second into the second.
    static func withTwoInstances(
        publishDirectories: (URL, URL)? = nil, _ body: (TestServer, TestServer) async throws -> Void
    ) async throws {
        try await PostgresInstallationTests().withPostgresSchema { url in
            func configure(_ publishDirectory: URL?) -> (inout ServerConfiguration) -> Void {
                {
                    $0.database = url
                    $0.publicationWindowMilliseconds = windowMilliseconds
                    $0.publishDirectory = publishDirectory?.path
                }
            }
            let first = try await TestServer.start(configure: configure(publishDirectories?.0))
            let copy = FileManager.default.temporaryDirectory.appendingPathComponent("standing-second-\(UUID().uuidString)")
            let second: TestServer
            do {
                try FileManager.default.copyItem(at: first.directory, to: copy)
                second = try await TestServer.start(directory: copy, configure: configure(publishDirectories?.1))
            } catch {
                await first.stopAndRemove()
                try? FileManager.default.removeItem(at: copy)
                throw error
            }
            do {
                try await body(first, second)
            } catch {
                await second.stopAndRemove()
                await first.stopAndRemove()
                throw error
            }
            await second.stopAndRemove()
            await first.stopAndRemove()
        }
    }

    /// Every representation of `list`, by per-format path, as `server` serves it: (ETag, bytes).
    static func representations(_ server: TestServer, _ list: String) async throws -> [String: (String?, Data)] {
        var found: [String: (String?, Data)] = [:]
        for mediaType in StatusMediaType.allCases {
            let response = try await server.request(.GET, "/status/\(list).\(mediaType.pathSuffix)")
            if response.status == 200 { found[mediaType.pathSuffix] = (response.header("ETag"), response.body) }
        }
        return found
    }

    /// Whether both serve the same bytes and entity tags for every format, and all four formats.
    static func sameEverywhere(_ first: TestServer, _ second: TestServer, _ list: String) async throws -> Bool {
        let (a, b) = (try await representations(first, list), try await representations(second, list))
        return a.count == StatusMediaType.allCases.count && a.keys == b.keys
            && a.allSatisfy { key, value in b[key].map { $0.0 == value.0 && $0.1 == value.1 } ?? false }
    }

    @Test func aChangeOnEitherInstanceIsServedByBothWithTheSameBytes() async throws {
        try await Self.withTwoInstances { first, second in
            let list = try await first.createList()
            let indices = try await first.allocate(list, count: 4)
            // The other instance learns of the new list and serves the creator's signed bytes.
            #expect(try await eventually { try await Self.sameEverywhere(first, second, list) })

            let deadline = Duration.milliseconds(Self.windowMilliseconds) + .seconds(1)
            for (writer, reader, index) in [(first, second, indices[0]), (second, first, indices[1]), (second, second, indices[2])] {
                let started = ContinuousClock.now
                let change = try await writer.admin(.POST, "/admin/lists/\(list)/status", json: ["index": index, "value": 1])
                #expect(change.status == 200, "\(change.text)")
                let visible = try await eventually(timeout: deadline) {
                    let onReader = try await reader.request(.GET, "/status/\(list)/\(index)").json["status"] as? Int
                    let onFirst = try await first.request(.GET, "/status/\(list)/\(index)").json["status"] as? Int
                    return onReader == 1 && onFirst == 1
                }
                let elapsed = ContinuousClock.now - started
                #expect(visible, "index \(index) not revoked on both within \(deadline) (took \(elapsed))")
                #expect(try await eventually { try await Self.sameEverywhere(first, second, list) }, "index \(index)")
            }
            // Unchanged entries stay unchanged on both.
            #expect(try await second.request(.GET, "/status/\(list)/\(indices[3])").json["status"] as? Int == 0)
        }
    }

    /// The instance that signs a list stops (without releasing its lease, as after kill -9): the other takes the lease
    /// over once it expires (3 s by the database's clock) and publishes the changes acknowledged meanwhile.
    @Test func anAbandonedListIsTakenOverWithinSeconds() async throws {
        try await Self.withTwoInstances { first, second in
            let list = try await first.createList()
            let indices = try await first.allocate(list, count: 2)
            #expect(try await eventually { try await Self.sameEverywhere(first, second, list) })
            await first.stop()
            let change = try await second.admin(.POST, "/admin/lists/\(list)/status", json: ["index": indices[0], "value": 1])
            #expect(change.status == 200, "\(change.text)")
            // Until the lease runs out nobody publishes the change: this instance counts it as served late
            // (standing_oldest_unpublished_change_seconds, standing_lists_unpublished).
            #expect(
                try await eventually(timeout: .seconds(2)) {
                    let (lists, oldest) = second.publisher.health.backlog
                    return lists == 1 && oldest != nil
                }, "the change waiting for the lease holder is not counted in the lag")
            let published = try await eventually(timeout: .seconds(6)) {
                try await second.request(.GET, "/status/\(list)/\(indices[0])").json["status"] as? Int == 1
            }
            #expect(published, "the list was not taken over")
            #expect(try await eventually { second.publisher.health.backlog.lists == 0 }, "the lag gauge goes back to 0 once served")
            #expect(try await second.request(.GET, "/status/\(list)/\(indices[1])").json["status"] as? Int == 0)
        }
    }

    /// `/ready` names the database when this instance cannot reach it, while the other instance stays ready.
    @Test func readyReportsTheDatabaseConnection() async throws {
        try await Self.withTwoInstances { first, second in
            #expect(try await first.request(.GET, "/ready").status == 200)
            let store = try #require(first.store as? PostgreSQLStore)
            await store.close()
            let ready = try await first.request(.GET, "/ready")
            #expect(ready.status == 503)
            #expect(ready.text.contains("database"), "\(ready.text)")
            #expect(try await second.request(.GET, "/ready").status == 200)
        }
    }

    /// Each instance's publish directory holds the same bytes for every format, whichever instance signed.
    @Test func bothPublishDirectoriesHoldTheSameBytes() async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("standing-publish-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let directories = (base.appendingPathComponent("a"), base.appendingPathComponent("b"))
        try await Self.withTwoInstances(publishDirectories: directories) { first, second in
            let list = try await first.createList()
            let index = try #require(try await first.allocate(list).first)
            #expect(try await second.admin(.POST, "/admin/lists/\(list)/status", json: ["index": index, "value": 1]).status == 200)
            #expect(
                try await eventually {
                    guard try await second.request(.GET, "/status/\(list)/\(index)").json["status"] as? Int == 1 else { return false }
                    return try await Self.sameEverywhere(first, second, list)
                })
            for mediaType in StatusMediaType.allCases {
                let name = "status/\(list).\(mediaType.pathSuffix)"
                let served = try await second.request(.GET, "/\(name)").body
                // The file is written right after the bytes are swapped in for readers.
                let same = try await eventually {
                    let first = try? Data(contentsOf: directories.0.appendingPathComponent(name))
                    let second = try? Data(contentsOf: directories.1.appendingPathComponent(name))
                    return first == served && second == served
                }
                #expect(same, "\(mediaType.rawValue)")
            }
        }
    }

    @Test func allocationsFromBothInstancesNeverCollide() async throws {
        try await Self.withTwoInstances { first, second in
            let list = try await first.createList()
            #expect(try await eventually { try await second.request(.GET, "/status/\(list).vc.json").status == 200 })
            let indices = try await withThrowingTaskGroup(of: [Int].self) { group in
                for round in 0..<16 {
                    let server = round % 2 == 0 ? first : second
                    group.addTask { try await server.allocate(list, count: 25) }
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(indices.count == 16 * 25)
            #expect(Set(indices).count == indices.count, "an index was handed out twice")
        }
    }

    /// Statements submitted to both instances at once: each is recorded once (201) or refused with a 4xx, never a 500;
    /// the log has one event per seq, and both instances end up answering from the same head.
    @Test func registryWritesFromBothInstancesNeverFailWith500() async throws {
        try await PostgresInstallationTests().withPostgresSchema { url in
            let world = try await RegistryWorld.start { $0.database = url }
            let copy = FileManager.default.temporaryDirectory.appendingPathComponent("standing-second-\(UUID().uuidString)")
            try FileManager.default.copyItem(at: world.server.directory, to: copy)
            let secondServer = try await TestServer.start(directory: copy) { $0.database = url }
            let other = RegistryWorld(
                server: secondServer, root: world.root, aneca: world.aneca, nvao: world.nvao,
                rootAuthorisationId: world.rootAuthorisationId, anecaAccreditationId: world.anecaAccreditationId,
                nvaoAccreditationId: world.nvaoAccreditationId, anecaToken: world.anecaToken, nvaoToken: world.nvaoToken)
            do {
                let start = try await world.logHead()
                let issuers = (0..<10).map {
                    RegistryParty(did: "did:web:both\($0).example.es", role: .issuer, name: "Both \($0)", country: "ES")
                }
                let answers = try await withThrowingTaskGroup(of: (String, Int, Int?).self) { group in
                    for (number, issuer) in issuers.enumerated() {
                        let target = number % 2 == 0 ? world : other
                        group.addTask {
                            let response = try await target.submit(try world.accreditStatement(issuer, by: world.aneca), token: world.anecaToken)
                            return (issuer.did, response.status, response.json["seq"] as? Int)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(answers.allSatisfy { $0.1 == 201 || $0.1 == 409 }, "\(answers)")
                let recorded = answers.filter { $0.1 == 201 }
                #expect(Set(recorded.compactMap(\.2)).count == recorded.count, "two writes got one seq")
                let head = start + recorded.count
                #expect(
                    try await eventually {
                        let (here, there) = (try await world.logHead(), try await other.logHead())
                        return here == head && there == head
                    })
                for answer in recorded {
                    #expect(
                        try await eventually {
                            let (here, there) = (try await world.authorized(answer.0), try await other.authorized(answer.0))
                            return here && there
                        }, "\(answer.0)")
                }
            } catch {
                await secondServer.stopAndRemove()
                await world.server.stopAndRemove()
                throw error
            }
            await secondServer.stopAndRemove()
            await world.server.stopAndRemove()
        }
    }
}
