import Foundation
import PostgresNIO
import Store

extension PostgreSQLStore: IdentityStore {
    public func signingIdentities() async throws -> [SigningIdentityRecord] {
        try await reading("reading signing identities") { connection in
            var identities: [SigningIdentityRecord] = []
            let rows = try await connection.query("SELECT document FROM signing_identities ORDER BY issuer", logger: self.logger)
            for try await document in rows.decode(String.self) {
                identities.append(try SigningIdentityRecord(storedJSON: document))
            }
            return identities
        }
    }

    public func saveSigningIdentity(_ identity: SigningIdentityRecord, expectedUpdate: Date?, event: IdentityEventRecord) async throws {
        let document = try identity.storedJSON()
        let conflict = "the signing identity of '\(identity.issuer)' changed meanwhile; try again"
        try await writing("saving the signing identity of '\(identity.issuer)'", conflict: conflict) { connection in
            // FOR UPDATE: a concurrent change of the same identity waits here and then sees this one's updated_at.
            var stored: Double?
            let rows = try await connection.query(
                "SELECT updated_at FROM signing_identities WHERE issuer = \(identity.issuer) FOR UPDATE", logger: self.logger)
            for try await updatedAt in rows.decode(Double.self) { stored = updatedAt }
            guard stored == expectedUpdate?.timeIntervalSince1970 else { throw StoreError(.conflict, conflict) }
            try await connection.query(
                """
                INSERT INTO signing_identities (issuer, did, updated_at, document)
                VALUES (\(identity.issuer), \(identity.did), \(identity.updatedAt.timeIntervalSince1970), \(document))
                ON CONFLICT (issuer) DO UPDATE SET did = excluded.did, updated_at = excluded.updated_at, document = excluded.document
                """, logger: self.logger)
            try await self.insert(event, on: connection)
        }
    }

    public func appendIdentityEvent(_ event: IdentityEventRecord) async throws {
        try await writing("recording an identity event") { connection in try await self.insert(event, on: connection) }
    }

    public func identityEvents(issuer: String?) async throws -> [IdentityEventRecord] {
        try await reading("reading identity events") { connection in
            let rows =
                if let issuer {
                    try await connection.query(
                        "SELECT id, issuer, action, detail, actor, at FROM identity_events WHERE issuer = \(issuer) ORDER BY id",
                        logger: self.logger)
                } else {
                    try await connection.query("SELECT id, issuer, action, detail, actor, at FROM identity_events ORDER BY id", logger: self.logger)
                }
            var events: [IdentityEventRecord] = []
            for try await (id, issuer, action, detail, actor, at) in rows.decode((Int64, String, String, String, String, Double).self) {
                events.append(
                    IdentityEventRecord(
                        id: id, issuer: issuer, action: action, detail: detail, actor: actor, at: Date(timeIntervalSince1970: at)))
            }
            return events
        }
    }

    private func insert(_ event: IdentityEventRecord, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO identity_events (issuer, action, detail, actor, at)
            VALUES (\(event.issuer), \(event.action), \(event.detail), \(event.actor), \(event.at.timeIntervalSince1970))
            """, logger: logger)
    }
}
