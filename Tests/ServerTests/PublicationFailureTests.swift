import Foundation
import NIOHTTP1
import Signing
import StandingAPI
import StatusList
import StatusListSecuring
import Store
import Synchronization
import Testing

@testable import Server
import StandingTestSupport

/// A ``StatusStore`` that forwards to SQLite, except that recording a publication fails while ``failing`` is set, the
/// way SQLite fails on a full disk. Every recording attempt is timed, to check the back-off.
final class FailingPublicationStore: StatusStore {
    let base: SQLiteStore
    let failing = Mutex(false)
    /// Records the next publication, then reports a failure anyway (a commit whose success was not reported).
    let recordThenFailOnce = Mutex(false)
    let attempts = Mutex<[ContinuousClock.Instant]>([])

    /// While set to a list id, recording that list's publications waits (a slow disk), so a change can land meanwhile.
    let holdRecordingOf = Mutex<String?>(nil)
    /// The (list, version) pairs recorded, in order.
    let recorded = Mutex<[String]>([])

    init(_ base: SQLiteStore) { self.base = base }

    func recordPublication(_ publication: PublicationRecord) async throws {
        while holdRecordingOf.withLock({ $0 == publication.listId }) { try await Task.sleep(for: .milliseconds(10)) }
        defer { recorded.withLock { $0.append("\(publication.listId)@\(publication.version)") } }
        if failing.withLock({ $0 }) {
            attempts.withLock { $0.append(.now) }
            throw StoreError(
                .unavailable, "recording publication \(publication.version) of list '\(publication.listId)': database or disk is full")
        }
        try await base.recordPublication(publication)
        if recordThenFailOnce.withLock({ flag in defer { flag = false }; return flag }) {
            throw StoreError(.unavailable, "recording publication \(publication.version) of list '\(publication.listId)': disk I/O error")
        }
    }

    func createList(_ list: StatusListDefinition) async throws { try await base.createList(list) }
    func list(id: String) async throws -> StatusListDefinition? { try await base.list(id: id) }
    func lists(owner: String?) async throws -> [StatusListDefinition] { try await base.lists(owner: owner) }
    func reserveSequences(listId: String, count: Int) async throws -> Int { try await base.reserveSequences(listId: listId, count: count) }
    func applyChanges(
        listId: String, changes: [EntryChange], actor: String, reason: String?, at: Date,
        validate: @Sendable (EntryChange, UInt8) throws -> Void
    ) async throws -> [AuditRecord] {
        try await base.applyChanges(listId: listId, changes: changes, actor: actor, reason: reason, at: at, validate: validate)
    }
    func nonZeroEntries(listId: String) async throws -> [EntryChange] { try await base.nonZeroEntries(listId: listId) }
    func auditLog(listId: String?, after: Int64, limit: Int) async throws -> [AuditRecord] {
        try await base.auditLog(listId: listId, after: after, limit: limit)
    }
    func latestAuditRecord(listId: String, index: Int, window: Int) async throws -> AuditRecord? {
        try await base.latestAuditRecord(listId: listId, index: index, window: window)
    }
    func latestPublication(listId: String) async throws -> PublicationRecord? { try await base.latestPublication(listId: listId) }
    func recentPublications(listId: String, limit: Int) async throws -> [PublicationRecord] {
        try await base.recentPublications(listId: listId, limit: limit)
    }
    func publication(listId: String, at time: Date) async throws -> PublicationRecord? {
        try await base.publication(listId: listId, at: time)
    }
    func createToken(_ token: TokenRecord) async throws { try await base.createToken(token) }
    func token(secretHash: String) async throws -> TokenRecord? { try await base.token(secretHash: secretHash) }
    func tokens() async throws -> [TokenRecord] { try await base.tokens() }
    func revokeToken(id: String, at: Date) async throws { try await base.revokeToken(id: id, at: at) }
    func installation() async throws -> InstallationRecord? { try await base.installation() }
    func recordInstallation(serviceKeys: [ServiceKeyRecord], at: Date) async throws {
        try await base.recordInstallation(serviceKeys: serviceKeys, at: at)
    }
    func recordCredentialEntries(_ entries: [CredentialEntryRecord]) async throws { try await base.recordCredentialEntries(entries) }
    func credentialEntries(credentialId: String) async throws -> [CredentialEntryRecord] {
        try await base.credentialEntries(credentialId: credentialId)
    }
}

/// Publication failures are loud: `/ready` fails naming the cause, the failure metric moves, writes that would need a
/// publication are refused, the publisher retries with back-off, and every acknowledged change is published once the
/// store recovers (issue 16, item 2).
@Suite struct PublicationFailureTests {
    /// The value of an unlabelled metric in a Prometheus text exposition, or nil when absent.
    /// A server whose status store is a ``FailingPublicationStore``, and that store.
    static func startWithFailingStore() async throws -> (TestServer, FailingPublicationStore) {
        let store = Mutex<FailingPublicationStore?>(nil)
        let server = try await TestServer.start(statusStore: { sqlite in
            let double = FailingPublicationStore(sqlite)
            store.withLock { $0 = double }
            return double
        })
        return (server, try #require(store.withLock { $0 }))
    }

    static func metric(_ name: String, in exposition: String) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// The value of `index` in every published form of `list`, each verified against the service's keys.
    static func publishedValues(_ server: TestServer, _ list: String, _ indices: [Int]) async throws -> [StatusMediaType: [UInt8]] {
        let keys = try await IncrementalPublicationTests.trustedKeys(server)
        var values: [StatusMediaType: [UInt8]] = [:]
        for mediaType in StatusMediaType.allCases {
            let response = try await server.request(.GET, "/status/\(list)", headers: [("Accept", mediaType.rawValue)])
            try #require(response.status == 200, "\(mediaType.rawValue): \(response.status)")
            let verified = try StatusListVerifier.verify(
                response.body, mediaType: mediaType.rawValue, expectedURL: "\(server.baseURL)/status/\(list)", trustedKeys: keys)
            values[mediaType] = indices.map { verified.bitstring[$0] }
        }
        return values
    }

    @Test func failingPublicationIsLoudRefusesWritesRetriesWithBackOffAndLosesNothing() async throws {
        let (server, failing) = try await Self.startWithFailingStore()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let indices = try await server.allocate(list, count: 4)
        try await server.setStatus(list, indices[0], 1)
        let failuresBefore = Self.metric("standing_publication_failures_total", in: try await server.request(.GET, "/metrics").text) ?? 0

        // The store starts failing: the change is committed and acknowledged, its publication fails.
        failing.failing.withLock { $0 = true }
        let acknowledged = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": indices[1], "value": 1])
        #expect(acknowledged.status == 200, "\(acknowledged.text)")

        // /ready fails with a problem naming the cause.
        var ready = try await server.request(.GET, "/ready")
        let turnedUnready = try await eventually(timeout: .seconds(10)) {
            ready = try await server.request(.GET, "/ready")
            return ready.status == 503
        }
        #expect(turnedUnready, "/ready stayed \(ready.status)")
        #expect(ready.header("Content-Type") == "application/problem+json")
        let readyDetail = ready.json["detail"] as? String ?? ""
        #expect(readyDetail.contains("publication is failing"), "\(readyDetail)")
        #expect(readyDetail.contains("database or disk is full"), "\(readyDetail)")
        #expect(readyDetail.contains(list), "\(readyDetail)")

        // The failure metrics move.
        let exposition = try await server.request(.GET, "/metrics").text
        #expect((Self.metric("standing_publication_failures_total", in: exposition) ?? 0) > failuresBefore)
        #expect(Self.metric("standing_publication_failing", in: exposition) != nil)
        #expect(Self.metric("standing_lists_unpublished", in: exposition) != nil)
        #expect(Self.metric("standing_oldest_unpublished_change_seconds", in: exposition) != nil)

        // Writes that need a publication are refused with a 503 problem naming the cause; nothing is written.
        let refused = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": indices[2], "value": 1])
        #expect(refused.status == 503, "\(refused.text)")
        #expect(refused.header("Content-Type") == "application/problem+json")
        #expect((refused.json["detail"] as? String ?? "").contains("database or disk is full"), "\(refused.text)")
        let refusedList = try await server.admin(.POST, "/admin/lists", json: ["purpose": "revocation"])
        #expect(refusedList.status == 503, "\(refusedList.text)")
        // Allocation publishes nothing, so it goes on.
        #expect(try await server.allocate(list, count: 1).count == 1)

        // Retries back off: each gap between attempts is at least the doubled delay (100, 200, 400 ms...).
        let retried = try await eventually(timeout: .seconds(20)) { failing.attempts.withLock { $0.count } >= 4 }
        #expect(retried, "fewer than 4 publication attempts")
        let times = failing.attempts.withLock { $0 }
        for (number, pair) in zip(times, times.dropFirst()).enumerated().prefix(3) {
            let expected = Duration.milliseconds(100 * (1 << number))
            #expect(pair.1 - pair.0 >= expected, "gap \(number + 1) was \(pair.1 - pair.0), expected at least \(expected)")
        }
        // Meanwhile the acknowledged change is not published: it is exactly what the alert is about.
        #expect(try await Self.publishedValues(server, list, [indices[1]]).values.allSatisfy { $0 == [0] })

        // The store recovers: a retry publishes, /ready is 200 again, writes are accepted again.
        failing.failing.withLock { $0 = false }
        let recovered = try await eventually(timeout: .seconds(40)) { try await server.request(.GET, "/ready").status == 200 }
        #expect(recovered, "/ready did not recover")
        let afterRecovery = try await server.request(.GET, "/metrics").text
        #expect(Self.metric("standing_publication_failing", in: afterRecovery) == 0)
        #expect(Self.metric("standing_lists_unpublished", in: afterRecovery) == 0)
        // Every acknowledged change is in every published form; the refused one is not.
        let values = try await Self.publishedValues(server, list, [indices[0], indices[1], indices[2]])
        for (mediaType, published) in values {
            #expect(published == [1, 1, 0], "\(mediaType.rawValue): \(published)")
        }
        #expect(try await server.setStatus(list, indices[2], 1).status == 200)
        #expect(try await Self.publishedValues(server, list, [indices[2]]).values.allSatisfy { $0 == [1] })
    }

    @Test func aPublicationRecordedDespiteAReportedFailureDoesNotBlockTheList() async throws {
        let (server, double) = try await Self.startWithFailingStore()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let index = try #require(try await server.allocate(list).first)
        double.recordThenFailOnce.withLock { $0 = true }
        #expect(try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": index, "value": 1]).status == 200)
        // The retry finds its version taken and publishes under the next one.
        let published = try await eventually(timeout: .seconds(20)) {
            try await server.request(.GET, "/status/\(list)/\(index)").json["status"] as? Int == 1
        }
        #expect(published, "the change was never published")
        #expect(try await eventually(timeout: .seconds(10)) { try await server.request(.GET, "/ready").status == 200 })
    }

    @Test func aListWhoseFirstPublicationFailsIsReportedAndPublishedOnRecovery() async throws {
        let (server, failing) = try await Self.startWithFailingStore()
        defer { Task { await server.stopAndRemove() } }
        failing.failing.withLock { $0 = true }
        let created = try await server.admin(.POST, "/admin/lists", json: ["id": "first-fails", "purpose": "revocation"])
        #expect(created.status == 503, "\(created.text)")
        #expect((created.json["detail"] as? String ?? "").contains("was created, but its first publication failed"), "\(created.text)")
        #expect(try await server.request(.GET, "/ready").status == 503)
        failing.failing.withLock { $0 = false }
        let published = try await eventually(timeout: .seconds(20)) { try await server.request(.GET, "/status/first-fails").status == 200 }
        #expect(published, "the list was not published after recovery")
        #expect(try await server.request(.GET, "/ready").status == 200)
    }

    /// A change that lands while a list's publication is being recorded is published after it, under the next
    /// version, never by a second publication racing the first for the same version number.
    @Test func aChangeDuringAPublicationIsPublishedAfterItNotBesideIt() async throws {
        let (server, slow) = try await Self.startWithFailingStore()
        defer { Task { await server.stopAndRemove() } }
        slow.holdRecordingOf.withLock { $0 = "slow-disk" }
        // Creation publishes version 1 and waits for it; meanwhile an entry is allocated and revoked.
        let creation = Task { try await server.admin(.POST, "/admin/lists", json: ["id": "slow-disk", "purpose": "revocation"]) }
        #expect(try await eventually(timeout: .seconds(10)) { try await server.admin(.GET, "/admin/lists/slow-disk").status == 200 })
        let index = try #require(try await server.allocate("slow-disk").first)
        let revoked = try await server.admin(.POST, "/admin/lists/slow-disk/status", json: ["index": index, "value": 1])
        #expect(revoked.status == 200, "\(revoked.text)")
        try await Task.sleep(for: .milliseconds(300))  // the flush of the change comes and finds version 1 in flight
        slow.holdRecordingOf.withLock { $0 = nil }
        #expect(try await creation.value.status == 201)
        let published = try await eventually(timeout: .seconds(10)) {
            try await server.request(.GET, "/status/slow-disk/\(index)").json["status"] as? Int == 1
        }
        #expect(published, "the revocation was not published")
        #expect(slow.recorded.withLock { $0 } == ["slow-disk@1", "slow-disk@2"])
        #expect(try await server.request(.GET, "/ready").status == 200)
    }
}

