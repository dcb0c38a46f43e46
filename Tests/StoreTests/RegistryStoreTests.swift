import Foundation
import Store
import Testing

@Suite struct RegistryStoreTests {
    func event(_ seq: Int) -> RegistryEventRecord {
        RegistryEventRecord(seq: seq, hash: "hash-\(seq)", at: Date(timeIntervalSince1970: 1_700_000_000 + Double(seq)), event: Data("{\"seq\":\(seq)}".utf8))
    }

    @Test func eventsAppendInOrderWithoutGapsAndSurviveReopening() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("standing.sqlite").path
            let store = try SQLiteStore(path: path)
            for seq in 1...5 { try await store.appendRegistryEvent(event(seq)) }
            await #expect(throws: StoreError(.conflict, "")) { try await store.appendRegistryEvent(event(7)) }
            await #expect(throws: StoreError(.conflict, "")) { try await store.appendRegistryEvent(event(5)) }
            let tail = try await store.registryEvents(after: 2, limit: 10)
            #expect(tail.map(\.seq) == [3, 4, 5])
            #expect(tail.first == event(3))
            #expect(try await store.registryEvents(after: 0, limit: 2).map(\.seq) == [1, 2])
            #expect(try await store.registryEvents(after: 0, limit: 0).isEmpty)
            try store.close()
            let reopened = try SQLiteStore(path: path)
            #expect(try await reopened.registryEvents(after: 0, limit: 100).count == 5)
        }
    }

    @Test func concurrentAppendsNeverShareASequenceNumber() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteStore(path: directory.appendingPathComponent("standing.sqlite").path)
            try await store.appendRegistryEvent(event(1))
            // Ten writers race for seq 2: exactly one wins.
            let wins = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<10 { group.addTask { (try? await store.appendRegistryEvent(self.event(2))) != nil } }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
        }
    }

    @Test func countersOnlyGoUp() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteStore(path: directory.appendingPathComponent("standing.sqlite").path)
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
}
