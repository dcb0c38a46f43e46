import Foundation
import StandingAPI

/// The system of record for status lists: definitions, allocation counters, entry values, the audit log,
/// published versions and API tokens.
///
/// Every mutating call is one transaction that is durable when the call returns, so a caller can acknowledge
/// the change right after. Implementations: ``SQLiteStore`` (embedded default); a PostgreSQL one can follow
/// without changing callers (nothing here assumes SQLite: no rowids, no single-writer assumption; allocation
/// and updates are atomic read-modify-write transactions).
public protocol StatusStore: Sendable {
    /// Stores a new list. Throws ``StoreError/Code/conflict`` when the id exists.
    func createList(_ list: StatusListDefinition) async throws
    /// The list with this id, or nil.
    func list(id: String) async throws -> StatusListDefinition?
    /// All lists, or those of one owner, oldest first.
    func lists(owner: String?) async throws -> [StatusListDefinition]

    /// Atomically reserves `count` consecutive allocation sequence numbers of a list.
    /// - Returns: The first reserved sequence number; the caller maps sequence numbers to indices.
    /// - Throws: ``StoreError/Code/listFull`` when fewer than `count` remain (nothing is reserved),
    ///   ``StoreError/Code/notFound`` for an unknown list, ``StoreError/Code/rejected`` when `count` < 1.
    func reserveSequences(listId: String, count: Int) async throws -> Int

    /// Atomically applies changes to a list's entries and appends one audit record per change.
    ///
    /// `validate` runs inside the transaction with each entry's current value; if it throws for any change,
    /// nothing is written and the error is rethrown unchanged. Changes whose new value equals the old one are
    /// skipped (no audit record) after `validate` accepted them.
    ///
    /// Changes apply in order and each sees the effect of the earlier ones: an index that appears twice is
    /// validated and audited against the value the earlier change set, and the last change wins.
    /// - Returns: The audit records written, in the order of `changes`.
    /// - Throws: the error of `validate`; ``StoreError/Code/rejected`` (nothing written) for an index outside
    ///   `0..<capacity` or a value wider than the list's status size; ``StoreError/Code/notFound`` for an unknown list.
    func applyChanges(
        listId: String,
        changes: [EntryChange],
        actor: String,
        reason: String?,
        at: Date,
        validate: @Sendable (_ change: EntryChange, _ current: UInt8) throws -> Void
    ) async throws -> [AuditRecord]

    /// All non-zero entries of a list as (index, value) by ascending index, for rebuilding its bitstring.
    /// Throws ``StoreError/Code/notFound`` for an unknown list.
    func nonZeroEntries(listId: String) async throws -> [EntryChange]

    /// Audit records, optionally of one list, with id greater than `after`, oldest first, at most `limit`
    /// (none when `limit` < 1).
    func auditLog(listId: String?, after: Int64, limit: Int) async throws -> [AuditRecord]
    /// The newest audit record of one entry (the last change of its value) among the list's `window` newest audit
    /// records, or nil when there is none there: the entry was never changed, not lately, or the list does not exist.
    /// The public check page reads it to say since when an entry is revoked or suspended. The window bounds what any
    /// visitor's request costs without an index on (list, entry), which would slow every batch of changes.
    func latestAuditRecord(listId: String, index: Int, window: Int) async throws -> AuditRecord?

    /// Records the entries allocated for one credential id, all or none.
    /// - Throws: ``StoreError/Code/conflict`` (nothing written) when entries of that credential id are recorded already;
    ///   ``StoreError/Code/notFound`` for an unknown list.
    func recordCredentialEntries(_ entries: [CredentialEntryRecord]) async throws
    /// The entries recorded for a credential id, by list id; empty when none are.
    func credentialEntries(credentialId: String) async throws -> [CredentialEntryRecord]

    /// Records a publication. Versions are immutable: recording an existing (list, version) throws conflict;
    /// an unknown list throws notFound.
    func recordPublication(_ publication: PublicationRecord) async throws
    /// The newest publication of a list, or nil.
    func latestPublication(listId: String) async throws -> PublicationRecord?
    /// The newest `limit` publications of a list, oldest first (empty for `limit` < 1).
    func recentPublications(listId: String, limit: Int) async throws -> [PublicationRecord]
    /// The publication in force at `time`: the newest published at or before it, or nil.
    func publication(listId: String, at time: Date) async throws -> PublicationRecord?

    /// Stores a token record. Throws conflict on a duplicate id or hash.
    func createToken(_ token: TokenRecord) async throws
    /// The token with this secret hash, revoked or not, or nil.
    func token(secretHash: String) async throws -> TokenRecord?
    /// All tokens, newest first.
    func tokens() async throws -> [TokenRecord]
    /// Marks a token revoked. Throws notFound for an unknown id. Revoking again keeps the first revocation time.
    func revokeToken(id: String, at: Date) async throws

    /// The installation record, or nil when no initialisation has completed on this database.
    func installation() async throws -> InstallationRecord?
    /// Records that the installation is initialised (the first call fixes `initialisedAt`) and adds service keys to
    /// it; keys already recorded are kept as they are.
    func recordInstallation(serviceKeys: [ServiceKeyRecord], at: Date) async throws
}
