/// The PostgreSQL schema, as an ordered list of migrations: the same tables, columns and constraints as the SQLite
/// schema (`SQLiteSchema`), in PostgreSQL's types, plus what several writers on one database need.
///
/// Migrations are append-only: a released migration is never edited, a change of schema is a new migration with the
/// next identifier. Each is applied in one transaction together with its row in `standing_migrations`, whose primary
/// key makes a second instance migrating at the same moment wait and then skip it (no advisory lock).
///
/// Types: dates are `double precision` unix seconds, as in SQLite, so a date reads back exactly as written (a
/// `timestamptz` keeps microseconds and would not); counts and indices are `bigint`; entry values `smallint`.
/// Only portable SQL: no triggers, functions, advisory locks or extensions, so PostgreSQL-compatible distributed
/// engines can run it (see ops/postgresql.md).
enum PostgresSchema {
    /// One migration: its identifier and its statements, in order.
    struct Migration: Sendable {
        let identifier: String
        let statements: [String]
    }

    /// The table that records applied migrations.
    static let migrationsTable = """
        CREATE TABLE IF NOT EXISTS standing_migrations (
            id text PRIMARY KEY,
            applied_at double precision NOT NULL
        )
        """

    /// The identifiers of every migration, in order of application.
    static var migrationIdentifiers: [String] { migrations.map(\.identifier) }

    static let migrations: [Migration] = [
        Migration(
            identifier: "v1-status-lists",
            statements: [
                """
                CREATE TABLE lists (
                    id text PRIMARY KEY,
                    owner text NOT NULL,
                    purpose text NOT NULL,
                    status_size integer NOT NULL CHECK (status_size IN (1, 2, 4, 8)),
                    capacity bigint NOT NULL CHECK (capacity >= 0),
                    ttl_seconds bigint NOT NULL,
                    validity_seconds bigint NOT NULL,
                    status_messages text NOT NULL,
                    allocator_key bytea NOT NULL,
                    -- The allocation counter: advanced only by one UPDATE that checks the capacity, under the row's lock.
                    allocated bigint NOT NULL CHECK (allocated >= 0 AND allocated <= capacity),
                    created_at double precision NOT NULL
                )
                """,
                "CREATE INDEX lists_by_owner ON lists (owner, created_at)",
                """
                CREATE TABLE entries (
                    list_id text NOT NULL REFERENCES lists (id),
                    idx bigint NOT NULL CHECK (idx >= 0),
                    value smallint NOT NULL CHECK (value BETWEEN 1 AND 255),
                    PRIMARY KEY (list_id, idx)
                )
                """,
                """
                CREATE TABLE audit (
                    id bigint PRIMARY KEY CHECK (id >= 1),
                    list_id text NOT NULL REFERENCES lists (id),
                    idx bigint NOT NULL,
                    old smallint NOT NULL,
                    new smallint NOT NULL,
                    actor text NOT NULL,
                    reason text,
                    at double precision NOT NULL
                )
                """,
                "CREATE INDEX audit_by_list ON audit (list_id, id)",
                // The last audit id handed out. Every change takes this row's lock before numbering its audit rows and
                // holds it until it commits, so ids are consecutive and in commit order: a reader paging the log with
                // `after` never misses a row that commits later with a smaller id (a sequence would allow that).
                """
                CREATE TABLE audit_head (
                    id integer PRIMARY KEY CHECK (id = 1),
                    last_id bigint NOT NULL CHECK (last_id >= 0)
                )
                """,
                "INSERT INTO audit_head (id, last_id) VALUES (1, 0)",
            ]
        ),
        Migration(
            identifier: "v2-publications",
            statements: [
                """
                CREATE TABLE publications (
                    list_id text NOT NULL REFERENCES lists (id),
                    version bigint NOT NULL,
                    published_at double precision NOT NULL,
                    valid_until double precision NOT NULL,
                    PRIMARY KEY (list_id, version)
                )
                """,
                "CREATE INDEX publications_by_time ON publications (list_id, published_at)",
                """
                CREATE TABLE publication_representations (
                    list_id text NOT NULL,
                    version bigint NOT NULL,
                    media_type text NOT NULL,
                    bytes bytea NOT NULL,
                    PRIMARY KEY (list_id, version, media_type),
                    FOREIGN KEY (list_id, version) REFERENCES publications (list_id, version)
                )
                """,
            ]
        ),
        Migration(
            identifier: "v3-tokens",
            statements: [
                """
                CREATE TABLE tokens (
                    id text PRIMARY KEY,
                    secret_hash text NOT NULL UNIQUE,
                    role text NOT NULL,
                    principal text NOT NULL,
                    label text,
                    created_at double precision NOT NULL,
                    revoked_at double precision
                )
                """
            ]
        ),
        Migration(
            identifier: "v4-registry",
            statements: [
                // The trust registry's log, verbatim, chained by hash, and the chain is the database's to keep: every
                // event but the first names its predecessor (seq - 1) and that event's hash (the event's own
                // `prevHash`), and the foreign key makes both exist. With the primary key, whichever instance writes,
                // there is exactly one event per seq, no gap, and no event that does not chain to the one before.
                """
                CREATE TABLE registry_events (
                    seq bigint PRIMARY KEY CHECK (seq >= 1),
                    hash text NOT NULL,
                    at double precision NOT NULL,
                    event text NOT NULL,
                    previous_seq bigint GENERATED ALWAYS AS (CASE WHEN seq > 1 THEN seq - 1 END) STORED,
                    previous_hash text GENERATED ALWAYS AS (CASE WHEN seq > 1 THEN (event::jsonb) ->> 'prevHash' END) STORED,
                    UNIQUE (hash),
                    UNIQUE (seq, hash),
                    FOREIGN KEY (previous_seq, previous_hash) REFERENCES registry_events (seq, hash) MATCH FULL
                )
                """,
                // Counters that must never go backwards (e.g. the LoTE sequence number).
                """
                CREATE TABLE counters (
                    name text PRIMARY KEY,
                    value bigint NOT NULL
                )
                """,
            ]
        ),
        Migration(
            identifier: "v5-installation",
            statements: [
                """
                CREATE TABLE installation (
                    id integer PRIMARY KEY CHECK (id = 1),
                    initialised_at double precision NOT NULL
                )
                """,
                """
                CREATE TABLE service_keys (
                    kid text PRIMARY KEY,
                    algorithm text NOT NULL,
                    added_at double precision NOT NULL
                )
                """,
            ]
        ),
        Migration(
            identifier: "v6-publication-leases",
            statements: [
                // Who signs each list's versions while several instances share the database: one row per list, taken
                // over only once `expires_at` (unix seconds by the database's clock) has passed. A row lease, not an
                // advisory lock: it survives poolers and distributed engines, and a dead holder's lease simply expires.
                """
                CREATE TABLE publication_leases (
                    list_id text PRIMARY KEY REFERENCES lists (id),
                    holder text NOT NULL,
                    expires_at double precision NOT NULL
                )
                """
            ]
        ),
        Migration(
            identifier: "v7-signing-identities",
            statements: [
                // An issuer principal's signing identity: its DID and its keys' public facts as one JSON document (never
                // key material: private keys are files in keys/issuers/ of every instance, or objects in an HSM).
                """
                CREATE TABLE signing_identities (
                    issuer text PRIMARY KEY,
                    did text NOT NULL,
                    updated_at double precision NOT NULL,
                    document text NOT NULL
                )
                """,
                """
                CREATE TABLE identity_events (
                    id bigserial PRIMARY KEY,
                    issuer text NOT NULL,
                    action text NOT NULL,
                    detail text NOT NULL,
                    actor text NOT NULL,
                    at double precision NOT NULL
                )
                """,
            ]
        ),
        Migration(
            identifier: "v8-credential-ids",
            statements: [
                // The entries of a credential whose issuer supplied its id at allocation (VC-API credentialId), so that a
                // status change can name the credential. Nothing here for credentials allocated without one.
                """
                CREATE TABLE credential_entries (
                    credential_id text NOT NULL,
                    list_id text NOT NULL REFERENCES lists (id),
                    idx bigint NOT NULL,
                    PRIMARY KEY (credential_id, list_id)
                )
                """
            ]
        ),
        Migration(
            identifier: "v9-entries-without-list-check",
            statements: [
                // Every write to entries and audit first locks its list row (`SELECT ... FOR UPDATE`, not-found when it
                // is missing) in the same transaction, and lists are never deleted, so these foreign keys only re-checked
                // that lock row by row: one referential-integrity trigger per changed entry and per audit row, a third
                // of a 10,000-change batch's time in the database.
                "ALTER TABLE entries DROP CONSTRAINT IF EXISTS entries_list_id_fkey",
                "ALTER TABLE audit DROP CONSTRAINT IF EXISTS audit_list_id_fkey",
            ]
        ),
    ]
}
