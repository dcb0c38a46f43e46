import Foundation
import StandingAPI
import Logging
import NIOHTTP1
import PostgresNIO
import StatusList
import Testing

@testable import PostgresStore
@testable import Server
@testable import Store
import StandingTestSupport

/// `--database postgres://…`: how the URL and its password are taken, and the data-directory rules when the database
/// is PostgreSQL (the directory keeps the keys, the operator token and the LoTE certificate).
@Suite struct PostgresInstallationTests {
    @Test func aDatabaseURLWithAPasswordIsRefusedSayingWhereThePasswordGoes() throws {
        var configuration = ServerConfiguration()
        try configuration.apply("database", "postgres://standing:s3cr3t-word@db.example:5432/standing", source: "test")
        let error = #expect(throws: ServiceError.self) { try configuration.validate() }
        let detail = error?.detail ?? ""
        #expect(detail.contains("--database-password-file") && detail.contains("PGPASSWORD"), "\(detail)")
        #expect(!detail.contains("s3cr3t-word"), "the password is never repeated")
        #expect(!detail.contains("\n"), "one line")
    }

    @Test(arguments: [
        ("mysql://u@h/db", "postgres://USER@HOST"),
        ("postgres://h/db", "no user"),
        ("postgres://u@h", "no database"),
        ("postgres://u@h/db?sslmode=sometimes", "sslmode"),
        ("postgres://u@h/db?schema=Bad-Name", "schema"),
        ("postgres://u@h/db?password=x", "unknown parameter"),
    ])
    func aMalformedDatabaseURLIsRefused(url: String, mentions: String) throws {
        var configuration = ServerConfiguration()
        try configuration.apply("database", url, source: "test")
        let error = #expect(throws: ServiceError.self) { try configuration.validate() }
        #expect(error?.detail.contains(mentions) == true, "\(String(describing: error))")
    }

    @Test func theDatabaseComesFromTheEnvironmentAndAnEmptyValueMeansSQLite() throws {
        var configuration = ServerConfiguration()
        try configuration.applyEnvironment([
            "STANDING_DATABASE_URL": "postgres://standing@127.0.0.1:5432/standing", "STANDING_DATABASE_PASSWORD_FILE": "/run/pw",
        ])
        #expect(configuration.database == "postgres://standing@127.0.0.1:5432/standing")
        #expect(configuration.databasePasswordFile == "/run/pw")
        try configuration.validate()
        try configuration.apply("database", "", source: "config file")
        #expect(configuration.database == nil)
    }

    @Test func theURLIsDescribedWithoutSecrets() throws {
        let settings = try PostgresConnectionSettings(url: "postgresql://standing@[::1]:6432/db?sslmode=require&schema=tenant_a")
        #expect(settings.host == "::1" && settings.port == 6432 && settings.tls == .require && settings.schema == "tenant_a")
        #expect(settings.description == "postgres://standing@[::1]:6432/db?sslmode=require&schema=tenant_a")
    }

    // MARK: - Against a real PostgreSQL (skipped without STANDING_TEST_DATABASE_URL)

    @Test func theDataDirectoryAndThePostgreSQLDatabaseAreJudgedTogether() async throws {
        try await withPostgresSchema { url in
            let logger = Logger(label: "test")
            let first = temporaryDirectory()
            let second = temporaryDirectory()
            defer {
                try? FileManager.default.removeItem(at: first)
                try? FileManager.default.removeItem(at: second)
            }
            var configuration = ServerConfiguration()
            configuration.dataDirectory = first.path
            configuration.database = url

            // Both empty: a new installation, whose database is PostgreSQL (no SQLite file is made).
            let opened = try await openInstallation(configuration: configuration, logger: logger)
            #expect(opened.initialOperatorToken != nil)
            #expect(opened.store is PostgreSQLStore)
            #expect(try await opened.store.installation()?.serviceKeys.count == 2)
            #expect(!FileManager.default.fileExists(atPath: first.appendingPathComponent(DataDirectory.databaseFileName).path))
            opened.lock.release()
            await (opened.store as? PostgreSQLStore)?.close()

            // Both present: opened, and the keys the database records are the directory's.
            let reopened = try await openInstallation(configuration: configuration, logger: logger)
            #expect(reopened.initialOperatorToken == nil)
            #expect(Set(reopened.keys.keys.map(\.kid)) == Set(try DataDirectory(path: first.path).signingKeys().map(\.keyID)))
            reopened.lock.release()
            await (reopened.store as? PostgreSQLStore)?.close()

            // The database of an installation with a directory lacking its keys: refused, never re-keyed.
            configuration.dataDirectory = second.path
            let keyless = await #expect(throws: DataDirectoryError.self) {
                try await openInstallation(configuration: configuration, logger: logger)
            }
            #expect(keyless?.problem.contains("holds none of its keys") == true, "\(String(describing: keyless))")
            #expect(try FileManager.default.contentsOfDirectory(atPath: second.path).filter { $0 != DataDirectory.lockFileName }.isEmpty)
        }
        try await withPostgresSchema { url in
            // An initialised directory with an empty database: refused (a wrong URL, or an emptied database).
            let directory = temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            var sqlite = ServerConfiguration()
            sqlite.dataDirectory = directory.path
            let opened = try await openInstallation(configuration: sqlite, logger: Logger(label: "test"))
            opened.lock.release()
            var postgres = sqlite
            postgres.database = url
            let error = await #expect(throws: DataDirectoryError.self) {
                try await openInstallation(configuration: postgres, logger: Logger(label: "test"))
            }
            #expect(error?.problem.contains("holds no installation") == true, "\(String(describing: error))")
        }
    }

    @Test func aWrongPasswordIsOneLineWithoutThePassword() async throws {
        try await withPostgresSchema { url in
            let file = temporaryDirectory()
            try FileManager.default.createDirectory(at: file, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: file) }
            let passwordFile = file.appendingPathComponent("password")
            try Data("not-the-password-42\n".utf8).write(to: passwordFile)
            let error = await #expect(throws: DataDirectoryError.self) {
                try await openPostgreSQL(url: url, passwordFile: passwordFile.path, logger: Logger(label: "test"))
            }
            let text = error?.description ?? ""
            #expect(text.contains("cannot be used") && !text.contains("not-the-password-42") && !text.contains("\n"), "\(text)")
        }
    }

    // MARK: - standing db

    @Test func migrateAndBackupAnSQLiteInstallation() async throws {
        let directory = temporaryDirectory()
        let backup = temporaryDirectory().appendingPathExtension("sqlite")
        defer {
            try? FileManager.default.removeItem(at: directory)
            try? FileManager.default.removeItem(at: backup)
        }
        var configuration = ServerConfiguration()
        configuration.dataDirectory = directory.path
        let missing = await #expect(throws: DataDirectoryError.self) {
            try await migrateDatabase(configuration: configuration, logger: Logger(label: "test"))
        }
        #expect(missing?.problem.contains("no database") == true)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(DataDirectory.databaseFileName).path))

        let opened = try await openInstallation(configuration: configuration, logger: Logger(label: "test"))
        let tokens = try await opened.store.tokens()
        // The backup is taken while the installation is open (and locked), as it would be while serving.
        #expect(try backupSQLiteDatabase(configuration: configuration, to: backup.path) == directory.appendingPathComponent("standing.sqlite").path)
        opened.lock.release()
        let attributes = try FileManager.default.attributesOfItem(atPath: backup.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try await SQLiteStore(path: backup.path).tokens() == tokens)
        #expect(throws: StoreError(.conflict, "")) { try backupSQLiteDatabase(configuration: configuration, to: backup.path) }

        let migrated = try await migrateDatabase(configuration: configuration, logger: Logger(label: "test"))
        #expect(migrated.migrations == SQLiteSchema.migrationIdentifiers)

        configuration.database = "postgres://standing@127.0.0.1:5432/standing"
        let refused = #expect(throws: ServiceError.self) { try backupSQLiteDatabase(configuration: configuration, to: backup.path + "-2") }
        #expect(refused?.detail.contains("pg_dump") == true)
    }

    @Test func migrateAPostgreSQLDatabase() async throws {
        try await withPostgresSchema { url in
            var configuration = ServerConfiguration()
            configuration.database = url
            let migrated = try await migrateDatabase(configuration: configuration, logger: Logger(label: "test"))
            #expect(migrated.migrations == PostgresSchema.migrationIdentifiers)
            #expect(migrated.database.hasPrefix("postgres://") && migrated.database.contains("schema=server_"))
            let again = try await migrateDatabase(configuration: configuration, logger: Logger(label: "test"))
            #expect(again.migrations == migrated.migrations)
        }
    }

    @Test func copyAnSQLiteInstallationToPostgreSQLAndServeItFromThere() async throws {
        try await withPostgresSchema { url in
            let directory = temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            var configuration = ServerConfiguration()
            configuration.dataDirectory = directory.path
            let opened = try await openInstallation(configuration: configuration, logger: Logger(label: "test"))
            let store = opened.store
            let at = Date(timeIntervalSince1970: 1_760_000_000.25)
            try await store.createList(
                StatusListDefinition(
                    id: "l1", owner: "uni", purpose: .revocation, statusSize: 1, capacity: 131_072, ttlSeconds: 300,
                    validitySeconds: 86_400, statusMessages: [], allocatorKey: Array(repeating: 7, count: 32), createdAt: at))
            _ = try await store.reserveSequences(listId: "l1", count: 40)
            let audit = try await store.applyChanges(
                listId: "l1", changes: (0..<25).map { EntryChange(index: $0 * 3, value: 1) }, actor: "uni", reason: "copied", at: at
            ) { _, _ in }
            try await store.recordPublication(
                PublicationRecord(listId: "l1", version: 1, publishedAt: at, validUntil: at.addingTimeInterval(60), representations: ["a/b": Data([1, 2])]))
            var previous = String(repeating: "0", count: 64)
            for seq in 1...3 {
                try await store.appendRegistryEvent(
                    RegistryEventRecord(seq: seq, hash: "h\(seq)", at: at, event: Data(#"{"prevHash":"\#(previous)","seq":\#(seq)}"#.utf8)))
                previous = "h\(seq)"
            }
            _ = try await store.incrementCounter("lote")
            let credentialEntries = [CredentialEntryRecord(credentialId: "urn:uuid:copied", listId: "l1", index: 6)]
            try await store.recordCredentialEntries(credentialEntries)
            let tokens = try await store.tokens()
            opened.lock.release()

            var steps: [String] = []
            let copied = try await copySQLiteDatabase(from: directory.path, to: url, passwordFile: nil, logger: Logger(label: "test")) {
                steps.append($0)
            }
            #expect(copied.rows["entries"] == 25 && copied.rows["audit"] == 25 && copied.rows["registry_events"] == 3)
            #expect(copied.rows["tokens"] == tokens.count && copied.rows["installation"] == 1 && copied.rows["counters"] == 1)
            #expect(steps.contains("registry events: 3"))
            #expect(copied.rows["credential_entries"] == 1 && steps.contains("credential entries: 1"))

            // A second copy into the same database is refused, and writes nothing.
            let again = await #expect(throws: StoreError.self) {
                try await copySQLiteDatabase(from: directory.path, to: url, passwordFile: nil, logger: Logger(label: "test")) { _ in }
            }
            #expect(again?.code == .conflict)

            // The same data directory now serves from PostgreSQL: its keys match, its records are there.
            var postgres = configuration
            postgres.database = url
            let served = try await openInstallation(configuration: postgres, logger: Logger(label: "test"))
            defer { served.lock.release() }
            #expect(served.store is PostgreSQLStore)
            #expect(try await served.store.list(id: "l1")?.allocated == 40)
            #expect(try await served.store.auditLog(listId: nil, after: 0, limit: 100) == audit)
            #expect(try await served.store.tokens() == tokens)
            #expect(try await served.store.latestPublication(listId: "l1")?.representations == ["a/b": Data([1, 2])])
            #expect(try await served.store.incrementCounter("lote") == 2, "counters continue, never go back")
            #expect(try await served.store.credentialEntries(credentialId: "urn:uuid:copied") == credentialEntries)
            let next = try await served.store.applyChanges(
                listId: "l1", changes: [EntryChange(index: 1, value: 1)], actor: "uni", reason: nil, at: at) { _, _ in }
            #expect(next.map(\.id) == [audit.last!.id + 1], "audit ids continue after the copied ones")
            await (served.store as? PostgreSQLStore)?.close()
        }
    }

    @Test func aServiceOnPostgreSQLKeepsWhatItAcknowledgedAcrossARestart() async throws {
        try await withPostgresSchema { url in
            let first = try await TestServer.start { $0.database = url }
            let list = try await first.createList()
            let indices = try await first.allocate(list, count: 3)
            #expect(try await first.setStatus(list, indices[1], 1).status == 200)
            #expect(try await eventually { try await first.request(.GET, "/status/\(list)/\(indices[1])").json["status"] as? Int == 1 })
            await first.stop()
            #expect(!FileManager.default.fileExists(atPath: first.directory.appendingPathComponent(DataDirectory.databaseFileName).path))

            // The same data directory, a new process's worth of server: everything comes back from PostgreSQL.
            let second = try await TestServer.start(directory: first.directory) { $0.database = url }
            defer { try? FileManager.default.removeItem(at: first.directory) }
            #expect(try await second.request(.GET, "/status/\(list)/\(indices[1])").json["status"] as? Int == 1)
            #expect(try await second.request(.GET, "/status/\(list)/\(indices[0])").json["status"] as? Int == 0)
            let more = try await second.allocate(list, count: 2)
            #expect(Set(more).isDisjoint(with: indices), "allocation continues where it stopped")
            await second.stop()
        }
    }

    private func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("standing-pg-\(UUID().uuidString)")
    }

    /// Runs `body` with the test database's URL narrowed to a fresh schema (dropped afterwards); the test is skipped
    /// when `STANDING_TEST_DATABASE_URL` is not set.
    func withPostgresSchema(_ body: (String) async throws -> Void) async throws {
        guard let base = ProcessInfo.processInfo.environment["STANDING_TEST_DATABASE_URL"], !base.isEmpty else {
            try Test.cancel("skipped: STANDING_TEST_DATABASE_URL is not set (Tests/Probes/with-postgres.sh swift test sets it)")
        }
        let schema = "server_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let url = base + (base.contains("?") ? "&" : "?") + "schema=" + schema
        let settings = try PostgresConnectionSettings(url: url)
        let password = ProcessInfo.processInfo.environment["PGPASSWORD"]
        do {
            try await body(url)
        } catch {
            try? await drop(schema, settings, password)
            throw error
        }
        try await drop(schema, settings, password)
    }

    func drop(_ schema: String, _ settings: PostgresConnectionSettings, _ password: String?) async throws {
        let logger = Logger(label: "test")
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: settings.host, port: settings.port, username: settings.user, password: password, database: settings.database,
                tls: .disable),
            id: 1, logger: logger)
        try? await connection.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"), logger: logger)
        try await connection.close()
    }
}
