import Foundation
import Testing

@testable import Store

@Suite struct RegistryStoreTests {
    /// Event `seq` of a chain whose hashes are `hash-1`, `hash-2`...: its `prevHash` names the event before.
    func event(_ seq: Int, previousHash: String? = nil) -> RegistryEventRecord {
        let previous = previousHash ?? (seq == 1 ? String(repeating: "0", count: 64) : "hash-\(seq - 1)")
        return RegistryEventRecord(
            seq: seq, hash: "hash-\(seq)", at: Date(timeIntervalSince1970: 1_700_000_000 + Double(seq)),
            event: Data("{\"prevHash\":\"\(previous)\",\"seq\":\(seq)}".utf8))
    }

    @Test(arguments: StoreKind.allCases) func eventsAppendInOrderWithoutGapsAndSurviveReopening(kind: StoreKind) async throws {
        try await withStoreHarness(kind) { harness in
            let store = try await harness.open()
            for seq in 1...5 { try await store.appendRegistryEvent(event(seq)) }
            await #expect(throws: StoreError(.conflict, "")) { try await store.appendRegistryEvent(event(7)) }
            await #expect(throws: StoreError(.conflict, "")) { try await store.appendRegistryEvent(event(5)) }
            let tail = try await store.registryEvents(after: 2, limit: 10)
            #expect(tail.map(\.seq) == [3, 4, 5])
            #expect(tail.first == event(3))
            #expect(try await store.registryEvents(after: 0, limit: 2).map(\.seq) == [1, 2])
            #expect(try await store.registryEvents(after: 0, limit: 0).isEmpty)
            try await store.shutDown()
            let reopened = try await harness.open()
            #expect(try await reopened.registryEvents(after: 0, limit: 100).count == 5)
        }
    }

    @Test(arguments: StoreKind.allCases) func concurrentAppendsNeverShareASequenceNumber(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.appendRegistryEvent(event(1))
            // Ten writers race for seq 2: exactly one wins.
            let wins = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<10 { group.addTask { (try? await store.appendRegistryEvent(self.event(2))) != nil } }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
        }
    }

    @Test(arguments: StoreKind.allCases) func countersOnlyGoUp(kind: StoreKind) async throws {
        try await withStore(kind) { store async throws -> Void in
            #expect(try await store.incrementCounter("lote") == 1)
            #expect(try await store.incrementCounter("lote") == 2)
            #expect(try await store.incrementCounter("other") == 1)
            let values = await withTaskGroup(of: Int?.self) { group in
                for _ in 0..<20 { group.addTask { try? await store.incrementCounter("lote") } }
                return await group.reduce(into: [Int]()) { if let value = $1 { $0.append(value) } }
            }
            #expect(Set(values) == Set(3...22))
        }
    }

    @Test(arguments: StoreKind.allCases) func anEventThatDoesNotChainToTheHeadIsRefused(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.appendRegistryEvent(event(1))
            try await store.appendRegistryEvent(event(2))
            await #expect(throws: StoreError(.conflict, "")) {
                try await store.appendRegistryEvent(event(3, previousHash: "hash-1"))
            }
            var unchained = event(3)
            unchained.event = Data(#"{"seq":3}"#.utf8)
            await #expect(throws: StoreError(.conflict, "")) { try await store.appendRegistryEvent(unchained) }
            var notJSON = event(3)
            notJSON.event = Data("not json".utf8)
            await #expect(throws: StoreError(.rejected, "")) { try await store.appendRegistryEvent(notJSON) }
            try await store.appendRegistryEvent(event(3))
            #expect(try await store.registryEvents(after: 0, limit: 10).map(\.seq) == [1, 2, 3])
        }
    }
}
