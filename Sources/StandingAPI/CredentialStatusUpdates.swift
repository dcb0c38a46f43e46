import Foundation

/// `POST /credentials/status`: the VC-API's "Update Status" request, in the shapes its users send.
///
/// - VC-API (`UpdateCredentialStatusRequest`): `{"credentialId", "credentialStatus": {"type", "statusPurpose", "id"?,
///   "statusListIndex"?, "statusListCredential"?}, "status": true|false}`.
/// - Digital Credentials Consortium status services: `{"credentialId", "credentialStatus": [{"type", "status":
///   "revoked"|"suspended"|"unsuspended"}]}`.
/// - Sphereon and the earlier VC-API drafts: `{"credentialId", "credentialStatus": [{"type"?, "status": "1"|"0"}]}`.
///
/// The server resolves the credential's entries from the ids recorded at allocation (`POST /credentials/status/allocate`)
/// and applies one change, as `POST /admin/lists/{id}/status` would.
public struct UpdateCredentialStatusRequest: Codable, Sendable, Equatable {
    /// The credential's id, as given when its entries were allocated.
    public var credentialId: String
    /// Which of its entries, and (DCC, Sphereon) the new status; one object or a one-element array.
    public var credentialStatus: CredentialStatusSelection
    /// VC-API: whether the status is set (`true`: revoked, suspended) or cleared (`false`: reinstated).
    public var status: Bool?
    /// Why (recorded in the audit log); Standing's addition.
    public var reason: String?
    /// VC-API: names the allocator of the credential's indexes. Accepted and not used: Standing allocates the
    /// indexes itself and finds them by `credentialId`.
    public var indexAllocator: String?

    /// Creates a request.
    public init(
        credentialId: String, credentialStatus: CredentialStatusSelection, status: Bool? = nil, reason: String? = nil,
        indexAllocator: String? = nil
    ) {
        self.credentialId = credentialId
        self.credentialStatus = credentialStatus
        self.status = status
        self.reason = reason
        self.indexAllocator = indexAllocator
    }
}

/// `credentialStatus` of an ``UpdateCredentialStatusRequest``: the VC-API's single object, or the array DCC and
/// Sphereon send. Encodes back in the shape it was decoded from.
public enum CredentialStatusSelection: Codable, Sendable, Equatable {
    /// One object (VC-API).
    case single(CredentialStatusItem)
    /// An array (DCC, Sphereon, earlier VC-API drafts).
    case list([CredentialStatusItem])

    /// The items, whichever the shape.
    public var items: [CredentialStatusItem] {
        switch self {
        case .single(let item): [item]
        case .list(let items): items
        }
    }

    /// Decodes an array of items, or else one item.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            self = .list(try container.decode([CredentialStatusItem].self))
        } catch DecodingError.typeMismatch {
            self = .single(try container.decode(CredentialStatusItem.self))
        }
    }

    /// Encodes the shape it was decoded from.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .single(let item): try container.encode(item)
        case .list(let items): try container.encode(items)
        }
    }
}

/// One element of `credentialStatus`: which entry (purpose, list, index) and, in the DCC and Sphereon shapes, the new
/// status.
public struct CredentialStatusItem: Codable, Sendable, Equatable {
    /// `BitstringStatusListEntry` (or the names clients use for it: `BitstringStatusList`,
    /// `BitstringStatusListCredential`, `StatusList2021Entry`, `StatusList2021`, `StatusList2021Credential`,
    /// `RevocationList2020Status`).
    public var type: String?
    /// Selects the entry of the list with this purpose (`revocation`, `suspension`, `message`, `refresh`).
    public var statusPurpose: String?
    /// DCC: `revoked`, `suspended`, `unsuspended`; Sphereon and earlier drafts: `1`/`true` (set) or `0`/`false`
    /// (cleared). Exclusive with the request's `status`.
    public var status: String?
    /// Selects the entry with this `credentialStatus.id`.
    public var id: String?
    /// Selects the entry with this index (a base-10 string, or a number as DCC's allocation answer shows it).
    public var statusListIndex: StatusListIndexText?
    /// Selects the entry in the list at this URL.
    public var statusListCredential: String?

    /// Creates an item.
    public init(
        type: String? = nil, statusPurpose: String? = nil, status: String? = nil, id: String? = nil, statusListIndex: StatusListIndexText? = nil,
        statusListCredential: String? = nil
    ) {
        self.type = type
        self.statusPurpose = statusPurpose
        self.status = status
        self.id = id
        self.statusListIndex = statusListIndex
        self.statusListCredential = statusListCredential
    }

    enum CodingKeys: String, CodingKey {
        case type, statusPurpose, status, id, statusListIndex, statusListCredential
    }

    /// Decodes the members; `status` may also be a JSON boolean.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decodeIfPresent(String.self, forKey: .type)
        statusPurpose = try container.decodeIfPresent(String.self, forKey: .statusPurpose)
        if let flag = try? container.decodeIfPresent(Bool.self, forKey: .status) {
            status = flag ? "true" : "false"
        } else {
            status = try container.decodeIfPresent(String.self, forKey: .status)
        }
        id = try container.decodeIfPresent(String.self, forKey: .id)
        statusListIndex = try container.decodeIfPresent(StatusListIndexText.self, forKey: .statusListIndex)
        statusListCredential = try container.decodeIfPresent(String.self, forKey: .statusListCredential)
    }
}

/// A `statusListIndex` as clients send it: the W3C base-10 string, or a JSON number. Encodes as it was decoded.
public enum StatusListIndexText: Codable, Sendable, Equatable {
    /// A string, as the W3C Recommendation and the VC-API define it.
    case text(String)
    /// A number, as DCC's README shows it.
    case number(Int)

    /// The index, when the text is a non-negative base-10 integer.
    public var index: Int? {
        switch self {
        case .number(let value): value >= 0 ? value : nil
        case .text(let text): text.utf8.allSatisfy { (0x30...0x39).contains($0) } ? Int(text) : nil
        }
    }

    /// Decodes a number, or else a string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) {
            self = .number(number)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    /// Encodes what was decoded.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .number(let number): try container.encode(number)
        }
    }
}

/// The answer to `POST /credentials/status`: DCC's `code` and `message`, and the change as the admin API reports it.
public struct CredentialStatusUpdated: Codable, Sendable, Equatable {
    /// 200, as DCC's status services answer.
    public var code: Int
    /// What happened, e.g. "Credential successfully revoked."
    public var message: String
    /// The credential.
    public var credentialId: String
    /// The entry changed: its `statusPurpose`, list and index.
    public var statusPurpose: ListPurpose
    /// The entry's index in the list.
    public var index: Int
    /// The change (list, applied or already in effect, audit ids, the value, the version before it).
    public var change: StatusChanged

    /// Creates the answer.
    public init(code: Int = 200, message: String, credentialId: String, statusPurpose: ListPurpose, index: Int, change: StatusChanged) {
        self.code = code
        self.message = message
        self.credentialId = credentialId
        self.statusPurpose = statusPurpose
        self.index = index
        self.change = change
    }
}
