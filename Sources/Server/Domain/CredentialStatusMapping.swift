import Foundation
import Signing
import StandingAPI
import StatusList
import Store

/// How a VC-API-shaped status update (``UpdateCredentialStatusRequest``) maps onto one change of one entry: which of
/// the credential's entries, and which intent or value, so that the admin API's rules decide the rest.
enum CredentialStatusMapping {
    /// The `credentialStatus.type` names clients send for a Bitstring Status List entry: the W3C type, and the names
    /// DCC, Sphereon and earlier VC-API drafts use for the same thing.
    static let acceptedTypes: Set<String> = [
        "BitstringStatusListEntry", "BitstringStatusList", "BitstringStatusListCredential", "StatusList2021Entry", "StatusList2021",
        "StatusList2021Credential", "RevocationList2020Status",
    ]

    /// What the request asks for, before the entry's list is known.
    enum Wanted: Equatable {
        /// An intent (DCC's `revoked`, `suspended`, `unsuspended`).
        case intent(StatusIntent)
        /// Set the status the entry's purpose stands for (VC-API `status: true`, Sphereon `"1"`).
        case set
        /// Clear it (VC-API `status: false`, Sphereon `"0"`).
        case clear
    }

    /// One change of one entry.
    struct Change: Equatable {
        let listId: String
        let index: Int
        let purpose: ListPurpose
        /// An intent for the list's rules to resolve, or an explicit value.
        let intent: StatusIntent?
        let value: UInt8?
    }

    /// A candidate entry: where it is and its list.
    struct Entry {
        let index: Int
        let list: StatusListDefinition
        let url: String
    }

    /// The one item of the request and what it asks for.
    /// - Throws: ``ServiceError`` `badRequest` / `invalidValue` naming what is wrong with the request.
    static func wanted(_ request: UpdateCredentialStatusRequest) throws -> (item: CredentialStatusItem, wanted: Wanted) {
        guard !request.credentialId.isEmpty, request.credentialId.utf8.count <= 2048 else {
            throw ServiceError(.invalidValue, "credentialId must be 1-2048 bytes")
        }
        let items = request.credentialStatus.items
        guard items.count == 1, let item = items.first else {
            throw ServiceError(
                .badRequest, "credentialStatus must name exactly one entry (one change per request, applied atomically), got \(items.count)")
        }
        if let type = item.type, !acceptedTypes.contains(type) {
            throw ServiceError(
                .invalidValue, "credentialStatus type '\(type.prefix(80))' is not a status list entry type; use BitstringStatusListEntry")
        }
        switch (item.status, request.status) {
        case (let text?, nil):
            switch text.lowercased() {
            case "revoked": return (item, .intent(.revoke))
            case "suspended": return (item, .intent(.suspend))
            case "unsuspended": return (item, .intent(.reinstate))
            case "1", "true": return (item, .set)
            case "0", "false": return (item, .clear)
            default:
                throw ServiceError(
                    .invalidValue,
                    "credentialStatus status '\(text.prefix(40))' is not one of revoked, suspended, unsuspended, 1, 0, true, false")
            }
        case (nil, let flag?):
            return (item, flag ? .set : .clear)
        case (nil, nil):
            throw ServiceError(.badRequest, "give the new status: 'status' (true or false), or 'status' inside credentialStatus")
        case (_?, _?):
            throw ServiceError(.badRequest, "give the new status once: 'status' or credentialStatus's 'status', not both")
        }
    }

    /// The entries of `entries` that `item` selects by purpose, list URL, index and id.
    static func matching(_ item: CredentialStatusItem, in entries: [Entry]) throws -> [Entry] {
        let purpose = try item.statusPurpose.map { text in
            guard let purpose = ListPurpose(rawValue: text) else {
                throw ServiceError(.invalidValue, "statusPurpose '\(text.prefix(40))' is not one of revocation, suspension, message, refresh")
            }
            return purpose
        }
        let index = try item.statusListIndex.map { text in
            guard let index = text.index else { throw ServiceError(.invalidValue, "statusListIndex must be a non-negative integer") }
            return index
        }
        return entries.filter { entry in
            (purpose == nil || entry.list.purpose == purpose) && (item.statusListCredential == nil || entry.url == item.statusListCredential)
                && (index == nil || entry.index == index) && (item.id == nil || item.id == "\(entry.url)#\(entry.index)")
        }
    }

    /// The one change `wanted` makes to the entry `item` selects among the credential's `entries`.
    /// - Throws: ``ServiceError`` `notFound` when no entry matches, `invalidValue` when several do or the entry's list
    ///   cannot express what is wanted.
    static func change(credentialId: String, item: CredentialStatusItem, wanted: Wanted, entries: [Entry]) throws -> Change {
        var candidates = try matching(item, in: entries)
        if candidates.count > 1, case .intent(let intent) = wanted {
            // DCC names no purpose: "revoked" means the revocation entry, "suspended"/"unsuspended" the suspension entry,
            // and a message list when the credential has no entry of that purpose.
            let preferred: ListPurpose = intent == .revoke ? .revocation : .suspension
            for purpose in [preferred, .message] {
                let narrowed = candidates.filter { $0.list.purpose == purpose }
                if !narrowed.isEmpty {
                    candidates = narrowed
                    break
                }
            }
        }
        guard let entry = candidates.first else {
            let purposes = entries.map(\.list.purpose.rawValue).joined(separator: ", ")
            throw ServiceError(
                .notFound, "credential '\(credentialId.prefix(200))' has no entry that credentialStatus selects (its entries: \(purposes))")
        }
        guard candidates.count == 1 else {
            throw ServiceError(
                .invalidValue,
                "credential '\(credentialId.prefix(200))' has \(candidates.count) entries that credentialStatus selects; name the statusPurpose")
        }
        let list = entry.list
        switch wanted {
        case .intent(let intent):
            return Change(listId: list.id, index: entry.index, purpose: list.purpose, intent: intent, value: nil)
        case .clear:
            return Change(listId: list.id, index: entry.index, purpose: list.purpose, intent: .reinstate, value: nil)
        case .set:
            switch list.purpose {
            case .revocation: return Change(listId: list.id, index: entry.index, purpose: list.purpose, intent: .revoke, value: nil)
            case .suspension: return Change(listId: list.id, index: entry.index, purpose: list.purpose, intent: .suspend, value: nil)
            case .refresh: return Change(listId: list.id, index: entry.index, purpose: list.purpose, intent: nil, value: 1)
            case .message:
                throw ServiceError(
                    .invalidValue,
                    "the entry is in message list '\(list.id)', whose values a boolean status cannot name; use 'revoked', 'suspended' "
                        + "or 'unsuspended', or POST /admin/lists/\(list.id)/status with a value")
            }
        }
    }

    /// An unsigned credential given to `POST /credentials/status/allocate`: its members and its `id`, when it has one.
    /// - Throws: ``ServiceError`` `badRequest` for a body that is not a JSON object, a non-string `id`, or a credential
    ///   that has a `credentialStatus` already or carries a proof (entries must be added before signing).
    static func unsignedCredential(_ body: Data) throws -> (members: [String: JSONValue], id: String?) {
        guard !body.isEmpty else { throw ServiceError(.badRequest, "the body is empty; expected the unsigned credential") }
        let parsed: JSONValue
        do {
            parsed = try JSONValue(parsing: body, maximumDepth: 64)
        } catch {
            throw ServiceError(.badRequest, "the body is not valid JSON: \(error.reason)")
        }
        guard let members = parsed.objectValue else { throw ServiceError(.badRequest, "the body must be a JSON object: the unsigned credential") }
        guard members["credentialStatus"] == nil else {
            throw ServiceError(.badRequest, "the credential has a credentialStatus already; allocate entries for a credential without one")
        }
        guard members["proof"] == nil else {
            throw ServiceError(.badRequest, "the credential carries a proof; allocate its entries before signing it")
        }
        switch members["id"] {
        case nil: return (members, nil)
        case .string(let id)?: return (members, id)
        default: throw ServiceError(.badRequest, "the credential's id must be a string")
        }
    }

    /// The credential with its entries as `credentialStatus`: one object for one entry, an array for several (as DCC
    /// answers).
    static func attach(_ entries: [BitstringStatusListEntry], to credential: [String: JSONValue]) throws -> JSONValue {
        let encoded = try entries.map { try JSONValue(encoding: $0) }
        var members = credential
        members["credentialStatus"] = encoded.count == 1 ? encoded[0] : .array(encoded)
        return .object(members)
    }

    /// The words of DCC's answer for a change.
    static func message(for change: Change) -> String {
        switch (change.intent, change.value) {
        case (.revoke?, _): "Credential successfully revoked."
        case (.suspend?, _): "Credential successfully suspended."
        case (.reinstate?, _): "Credential successfully unsuspended."
        default: "Credential status successfully updated."
        }
    }
}
