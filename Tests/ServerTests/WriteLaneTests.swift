import Foundation
import NIOHTTP1
import StandingAPI
import StandingTestSupport
@testable import Store
import Testing

@testable import Server
@testable import StatusList

#if os(Linux)
import Glibc

/// ``WriteLane``: what runs with it as the executor preference runs on its one low-priority thread, and a SQLite write
/// from there happens on that thread and is durable.
@Suite struct WriteLaneTests {
    private static func niceOfCallingThread() -> Int32 {
        getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }

    @Test func workWithThePreferenceRunsOnTheLaneAtTheLowestPriority() async throws {
        let lane = WriteLane.shared
        #expect(!WriteLaneThread.isCurrent)
        let (onLane, marked, nice) = await withTaskExecutorPreference(lane) {
            await Task.yield()
            return (lane.isCurrent, WriteLaneThread.isCurrent, Self.niceOfCallingThread())
        }
        #expect(onLane && marked)
        #expect(nice == WriteLane.niceValue)
        // The caller's own thread is untouched.
        #expect(!WriteLaneThread.isCurrent)
    }

    /// A write transaction from the lane runs there (synchronously) and is visible to any later reader.
    @Test func aStoreWriteFromTheLaneIsDurable() async throws {
        let directory = NSTemporaryDirectory() + "write-lane-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(path: directory + "/standing.sqlite")
        let definition = StatusListDefinition(
            id: "lane", owner: "operator", purpose: .revocation, statusSize: 1, capacity: 1000, ttlSeconds: 300, validitySeconds: 86_400,
            statusMessages: [], allocatorKey: Array(repeating: 0xA5, count: 32), createdAt: Date(timeIntervalSince1970: 0))
        let wroteOnLane = try await withTaskExecutorPreference(WriteLane.shared) {
            try await store.createList(definition)
            // The transaction itself ran on the lane's thread, not on GRDB's queue (where the mark is absent).
            return try await store.writing("probe") { _ in WriteLaneThread.isCurrent }
        }
        #expect(wroteOnLane)
        // Off the lane the same transaction hops to GRDB's queue.
        #expect(try await store.writing("probe") { _ in WriteLaneThread.isCurrent } == false)
        #expect(try await SQLiteStore(path: directory + "/standing.sqlite").list(id: "lane") == definition)
        // A duplicate is refused on the lane as elsewhere: errors map the same way.
        await #expect(throws: StoreError.self) {
            try await withTaskExecutorPreference(WriteLane.shared) { try await store.createList(definition) }
        }
    }

    /// A server with the lane (the default outside these tests): issuers' writes are acknowledged, durable and
    /// published as without it, and bad input is still a problem answer.
    @Test func administrationOnTheLaneWorksEndToEnd() async throws {
        let server = try await TestServer.start { $0.lowPriorityWrites = true }
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let indices = try await server.allocate(list, count: 3)
        let changed = try await server.setStatus(list, indices[1], 1)
        #expect(changed.status == 200)
        let lookup = try await server.request(.GET, "/status/\(list)/\(indices[1])")
        #expect(lookup.status == 200 && lookup.json["status"] as? Int == 1)
        let refused = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["changes": "not a list"])
        #expect(refused.status == 400 && refused.header("Content-Type") == "application/problem+json")
    }
}
#endif
