import Foundation

/// Who publishes one list, as the shared database says, and the newest version recorded for it.
public struct PublicationLease: Sendable, Equatable {
    public let listId: String
    /// The instance that signs the list's versions while its lease lasts.
    public let holder: String
    /// The newest recorded publication version of the list (0 before the first).
    public let newestVersion: Int

    /// Creates a lease as read from the store.
    public init(listId: String, holder: String, newestVersion: Int) {
        self.listId = listId
        self.holder = holder
        self.newestVersion = newestVersion
    }
}

/// A status store that several `standing serve` instances share (PostgreSQL), and therefore needs one signer per list.
///
/// ECDSA signatures differ at every signing, so two instances signing the same list state would serve different bytes
/// and entity tags. Instead each list has one publisher at a time, the holder of a row lease whose expiry is judged by
/// the database's clock (the instances' clocks may disagree): it signs and records each version; the others load the
/// recorded bytes. A store used by one process (SQLite) does not conform, and the publisher then signs everything itself.
public protocol PublicationLeaseStore: Sendable {
    /// Renews the leases `holder` holds among `listIds`, takes those that nobody holds or whose holder let them expire,
    /// each for `seconds` from the database's current time, and answers every lease on `listIds`.
    func claimPublicationLeases(holder: String, listIds: [String], seconds: Double) async throws -> [PublicationLease]

    /// The id of the newest committed change (audit record), 0 before the first: changes after it are read with
    /// ``StatusStore/auditLog(listId:after:limit:)``.
    func newestChangeId() async throws -> Int64

    /// The ids of every list, including those other instances created.
    func listIds() async throws -> [String]
}
