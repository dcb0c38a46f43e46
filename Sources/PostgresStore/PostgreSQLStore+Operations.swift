import Foundation
import PostgresNIO
import StandingAPI
import StatusList
import Store

// MARK: - Lists

extension PostgreSQLStore {
    static let listColumns =
        "id, owner, purpose, status_size, capacity, ttl_seconds, validity_seconds, status_messages, allocator_key, allocated, created_at"

    public func createList(_ list: StatusListDefinition) async throws {
        let messages = try StoredValues.encodeStatusMessages(list.statusMessages, listId: list.id)
        try await writing("creating list '\(list.id)'", conflict: "a list with id '\(list.id)' exists already") { connection in
            try await connection.query(
                """
                INSERT INTO lists (id, owner, purpose, status_size, capacity, ttl_seconds, validity_seconds,
                                   status_messages, allocator_key, allocated, created_at)
                VALUES (\(list.id), \(list.owner), \(list.purpose.rawValue), \(list.statusSize), \(list.capacity),
                        \(list.ttlSeconds), \(list.validitySeconds), \(messages), \(Data(list.allocatorKey)), \(list.allocated),
                        \(list.createdAt.timeIntervalSince1970))
                """, logger: self.logger)
        }
    }

    public func list(id: String) async throws -> StatusListDefinition? {
        try await reading("reading list '\(id)'") { connection in
            try await Self.lists(
                connection.query("SELECT \(unescaped: Self.listColumns) FROM lists WHERE id = \(id)", logger: self.logger)
            ).first
        }
    }

    public func lists(owner: String?) async throws -> [StatusListDefinition] {
        try await reading("reading lists") { connection in
            if let owner {
                try await Self.lists(
                    connection.query(
                        "SELECT \(unescaped: Self.listColumns) FROM lists WHERE owner = \(owner) ORDER BY created_at, id", logger: self.logger))
            } else {
                try await Self.lists(
                    connection.query("SELECT \(unescaped: Self.listColumns) FROM lists ORDER BY created_at, id", logger: self.logger))
            }
        }
    }

    static func lists(_ rows: PostgresRowSequence) async throws -> [StatusListDefinition] {
        var lists: [StatusListDefinition] = []
        for try await (id, owner, purpose, statusSize, capacity, ttl, validity, messages, key, allocated, createdAt) in rows.decode(
            (String, String, String, Int, Int, Int, Int, String, Data, Int, Double).self)
        {
            lists.append(
                StatusListDefinition(
                    id: id, owner: owner, purpose: try StoredValues.purpose(purpose, listId: id), statusSize: statusSize,
                    capacity: capacity, ttlSeconds: ttl, validitySeconds: validity,
                    statusMessages: try StoredValues.decodeStatusMessages(messages, listId: id), allocatorKey: [UInt8](key),
                    allocated: allocated, createdAt: Date(timeIntervalSince1970: createdAt)))
        }
        return lists
    }

    /// Reserves with one conditional UPDATE: the row lock serialises reservations from every process on the
    /// database, and the condition (compared as a difference, so a huge count cannot overflow) is re-checked on the
    /// newest row version after waiting for that lock.
    public func reserveSequences(listId: String, count: Int) async throws -> Int {
        guard count >= 1 else {
            throw StoreError(.rejected, "at least one entry must be reserved, not \(count)")
        }
        // One statement, so no explicit transaction: it is atomic on its own, and saves two round trips.
        return try await autocommitting("reserving entries of list '\(listId)'") { connection in
            let reserved = try await connection.query(
                """
                UPDATE lists SET allocated = allocated + \(count)
                WHERE id = \(listId) AND \(count) <= capacity - allocated
                RETURNING allocated - \(count)
                """, logger: self.logger)
            for try await first in reserved.decode(Int.self) { return first }
            let remaining = try await connection.query(
                "SELECT capacity - allocated FROM lists WHERE id = \(listId)", logger: self.logger)
            for try await unallocated in remaining.decode(Int.self) {
                throw StoreError(.listFull, "list '\(listId)' has \(unallocated) unallocated entries, \(count) requested")
            }
            throw StoreError(.notFound, "no list with id '\(listId)'")
        }
    }
}

// MARK: - Entries and audit

extension PostgreSQLStore {
    /// Applies a batch with a fixed number of statements: the list's row is locked (batches on one list serialise), the
    /// current values of the touched indices are read with one `= ANY(array)` query, the batch is checked and folded in
    /// memory (``EntryChangePlan``, shared with SQLite), then entries and audit rows are written from arrays with
    /// `unnest`. Audit ids are reserved from `audit_head`, whose lock is held until commit.
    public func applyChanges(
        listId: String,
        changes: [EntryChange],
        actor: String,
        reason: String?,
        at: Date,
        validate: @Sendable (_ change: EntryChange, _ current: UInt8) throws -> Void
    ) async throws -> [AuditRecord] {
        try await writing("changing entries of list '\(listId)'") { connection in
            try await self.applyChanges(
                on: connection, listId: listId, changes: changes, actor: actor, reason: reason, at: at, validate: validate)
        }
    }

    private func applyChanges(
        on connection: PostgresConnection, listId: String, changes: [EntryChange], actor: String, reason: String?, at: Date,
        validate: (EntryChange, UInt8) throws -> Void
    ) async throws -> [AuditRecord] {
        var shape: (capacity: Int, statusSize: Int)?
        let list = try await connection.query(
            "SELECT capacity, status_size FROM lists WHERE id = \(listId) FOR UPDATE", logger: logger)
        for try await (capacity, statusSize) in list.decode((Int, Int).self) { shape = (capacity, statusSize) }
        guard let shape else { throw StoreError(.notFound, "no list with id '\(listId)'") }
        guard !changes.isEmpty else { return [] }

        var stored: [Int: Int] = [:]
        let indices = EntryChangePlan.indicesToRead(changes, capacity: shape.capacity)
        if !indices.isEmpty {
            let rows = try await connection.query(
                "SELECT idx, value FROM entries WHERE list_id = \(listId) AND idx = ANY(\(indices))", logger: logger)
            for try await (index, value) in rows.decode((Int, Int).self) { stored[index] = value }
        }
        var plan = try EntryChangePlan(
            listId: listId, capacity: shape.capacity, statusSize: shape.statusSize, changes: changes, storedValues: stored,
            actor: actor, reason: reason, at: at, validate: validate)
        guard !plan.records.isEmpty else { return [] }

        var upsertIndices: [Int] = []
        var upsertValues: [Int] = []
        var deletions: [Int] = []
        for (index, value) in plan.finalValues {
            if value == 0 {
                deletions.append(index)
            } else {
                upsertIndices.append(index)
                upsertValues.append(Int(value))
            }
        }
        if !upsertIndices.isEmpty {
            try await connection.query(
                """
                INSERT INTO entries (list_id, idx, value)
                SELECT \(listId), u.idx, u.value FROM unnest(\(upsertIndices)::bigint[], \(upsertValues)::bigint[]) AS u (idx, value)
                ON CONFLICT (list_id, idx) DO UPDATE SET value = EXCLUDED.value
                """, logger: logger)
        }
        if !deletions.isEmpty {
            try await connection.query(
                "DELETE FROM entries WHERE list_id = \(listId) AND idx = ANY(\(deletions))", logger: logger)
        }

        let count = plan.records.count
        var lastId: Int?
        let head = try await connection.query(
            "UPDATE audit_head SET last_id = last_id + \(count) WHERE id = 1 RETURNING last_id", logger: logger)
        for try await last in head.decode(Int.self) { lastId = last }
        guard let lastId else { throw StoreError(.unavailable, "the audit_head row is missing") }
        let firstId = lastId - count + 1
        plan.numberRecords(from: Int64(firstId))
        let auditIndices = plan.records.map(\.index)
        let oldValues = plan.records.map { Int($0.oldValue) }
        let newValues = plan.records.map { Int($0.newValue) }
        try await connection.query(
            """
            INSERT INTO audit (id, list_id, idx, old, new, actor, reason, at)
            SELECT \(firstId) + a.ord - 1, \(listId), a.idx, a.old, a.new, \(actor), \(reason), \(at.timeIntervalSince1970)
            FROM unnest(\(auditIndices)::bigint[], \(oldValues)::bigint[], \(newValues)::bigint[]) WITH ORDINALITY AS a (idx, old, new, ord)
            """, logger: logger)
        return plan.records
    }

    public func nonZeroEntries(listId: String) async throws -> [EntryChange] {
        try await reading("reading entries of list '\(listId)'") { connection in
            var exists = false
            for try await _ in try await connection.query("SELECT 1 FROM lists WHERE id = \(listId)", logger: self.logger).decode(Int.self) {
                exists = true
            }
            guard exists else { throw StoreError(.notFound, "no list with id '\(listId)'") }
            var entries: [EntryChange] = []
            let rows = try await connection.query(
                "SELECT idx, value FROM entries WHERE list_id = \(listId) ORDER BY idx", logger: self.logger)
            for try await (index, value) in rows.decode((Int, Int).self) {
                entries.append(EntryChange(index: index, value: try StoredValues.entryValue(value, "entry \(index) of list '\(listId)'")))
            }
            return entries
        }
    }

    public func auditLog(listId: String?, after: Int64, limit: Int) async throws -> [AuditRecord] {
        guard limit >= 1 else { return [] }
        let after = Int(after)
        return try await reading("reading the audit log") { connection in
            let columns = "id, list_id, idx, old, new, actor, reason, at"
            let rows =
                if let listId {
                    try await connection.query(
                        "SELECT \(unescaped: columns) FROM audit WHERE list_id = \(listId) AND id > \(after) ORDER BY id LIMIT \(limit)",
                        logger: self.logger)
                } else {
                    try await connection.query(
                        "SELECT \(unescaped: columns) FROM audit WHERE id > \(after) ORDER BY id LIMIT \(limit)", logger: self.logger)
                }
            return try await Self.auditRecords(rows)
        }
    }

    public func latestAuditRecord(listId: String, index: Int, window: Int) async throws -> AuditRecord? {
        guard window >= 1 else { return nil }
        return try await reading("reading the audit log of entry \(index) of list '\(listId)'") { connection in
            let rows = try await connection.query(
                """
                SELECT id, list_id, idx, old, new, actor, reason, at FROM (
                    SELECT id, list_id, idx, old, new, actor, reason, at FROM audit
                    WHERE list_id = \(listId) ORDER BY id DESC LIMIT \(window)
                ) AS newest WHERE idx = \(index) ORDER BY id DESC LIMIT 1
                """,
                logger: self.logger)
            return try await Self.auditRecords(rows).first
        }
    }

    /// Audit rows (`id, list_id, idx, old, new, actor, reason, at`) as records.
    static func auditRecords(_ rows: PostgresRowSequence) async throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        for try await (id, list, index, old, new, actor, reason, at) in rows.decode(
            (Int, String, Int, Int, Int, String, String?, Double).self)
        {
            records.append(
                AuditRecord(
                    id: Int64(id), listId: list, index: index,
                    oldValue: try StoredValues.entryValue(old, "audit record \(id)"),
                    newValue: try StoredValues.entryValue(new, "audit record \(id)"),
                    actor: actor, reason: reason, at: Date(timeIntervalSince1970: at)))
        }
        return records
    }
}

// MARK: - Publications

extension PostgreSQLStore {
    public func recordPublication(_ publication: PublicationRecord) async throws {
        let listId = publication.listId
        let version = publication.version
        try await writing(
            "recording publication \(version) of list '\(listId)'",
            conflict: "publication \(version) of list '\(listId)' exists already",
            missingReference: StoreError(.notFound, "no list with id '\(listId)'")
        ) { connection in
            try await connection.query(
                """
                INSERT INTO publications (list_id, version, published_at, valid_until)
                VALUES (\(listId), \(version), \(publication.publishedAt.timeIntervalSince1970), \(publication.validUntil.timeIntervalSince1970))
                """, logger: self.logger)
            for (mediaType, bytes) in publication.representations.sorted(by: { $0.key < $1.key }) {
                try await connection.query(
                    """
                    INSERT INTO publication_representations (list_id, version, media_type, bytes)
                    VALUES (\(listId), \(version), \(mediaType), \(bytes))
                    """, logger: self.logger)
            }
        }
    }

    public func latestPublication(listId: String) async throws -> PublicationRecord? {
        try await publications("reading the latest publication of list '\(listId)'") { connection in
            try await connection.query(
                """
                SELECT list_id, version, published_at, valid_until FROM publications WHERE list_id = \(listId)
                ORDER BY version DESC LIMIT 1
                """, logger: self.logger)
        }.first
    }

    public func recentPublications(listId: String, limit: Int) async throws -> [PublicationRecord] {
        guard limit > 0 else { return [] }
        return try await publications("reading recent publications of list '\(listId)'") { connection in
            try await connection.query(
                """
                SELECT list_id, version, published_at, valid_until FROM publications WHERE list_id = \(listId)
                ORDER BY version DESC LIMIT \(limit)
                """, logger: self.logger)
        }.reversed()
    }

    /// The latest `publishedAt` at or before `time` (the higher version on a tie), or nil.
    public func publication(listId: String, at time: Date) async throws -> PublicationRecord? {
        try await publications("reading a publication of list '\(listId)'") { connection in
            try await connection.query(
                """
                SELECT list_id, version, published_at, valid_until FROM publications
                WHERE list_id = \(listId) AND published_at <= \(time.timeIntervalSince1970)
                ORDER BY published_at DESC, version DESC LIMIT 1
                """, logger: self.logger)
        }.first
    }

    /// The publications `select` returns, with their representations (versions are immutable once recorded, so the
    /// two reads agree without a shared snapshot).
    private func publications(
        _ operation: String, _ select: (PostgresConnection) async throws -> PostgresRowSequence
    ) async throws -> [PublicationRecord] {
        try await reading(operation) { connection in
            var publications: [PublicationRecord] = []
            for try await (listId, version, publishedAt, validUntil) in try await select(connection).decode((String, Int, Double, Double).self) {
                publications.append(
                    PublicationRecord(
                        listId: listId, version: version, publishedAt: Date(timeIntervalSince1970: publishedAt),
                        validUntil: Date(timeIntervalSince1970: validUntil), representations: [:]))
            }
            for position in publications.indices {
                let rows = try await connection.query(
                    """
                    SELECT media_type, bytes FROM publication_representations
                    WHERE list_id = \(publications[position].listId) AND version = \(publications[position].version)
                    """, logger: self.logger)
                for try await (mediaType, bytes) in rows.decode((String, Data).self) {
                    publications[position].representations[mediaType] = bytes
                }
            }
            return publications
        }
    }
}

// MARK: - Tokens

extension PostgreSQLStore {
    public func recordCredentialEntries(_ entries: [CredentialEntryRecord]) async throws {
        guard let credentialId = entries.first?.credentialId else { return }
        let conflict = "entries of credential '\(credentialId)' are recorded already"
        try await writing("recording the entries of credential '\(credentialId)'", conflict: conflict) { connection in
            let ids = Array(Set(entries.map(\.credentialId)))
            let recorded = try await connection.query(
                "SELECT credential_id FROM credential_entries WHERE credential_id = ANY(\(ids)::text[]) LIMIT 1", logger: self.logger)
            for try await id in recorded.decode(String.self) {
                throw StoreError(.conflict, "entries of credential '\(id)' are recorded already")
            }
            try await connection.query(
                """
                INSERT INTO credential_entries (credential_id, list_id, idx)
                SELECT * FROM unnest(\(entries.map(\.credentialId))::text[], \(entries.map(\.listId))::text[], \(entries.map(\.index))::bigint[])
                """, logger: self.logger)
        }
    }

    public func credentialEntries(credentialId: String) async throws -> [CredentialEntryRecord] {
        try await reading("reading the entries of credential '\(credentialId)'") { connection in
            let rows = try await connection.query(
                "SELECT list_id, idx FROM credential_entries WHERE credential_id = \(credentialId) ORDER BY list_id", logger: self.logger)
            var entries: [CredentialEntryRecord] = []
            for try await (listId, index) in rows.decode((String, Int).self) {
                entries.append(CredentialEntryRecord(credentialId: credentialId, listId: listId, index: index))
            }
            return entries
        }
    }
}

extension PostgreSQLStore {
    public func createToken(_ token: TokenRecord) async throws {
        // The conflict reason does not say which column clashed: the hash is derived from a secret.
        try await writing("creating token '\(token.id)'", conflict: "a token with this id or secret exists already") { connection in
            try await connection.query(
                """
                INSERT INTO tokens (id, secret_hash, role, principal, label, created_at, revoked_at)
                VALUES (\(token.id), \(token.secretHash), \(token.role.rawValue), \(token.principal), \(token.label),
                        \(token.createdAt.timeIntervalSince1970), \(token.revokedAt?.timeIntervalSince1970))
                """, logger: self.logger)
        }
    }

    public func token(secretHash: String) async throws -> TokenRecord? {
        try await reading("looking up a token") { connection in
            try await Self.tokens(
                connection.query(
                    "SELECT \(unescaped: Self.tokenColumns) FROM tokens WHERE secret_hash = \(secretHash)", logger: self.logger)
            ).first
        }
    }

    /// All tokens, newest first (by creation time, then by id descending).
    public func tokens() async throws -> [TokenRecord] {
        try await reading("reading tokens") { connection in
            try await Self.tokens(
                connection.query(
                    "SELECT \(unescaped: Self.tokenColumns) FROM tokens ORDER BY created_at DESC, id DESC", logger: self.logger))
        }
    }

    public func revokeToken(id: String, at: Date) async throws {
        try await writing("revoking token '\(id)'") { connection in
            let rows = try await connection.query(
                "UPDATE tokens SET revoked_at = COALESCE(revoked_at, \(at.timeIntervalSince1970)) WHERE id = \(id) RETURNING id",
                logger: self.logger)
            for try await _ in rows.decode(String.self) { return }
            throw StoreError(.notFound, "no token with id '\(id)'")
        }
    }

    static let tokenColumns = "id, secret_hash, role, principal, label, created_at, revoked_at"

    static func tokens(_ rows: PostgresRowSequence) async throws -> [TokenRecord] {
        var tokens: [TokenRecord] = []
        for try await (id, secretHash, role, principal, label, createdAt, revokedAt) in rows.decode(
            (String, String, String, String, String?, Double, Double?).self)
        {
            tokens.append(
                TokenRecord(
                    id: id, secretHash: secretHash, role: try StoredValues.role(role, tokenId: id), principal: principal, label: label,
                    createdAt: Date(timeIntervalSince1970: createdAt), revokedAt: revokedAt.map(Date.init(timeIntervalSince1970:))))
        }
        return tokens
    }
}

// MARK: - Installation

extension PostgreSQLStore {
    public func installation() async throws -> InstallationRecord? {
        try await reading("reading the installation record") { connection in
            var initialisedAt: Double?
            for try await at in try await connection.query("SELECT initialised_at FROM installation WHERE id = 1", logger: self.logger)
                .decode(Double.self)
            {
                initialisedAt = at
            }
            guard let initialisedAt else { return nil }
            var keys: [ServiceKeyRecord] = []
            let rows = try await connection.query("SELECT kid, algorithm, added_at FROM service_keys ORDER BY added_at, kid", logger: self.logger)
            for try await (kid, algorithm, addedAt) in rows.decode((String, String, Double).self) {
                keys.append(ServiceKeyRecord(keyID: kid, algorithm: algorithm, addedAt: Date(timeIntervalSince1970: addedAt)))
            }
            return InstallationRecord(initialisedAt: Date(timeIntervalSince1970: initialisedAt), serviceKeys: keys)
        }
    }

    public func recordInstallation(serviceKeys: [ServiceKeyRecord], at: Date) async throws {
        try await writing("recording the installation") { connection in
            for key in serviceKeys {
                try await connection.query(
                    """
                    INSERT INTO service_keys (kid, algorithm, added_at) VALUES (\(key.keyID), \(key.algorithm), \(key.addedAt.timeIntervalSince1970))
                    ON CONFLICT (kid) DO NOTHING
                    """, logger: self.logger)
            }
            try await connection.query(
                "INSERT INTO installation (id, initialised_at) VALUES (1, \(at.timeIntervalSince1970)) ON CONFLICT (id) DO NOTHING",
                logger: self.logger)
        }
    }
}

// MARK: - Registry

extension PostgreSQLStore {
    /// Appends an event. The head check gives the precise message; the primary key (a concurrent writer of the same
    /// seq waits for the first and then fails) and the foreign key to (seq - 1, prevHash) are what make it hold
    /// whichever instance writes.
    public func appendRegistryEvent(_ record: RegistryEventRecord) async throws {
        let text = String(decoding: record.event, as: UTF8.self)
        try await writing(
            "appending registry event \(record.seq)",
            conflict: "registry event \(record.seq) exists already",
            missingReference: StoreError(.conflict, "registry event \(record.seq) does not chain to the hash of event \(record.seq - 1)")
        ) { connection in
            var head = 0
            for try await seq in try await connection.query("SELECT COALESCE(MAX(seq), 0) FROM registry_events", logger: self.logger)
                .decode(Int.self)
            {
                head = seq
            }
            guard record.seq == head + 1 else {
                throw StoreError(.conflict, "registry event \(record.seq) does not follow the head \(head)")
            }
            try await connection.query(
                """
                INSERT INTO registry_events (seq, hash, at, event)
                VALUES (\(record.seq), \(record.hash), \(record.at.timeIntervalSince1970), \(text))
                """, logger: self.logger)
        }
    }

    public func registryEvents(after seq: Int, limit: Int) async throws -> [RegistryEventRecord] {
        guard limit > 0 else { return [] }
        return try await reading("reading registry events after \(seq)") { connection in
            var events: [RegistryEventRecord] = []
            let rows = try await connection.query(
                "SELECT seq, hash, at, event FROM registry_events WHERE seq > \(seq) ORDER BY seq LIMIT \(limit)", logger: self.logger)
            for try await (seq, hash, at, event) in rows.decode((Int, String, Double, String).self) {
                events.append(RegistryEventRecord(seq: seq, hash: hash, at: Date(timeIntervalSince1970: at), event: Data(event.utf8)))
            }
            return events
        }
    }

    public func incrementCounter(_ name: String) async throws -> Int {
        try await writing("incrementing counter \(name)") { connection in
            let rows = try await connection.query(
                """
                INSERT INTO counters (name, value) VALUES (\(name), 1)
                ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value
                """, logger: self.logger)
            for try await value in rows.decode(Int.self) { return value }
            throw StoreError(.unavailable, "incrementing counter \(name): no value returned")
        }
    }
}

// MARK: - For tests and diagnostics

extension PostgreSQLStore {
    /// The number of stored entry rows of a list (only non-zero values have one).
    func storedEntryRowCount(listId: String) async throws -> Int {
        try await reading("counting entries") { connection in
            var count = 0
            for try await value in try await connection.query("SELECT COUNT(*) FROM entries WHERE list_id = \(listId)", logger: self.logger)
                .decode(Int.self)
            {
                count = value
            }
            return count
        }
    }
}

// MARK: - Publication leases (several instances)

extension PostgreSQLStore: PublicationLeaseStore {
    /// One statement takes or renews the leases (`INSERT … ON CONFLICT DO UPDATE … WHERE`: the row lock serialises two
    /// instances, and the condition is checked again on the newest row), in list order so that two instances lock rows
    /// in the same order; a second reads them with each list's newest version. Expiry is `clock_timestamp()`, the
    /// database's clock, never an instance's.
    public func claimPublicationLeases(holder: String, listIds: [String], seconds: Double) async throws -> [PublicationLease] {
        guard !listIds.isEmpty else { return [] }
        let ids = listIds.sorted()
        return try await writing("claiming publication leases") { connection in
            try await connection.query(
                """
                INSERT INTO publication_leases (list_id, holder, expires_at)
                SELECT l.id, \(holder), extract(epoch FROM clock_timestamp()) + \(seconds)
                FROM unnest(\(ids)::text[]) WITH ORDINALITY AS l (id, ord) WHERE EXISTS (SELECT 1 FROM lists WHERE lists.id = l.id)
                ORDER BY l.ord
                ON CONFLICT (list_id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
                WHERE publication_leases.holder = EXCLUDED.holder
                    OR publication_leases.expires_at < extract(epoch FROM clock_timestamp())
                """, logger: self.logger)
            let rows = try await connection.query(
                """
                SELECT l.list_id, l.holder,
                    COALESCE((SELECT max(p.version) FROM publications p WHERE p.list_id = l.list_id), 0)
                FROM publication_leases l WHERE l.list_id = ANY(\(ids))
                """, logger: self.logger)
            var leases: [PublicationLease] = []
            for try await (list, leaseHolder, version) in rows.decode((String, String, Int).self) {
                leases.append(PublicationLease(listId: list, holder: leaseHolder, newestVersion: version))
            }
            return leases
        }
    }

    /// `audit_head` holds the last audit id handed out; its row lock is held until the change commits, so a read
    /// outside a transaction sees it only once the change is committed.
    public func newestChangeId() async throws -> Int64 {
        try await reading("reading the newest change") { connection in
            let rows = try await connection.query("SELECT last_id FROM audit_head WHERE id = 1", logger: self.logger)
            for try await (last) in rows.decode(Int.self) { return Int64(last) }
            return 0
        }
    }

    public func listIds() async throws -> [String] {
        try await reading("reading the list ids") { connection in
            var ids: [String] = []
            for try await (id) in try await connection.query("SELECT id FROM lists ORDER BY id", logger: self.logger).decode(String.self) {
                ids.append(id)
            }
            return ids
        }
    }
}
