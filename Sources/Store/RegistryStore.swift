import Foundation
import GRDB

/// One event of the trust registry's log, as persisted: the event's own canonical JSON, verbatim, so that a
/// replay recomputes exactly the hashes that were published.
public struct RegistryEventRecord: Sendable, Hashable {
    /// Global, gap-free sequence number, from 1.
    public var seq: Int
    /// The event's hash (hex), which the next event chains to.
    public var hash: String
    public var at: Date
    /// The event's canonical JSON.
    public var event: Data

    /// Creates a record.
    public init(seq: Int, hash: String, at: Date, event: Data) {
        self.seq = seq
        self.hash = hash
        self.at = at
        self.event = event
    }
}

/// The system of record of the trust registry: an append-only event log, and counters that never go backwards.
public protocol RegistryStore: Sendable {
    /// Appends an event. It must carry the next sequence number (head + 1) and, after the first, chain to the head: the
    /// event's `prevHash` member is the head's hash. Otherwise nothing is written and ``StoreError/Code/conflict`` is
    /// thrown (another writer got there first: rebuild and retry). An event that is not JSON is
    /// ``StoreError/Code/rejected``.
    func appendRegistryEvent(_ record: RegistryEventRecord) async throws
    /// Events with `seq` greater than `after`, oldest first, at most `limit`.
    func registryEvents(after seq: Int, limit: Int) async throws -> [RegistryEventRecord]
    /// Atomically increments a named counter and returns the new value (the first call returns 1).
    func incrementCounter(_ name: String) async throws -> Int
}

extension SQLiteStore: RegistryStore {
    public func appendRegistryEvent(_ record: RegistryEventRecord) async throws {
        try await writing("appending registry event \(record.seq)", conflict: "registry event \(record.seq) exists already") { db in
            let head = try Int.fetchOne(db, sql: "SELECT MAX(seq) FROM registry_events") ?? 0
            guard record.seq == head + 1 else {
                throw StoreError(.conflict, "registry event \(record.seq) does not follow the head \(head)")
            }
            let text = String(decoding: record.event, as: UTF8.self)
            guard try Bool.fetchOne(db, sql: "SELECT json_valid(?)", arguments: [text]) == true else {
                throw StoreError(.rejected, "registry event \(record.seq) is not JSON")
            }
            if head > 0 {
                let headHash = try String.fetchOne(db, sql: "SELECT hash FROM registry_events WHERE seq = ?", arguments: [head])
                let previous = try String.fetchOne(db, sql: "SELECT json_extract(?, '$.prevHash')", arguments: [text])
                guard let headHash, previous == headHash else {
                    throw StoreError(.conflict, "registry event \(record.seq) does not chain to the hash of event \(head)")
                }
            }
            try db.execute(
                sql: "INSERT INTO registry_events (seq, hash, at, event) VALUES (?, ?, ?, ?)",
                arguments: [record.seq, record.hash, record.at.timeIntervalSince1970, text]
            )
        }
    }

    public func registryEvents(after seq: Int, limit: Int) async throws -> [RegistryEventRecord] {
        guard limit > 0 else { return [] }
        return try await reading("reading registry events after \(seq)") { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, hash, at, event FROM registry_events WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [seq, limit]
            ).map { row in
                let text: String = row["event"]
                return RegistryEventRecord(
                    seq: row["seq"], hash: row["hash"], at: Date(timeIntervalSince1970: row["at"]), event: Data(text.utf8))
            }
        }
    }

    public func incrementCounter(_ name: String) async throws -> Int {
        try await writing("incrementing counter \(name)") { db in
            try db.execute(
                sql: "INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
                arguments: [name])
            return try Int.fetchOne(db, sql: "SELECT value FROM counters WHERE name = ?", arguments: [name]) ?? 1
        }
    }
}
