import Foundation
import StandingAPI
import StatusList
import Testing

@testable import Store

/// An error a caller's validation rule throws; the store must rethrow it unchanged.
private struct RuleViolation: Error, Equatable {
    let index: Int
}

private let epoch = Date(timeIntervalSince1970: 1_750_000_000.123)

private func definition(
    id: String,
    owner: String = "issuer-a",
    purpose: ListPurpose = .revocation,
    statusSize: Int = 1,
    capacity: Int = 1000,
    createdAt: Date = epoch
) -> StatusListDefinition {
    StatusListDefinition(
        id: id,
        owner: owner,
        purpose: purpose,
        statusSize: statusSize,
        capacity: capacity,
        ttlSeconds: 300,
        validitySeconds: 86_400,
        statusMessages: [],
        allocatorKey: Array(repeating: 0xA5, count: 32),
        createdAt: createdAt
    )
}

private let acceptAll: @Sendable (EntryChange, UInt8) throws -> Void = { _, _ in }

/// The ``StatusStore`` contract, run against every store (SQLite, and PostgreSQL when a test database is given).
@Suite("StatusStore")
struct StatusStoreTests {
    // MARK: Lists

    @Test(arguments: StoreKind.allCases) func listRoundTripsEveryField(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let list = StatusListDefinition(
                id: "msgs-1",
                owner: "issuer-b",
                purpose: .message,
                statusSize: 2,
                capacity: 131_072,
                ttlSeconds: 600,
                validitySeconds: 3600,
                statusMessages: [
                    try StatusMessage(status: "0x0", message: "valid"),
                    try StatusMessage(status: "0x1", message: "invalid \"quoted\" ü"),
                    try StatusMessage(status: "0x2", message: "pending"),
                    try StatusMessage(status: "0x3", message: "other"),
                ],
                allocatorKey: (0..<32).map { UInt8($0 * 7 % 256) },
                allocated: 17,
                createdAt: Date(timeIntervalSince1970: 1_761_234_567.891)
            )
            try await store.createList(list)
            let read = try #require(try await store.list(id: "msgs-1"))
            #expect(read == list)
            #expect(try await store.list(id: "missing") == nil)
        }
    }

    @Test(arguments: StoreKind.allCases) func listsFilterByOwnerOldestFirst(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(definition(id: "c", owner: "x", createdAt: epoch.addingTimeInterval(2)))
            try await store.createList(definition(id: "a", owner: "y", createdAt: epoch.addingTimeInterval(1)))
            try await store.createList(definition(id: "b", owner: "x", createdAt: epoch))
            #expect(try await store.lists(owner: nil).map(\.id) == ["b", "a", "c"])
            #expect(try await store.lists(owner: "x").map(\.id) == ["b", "c"])
            #expect(try await store.lists(owner: "nobody").isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases) func duplicateListIdIsAConflict(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(definition(id: "dup"))
            await #expect(throws: StoreError(.conflict, "")) {
                try await store.createList(definition(id: "dup", owner: "someone-else"))
            }
            #expect(try await store.list(id: "dup")?.owner == "issuer-a")
        }
    }

    @Test(arguments: StoreKind.allCases) func invalidDefinitionIsRejected(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            await #expect(throws: StoreError(.rejected, "")) {
                try await store.createList(definition(id: "bad", statusSize: 3))
            }
            let stored = try await store.list(id: "bad")
            #expect(stored == nil)
        }
    }

    // MARK: Reservations

    @Test(arguments: StoreKind.allCases) func reservationsAdvanceAndStopAtCapacity(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(definition(id: "r", capacity: 25))
            #expect(try await store.reserveSequences(listId: "r", count: 10) == 0)
            #expect(try await store.reserveSequences(listId: "r", count: 10) == 10)
            await #expect(throws: StoreError(.listFull, "")) {
                try await store.reserveSequences(listId: "r", count: 6)
            }
            #expect(try await store.list(id: "r")?.allocated == 20)
            #expect(try await store.reserveSequences(listId: "r", count: 5) == 20)
            await #expect(throws: StoreError(.listFull, "")) {
                try await store.reserveSequences(listId: "r", count: 1)
            }
            await #expect(throws: StoreError(.listFull, "")) {
                try await store.reserveSequences(listId: "r", count: Int.max)
            }
            #expect(try await store.list(id: "r")?.allocated == 25)
            await #expect(throws: StoreError(.notFound, "")) {
                try await store.reserveSequences(listId: "nope", count: 1)
            }
            await #expect(throws: StoreError(.rejected, "")) {
                try await store.reserveSequences(listId: "r", count: 0)
            }
        }
    }

    @Test(arguments: StoreKind.allCases) func concurrentReservationsNeverOverlap(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let capacity = 1500
            try await store.createList(definition(id: "busy", capacity: capacity))
            // 50 tasks x 20 reservations x 2 entries = 2000 requested, so the last 250 requests must fail.
            let outcomes = try await withThrowingTaskGroup(of: [Int?].self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        var starts: [Int?] = []
                        for _ in 0..<20 {
                            do {
                                starts.append(try await store.reserveSequences(listId: "busy", count: 2))
                            } catch let error as StoreError where error.code == .listFull {
                                starts.append(nil)
                            }
                        }
                        return starts
                    }
                }
                var all: [Int?] = []
                for try await starts in group { all += starts }
                return all
            }
            let starts = outcomes.compactMap { $0 }
            #expect(outcomes.count == 1000)
            #expect(starts.count == capacity / 2)
            #expect(Set(starts) == Set(stride(from: 0, to: capacity, by: 2)))
            #expect(try await store.list(id: "busy")?.allocated == capacity)
        }
    }

    // MARK: Entries

    @Test(arguments: StoreKind.allCases) func changesWriteEntriesAndAuditSkippingNoOps(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(definition(id: "s", purpose: .suspension, statusSize: 2))
            let at = Date(timeIntervalSince1970: 1_760_000_000.5)
            let first = try await store.applyChanges(
                listId: "s",
                changes: [EntryChange(index: 5, value: 1), EntryChange(index: 9, value: 3), EntryChange(index: 7, value: 0)],
                actor: "issuer-a",
                reason: "fraud",
                at: at,
                validate: acceptAll
            )
            #expect(first.map(\.index) == [5, 9])
            #expect(first.map(\.oldValue) == [0, 0])
            #expect(first.map(\.newValue) == [1, 3])
            #expect(first.allSatisfy { $0.listId == "s" && $0.actor == "issuer-a" && $0.reason == "fraud" && $0.at == at })
            #expect(first[1].id > first[0].id)

            let second = try await store.applyChanges(
                listId: "s",
                changes: [EntryChange(index: 5, value: 1), EntryChange(index: 9, value: 2)],
                actor: "operator",
                reason: nil,
                at: at.addingTimeInterval(60),
                validate: acceptAll
            )
            #expect(second.count == 1)
            #expect(second.first?.index == 9)
            #expect(second.first?.oldValue == 3)
            #expect(second.first?.newValue == 2)
            #expect(second.first?.reason == nil)

            #expect(try await store.nonZeroEntries(listId: "s") == [EntryChange(index: 5, value: 1), EntryChange(index: 9, value: 2)])
            // The records returned are the records stored.
            #expect(try await store.auditLog(listId: "s", after: 0, limit: 10) == first + second)
        }
    }

    @Test(arguments: StoreKind.allCases) func validateSeesCurrentValues(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(definition(id: "v", statusSize: 8))
            _ = try await store.applyChanges(
                listId: "v",
                changes: [EntryChange(index: 3, value: 200)],
                actor: "a",
                reason: nil,
                at: epoch,
                validate: acceptAll
            )
            let seen = try await store.applyChanges(
                listId: "v",
                changes: [EntryChange(index: 3, value: 201), EntryChange(index: 4, value: 1)],
                actor: "a",
                reason: nil,
                at: epoch
            ) { change, current in
                let expected: UInt8 = change.index == 3 ? 200 : 0
                guard current == expected else { throw RuleViolation(index: change.index) }
            }
            #expect(seen.map(\.oldValue) == [200, 0])
        }
    }

    @Test(arguments: StoreKind.allCases) func failedValidationWritesNothing(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(definition(id: "f"))
            let before = try await store.applyChanges(
                listId: "f",
                changes: [EntryChange(index: 1, value: 1)],
                actor: "a",
                reason: nil,
                at: epoch,
                validate: acceptAll
            )
            let changes = (0..<100).map { EntryChange(index: 100 + $0, value: 1) }
            await #expect(throws: RuleViolation(index: 150)) {
                try await store.applyChanges(listId: "f", changes: changes, actor: "a", reason: nil, at: epoch) { change, _ in
                    if change.index == 150 { throw RuleViolation(index: 150) }
                }
            }
            #expect(try await store.nonZeroEntries(listId: "f") == [EntryChange(index: 1, value: 1)])
            #expect(try await store.auditLog(listId: nil, after: 0, limit: 1000) == before)
        }
    }

    @Test(arguments: StoreKind.allCases) func outOfRangeChangesAreRejectedAtomically(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(definition(id: "o", statusSize: 2, capacity: 10))
            for bad in [EntryChange(index: 10, value: 1), EntryChange(index: -1, value: 1), EntryChange(index: 2, value: 4)] {
                await #expect(throws: StoreError(.rejected, "")) {
                    try await store.applyChanges(
                        listId: "o",
                        changes: [EntryChange(index: 0, value: 1), bad],
                        actor: "a",
                        reason: nil,
                        at: epoch,
                        validate: acceptAll
                    )
                }
            }
            #expect(try await store.nonZeroEntries(listId: "o").isEmpty)
            #expect(try await store.auditLog(listId: nil, after: 0, limit: 10).isEmpty)
            await #expect(throws: StoreError(.notFound, "")) {
                try await store.applyChanges(listId: "missing", changes: [], actor: "a", reason: nil, at: epoch, validate: acceptAll)
            }
            await #expect(throws: StoreError(.notFound, "")) {
                try await store.nonZeroEntries(listId: "missing")
            }
        }
    }

    @Test(arguments: StoreKind.allCases) func settingZeroDeletesTheEntry(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(definition(id: "z", purpose: .suspension))
            _ = try await store.applyChanges(
                listId: "z",
                changes: [EntryChange(index: 1, value: 1), EntryChange(index: 2, value: 1)],
                actor: "a",
                reason: nil,
                at: epoch,
                validate: acceptAll
            )
            let records = try await store.applyChanges(
                listId: "z",
                changes: [EntryChange(index: 1, value: 0)],
                actor: "a",
                reason: "lifted",
                at: epoch,
                validate: acceptAll
            )
            #expect(records.map(\.oldValue) == [1])
            #expect(records.map(\.newValue) == [0])
            #expect(try await store.nonZeroEntries(listId: "z") == [EntryChange(index: 2, value: 1)])
            #expect(try await store.storedEntryRowCount(listId: "z") == 1)
        }
    }

    @Test(arguments: StoreKind.allCases) func repeatedIndexAppliesInOrder(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(definition(id: "d", purpose: .suspension))
            let records = try await store.applyChanges(
                listId: "d",
                changes: [EntryChange(index: 4, value: 1), EntryChange(index: 4, value: 0), EntryChange(index: 4, value: 1)],
                actor: "a",
                reason: nil,
                at: epoch,
                validate: acceptAll
            )
            #expect(records.map(\.oldValue) == [0, 1, 0])
            #expect(records.map(\.newValue) == [1, 0, 1])
            #expect(try await store.nonZeroEntries(listId: "d") == [EntryChange(index: 4, value: 1)])
        }
    }

    @Test(arguments: StoreKind.allCases) func appliesOneHundredThousandChangesInOneCall(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let count = 100_000
            try await store.createList(definition(id: "big", statusSize: 2, capacity: 3 * count))
            // A spread of indices and values, every third index, so the batch is not trivially sequential.
            let changes = (0..<count).map { EntryChange(index: ($0 * 7919) % count * 3, value: UInt8($0 % 3 + 1)) }
            let records = try await store.applyChanges(
                listId: "big",
                changes: changes,
                actor: "bulk",
                reason: "import",
                at: epoch,
                validate: acceptAll
            )
            #expect(records.count == count)
            #expect(zip(records, changes).allSatisfy { $0.index == $1.index && $0.newValue == $1.value && $0.oldValue == 0 })
            #expect(Set(records.map(\.id)).count == count)
            let entries = try await store.nonZeroEntries(listId: "big")
            #expect(entries == changes.sorted { $0.index < $1.index })
            let lastPage = try await store.auditLog(listId: "big", after: records[count - 2].id, limit: 10)
            #expect(lastPage == [records[count - 1]])
        }
    }

    // MARK: Audit

    @Test(arguments: StoreKind.allCases) func latestAuditRecordIsTheEntrysLastChange(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(definition(id: "r", purpose: .suspension))
            try await store.createList(definition(id: "other", purpose: .suspension))
            func change(_ list: String, _ index: Int, to value: UInt8, at offset: Double) async throws -> AuditRecord? {
                try await store.applyChanges(
                    listId: list,
                    changes: [EntryChange(index: index, value: value)],
                    actor: "op",
                    reason: "step \(offset)",
                    at: epoch.addingTimeInterval(offset),
                    validate: acceptAll
                ).first
            }
            #expect(try await store.latestAuditRecord(listId: "r", index: 7, window: 100) == nil)
            _ = try await change("r", 7, to: 1, at: 10)
            _ = try await change("r", 7, to: 0, at: 20)
            let set = try await change("r", 7, to: 1, at: 30)
            // Other entries and other lists, changed later, are not this entry's history.
            _ = try await change("r", 8, to: 1, at: 40)
            _ = try await change("other", 7, to: 1, at: 50)
            let latest = try await store.latestAuditRecord(listId: "r", index: 7, window: 100)
            #expect(latest == set)
            #expect(latest?.newValue == 1)
            #expect(latest?.at == epoch.addingTimeInterval(30))
            #expect(try await store.latestAuditRecord(listId: "r", index: 9, window: 100) == nil)
            #expect(try await store.latestAuditRecord(listId: "missing", index: 7, window: 100) == nil)
            // The window counts the list's newest records: entry 7's last change is the second newest of list "r".
            #expect(try await store.latestAuditRecord(listId: "r", index: 7, window: 2) == set)
            #expect(try await store.latestAuditRecord(listId: "r", index: 7, window: 1) == nil)
            #expect(try await store.latestAuditRecord(listId: "r", index: 7, window: 0) == nil)
        }
    }

    @Test(arguments: StoreKind.allCases) func auditLogPagesPerListAndGlobally(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(definition(id: "p", purpose: .suspension))
            try await store.createList(definition(id: "q", purpose: .suspension))
            var written: [AuditRecord] = []
            for step in 0..<5 {
                for listId in ["p", "q"] {
                    written += try await store.applyChanges(
                        listId: listId,
                        changes: [EntryChange(index: step, value: 1)],
                        actor: "a",
                        reason: "\(listId)\(step)",
                        at: epoch.addingTimeInterval(Double(step)),
                        validate: acceptAll
                    )
                }
            }
            #expect(try await store.auditLog(listId: nil, after: 0, limit: 100) == written)

            var paged: [AuditRecord] = []
            var cursor: Int64 = 0
            while true {
                let page = try await store.auditLog(listId: "p", after: cursor, limit: 2)
                guard let last = page.last else { break }
                #expect(page.count <= 2)
                paged += page
                cursor = last.id
            }
            #expect(paged == written.filter { $0.listId == "p" })

            let global = try await store.auditLog(listId: nil, after: written[3].id, limit: 3)
            #expect(global == Array(written[4..<7]))
            #expect(try await store.auditLog(listId: nil, after: 0, limit: 0).isEmpty)
            #expect(try await store.auditLog(listId: nil, after: 0, limit: -5).isEmpty)
            #expect(try await store.auditLog(listId: "unknown", after: 0, limit: 5).isEmpty)
        }
    }

    // MARK: Publications

    @Test(arguments: StoreKind.allCases) func publicationsByVersionAndTime(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(definition(id: "pub"))
            #expect(try await store.latestPublication(listId: "pub") == nil)
            let t1 = Date(timeIntervalSince1970: 1_760_000_000.250)
            let t2 = Date(timeIntervalSince1970: 1_760_003_600.750)
            let first = PublicationRecord(
                listId: "pub",
                version: 1,
                publishedAt: t1,
                validUntil: t1.addingTimeInterval(86_400),
                representations: ["application/vc+jwt": Data("eyJ.one".utf8), "application/statuslist+jwt": Data([0, 1, 2, 255])]
            )
            let second = PublicationRecord(
                listId: "pub",
                version: 2,
                publishedAt: t2,
                validUntil: t2.addingTimeInterval(86_400),
                representations: ["application/vc+jwt": Data("eyJ.two".utf8)]
            )
            try await store.recordPublication(first)
            try await store.recordPublication(second)

            #expect(try await store.latestPublication(listId: "pub") == second)
            #expect(try await store.publication(listId: "pub", at: t1.addingTimeInterval(-0.001)) == nil)
            #expect(try await store.publication(listId: "pub", at: t1) == first)
            #expect(try await store.publication(listId: "pub", at: t1.addingTimeInterval(1800)) == first)
            #expect(try await store.publication(listId: "pub", at: t2.addingTimeInterval(-0.001)) == first)
            #expect(try await store.publication(listId: "pub", at: t2) == second)
            #expect(try await store.publication(listId: "pub", at: t2.addingTimeInterval(1e6)) == second)
            #expect(try await store.latestPublication(listId: "other") == nil)

            await #expect(throws: StoreError(.conflict, "")) {
                try await store.recordPublication(
                    PublicationRecord(listId: "pub", version: 2, publishedAt: t2, validUntil: t2, representations: [:])
                )
            }
            #expect(try await store.latestPublication(listId: "pub") == second)
            await #expect(throws: StoreError(.notFound, "")) {
                try await store.recordPublication(
                    PublicationRecord(listId: "none", version: 1, publishedAt: t1, validUntil: t2, representations: [:])
                )
            }
        }
    }

    // MARK: Tokens

    @Test(arguments: StoreKind.allCases) func tokensLifecycle(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let older = TokenRecord(
                id: "tok-1",
                secretHash: String(repeating: "ab", count: 32),
                role: .operator_,
                principal: "operator",
                label: nil,
                createdAt: epoch
            )
            let newer = TokenRecord(
                id: "tok-2",
                secretHash: String(repeating: "cd", count: 32),
                role: .accreditationBody,
                principal: "body-1",
                label: "Body One",
                createdAt: epoch.addingTimeInterval(10)
            )
            try await store.createToken(older)
            try await store.createToken(newer)
            #expect(try await store.token(secretHash: older.secretHash) == older)
            #expect(try await store.token(secretHash: newer.secretHash) == newer)
            #expect(try await store.token(secretHash: "00") == nil)
            #expect(try await store.tokens() == [newer, older])

            await #expect(throws: StoreError(.conflict, "")) {
                var sameId = newer
                sameId.secretHash = "ef"
                try await store.createToken(sameId)
            }
            await #expect(throws: StoreError(.conflict, "")) {
                var sameHash = newer
                sameHash.id = "tok-3"
                try await store.createToken(sameHash)
            }

            let revokedAt = epoch.addingTimeInterval(100.125)
            try await store.revokeToken(id: "tok-1", at: revokedAt)
            try await store.revokeToken(id: "tok-1", at: revokedAt.addingTimeInterval(50))
            #expect(try await store.token(secretHash: older.secretHash)?.revokedAt == revokedAt)
            #expect(try await store.token(secretHash: newer.secretHash)?.revokedAt == nil)
            await #expect(throws: StoreError(.notFound, "")) {
                try await store.revokeToken(id: "tok-unknown", at: revokedAt)
            }
        }
    }

    // MARK: Durability and schema

    @Test(arguments: StoreKind.allCases) func reopenedDatabaseHasEverything(kind: StoreKind) async throws {
        try await withStoreHarness(kind) { harness in
            let publication = PublicationRecord(
                listId: "keep",
                version: 1,
                publishedAt: epoch,
                validUntil: epoch.addingTimeInterval(60),
                representations: ["application/vc+jwt": Data("x".utf8)]
            )
            let token = TokenRecord(id: "t", secretHash: "h", role: .issuer, principal: "issuer-a", label: "ci", createdAt: epoch)
            let records: [AuditRecord]
            do {
                let store = try await harness.open()
                try await store.createList(definition(id: "keep", purpose: .suspension))
                _ = try await store.reserveSequences(listId: "keep", count: 3)
                records = try await store.applyChanges(
                    listId: "keep",
                    changes: [EntryChange(index: 2, value: 1)],
                    actor: "a",
                    reason: "r",
                    at: epoch,
                    validate: acceptAll
                )
                try await store.recordPublication(publication)
                try await store.createToken(token)
                try await store.shutDown()
            }
            let reopened = try await harness.open()
            #expect(try await reopened.list(id: "keep")?.allocated == 3)
            #expect(try await reopened.nonZeroEntries(listId: "keep") == [EntryChange(index: 2, value: 1)])
            #expect(try await reopened.auditLog(listId: nil, after: 0, limit: 10) == records)
            #expect(try await reopened.latestPublication(listId: "keep") == publication)
            #expect(try await reopened.tokens() == [token])
        }
    }

    @Test(arguments: StoreKind.allCases) func closedStoreIsUnavailable(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.shutDown()
            await #expect(throws: StoreError(.unavailable, "")) {
                try await store.list(id: "x")
            }
        }
    }

    @Test(arguments: StoreKind.allCases) func migrationsApplyOnce(kind: StoreKind) async throws {
        try await withStoreHarness(kind) { harness in
            let first = try await harness.open()
            try await first.createList(definition(id: "m"))
            let second = try await harness.open()
            // PostgreSQL adds what several instances on one database need (publication leases).
            let shared = ["v1-status-lists", "v2-publications", "v3-tokens", "v4-registry", "v5-installation"]
            #expect(
                try await second.appliedMigrations()
                    == shared
                    + (kind == .postgres
                        ? ["v6-publication-leases", "v7-signing-identities", "v8-credential-ids", "v9-entries-without-list-check"]
                        : ["v6-signing-identities", "v7-credential-ids"]))
            #expect(try await second.list(id: "m") != nil)
        }
    }

    @Test func sqliteMigrationsApplyOnceAndConnectionIsDurable() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("standing.sqlite").path
            let first = try SQLiteStore(path: path)
            try await first.createList(definition(id: "m"))
            let second = try SQLiteStore(path: path)
            #expect(try await second.appliedMigrations() == SQLiteSchema.migrationIdentifiers)
            #expect(try await second.list(id: "m") != nil)

            // synchronous 2 = FULL.
            #expect(try await second.connectionSettings() == ["wal", "2", "1"])
        }
    }

    @Test func missingDirectoryIsUnavailable() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-\(UUID().uuidString)/db.sqlite").path
        #expect(throws: StoreError(.unavailable, "")) {
            _ = try SQLiteStore(path: path)
        }
    }
}

@Suite("StatusStore installation record")
struct InstallationRecordTests {
    @Test(arguments: StoreKind.allCases) func recordIsWrittenOnceAndKeysAccumulate(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            #expect(try await store.installation() == nil)
            let first = ServiceKeyRecord(keyID: "k1", algorithm: "ES256", addedAt: epoch)
            try await store.recordInstallation(serviceKeys: [first], at: epoch)
            let later = epoch.addingTimeInterval(60)
            let second = ServiceKeyRecord(keyID: "k2", algorithm: "EdDSA", addedAt: later)
            try await store.recordInstallation(serviceKeys: [second, ServiceKeyRecord(keyID: "k1", algorithm: "ES256", addedAt: later)], at: later)
            let record = try #require(try await store.installation())
            #expect(record.initialisedAt == Date(storedSeconds: epoch.storedSeconds))
            #expect(record.serviceKeys.map(\.keyID) == ["k1", "k2"])
            #expect(record.serviceKeys[0].addedAt == Date(storedSeconds: epoch.storedSeconds), "a recorded key keeps its first date")
        }
    }
}

