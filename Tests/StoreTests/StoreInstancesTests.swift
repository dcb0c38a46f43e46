import Foundation
import StandingAPI
import Testing

@testable import Store

/// Two store instances (two connection pools, as two `standing serve` processes would have) on one database at once:
/// what keeps them apart must be the database, not one process's memory.
@Suite struct StoreInstancesTests {
    static let at = Date(timeIntervalSince1970: 1_760_000_000.5)

    static func list(_ id: String, capacity: Int) -> StatusListDefinition {
        StatusListDefinition(
            id: id, owner: "issuer", purpose: .revocation, statusSize: 1, capacity: capacity, ttlSeconds: 300,
            validitySeconds: 86_400, statusMessages: [], allocatorKey: Array(repeating: 0x11, count: 32), createdAt: at)
    }

    @Test(arguments: StoreKind.allCases) func twoInstancesAllocatingAtOnceNeverHandOutASequenceTwice(kind: StoreKind) async throws {
        try await withStoreHarness(kind) { harness in
            let instances = [try await harness.open(), try await harness.open()]
            let capacity = 1200
            try await instances[0].createList(Self.list("shared", capacity: capacity))
            // 2 instances x 8 tasks reserving 3 at a time until the list is full: 400 reservations must succeed.
            let starts = try await withThrowingTaskGroup(of: [Int].self) { group in
                for instance in instances {
                    for _ in 0..<8 {
                        group.addTask {
                            var starts: [Int] = []
                            while true {
                                do {
                                    starts.append(try await instance.reserveSequences(listId: "shared", count: 3))
                                } catch let error as StoreError where error.code == .listFull {
                                    return starts
                                }
                            }
                        }
                    }
                }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            let handedOut = starts.flatMap { $0..<($0 + 3) }
            #expect(handedOut.count == capacity)
            #expect(Set(handedOut) == Set(0..<capacity), "every sequence number handed out exactly once")
            for instance in instances {
                #expect(try await instance.list(id: "shared")?.allocated == capacity)
            }
        }
    }

    @Test(arguments: StoreKind.allCases) func twoRegistryWritersRacingForTheNextSeqExactlyOneWins(kind: StoreKind) async throws {
        try await withStoreHarness(kind) { harness in
            let writers = [try await harness.open(), try await harness.open()]
            var headHash = String(repeating: "0", count: 64)
            for seq in 1...15 {
                let previous = headHash
                // Each writer prepares its own event for the same seq, chained to the head it saw.
                let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
                    for (number, writer) in writers.enumerated() {
                        group.addTask {
                            let hash = "writer\(number)-\(seq)"
                            let record = RegistryEventRecord(
                                seq: seq, hash: hash, at: Self.at,
                                event: Data(#"{"prevHash":"\#(previous)","seq":\#(seq),"writer":\#(number)}"#.utf8))
                            do {
                                try await writer.appendRegistryEvent(record)
                                return (hash, true)
                            } catch let error as StoreError {
                                #expect(error.code == .conflict, "the loser is told another writer got there first")
                                return (hash, false)
                            } catch {
                                Issue.record("unexpected error \(error)")
                                return (hash, false)
                            }
                        }
                    }
                    return await group.reduce(into: [(String, Bool)]()) { $0.append($1) }
                }
                let winners = outcomes.filter(\.1).map(\.0)
                #expect(winners.count == 1, "seq \(seq): exactly one writer wins")
                headHash = winners.first ?? headHash
            }
            // Either instance reads the same unbroken chain.
            for reader in writers {
                let events = try await reader.registryEvents(after: 0, limit: 100)
                #expect(events.map(\.seq) == Array(1...15))
                var expectedPrevious = String(repeating: "0", count: 64)
                for event in events {
                    let object = try JSONSerialization.jsonObject(with: event.event) as? [String: Any]
                    #expect(object?["prevHash"] as? String == expectedPrevious, "event \(event.seq) chains to the one before")
                    expectedPrevious = event.hash
                }
            }
        }
    }

    @Test(arguments: StoreKind.allCases) func auditIdsStayConsecutiveAcrossInstances(kind: StoreKind) async throws {
        try await withStoreHarness(kind) { harness in
            let instances = [try await harness.open(), try await harness.open()]
            try await instances[0].createList(Self.list("a", capacity: 10_000))
            try await instances[0].createList(Self.list("b", capacity: 10_000))
            let batches = try await withThrowingTaskGroup(of: [[AuditRecord]].self) { group in
                for (number, instance) in instances.enumerated() {
                    group.addTask {
                        var batches: [[AuditRecord]] = []
                        for round in 0..<20 {
                            let changes = (0..<50).map { EntryChange(index: round * 50 + $0, value: 1) }
                            batches.append(
                                try await instance.applyChanges(
                                    listId: number == 0 ? "a" : "b", changes: changes, actor: "x", reason: nil, at: Self.at
                                ) { _, _ in })
                        }
                        return batches
                    }
                }
                return try await group.reduce(into: [[AuditRecord]]()) { $0 += $1 }
            }
            for batch in batches {
                #expect(zip(batch, batch.dropFirst()).allSatisfy { $1.id == $0.id + 1 }, "a batch's ids are consecutive")
            }
            let log = try await instances[1].auditLog(listId: nil, after: 0, limit: 10_000)
            #expect(log.count == 2000)
            #expect(log.map(\.id) == (1...2000).map(Int64.init), "ids have no gap and no duplicate")
            #expect(Set(log) == Set(batches.flatMap { $0 }), "the records returned are the records stored")
        }
    }
}
