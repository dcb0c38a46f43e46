import Foundation
import StandingAPI
import StatusList
import Testing

@testable import Store

/// `applyChanges` with batches: the values are read in one query and written with multi-row statements, so the
/// in-memory folding of repeated indices and the numbering of the audit rows must match what a per-change
/// application would have produced.
@Suite struct BatchChangesTests {
    static let at = Date(timeIntervalSince1970: 1_760_000_000.25)

    static func list(_ id: String, purpose: ListPurpose = .suspension, statusSize: Int = 1, capacity: Int = 1000) -> StatusListDefinition {
        StatusListDefinition(
            id: id,
            owner: "issuer",
            purpose: purpose,
            statusSize: statusSize,
            capacity: capacity,
            ttlSeconds: 300,
            validitySeconds: 86_400,
            statusMessages: [],
            allocatorKey: Array(repeating: 0x5A, count: 32),
            createdAt: at
        )
    }

    /// What applying `changes` one by one to `entries` gives: the (index, old, new) of each effective change and the
    /// final non-zero entries.
    static func reference(_ entries: [Int: UInt8], _ changes: [EntryChange]) -> (audit: [[Int]], entries: [EntryChange]) {
        var values = entries
        var audit: [[Int]] = []
        for change in changes {
            let current = values[change.index] ?? 0
            guard current != change.value else { continue }
            audit.append([change.index, Int(current), Int(change.value)])
            values[change.index] = change.value == 0 ? nil : change.value
        }
        return (audit, values.map { EntryChange(index: $0.key, value: $0.value) }.sorted { $0.index < $1.index })
    }

    @Test(arguments: StoreKind.allCases) func aMixedBatchFoldsRepeatsAndWritesTheFinalValues(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(Self.list("m", purpose: .message, statusSize: 2))
            let seed = [EntryChange(index: 1, value: 1), EntryChange(index: 2, value: 2), EntryChange(index: 3, value: 3)]
            let seeded = try await store.applyChanges(listId: "m", changes: seed, actor: "a", reason: nil, at: Self.at) { _, _ in }
            let changes = [
                EntryChange(index: 1, value: 0), EntryChange(index: 2, value: 2), EntryChange(index: 4, value: 1),
                EntryChange(index: 4, value: 0), EntryChange(index: 5, value: 3), EntryChange(index: 1, value: 2),
                EntryChange(index: 3, value: 0), EntryChange(index: 6, value: 0), EntryChange(index: 7, value: 1),
                EntryChange(index: 7, value: 2), EntryChange(index: 7, value: 2),
            ]
            let records = try await store.applyChanges(listId: "m", changes: changes, actor: "bulk", reason: "mixed", at: Self.at) { _, _ in }
            let expected = Self.reference([1: 1, 2: 2, 3: 3], changes)
            #expect(records.map { [$0.index, Int($0.oldValue), Int($0.newValue)] } == expected.audit)
            #expect(records.allSatisfy { $0.listId == "m" && $0.actor == "bulk" && $0.reason == "mixed" && $0.at == Self.at })
            #expect(try await store.nonZeroEntries(listId: "m") == expected.entries)
            #expect(try await store.storedEntryRowCount(listId: "m") == expected.entries.count)
            // The ids follow the seed's and each other: the records returned are the records stored.
            #expect(records.map(\.id) == (0..<Int64(records.count)).map { seeded.last!.id + 1 + $0 })
            #expect(try await store.auditLog(listId: "m", after: 0, limit: 100) == seeded + records)
        }
    }

    @Test(arguments: StoreKind.allCases) func auditIdsOfABatchAreConsecutiveBetweenOtherListsWrites(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(Self.list("a", capacity: 40_000))
            try await store.createList(Self.list("b"))
            var all: [AuditRecord] = []
            for round in 0..<3 {
                all += try await store.applyChanges(
                    listId: "b",
                    changes: [EntryChange(index: round, value: 1)],
                    actor: "x",
                    reason: nil,
                    at: Self.at
                ) { _, _ in }
                // Every fourth entry (a different one each round), in a scrambled order.
                let changes = (0..<10_000).map { EntryChange(index: ($0 * 7_919) % 10_000 * 4 + round, value: 1) }
                let records = try await store.applyChanges(listId: "a", changes: changes, actor: "x", reason: nil, at: Self.at) { _, _ in }
                #expect(records.count == 10_000)
                #expect(records.map(\.index) == changes.map(\.index))
                #expect(zip(records, records.dropFirst()).allSatisfy { $1.id == $0.id + 1 })
                all += records
            }
            #expect(try await store.auditLog(listId: nil, after: 0, limit: 100_000) == all)
            #expect(try await store.nonZeroEntries(listId: "a").count == 30_000)
        }
    }

    @Test(arguments: StoreKind.allCases) func aBatchOfNoOpsWritesNothing(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(Self.list("n"))
            let changes = (0..<500).map { EntryChange(index: $0, value: 0) }
            let records = try await store.applyChanges(listId: "n", changes: changes, actor: "x", reason: nil, at: Self.at) { _, _ in }
            #expect(records.isEmpty)
            #expect(try await store.auditLog(listId: "n", after: 0, limit: 10).isEmpty)
            #expect(try await store.storedEntryRowCount(listId: "n") == 0)
        }
    }

    @Test(arguments: StoreKind.allCases) func aLateRejectionLeavesEarlierChangesOfTheBatchUnwritten(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(Self.list("r", capacity: 20_000))
            let changes = (0..<20_000).map { EntryChange(index: $0, value: 1) } + [EntryChange(index: 20_000, value: 1)]
            await #expect(throws: StoreError(.rejected, "")) {
                try await store.applyChanges(listId: "r", changes: changes, actor: "x", reason: nil, at: Self.at) { _, _ in }
            }
            #expect(try await store.storedEntryRowCount(listId: "r") == 0)
            #expect(try await store.auditLog(listId: "r", after: 0, limit: 10).isEmpty)
        }
    }
}
