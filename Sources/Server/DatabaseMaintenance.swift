import Foundation
import Logging
import PostgresStore
import StandingAPI
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

/// What `standing db copy` copied: the rows of each table, equal in source and copy.
public struct CopiedDatabase: Sendable {
    /// The copy's database, described without secrets.
    public let database: String
    /// Rows per table.
    public let rows: [String: Int]
}

extension CopiedDatabase {
    /// What was copied from `dataDirectory` and checked, table by table, and the command that serves the copy.
    public func text(from dataDirectory: String) -> String {
        (["copied \(dataDirectory) to \(database); checked:"] + rows.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value) rows" }
            + ["serve it with: standing serve --data-dir \(dataDirectory) --database \(database)"]).joined(separator: "\n")
    }
}

/// Copies a stopped SQLite installation's database into an empty PostgreSQL database, then checks the copy: the rows
/// of every table are as many as in the source, and the registry log is the same events, byte for byte, each chaining
/// to the one before. Nothing is written to PostgreSQL unless all of it is (one transaction).
///
/// The data directory stays as it is: serve it afterwards with `--database` (its keys, token and certificate are
/// used; the SQLite file is left in place, unused, as a fallback).
/// - Parameters:
///   - dataDirectory: The SQLite installation's data directory; it is locked, so the service must be stopped.
///   - url: The target `postgres://` URL.
///   - passwordFile: The target's password file (else `PGPASSWORD`).
///   - logger: Where the target's migrations are reported.
///   - progress: Told each step as it completes.
/// - Returns: The rows copied per table.
/// - Throws: ``DataDirectoryError`` for a missing database or a running service; ``StoreError`` `conflict` for a
///   non-empty target; ``ServiceError`` `unavailable` when the check after copying fails.
public func copySQLiteDatabase(
    from dataDirectory: String, to url: String, passwordFile: String?, logger: Logger, progress: (String) -> Void
) async throws -> CopiedDatabase {
    let directory = DataDirectory(path: dataDirectory)
    let lock = try directory.lock(for: "standing db copy")
    defer { lock.release() }
    try requireSQLiteDatabase(directory)
    let source = try SQLiteStore(path: directory.databasePath)
    defer { try? source.close() }
    let target = try await openPostgreSQL(url: url, passwordFile: passwordFile, logger: logger)
    do {
        try await copy(from: source, to: target, progress: progress)
        let rows = try await verifyCopy(of: source, in: target)
        await target.close()
        return CopiedDatabase(database: target.settings.description, rows: rows)
    } catch {
        await target.close()
        throw error
    }
}

private func copy(from source: SQLiteStore, to target: PostgreSQLStore, progress: (String) -> Void) async throws {
    let lists = try await source.lists(owner: nil)
    try await target.importRecords { into in
        try await into.lists(lists)
        progress("lists: \(lists.count)")
        var entries = 0
        for list in lists {
            let values = try await source.nonZeroEntries(listId: list.id)
            try await into.entries(listId: list.id, values)
            entries += values.count
        }
        progress("entries: \(entries)")
        var audit = 0
        var afterId: Int64 = 0
        while true {
            let page = try await source.auditLog(listId: nil, after: afterId, limit: 10_000)
            guard let last = page.last else { break }
            try await into.audit(page)
            audit += page.count
            afterId = last.id
            progress("audit records: \(audit)")
        }
        var publications = 0
        for list in lists {
            let all = try await source.recentPublications(listId: list.id, limit: Int.max)
            try await into.publications(all)
            publications += all.count
        }
        progress("publications: \(publications)")
        let tokens = try await source.tokens()
        try await into.tokens(tokens)
        progress("tokens: \(tokens.count)")
        var events = 0
        var afterSeq = 0
        while true {
            let page = try await source.registryEvents(after: afterSeq, limit: 1000)
            guard let last = page.last else { break }
            try await into.registryEvents(page)
            events += page.count
            afterSeq = last.seq
        }
        progress("registry events: \(events)")
        try await into.counters(try await source.counterValues())
        if let installation = try await source.installation() {
            try await into.installation(installation)
        }
        let identities = try await source.signingIdentities()
        try await into.signingIdentities(identities)
        let identityEvents = try await source.identityEvents(issuer: nil)
        try await into.identityEvents(identityEvents)
        progress("signing identities: \(identities.count) (\(identityEvents.count) events)")
        let credentialEntries = try await source.allCredentialEntries()
        try await into.credentialEntries(credentialEntries)
        progress("credential entries: \(credentialEntries.count)")
    }
}

/// The rows per table, once they are equal in both, and the registry log checked event by event.
private func verifyCopy(of source: SQLiteStore, in target: PostgreSQLStore) async throws -> [String: Int] {
    let expected = try await source.rowCounts()
    let copied = try await target.rowCounts()
    guard expected == copied else {
        let differences = expected.keys.sorted().filter { expected[$0] != copied[$0] }
            .map { "\($0) \(expected[$0] ?? 0) → \(copied[$0] ?? 0)" }
        throw ServiceError(.unavailable, "the copy does not match its source: \(differences.joined(separator: ", "))")
    }
    var previousHash = String(repeating: "0", count: 64)
    var afterSeq = 0
    while true {
        let original = try await source.registryEvents(after: afterSeq, limit: 1000)
        let copy = try await target.registryEvents(after: afterSeq, limit: 1000)
        guard original == copy else {
            throw ServiceError(.unavailable, "the copied registry log differs from its source after event \(afterSeq)")
        }
        guard let last = copy.last else { break }
        for event in copy {
            let link = try? JSONDecoder().decode(ChainLink.self, from: event.event)
            guard event.seq == afterSeq + 1, link?.prevHash == previousHash else {
                throw ServiceError(.unavailable, "the registry log breaks at event \(event.seq): it does not chain to event \(afterSeq)")
            }
            previousHash = event.hash
            afterSeq = event.seq
        }
        afterSeq = last.seq
    }
    return copied
}

/// The one member of a recorded registry event that chains it to the one before.
private struct ChainLink: Decodable {
    let prevHash: String?
}
