import Foundation
import GRDB
import StandingAPI
import StatusList

/// The embedded ``StatusStore``: one SQLite file in WAL mode, accessed through a GRDB `DatabasePool`
/// (one serialized writer, concurrent snapshot readers).
///
/// Storage choices:
/// - Every write is one `BEGIN IMMEDIATE` transaction with `synchronous = FULL`, so a change is on disk
///   (WAL fsynced) when the call returns and survives a power loss.
/// - Dates are stored as unix seconds in a `REAL` column. Dates read back equal the dates written to well below a
///   millisecond; the records this store returns carry the stored value, so they compare equal to later reads.
/// - Entries keep only non-zero values; setting an entry to 0 deletes its row.
/// - Errors: a duplicate key is ``StoreError/Code/conflict``, a violated range check ``StoreError/Code/rejected``,
///   any other database failure ``StoreError/Code/unavailable`` with SQLite's message (never the SQL text).
public final class SQLiteStore: StatusStore {
    /// How long a write waits for a lock held by another connection (another process on the same file)
    /// before failing with ``StoreError/Code/unavailable``.
    public static let busyTimeout: TimeInterval = 5

    /// The path of the database file.
    public let path: String
    let pool: DatabasePool

    /// Opens the database at `path`, creating the file if it does not exist, and brings its schema up to date.
    ///
    /// Opening the same file again (or from another instance) is safe: applied migrations are skipped.
    /// - Parameter path: The database file. Its directory must exist.
    /// - Throws: ``StoreError/Code/unavailable`` when the file cannot be opened or migrated.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.label = "standing.store"
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            // DatabasePool enables WAL after the connection is prepared and then sets synchronous = NORMAL on the
            // writer, which may lose the latest commits on power loss. FULL fsyncs the WAL at every commit.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try SQLiteSchema.migrator.migrate(pool)
            self.pool = pool
        } catch {
            throw Self.storeError(error, operation: "opening the database at \(path)", conflict: nil)
        }
        self.path = path
    }

    /// Closes the database connections. Any later call throws ``StoreError/Code/unavailable``.
    ///
    /// Not required before the store is released (it closes itself then); useful for an orderly shutdown.
    /// - Throws: ``StoreError/Code/unavailable`` when a connection cannot be closed.
    public func close() throws {
        do {
            try pool.close()
        } catch {
            throw Self.storeError(error, operation: "closing the database", conflict: nil)
        }
    }

    /// The identifiers of the schema migrations applied to the database, in order (e.g. `"v1-status-lists"`).
    /// - Returns: The applied migrations.
    public func appliedMigrations() async throws -> [String] {
        try await reading("reading the schema version") { db in try SQLiteSchema.migrator.appliedMigrations(db) }
    }

    /// The writer connection's `journal_mode`, `synchronous` and `foreign_keys` pragmas, for tests and diagnostics.
    func connectionSettings() async throws -> [String] {
        try await writing("reading connection settings") { db in
            try ["journal_mode", "synchronous", "foreign_keys"].map { pragma in
                try String.fetchOne(db, sql: "PRAGMA \(pragma)") ?? ""
            }
        }
    }

    /// The number of stored entry rows of a list (only non-zero values have one), for tests.
    func storedEntryRowCount(listId: String) async throws -> Int {
        try await reading("counting entries") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entries WHERE list_id = ?", arguments: [listId]) ?? 0
        }
    }

    // MARK: - Lists

    public func createList(_ list: StatusListDefinition) async throws {
        let messages = try StoredValues.encodeStatusMessages(list.statusMessages, listId: list.id)
        try await writing("creating list '\(list.id)'", conflict: "a list with id '\(list.id)' exists already") { db in
            try db.execute(
                sql: """
                    INSERT INTO lists (id, owner, purpose, status_size, capacity, ttl_seconds, validity_seconds,
                                       status_messages, allocator_key, allocated, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, X''), ?, ?)
                    """,
                arguments: [
                    list.id, list.owner, list.purpose.rawValue, list.statusSize, list.capacity, list.ttlSeconds,
                    list.validitySeconds, messages, Data(list.allocatorKey), list.allocated, list.createdAt.storedSeconds,
                ]
            )
        }
    }

    public func list(id: String) async throws -> StatusListDefinition? {
        try await reading("reading list '\(id)'") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM lists WHERE id = ?", arguments: [id]).map(Self.list(from:))
        }
    }

    public func lists(owner: String?) async throws -> [StatusListDefinition] {
        try await reading("reading lists") { db in
            let rows: [Row]
            if let owner {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM lists WHERE owner = ? ORDER BY created_at, id", arguments: [owner])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM lists ORDER BY created_at, id")
            }
            return try rows.map(Self.list(from:))
        }
    }

    /// Atomically reserves `count` consecutive allocation sequence numbers of a list.
    /// - Returns: The first reserved sequence number (the list's `allocated` before the call).
    /// - Throws: ``StoreError/Code/listFull`` when fewer than `count` remain (nothing is reserved),
    ///   ``StoreError/Code/notFound`` for an unknown list, ``StoreError/Code/rejected`` when `count` < 1.
    public func reserveSequences(listId: String, count: Int) async throws -> Int {
        guard count >= 1 else {
            throw StoreError(.rejected, "at least one entry must be reserved, not \(count)")
        }
        return try await writing("reserving entries of list '\(listId)'") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT allocated, capacity FROM lists WHERE id = ?", arguments: [listId]) else {
                throw StoreError(.notFound, "no list with id '\(listId)'")
            }
            let allocated: Int = try row.decode(forColumn: "allocated")
            let capacity: Int = try row.decode(forColumn: "capacity")
            // Compared as a difference so a huge count cannot overflow.
            guard count <= capacity - allocated else {
                throw StoreError(.listFull, "list '\(listId)' has \(capacity - allocated) unallocated entries, \(count) requested")
            }
            try db.execute(sql: "UPDATE lists SET allocated = ? WHERE id = ?", arguments: [allocated + count, listId])
            return allocated
        }
    }

    // MARK: - Entries

    /// Atomically applies changes to a list's entries and appends one audit record per change.
    ///
    /// Changes are applied in order, each seeing the effect of the ones before it: when an index appears more than
    /// once, `validate` and the audit record of a later change see the value set by the earlier one, and the last
    /// change wins. Before `validate`, the store checks that the index is inside the list and that the value fits
    /// the list's status size (``StoreError/Code/rejected`` otherwise). Nothing is written when any check throws.
    ///
    /// A batch costs a fixed number of statements, not a few per change: the current values of all indices are read
    /// in one query, the changes are checked and folded in memory, then the final entry values and the audit rows
    /// are written with one multi-row statement each (the rows travel as one JSON array bound as a parameter).
    /// - Returns: The audit records written, in the order of `changes`, with their assigned ids.
    /// - Throws: The error thrown by `validate`, unchanged; ``StoreError/Code/rejected`` for an index or value out of
    ///   range; ``StoreError/Code/notFound`` for an unknown list.
    public func applyChanges(
        listId: String,
        changes: [EntryChange],
        actor: String,
        reason: String?,
        at: Date,
        validate: @Sendable (_ change: EntryChange, _ current: UInt8) throws -> Void
    ) async throws -> [AuditRecord] {
        let atSeconds = at.storedSeconds
        let storedAt = Date(storedSeconds: atSeconds)
        return try await writing("changing entries of list '\(listId)'") { db in
            guard let list = try Row.fetchOne(db, sql: "SELECT capacity, status_size FROM lists WHERE id = ?", arguments: [listId]) else {
                throw StoreError(.notFound, "no list with id '\(listId)'")
            }
            let capacity: Int = try list.decode(forColumn: "capacity")
            let statusSize: Int = try list.decode(forColumn: "status_size")
            guard !changes.isEmpty else { return [] }

            // The stored (non-zero) values of every index the batch touches.
            var indices = JSONArrayText(capacity: changes.count)
            for index in EntryChangePlan.indicesToRead(changes, capacity: capacity) {
                indices.append(index)
            }
            var values: [Int: Int] = [:]
            let storedValues = try Row.fetchCursor(
                db.cachedStatement(sql: "SELECT idx, value FROM entries WHERE list_id = ? AND idx IN (SELECT value FROM json_each(?))"),
                arguments: [listId, indices.text]
            )
            while let row = try storedValues.next() {
                values[try row.decode(atIndex: 0)] = try row.decode(atIndex: 1)
            }

            var plan = try EntryChangePlan(
                listId: listId, capacity: capacity, statusSize: statusSize, changes: changes, storedValues: values,
                actor: actor, reason: reason, at: storedAt, validate: validate)
            guard !plan.records.isEmpty else { return [] }
            var auditRows = JSONArrayText(capacity: plan.records.count * 3)
            for record in plan.records {
                auditRows.append(record.index, Int(record.oldValue), Int(record.newValue))
            }

            // Only the final value of each changed index is written (an index may change several times in a batch).
            var upserts = JSONArrayText(capacity: plan.finalValues.count * 2)
            var deletions = JSONArrayText(capacity: 0)
            for (index, value) in plan.finalValues {
                if value == 0 { deletions.append(index) } else { upserts.append(index, Int(value)) }
            }
            if !upserts.isEmpty {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO entries (list_id, idx, value)
                        SELECT ?, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?) WHERE true
                        ON CONFLICT (list_id, idx) DO UPDATE SET value = excluded.value
                        """
                ).execute(arguments: [listId, upserts.text])
            }
            if !deletions.isEmpty {
                try db.cachedStatement(sql: "DELETE FROM entries WHERE list_id = ? AND idx IN (SELECT value FROM json_each(?))")
                    .execute(arguments: [listId, deletions.text])
            }
            try db.cachedStatement(
                sql: """
                    INSERT INTO audit (list_id, idx, old, new, actor, reason, at)
                    SELECT ?, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), ?, ?, ?
                    FROM json_each(?) ORDER BY key
                    """
            ).execute(arguments: [listId, actor, reason, atSeconds, auditRows.text])
            // One INSERT under the write lock numbers its rows consecutively (AUTOINCREMENT: each new id is one above
            // the largest ever used), in the ORDER BY order, i.e. the order of `changes`.
            let count = plan.records.count
            guard db.changesCount == count else {
                throw StoreError(
                    .unavailable, "changing entries of list '\(listId)': \(db.changesCount) audit rows written, \(count) expected")
            }
            plan.numberRecords(from: db.lastInsertedRowID - Int64(count) + 1)
            return plan.records
        }
    }

    /// All non-zero entries of a list as (index, value), by ascending index.
    /// - Throws: ``StoreError/Code/notFound`` for an unknown list.
    public func nonZeroEntries(listId: String) async throws -> [EntryChange] {
        try await reading("reading entries of list '\(listId)'") { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM lists WHERE id = ?", arguments: [listId]) != nil else {
                throw StoreError(.notFound, "no list with id '\(listId)'")
            }
            var entries: [EntryChange] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT idx, value FROM entries WHERE list_id = ? ORDER BY idx", arguments: [listId])
            while let row = try rows.next() {
                let index: Int = try row.decode(atIndex: 0)
                let storedValue: Int = try row.decode(atIndex: 1)
                guard let value = UInt8(exactly: storedValue) else {
                    throw StoreError(.unavailable, "entry \(index) of list '\(listId)' holds an invalid value")
                }
                entries.append(EntryChange(index: index, value: value))
            }
            return entries
        }
    }

    /// Audit records, optionally of one list, with id greater than `after`, oldest first, at most `limit`
    /// (none when `limit` < 1).
    public func auditLog(listId: String?, after: Int64, limit: Int) async throws -> [AuditRecord] {
        guard limit >= 1 else { return [] }
        return try await reading("reading the audit log") { db in
            let rows: [Row]
            if let listId {
                rows = try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM audit WHERE list_id = ? AND id > ? ORDER BY id LIMIT ?",
                    arguments: [listId, after, limit]
                )
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, limit])
            }
            return try rows.map(Self.auditRecord(from:))
        }
    }

    static let latestAuditRecordSQL = """
        SELECT * FROM (SELECT * FROM audit WHERE list_id = ? ORDER BY id DESC LIMIT ?) WHERE idx = ? ORDER BY id DESC LIMIT 1
        """

    public func latestAuditRecord(listId: String, index: Int, window: Int) async throws -> AuditRecord? {
        guard window >= 1 else { return nil }
        return try await reading("reading the audit log of entry \(index) of list '\(listId)'") { db in
            try Row.fetchOne(
                db,
                sql: Self.latestAuditRecordSQL,
                arguments: [listId, window, index]
            ).map(Self.auditRecord(from:))
        }
    }

    // MARK: - Publications

    /// Records a publication with all its representations.
    /// - Throws: ``StoreError/Code/conflict`` when the (list, version) exists, ``StoreError/Code/notFound`` for an
    ///   unknown list.
    public func recordPublication(_ publication: PublicationRecord) async throws {
        let listId = publication.listId
        let version = publication.version
        try await writing(
            "recording publication \(version) of list '\(listId)'",
            conflict: "publication \(version) of list '\(listId)' exists already"
        ) { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM lists WHERE id = ?", arguments: [listId]) != nil else {
                throw StoreError(.notFound, "no list with id '\(listId)'")
            }
            try db.execute(
                sql: "INSERT INTO publications (list_id, version, published_at, valid_until) VALUES (?, ?, ?, ?)",
                arguments: [listId, version, publication.publishedAt.storedSeconds, publication.validUntil.storedSeconds]
            )
            let insertRepresentation = try db.cachedStatement(
                sql: "INSERT INTO publication_representations (list_id, version, media_type, bytes) VALUES (?, ?, ?, COALESCE(?, X''))"
            )
            for (mediaType, bytes) in publication.representations.sorted(by: { $0.key < $1.key }) {
                try insertRepresentation.execute(arguments: [listId, version, mediaType, bytes])
            }
        }
    }

    /// The publication with the highest version of a list, or nil.
    public func latestPublication(listId: String) async throws -> PublicationRecord? {
        try await reading("reading the latest publication of list '\(listId)'") { db in
            let row = try Row.fetchOne(
                db,
                sql: "SELECT * FROM publications WHERE list_id = ? ORDER BY version DESC LIMIT 1",
                arguments: [listId]
            )
            return try row.map { try Self.publication(from: $0, db) }
        }
    }

    /// The newest `limit` publications of a list, oldest first.
    public func recentPublications(listId: String, limit: Int) async throws -> [PublicationRecord] {
        guard limit > 0 else { return [] }
        return try await reading("reading recent publications of list '\(listId)'") { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM publications WHERE list_id = ? ORDER BY version DESC LIMIT ?",
                arguments: [listId, limit]
            )
            return try rows.reversed().map { try Self.publication(from: $0, db) }
        }
    }

    /// The publication in force at `time`: the latest `publishedAt` at or before it (the higher version on a tie),
    /// or nil.
    public func publication(listId: String, at time: Date) async throws -> PublicationRecord? {
        try await reading("reading a publication of list '\(listId)'") { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM publications WHERE list_id = ? AND published_at <= ?
                    ORDER BY published_at DESC, version DESC LIMIT 1
                    """,
                arguments: [listId, time.storedSeconds]
            )
            return try row.map { try Self.publication(from: $0, db) }
        }
    }

    // MARK: - Tokens

    public func recordCredentialEntries(_ entries: [CredentialEntryRecord]) async throws {
        guard let credentialId = entries.first?.credentialId else { return }
        let conflict = "entries of credential '\(credentialId)' are recorded already"
        try await writing("recording the entries of credential '\(credentialId)'", conflict: conflict) { db in
            for id in Set(entries.map(\.credentialId)) {
                guard try Int.fetchOne(db, sql: "SELECT 1 FROM credential_entries WHERE credential_id = ? LIMIT 1", arguments: [id]) == nil else {
                    throw StoreError(.conflict, "entries of credential '\(id)' are recorded already")
                }
            }
            for entry in entries {
                try db.execute(
                    sql: "INSERT INTO credential_entries (credential_id, list_id, idx) VALUES (?, ?, ?)",
                    arguments: [entry.credentialId, entry.listId, entry.index])
            }
        }
    }

    public func credentialEntries(credentialId: String) async throws -> [CredentialEntryRecord] {
        try await reading("reading the entries of credential '\(credentialId)'") { db in
            try Row.fetchAll(
                db, sql: "SELECT list_id, idx FROM credential_entries WHERE credential_id = ? ORDER BY list_id", arguments: [credentialId]
            ).map { CredentialEntryRecord(credentialId: credentialId, listId: $0["list_id"], index: $0["idx"]) }
        }
    }

    public func createToken(_ token: TokenRecord) async throws {
        // The conflict reason does not say which column clashed: the hash is derived from a secret.
        try await writing("creating token '\(token.id)'", conflict: "a token with this id or secret exists already") { db in
            try db.execute(
                sql: """
                    INSERT INTO tokens (id, secret_hash, role, principal, label, created_at, revoked_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    token.id, token.secretHash, token.role.rawValue, token.principal, token.label,
                    token.createdAt.storedSeconds, token.revokedAt?.storedSeconds,
                ]
            )
        }
    }

    public func token(secretHash: String) async throws -> TokenRecord? {
        try await reading("looking up a token") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tokens WHERE secret_hash = ?", arguments: [secretHash]).map(Self.token(from:))
        }
    }

    /// All tokens, newest first (by creation time, then by id descending).
    public func tokens() async throws -> [TokenRecord] {
        try await reading("reading tokens") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY created_at DESC, id DESC").map(Self.token(from:))
        }
    }

    /// Marks a token revoked. Revoking a revoked token succeeds and keeps the first revocation time.
    /// - Throws: ``StoreError/Code/notFound`` for an unknown id.
    public func revokeToken(id: String, at: Date) async throws {
        try await writing("revoking token '\(id)'") { db in
            try db.execute(
                sql: "UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                arguments: [at.storedSeconds, id]
            )
            guard db.changesCount > 0 else {
                throw StoreError(.notFound, "no token with id '\(id)'")
            }
        }
    }

    // MARK: - Installation

    public func installation() async throws -> InstallationRecord? {
        try await reading("reading the installation record") { db in
            guard let initialisedAt = try Double.fetchOne(db, sql: "SELECT initialised_at FROM installation WHERE id = 1") else {
                return nil
            }
            let keys = try Row.fetchAll(db, sql: "SELECT * FROM service_keys ORDER BY added_at, kid").map { row in
                ServiceKeyRecord(keyID: row["kid"], algorithm: row["algorithm"], addedAt: Date(storedSeconds: row["added_at"]))
            }
            return InstallationRecord(initialisedAt: Date(storedSeconds: initialisedAt), serviceKeys: keys)
        }
    }

    public func recordInstallation(serviceKeys: [ServiceKeyRecord], at: Date) async throws {
        try await writing("recording the installation") { db in
            for key in serviceKeys {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO service_keys (kid, algorithm, added_at) VALUES (?, ?, ?)",
                    arguments: [key.keyID, key.algorithm, key.addedAt.storedSeconds])
            }
            try db.execute(
                sql: "INSERT OR IGNORE INTO installation (id, initialised_at) VALUES (1, ?)", arguments: [at.storedSeconds])
        }
    }
}

// MARK: - Multi-row statements

/// The text of a JSON array of integers or of integer tuples (`[1,2]` or `[[1,0,1],[2,0,1]]`), built without a
/// `JSONEncoder` and bound as one statement parameter for SQLite's `json_each`.
struct JSONArrayText {
    private var elements: String
    /// Whether nothing has been appended.
    private(set) var isEmpty = true

    /// Creates an empty array; `capacity` is the expected number of integers.
    init(capacity: Int) {
        elements = ""
        elements.reserveCapacity(capacity * 8)
    }

    /// The JSON text.
    var text: String { "[" + elements + "]" }

    /// Appends one integer.
    mutating func append(_ number: Int) {
        if !isEmpty { elements += "," }
        elements += String(number)
        isEmpty = false
    }

    /// Appends a pair of integers as a nested array.
    mutating func append(_ first: Int, _ second: Int) {
        openTuple(first)
        elements += ","
        elements += String(second)
        elements += "]"
    }

    /// Appends a triple of integers as a nested array.
    mutating func append(_ first: Int, _ second: Int, _ third: Int) {
        openTuple(first)
        elements += ","
        elements += String(second)
        elements += ","
        elements += String(third)
        elements += "]"
    }

    private mutating func openTuple(_ first: Int) {
        elements += isEmpty ? "[" : ",["
        elements += String(first)
        isEmpty = false
    }
}

// MARK: - Transactions and errors

extension SQLiteStore {
    /// Runs `body` in one immediate write transaction; a throw rolls everything back.
    ///
    /// IMMEDIATE takes the write lock before the first read, so a read-modify-write cannot be invalidated by
    /// another process writing in between.
    func writing<T: Sendable>(
        _ operation: String,
        conflict: String? = nil,
        _ body: @Sendable (Database) throws -> T
    ) async throws -> T {
        let transaction: @Sendable (Database) throws -> T = { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            guard let result else {
                throw StoreError(.unavailable, "\(operation): the transaction produced no result")
            }
            return result
        }
        do {
            // On the server's write lane the transaction runs on the lane's own low-priority thread (WriteLaneThread).
            if WriteLaneThread.isCurrent { return try writeHere(transaction) }
            return try await pool.writeWithoutTransaction(transaction)
        } catch {
            throw Self.storeError(error, operation: operation, conflict: conflict)
        }
    }

    /// Runs `transaction` on the calling thread, waiting for the write lock (GRDB's synchronous write).
    private func writeHere<T>(_ transaction: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction(transaction)
    }

    /// Runs `body` on a read-only snapshot.
    func reading<T: Sendable>(_ operation: String, _ body: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw Self.storeError(error, operation: operation, conflict: nil)
        }
    }

    /// Maps any error from a database access to what callers see: ``StoreError``, a caller's own validation
    /// error, or `CancellationError`.
    static func storeError(_ error: any Error, operation: String, conflict: String?) -> any Error {
        if let passed = StoreError.passedThrough(error) { return passed }
        switch error {
        case let error as DatabaseError:
            let message = error.message ?? "\(error.resultCode)"
            switch error.extendedResultCode {
            case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY:
                return StoreError(.conflict, conflict ?? "\(operation): the record exists already")
            case .SQLITE_CONSTRAINT_CHECK, .SQLITE_CONSTRAINT_NOTNULL:
                return StoreError(.rejected, "\(operation): a value is out of range (\(message))")
            case .SQLITE_CONSTRAINT_FOREIGNKEY:
                return StoreError(.notFound, "\(operation): a referenced record does not exist")
            default:
                return StoreError(.unavailable, "\(operation): \(message)")
            }
        case is RowDecodingError:
            // Its description quotes the SQL; the column types are what matter, and they are fixed by the schema.
            return StoreError(.unavailable, "\(operation): a stored value has an unexpected type")
        default:
            return StoreError(.unavailable, "\(operation): \(error)")
        }
    }
}

// MARK: - Row decoding

extension SQLiteStore {
    static func list(from row: Row) throws -> StatusListDefinition {
        let id: String = try row.decode(forColumn: "id")
        let purpose = try StoredValues.purpose(try row.decode(forColumn: "purpose"), listId: id)
        let messages = try StoredValues.decodeStatusMessages(try row.decode(forColumn: "status_messages"), listId: id)
        let allocatorKey: Data = try row.decode(forColumn: "allocator_key")
        return StatusListDefinition(
            id: id,
            owner: try row.decode(forColumn: "owner"),
            purpose: purpose,
            statusSize: try row.decode(forColumn: "status_size"),
            capacity: try row.decode(forColumn: "capacity"),
            ttlSeconds: try row.decode(forColumn: "ttl_seconds"),
            validitySeconds: try row.decode(forColumn: "validity_seconds"),
            statusMessages: messages,
            allocatorKey: [UInt8](allocatorKey),
            allocated: try row.decode(forColumn: "allocated"),
            createdAt: Date(storedSeconds: try row.decode(forColumn: "created_at"))
        )
    }

    static func auditRecord(from row: Row) throws -> AuditRecord {
        let id: Int64 = try row.decode(forColumn: "id")
        let old: Int = try row.decode(forColumn: "old")
        let new: Int = try row.decode(forColumn: "new")
        guard let oldValue = UInt8(exactly: old), let newValue = UInt8(exactly: new) else {
            throw StoreError(.unavailable, "audit record \(id) holds an invalid value")
        }
        return AuditRecord(
            id: id,
            listId: try row.decode(forColumn: "list_id"),
            index: try row.decode(forColumn: "idx"),
            oldValue: oldValue,
            newValue: newValue,
            actor: try row.decode(forColumn: "actor"),
            reason: try row.decode(forColumn: "reason"),
            at: Date(storedSeconds: try row.decode(forColumn: "at"))
        )
    }

    static func publication(from row: Row, _ db: Database) throws -> PublicationRecord {
        let listId: String = try row.decode(forColumn: "list_id")
        let version: Int = try row.decode(forColumn: "version")
        var representations: [String: Data] = [:]
        let rows = try Row.fetchCursor(
            db,
            sql: "SELECT media_type, bytes FROM publication_representations WHERE list_id = ? AND version = ?",
            arguments: [listId, version]
        )
        while let representation = try rows.next() {
            representations[try representation.decode(atIndex: 0)] = try representation.decode(Data.self, atIndex: 1)
        }
        return PublicationRecord(
            listId: listId,
            version: version,
            publishedAt: Date(storedSeconds: try row.decode(forColumn: "published_at")),
            validUntil: Date(storedSeconds: try row.decode(forColumn: "valid_until")),
            representations: representations
        )
    }

    static func token(from row: Row) throws -> TokenRecord {
        let id: String = try row.decode(forColumn: "id")
        let role = try StoredValues.role(try row.decode(forColumn: "role"), tokenId: id)
        let revokedAt: Double? = try row.decode(forColumn: "revoked_at")
        return TokenRecord(
            id: id,
            secretHash: try row.decode(forColumn: "secret_hash"),
            role: role,
            principal: try row.decode(forColumn: "principal"),
            label: try row.decode(forColumn: "label"),
            createdAt: Date(storedSeconds: try row.decode(forColumn: "created_at")),
            revokedAt: revokedAt.map(Date.init(storedSeconds:))
        )
    }
}

extension Date {
    /// The representation in the database: unix seconds with sub-second precision.
    var storedSeconds: Double { timeIntervalSince1970 }

    init(storedSeconds: Double) {
        self.init(timeIntervalSince1970: storedSeconds)
    }
}

// MARK: - Backup

extension SQLiteStore {
    /// Writes a consistent copy of the database to a new file while the store stays in use (SQLite's online backup:
    /// readers and the writer go on; the copy is the state of one moment).
    /// - Parameter destination: The new file; its directory must exist. Created with mode 0600.
    /// - Throws: ``StoreError/Code/conflict`` when the file exists; ``StoreError/Code/unavailable`` otherwise.
    public func backup(to destination: String) throws {
        let files = FileManager.default
        guard !files.fileExists(atPath: destination) else { throw StoreError(.conflict, "\(destination) exists already") }
        guard files.createFile(atPath: destination, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw StoreError(.unavailable, "cannot create \(destination)")
        }
        do {
            let copy = try DatabaseQueue(path: destination)
            try pool.backup(to: copy)
            try copy.close()
        } catch {
            try? files.removeItem(atPath: destination)
            throw Self.storeError(error, operation: "backing up the database to \(destination)", conflict: nil)
        }
    }
}

// MARK: - Copying out

extension SQLiteStore {
    /// The number of rows of each of Standing's tables, by table name (the names ``tableNames`` lists).
    public func rowCounts() async throws -> [String: Int] {
        try await reading("counting rows") { db in
            var counts: [String: Int] = [:]
            for table in Self.tableNames {
                counts[table] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
            }
            return counts
        }
    }

    /// Standing's tables, the same in every store.
    public static let tableNames = [
        "lists", "entries", "audit", "publications", "publication_representations", "tokens", "registry_events", "counters",
        "service_keys", "installation", "signing_identities", "identity_events", "credential_entries",
    ]

    /// Every recorded credential entry, by credential id and list id (for copying a database).
    public func allCredentialEntries() async throws -> [CredentialEntryRecord] {
        try await reading("reading credential entries") { db in
            try Row.fetchAll(db, sql: "SELECT credential_id, list_id, idx FROM credential_entries ORDER BY credential_id, list_id").map {
                CredentialEntryRecord(credentialId: $0["credential_id"], listId: $0["list_id"], index: $0["idx"])
            }
        }
    }

    /// Every counter of the registry (``RegistryStore/incrementCounter(_:)``) with its value.
    public func counterValues() async throws -> [String: Int] {
        try await reading("reading counters") { db in
            var values: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, value FROM counters") {
                values[row["name"]] = row["value"]
            }
            return values
        }
    }
}
