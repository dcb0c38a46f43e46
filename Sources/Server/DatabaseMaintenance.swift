import Foundation
import Logging
import PostgresStore
import Store

/// What `standing db migrate` did: the database and the migrations it now has.
public struct MigratedDatabase: Sendable {
    /// The database, described without secrets (a file path or a `postgres://` URL).
    public let database: String
    /// The identifiers of the applied migrations, in order.
    public let migrations: [String]
}

/// Brings the installation's database schema up to date, as a start would, without serving.
///
/// PostgreSQL: any number of instances may run meanwhile (migrations are transactional and claimed by row). SQLite:
/// the data directory is locked, and its database must exist (a missing one is not created).
/// - Parameters:
///   - configuration: The settings (data directory, database, password file).
///   - logger: Where applied migrations are reported.
/// - Returns: The database and its migrations.
/// - Throws: ``DataDirectoryError`` or ``ServiceError`` with a one-line reason.
public func migrateDatabase(configuration: ServerConfiguration, logger: Logger) async throws -> MigratedDatabase {
    try configuration.validate()
    if let url = configuration.database {
        let store = try await openPostgreSQL(url: url, passwordFile: configuration.databasePasswordFile, logger: logger)
        do {
            let migrations = try await store.appliedMigrations()
            await store.close()
            return MigratedDatabase(database: store.settings.description, migrations: migrations)
        } catch {
            await store.close()
            throw error
        }
    }
    let directory = DataDirectory(path: configuration.dataDirectory)
    let lock = try directory.lock(for: "standing db migrate")
    defer { lock.release() }
    try requireSQLiteDatabase(directory)
    let store = try SQLiteStore(path: directory.databasePath)
    defer { try? store.close() }
    return MigratedDatabase(database: directory.databasePath, migrations: try await store.appliedMigrations())
}

/// Copies the installation's SQLite database to a new file while the service may keep running (SQLite's online
/// backup: a consistent state of one moment). PostgreSQL is backed up with its own tools (ops/postgresql.md).
/// - Parameters:
///   - configuration: The settings (data directory, database).
///   - destination: The new file (mode 0600); it must not exist.
/// - Returns: The database file that was copied.
/// - Throws: ``ServiceError`` `invalidValue` for a PostgreSQL installation; ``DataDirectoryError`` without a
///   database; ``StoreError`` when the copy cannot be written.
public func backupSQLiteDatabase(configuration: ServerConfiguration, to destination: String) throws -> String {
    guard configuration.database == nil else {
        throw ServiceError(
            .invalidValue, "the database is PostgreSQL: back it up with pg_dump or continuous archiving (see ops/postgresql.md)")
    }
    let directory = DataDirectory(path: configuration.dataDirectory)
    try requireSQLiteDatabase(directory)
    let store = try SQLiteStore(path: directory.databasePath)
    defer { try? store.close() }
    try store.backup(to: destination)
    return directory.databasePath
}

private func requireSQLiteDatabase(_ directory: DataDirectory) throws {
    guard (directory.survey().databaseBytes ?? 0) > 0 else {
        throw DataDirectoryError(
            problem: "there is no database in \(directory.path) (\(DataDirectory.databaseFileName))",
            remedy: "give the --data-dir the service runs from, or --database for an installation on PostgreSQL")
    }
}
