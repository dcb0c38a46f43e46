import Foundation
import StandingAPI
import StatusList
import Store

/// The VC-API status calls of DCC's and Sphereon's services, on the admin API's rules: allocation records the
/// credential's id when the caller gives one, and a status update by credential id becomes one change of one entry.
extension StatusService {
    /// The purposes allocated for a credential when the caller names none: a revocation and a suspension entry, as
    /// DCC's status services allocate.
    public static var defaultCredentialPurposes: [ListPurpose] { [.revocation, .suspension] }

    /// Allocates one entry per purpose from the caller's current lists (as ``allocate(purpose:count:caller:)``) and,
    /// when `credentialId` is given, records the entries under it for ``updateCredentialStatus(_:caller:now:)``.
    /// - Throws: ``ServiceError`` `conflict` when entries are recorded for `credentialId` already, `invalidValue` for
    ///   no or repeated purposes or an over-long id; the errors of ``allocate(purpose:count:caller:)``.
    public func allocate(credentialId: String?, purposes: [ListPurpose], caller: Principal) async throws -> [AllocatedEntry] {
        guard !purposes.isEmpty, Set(purposes).count == purposes.count else {
            throw ServiceError(.invalidValue, "name each purpose once, at least one")
        }
        if let credentialId {
            guard !credentialId.isEmpty, credentialId.utf8.count <= 2048 else {
                throw ServiceError(.invalidValue, "the credential's id must be 1-2048 bytes")
            }
            guard try await store.credentialEntries(credentialId: credentialId).isEmpty else {
                throw ServiceError(.conflict, "entries are allocated for credential '\(credentialId.prefix(200))' already")
            }
        }
        var entries: [AllocatedEntry] = []
        for purpose in purposes {
            entries += try await allocate(purpose: purpose, count: 1, caller: caller)
        }
        if let credentialId {
            do {
                try await store.recordCredentialEntries(
                    entries.map { CredentialEntryRecord(credentialId: credentialId, listId: $0.list, index: $0.index) })
            } catch let error as StoreError where error.code == .conflict {
                // Another allocation for the same id won the race; these entries stay allocated and unused.
                throw ServiceError(.conflict, "entries are allocated for credential '\(credentialId.prefix(200))' already")
            }
        }
        return entries
    }

    /// Applies a VC-API `POST /credentials/status` request: finds the credential's entries (recorded at allocation, or
    /// named by `statusListCredential` and `statusListIndex`), maps the request onto one intent or value of one entry
    /// (``CredentialStatusMapping``) and applies it as ``setStatus(listId:index:intent:reason:caller:now:)`` does.
    /// - Throws: ``ServiceError`` `notFound` for an unknown credential id, `forbidden` for another issuer's credential,
    ///   `badRequest`/`invalidValue` for a request that selects no single entry or a status its list cannot hold; the
    ///   errors of ``setStatuses(listId:changes:reason:caller:now:)`` (revocation is final, and so on).
    func updateCredentialStatus(_ request: UpdateCredentialStatusRequest, caller: Principal, now: Date = Date()) async throws
        -> (change: CredentialStatusMapping.Change, value: UInt8, records: [AuditRecord])
    {
        let (item, wanted) = try CredentialStatusMapping.wanted(request)
        var entries: [CredentialStatusMapping.Entry] = []
        let recorded = try await store.credentialEntries(credentialId: request.credentialId)
        if recorded.isEmpty {
            // Not recorded at allocation: an entry named by its list's URL and index still identifies it.
            guard let url = item.statusListCredential, let index = item.statusListIndex?.index, let listId = listId(fromURL: url) else {
                throw ServiceError(
                    .notFound,
                    "no credential '\(request.credentialId.prefix(200))': its id was not given when its entries were allocated "
                        + "(POST /credentials/status/allocate with the credential's id); name statusListCredential and statusListIndex instead")
            }
            entries = [CredentialStatusMapping.Entry(index: index, list: try await ownedList(listId, caller: caller), url: url)]
        } else {
            for entry in recorded {
                let list = try await ownedList(entry.listId, caller: caller)
                entries.append(CredentialStatusMapping.Entry(index: entry.index, list: list, url: listURL(list.id)))
            }
        }
        let change = try CredentialStatusMapping.change(credentialId: request.credentialId, item: item, wanted: wanted, entries: entries)
        if let intent = change.intent {
            let applied = try await setStatus(
                listId: change.listId, index: change.index, intent: intent, reason: request.reason, caller: caller, now: now)
            return (change, applied.value, applied.records)
        }
        let value = change.value ?? 0
        let records = try await setStatuses(
            listId: change.listId, changes: [EntryChange(index: change.index, value: value)], reason: request.reason, caller: caller, now: now)
        return (change, value, records)
    }

    /// The id of the list at `url` when it is one of this service's list URLs.
    nonisolated func listId(fromURL url: String) -> String? {
        let prefix = "\(baseURL)/status/"
        guard url.hasPrefix(prefix) else { return nil }
        let id = String(url.dropFirst(prefix.count))
        return Self.isValidListId(id) ? id : nil
    }
}
