import Foundation
import GRDB

extension SQLiteStore: IdentityStore {
    public func signingIdentities() async throws -> [SigningIdentityRecord] {
        try await reading("reading signing identities") { db in
            try String.fetchAll(db, sql: "SELECT document FROM signing_identities ORDER BY issuer").map(SigningIdentityRecord.init(storedJSON:))
        }
    }

    public func saveSigningIdentity(_ identity: SigningIdentityRecord, expectedUpdate: Date?, event: IdentityEventRecord) async throws {
        let document = try identity.storedJSON()
        try await writing("saving the signing identity of '\(identity.issuer)'") { db in
            let stored = try Double.fetchOne(db, sql: "SELECT updated_at FROM signing_identities WHERE issuer = ?", arguments: [identity.issuer])
            guard stored == expectedUpdate?.storedSeconds else {
                throw StoreError(.conflict, "the signing identity of '\(identity.issuer)' changed meanwhile; try again")
            }
            try db.execute(
                sql: """
                    INSERT INTO signing_identities (issuer, did, updated_at, document) VALUES (?, ?, ?, ?)
                    ON CONFLICT (issuer) DO UPDATE SET did = excluded.did, updated_at = excluded.updated_at, document = excluded.document
                    """,
                arguments: [identity.issuer, identity.did, identity.updatedAt.storedSeconds, document])
            try Self.insert(event, into: db)
        }
    }

    public func appendIdentityEvent(_ event: IdentityEventRecord) async throws {
        try await writing("recording an identity event") { db in try Self.insert(event, into: db) }
    }

    public func identityEvents(issuer: String?) async throws -> [IdentityEventRecord] {
        try await reading("reading identity events") { db in
            let rows =
                if let issuer {
                    try Row.fetchAll(db, sql: "SELECT * FROM identity_events WHERE issuer = ? ORDER BY id", arguments: [issuer])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM identity_events ORDER BY id")
                }
            return rows.map { row in
                IdentityEventRecord(
                    id: row["id"], issuer: row["issuer"], action: row["action"], detail: row["detail"], actor: row["actor"],
                    at: Date(storedSeconds: row["at"]))
            }
        }
    }

    private static func insert(_ event: IdentityEventRecord, into db: Database) throws {
        try db.execute(
            sql: "INSERT INTO identity_events (issuer, action, detail, actor, at) VALUES (?, ?, ?, ?, ?)",
            arguments: [event.issuer, event.action, event.detail, event.actor, event.at.storedSeconds])
    }
}
