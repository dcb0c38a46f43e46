import Foundation
import PostgresNIO
import StandingAPI
import StatusList
import Store

/// Writes the records of another store into an empty PostgreSQL database, keeping every id, counter and byte, inside
/// one transaction (see ``PostgreSQLStore/importRecords(_:)``).
public struct PostgresImport: Sendable {
    let connection: PostgresConnection
    let store: PostgreSQLStore

    /// Adds lists with their allocation counters as they are.
    public func lists(_ lists: [StatusListDefinition]) async throws {
        for list in lists {
            let messages = try StoredValues.encodeStatusMessages(list.statusMessages, listId: list.id)
            try await connection.query(
                """
                INSERT INTO lists (id, owner, purpose, status_size, capacity, ttl_seconds, validity_seconds,
                                   status_messages, allocator_key, allocated, created_at)
                VALUES (\(list.id), \(list.owner), \(list.purpose.rawValue), \(list.statusSize), \(list.capacity),
                        \(list.ttlSeconds), \(list.validitySeconds), \(messages), \(Data(list.allocatorKey)), \(list.allocated),
                        \(list.createdAt.timeIntervalSince1970))
                """, logger: store.logger)
        }
    }

    /// Adds a list's non-zero entries.
    public func entries(listId: String, _ entries: [EntryChange]) async throws {
        guard !entries.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO entries (list_id, idx, value)
            SELECT \(listId), e.idx, e.value FROM unnest(\(entries.map(\.index))::bigint[], \(entries.map { Int($0.value) })::bigint[]) AS e (idx, value)
            """, logger: store.logger)
    }

    /// Adds audit records with their ids, and moves the audit id counter past the largest.
    public func audit(_ records: [AuditRecord]) async throws {
        guard let last = records.map(\.id).max() else { return }
        // One statement per page: the columns travel as arrays (a missing reason as an empty string and a flag).
        try await connection.query(
            """
            INSERT INTO audit (id, list_id, idx, old, new, actor, reason, at)
            SELECT a.id, a.list_id, a.idx, a.old, a.new, a.actor, CASE WHEN a.has_reason THEN a.reason END, a.at
            FROM unnest(
                \(records.map { Int($0.id) })::bigint[], \(records.map(\.listId))::text[], \(records.map(\.index))::bigint[],
                \(records.map { Int($0.oldValue) })::bigint[], \(records.map { Int($0.newValue) })::bigint[],
                \(records.map(\.actor))::text[], \(records.map { $0.reason ?? "" })::text[], \(records.map { $0.reason != nil })::boolean[],
                \(records.map(\.at.timeIntervalSince1970))::double precision[]
            ) AS a (id, list_id, idx, old, new, actor, reason, has_reason, at)
            """, logger: store.logger)
        try await connection.query(
            "UPDATE audit_head SET last_id = GREATEST(last_id, \(Int(last))) WHERE id = 1", logger: store.logger)
    }

    /// Adds publications with their representations.
    public func publications(_ publications: [PublicationRecord]) async throws {
        for publication in publications {
            try await connection.query(
                """
                INSERT INTO publications (list_id, version, published_at, valid_until)
                VALUES (\(publication.listId), \(publication.version), \(publication.publishedAt.timeIntervalSince1970),
                        \(publication.validUntil.timeIntervalSince1970))
                """, logger: store.logger)
            for (mediaType, bytes) in publication.representations.sorted(by: { $0.key < $1.key }) {
                try await connection.query(
                    """
                    INSERT INTO publication_representations (list_id, version, media_type, bytes)
                    VALUES (\(publication.listId), \(publication.version), \(mediaType), \(bytes))
                    """, logger: store.logger)
            }
        }
    }

    /// Adds tokens (hashes only, as stored).
    public func tokens(_ tokens: [TokenRecord]) async throws {
        for token in tokens {
            try await connection.query(
                """
                INSERT INTO tokens (id, secret_hash, role, principal, label, created_at, revoked_at)
                VALUES (\(token.id), \(token.secretHash), \(token.role.rawValue), \(token.principal), \(token.label),
                        \(token.createdAt.timeIntervalSince1970), \(token.revokedAt?.timeIntervalSince1970))
                """, logger: store.logger)
        }
    }

    /// Adds registry events in order; the foreign key checks that each chains to the one before.
    public func registryEvents(_ events: [RegistryEventRecord]) async throws {
        for event in events {
            try await connection.query(
                """
                INSERT INTO registry_events (seq, hash, at, event)
                VALUES (\(event.seq), \(event.hash), \(event.at.timeIntervalSince1970), \(String(decoding: event.event, as: UTF8.self)))
                """, logger: store.logger)
        }
    }

    /// Sets counters to their values.
    public func counters(_ counters: [String: Int]) async throws {
        for (name, value) in counters.sorted(by: { $0.key < $1.key }) {
            try await connection.query("INSERT INTO counters (name, value) VALUES (\(name), \(value))", logger: store.logger)
        }
    }

    /// Adds the installation record and its service keys.
    public func installation(_ installation: InstallationRecord) async throws {
        for key in installation.serviceKeys {
            try await connection.query(
                """
                INSERT INTO service_keys (kid, algorithm, added_at) VALUES (\(key.keyID), \(key.algorithm), \(key.addedAt.timeIntervalSince1970))
                """, logger: store.logger)
        }
        try await connection.query(
            "INSERT INTO installation (id, initialised_at) VALUES (1, \(installation.initialisedAt.timeIntervalSince1970))",
            logger: store.logger)
    }

    /// Adds signing identities as they are.
    public func signingIdentities(_ identities: [SigningIdentityRecord]) async throws {
        for identity in identities {
            let document = try identity.storedJSON()
            try await connection.query(
                """
                INSERT INTO signing_identities (issuer, did, updated_at, document)
                VALUES (\(identity.issuer), \(identity.did), \(identity.updatedAt.timeIntervalSince1970), \(document))
                """, logger: store.logger)
        }
    }

    /// Adds the identity audit trail with its ids, and moves the id sequence past the largest.
    public func identityEvents(_ events: [IdentityEventRecord]) async throws {
        guard let last = events.map(\.id).max() else { return }
        for event in events {
            try await connection.query(
                """
                INSERT INTO identity_events (id, issuer, action, detail, actor, at)
                VALUES (\(event.id), \(event.issuer), \(event.action), \(event.detail), \(event.actor), \(event.at.timeIntervalSince1970))
                """, logger: store.logger)
        }
        try await connection.query("SELECT setval('identity_events_id_seq', \(last))", logger: store.logger)
    }

    /// Adds the recorded entries of credentials as they are.
    public func credentialEntries(_ entries: [CredentialEntryRecord]) async throws {
        guard !entries.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO credential_entries (credential_id, list_id, idx)
            SELECT * FROM unnest(\(entries.map(\.credentialId))::text[], \(entries.map(\.listId))::text[], \(entries.map(\.index))::bigint[])
            """, logger: store.logger)
    }
}

extension PostgreSQLStore {
    /// The number of rows of each of Standing's tables, by table name, to compare a copy with its source.
    public func rowCounts() async throws -> [String: Int] {
        try await reading("counting rows") { connection in
            var counts: [String: Int] = [:]
            for table in Self.copiedTables {
                for try await count in try await connection.query(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(table)"), logger: self.logger)
                    .decode(Int.self)
                {
                    counts[table] = count
                }
            }
            return counts
        }
    }

    /// The tables a copy fills, in the order it fills them.
    public static let copiedTables = [
        "lists", "entries", "audit", "publications", "publication_representations", "tokens", "registry_events", "counters",
        "service_keys", "installation", "signing_identities", "identity_events", "credential_entries",
    ]

    /// Runs `body` in one transaction that fills an empty database: nothing is written unless all of it is. The
    /// database must hold no list, token, registry event or installation record.
    /// - Throws: ``StoreError/Code/conflict`` when the database is not empty; what `body` throws.
    public func importRecords(_ body: (PostgresImport) async throws -> Void) async throws {
        try await writing("copying into \(settings)", conflict: "a copied record exists already in \(settings)") { connection in
            for table in ["lists", "tokens", "registry_events", "installation"] {
                let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(table) LIMIT 1"), logger: self.logger).collect()
                guard rows.isEmpty else {
                    throw StoreError(.conflict, "the database \(self.settings) is not empty (its \(table) table has rows)")
                }
            }
            try await body(PostgresImport(connection: connection, store: self))
        }
    }
}
