import GRDB

/// The SQLite schema, as an ordered list of migrations.
///
/// Migrations are append-only: a released migration is never edited, a change of schema is a new migration.
/// Dates are `REAL` unix seconds (sub-second precision, well below a millisecond). Tables are `STRICT`, so a
/// value of the wrong type is an error rather than a silent conversion.
enum SQLiteSchema {
    /// The identifiers of every migration, in order of application.
    static let migrationIdentifiers = ["v1-status-lists", "v2-publications", "v3-tokens", "v4-registry", "v5-installation", "v6-signing-identities", "v7-credential-ids"]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-status-lists") { db in
            try db.execute(
                sql: """
                    CREATE TABLE lists (
                        id TEXT NOT NULL PRIMARY KEY,
                        owner TEXT NOT NULL,
                        purpose TEXT NOT NULL,
                        status_size INTEGER NOT NULL CHECK (status_size IN (1, 2, 4, 8)),
                        capacity INTEGER NOT NULL CHECK (capacity >= 0),
                        ttl_seconds INTEGER NOT NULL,
                        validity_seconds INTEGER NOT NULL,
                        status_messages TEXT NOT NULL,
                        allocator_key BLOB NOT NULL,
                        allocated INTEGER NOT NULL CHECK (allocated >= 0 AND allocated <= capacity),
                        created_at REAL NOT NULL
                    ) STRICT;
                    CREATE INDEX lists_by_owner ON lists(owner, created_at);

                    -- Only non-zero values are kept: a missing row means 0.
                    CREATE TABLE entries (
                        list_id TEXT NOT NULL REFERENCES lists(id),
                        idx INTEGER NOT NULL CHECK (idx >= 0),
                        value INTEGER NOT NULL CHECK (value BETWEEN 1 AND 255),
                        PRIMARY KEY (list_id, idx)
                    ) STRICT, WITHOUT ROWID;

                    CREATE TABLE audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        list_id TEXT NOT NULL REFERENCES lists(id),
                        idx INTEGER NOT NULL,
                        old INTEGER NOT NULL,
                        new INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        reason TEXT,
                        at REAL NOT NULL
                    ) STRICT;
                    CREATE INDEX audit_by_list ON audit(list_id, id);
                    """
            )
        }
        migrator.registerMigration("v2-publications") { db in
            try db.execute(
                sql: """
                    CREATE TABLE publications (
                        list_id TEXT NOT NULL REFERENCES lists(id),
                        version INTEGER NOT NULL,
                        published_at REAL NOT NULL,
                        valid_until REAL NOT NULL,
                        PRIMARY KEY (list_id, version)
                    ) STRICT;
                    CREATE INDEX publications_by_time ON publications(list_id, published_at);

                    CREATE TABLE publication_representations (
                        list_id TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        media_type TEXT NOT NULL,
                        bytes BLOB NOT NULL,
                        PRIMARY KEY (list_id, version, media_type),
                        FOREIGN KEY (list_id, version) REFERENCES publications(list_id, version)
                    ) STRICT;
                    """
            )
        }
        migrator.registerMigration("v3-tokens") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tokens (
                        id TEXT NOT NULL PRIMARY KEY,
                        secret_hash TEXT NOT NULL UNIQUE,
                        role TEXT NOT NULL,
                        principal TEXT NOT NULL,
                        label TEXT,
                        created_at REAL NOT NULL,
                        revoked_at REAL
                    ) STRICT;
                    """
            )
        }
        migrator.registerMigration("v4-registry") { db in
            try db.execute(
                sql: """
                    -- The trust registry's event log, verbatim: each event's canonical JSON, chained by hash.
                    CREATE TABLE registry_events (
                        seq INTEGER NOT NULL PRIMARY KEY CHECK (seq >= 1),
                        hash TEXT NOT NULL UNIQUE,
                        at REAL NOT NULL,
                        event TEXT NOT NULL
                    ) STRICT;

                    -- Counters that must never go backwards (e.g. the LoTE sequence number).
                    CREATE TABLE counters (
                        name TEXT NOT NULL PRIMARY KEY,
                        value INTEGER NOT NULL
                    ) STRICT;
                    """
            )
        }
        migrator.registerMigration("v5-installation") { db in
            try db.execute(
                sql: """
                    -- One row, written when initialisation completed: its absence means it never did.
                    CREATE TABLE installation (
                        id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                        initialised_at REAL NOT NULL
                    ) STRICT;

                    -- The service keys every start must find in keys/ (ids only, never key material).
                    CREATE TABLE service_keys (
                        kid TEXT NOT NULL PRIMARY KEY,
                        algorithm TEXT NOT NULL,
                        added_at REAL NOT NULL
                    ) STRICT;
                    """
            )
        }
        migrator.registerMigration("v6-signing-identities") { db in
            try db.execute(
                sql: """
                    -- An issuer principal's signing identity: its DID and its keys' public facts as one JSON document
                    -- (never key material; the private keys are files in keys/issuers/ or objects in an HSM).
                    CREATE TABLE signing_identities (
                        issuer TEXT NOT NULL PRIMARY KEY,
                        did TEXT NOT NULL,
                        updated_at REAL NOT NULL,
                        document TEXT NOT NULL
                    ) STRICT;

                    -- Who changed which identity (or the service's keys) how: append-only.
                    CREATE TABLE identity_events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        issuer TEXT NOT NULL,
                        action TEXT NOT NULL,
                        detail TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        at REAL NOT NULL
                    ) STRICT;
                    """
            )
        }
        migrator.registerMigration("v7-credential-ids") { db in
            try db.execute(
                sql: """
                    -- The entries of a credential whose issuer supplied its id at allocation (VC-API credentialId), so
                    -- that a status change can name the credential. Nothing here for credentials allocated without one.
                    CREATE TABLE credential_entries (
                        credential_id TEXT NOT NULL,
                        list_id TEXT NOT NULL REFERENCES lists(id),
                        idx INTEGER NOT NULL,
                        PRIMARY KEY (credential_id, list_id)
                    ) STRICT;
                    """
            )
        }
        return migrator
    }
}
