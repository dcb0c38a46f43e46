import Foundation
import Logging
import NIOSSL
import PostgresNIO
import StatusList
import Store
import Synchronization

/// The ``StatusStore`` and ``RegistryStore`` on a PostgreSQL database, for several instances sharing one database.
///
/// The same semantics as ``SQLiteStore``, kept by the database rather than by one process:
/// - Every mutating call is one transaction, committed before the call returns (with the server's default
///   `synchronous_commit = on`, the commit is flushed to its WAL first), so a caller may acknowledge right after.
/// - Allocation is one `UPDATE … SET allocated = allocated + n WHERE … n <= capacity - allocated RETURNING`: the row's
///   lock serialises concurrent reservations from any number of processes, and the CHECK constraint
///   `allocated <= capacity` backs it up, so no sequence number (hence no index) is handed out twice.
/// - A batch of changes locks its list's row (`SELECT … FOR UPDATE`), so read-modify-write batches on one list
///   serialise; audit ids come from the one-row `audit_head`, locked until commit, so they are consecutive and in
///   commit order.
/// - The registry log's primary key, foreign key to the previous event and `prevHash` column make exactly one next
///   `seq` that chains to the head, whichever instance writes (see `PostgresSchema`).
/// - Serialisation failures and deadlocks (SQLSTATE 40001, 40P01) are retried a few times: a distributed engine
///   running SERIALIZABLE reports contention that way.
/// - Errors: a duplicate key is ``StoreError/Code/conflict``, a violated check ``StoreError/Code/rejected``, a missing
///   referenced row ``StoreError/Code/notFound``, anything else ``StoreError/Code/unavailable`` with the server's
///   message (never the SQL text, the password or bound values).
public final class PostgreSQLStore: StatusStore, RegistryStore {
    /// Where the database is (no secret in it).
    public let settings: PostgresConnectionSettings
    let client: PostgresClient
    let logger: Logger
    private let runner: Task<Void, Never>
    /// How many connections the pool has handed out, to tell a busy pool (waited for) from a lost server (given up).
    let leasesGranted = Atomic<Int>(0)

    /// Connects, creates the schema when `settings.schema` names one that is missing, and applies the migrations the
    /// database lacks (another instance migrating at the same moment is waited for, not raced).
    /// - Parameters:
    ///   - settings: The server, database and pool size.
    ///   - password: The role's password, from a file or the environment; nil for password-less authentication.
    ///   - logger: Where the connection pool reports (never the password).
    /// - Throws: ``StoreError/Code/unavailable`` with a one-line reason when the server cannot be reached, refuses the
    ///   login, or the database holds migrations of a newer Standing.
    public init(settings: PostgresConnectionSettings, password: String?, logger: Logger = Logger(label: "standing.postgres")) async throws {
        self.settings = settings
        self.logger = logger
        if let schema = settings.schema {
            guard Self.isPlainIdentifier(schema) else {
                throw StoreError(.rejected, "the schema name '\(schema)' must be lower-case letters, digits and _")
            }
        }
        let tls: PostgresClient.Configuration.TLS
        switch settings.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: password, database: settings.database, tls: tls)
        configuration.options.maximumConnections = max(1, settings.maximumConnections)
        configuration.options.connectTimeout = .seconds(Int64(max(1, settings.connectTimeoutSeconds)))
        if let schema = settings.schema {
            configuration.options.additionalStartupParameters = [("search_path", schema)]
        }
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
        do {
            try await migrate(password: password)
        } catch {
            runner.cancel()
            throw error
        }
    }

    deinit { runner.cancel() }

    /// Closes the connections. Later calls fail with ``StoreError/Code/unavailable``.
    public func close() async {
        runner.cancel()
        await runner.value
    }

    /// The identifiers of the migrations applied to the database, in order of application.
    public func appliedMigrations() async throws -> [String] {
        try await reading("reading the schema version") { connection in
            var applied: [String] = []
            let rows = try await connection.query("SELECT id FROM standing_migrations ORDER BY id", logger: self.logger)
            for try await id in rows.decode(String.self) { applied.append(id) }
            // In the order they apply ("v10-…" sorts before "v2-…" as text); ones this build does not know come last.
            let position = Dictionary(uniqueKeysWithValues: PostgresSchema.migrationIdentifiers.enumerated().map { ($1, $0) })
            return applied.sorted { (position[$0] ?? Int.max, $0) < (position[$1] ?? Int.max, $1) }
        }
    }

    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !name.isEmpty, name.utf8.count <= 63 else { return false }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789_")
        return !CharacterSet.decimalDigits.contains(first) && name.unicodeScalars.allSatisfy(allowed.contains)
    }

    // MARK: - Migrations

    /// Brings the schema up to date on one connection made for the purpose, so a wrong address or password is
    /// reported with the server's own words instead of as a pool that never hands out a connection.
    private func migrate(password: String?) async throws {
        let operation = "migrating the database \(settings)"
        let connection = try await connectOnce(password: password)
        do {
            try await applyMigrations(on: connection, operation: operation)
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw Self.storeError(error, operation: operation)
        }
    }

    private func applyMigrations(on connection: PostgresConnection, operation: String) async throws {
        do {
            // Created only when missing, so a role without CREATE may serve a database whose schema is current.
            if let schema = settings.schema {
                let found = try await connection.query(
                    "SELECT 1 FROM information_schema.schemata WHERE schema_name = \(schema)", logger: logger
                ).collect()
                if found.isEmpty {
                    try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger)
                }
            }
            let table = try await connection.query(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'standing_migrations'",
                logger: logger
            ).collect()
            if table.isEmpty {
                // Two instances creating the table at once can collide in the catalogue; the second attempt sees it.
                do {
                    try await connection.query(PostgresQuery(unsafeSQL: PostgresSchema.migrationsTable), logger: logger)
                } catch {
                    try await connection.query(PostgresQuery(unsafeSQL: PostgresSchema.migrationsTable), logger: logger)
                }
            }
            var applied = Set<String>()
            for try await id in try await connection.query("SELECT id FROM standing_migrations", logger: logger).decode(String.self) {
                applied.insert(id)
            }
            let unknown = applied.subtracting(PostgresSchema.migrationIdentifiers)
            guard unknown.isEmpty else {
                throw StoreError(
                    .unavailable,
                    "the database \(settings) was migrated by a newer Standing (\(unknown.sorted().joined(separator: ", "))); "
                        + "run that version or restore a backup")
            }
            for migration in PostgresSchema.migrations where !applied.contains(migration.identifier) {
                try await connection.query("BEGIN", logger: logger)
                do {
                    // The row first: a concurrent migrator waits here for this transaction, then finds the row and skips.
                    let claimed = try await connection.query(
                        """
                        INSERT INTO standing_migrations (id, applied_at) VALUES (\(migration.identifier), \(Date().timeIntervalSince1970))
                        ON CONFLICT (id) DO NOTHING RETURNING id
                        """, logger: logger
                    ).collect()
                    if claimed.isEmpty {
                        try await connection.query("ROLLBACK", logger: logger)
                        continue
                    }
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query("COMMIT", logger: logger)
                    logger.notice("applied database migration \(migration.identifier)")
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }

    /// One connection outside the pool, within the connect timeout.
    private func connectOnce(password: String?) async throws -> PostgresConnection {
        let connectionTLS: PostgresConnection.Configuration.TLS
        do {
            switch settings.tls {
            case .disable: connectionTLS = .disable
            case .prefer: connectionTLS = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: connectionTLS = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        } catch {
            throw StoreError(.unavailable, "cannot set up TLS for \(settings): \(error)")
        }
        var configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: password, database: settings.database,
            tls: connectionTLS)
        configuration.options.connectTimeout = .seconds(Int64(max(1, settings.connectTimeoutSeconds)))
        if let schema = settings.schema {
            configuration.options.additionalStartupParameters = [("search_path", schema)]
        }
        let finalConfiguration = configuration
        let logger = self.logger
        let what = "connecting to \(settings)"
        return try await Self.withDeadline(seconds: settings.connectTimeoutSeconds, what) {
            do {
                return try await PostgresConnection.connect(configuration: finalConfiguration, id: 0, logger: logger)
            } catch {
                throw Self.storeError(error, operation: what)
            }
        }
    }
}
