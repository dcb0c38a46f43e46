import Foundation
import StatusList

/// `POST /admin/lists`: a new list; anything left out takes the service default.
public struct CreateListRequest: Codable, Sendable, Equatable {
    /// The list id (a-z, 0-9, '-', '_'); random when left out.
    public var id: String?
    /// What the list's values mean.
    public var purpose: ListPurpose
    /// Bits per entry: 1, 2, 4 or 8 (more than 1 only for message lists).
    public var statusSize: Int?
    /// Entries (at least 131072).
    public var capacity: Int?
    /// Verifier cache time, seconds.
    public var ttlSeconds: Int?
    /// Validity of each publication, seconds (at least twice the ttl).
    public var validitySeconds: Int?
    /// The message table of a message list, one per value in order.
    public var statusMessages: [StatusMessage]?
    /// The owning issuer; only an operator may create a list for another principal.
    public var owner: String?

    /// Creates a request.
    public init(
        id: String? = nil, purpose: ListPurpose, statusSize: Int? = nil, capacity: Int? = nil, ttlSeconds: Int? = nil,
        validitySeconds: Int? = nil, statusMessages: [StatusMessage]? = nil, owner: String? = nil
    ) {
        self.id = id
        self.purpose = purpose
        self.statusSize = statusSize
        self.capacity = capacity
        self.ttlSeconds = ttlSeconds
        self.validitySeconds = validitySeconds
        self.statusMessages = statusMessages
        self.owner = owner
    }
}

/// A list as the admin API shows it (never its allocator key).
public struct ListInfo: Codable, Sendable, Equatable {
    /// The list id, the last segment of its URL.
    public var id: String
    /// The public URL: `statusListCredential` and the IETF `uri`.
    public var url: String
    /// The issuer (principal id) that owns the list.
    public var owner: String
    /// What the list's values mean.
    public var purpose: ListPurpose
    /// Bits per entry: 1, 2, 4 or 8.
    public var statusSize: Int
    /// Number of entries.
    public var capacity: Int
    /// How many entries have been handed out.
    public var allocated: Int
    /// How long verifiers may cache a publication, in seconds.
    public var ttlSeconds: Int
    /// How long each publication stays valid, in seconds.
    public var validitySeconds: Int
    /// The message table of a message list; nil otherwise.
    public var statusMessages: [StatusMessage]?
    /// When the list was created.
    public var createdAt: Date
    /// The media types the list is published in.
    public var formats: [String]
    /// The version of the publication verifiers see now; nil before the first one.
    public var publishedVersion: Int?
    /// When the current publication was made; nil before the first one.
    public var publishedAt: Date?

    /// Creates the description of a list.
    public init(
        id: String, url: String, owner: String, purpose: ListPurpose, statusSize: Int, capacity: Int, allocated: Int,
        ttlSeconds: Int, validitySeconds: Int, statusMessages: [StatusMessage]?, createdAt: Date, formats: [String],
        publishedVersion: Int?, publishedAt: Date?
    ) {
        self.id = id
        self.url = url
        self.owner = owner
        self.purpose = purpose
        self.statusSize = statusSize
        self.capacity = capacity
        self.allocated = allocated
        self.ttlSeconds = ttlSeconds
        self.validitySeconds = validitySeconds
        self.statusMessages = statusMessages
        self.createdAt = createdAt
        self.formats = formats
        self.publishedVersion = publishedVersion
        self.publishedAt = publishedAt
    }
}

/// `GET /admin/lists`: the lists the caller manages.
public struct ListsPage: Codable, Sendable, Equatable {
    /// The lists, in creation order.
    public var lists: [ListInfo]

    /// Creates the page.
    public init(lists: [ListInfo]) { self.lists = lists }
}

/// `POST /admin/lists/{id}/entries`: how many entries to allocate from that list.
public struct AllocateRequest: Codable, Sendable, Equatable {
    /// 1-10000; 1 when left out.
    public var count: Int?

    /// Creates a request.
    public init(count: Int? = nil) { self.count = count }
}

/// `POST /admin/entries`: allocate from the caller's current list for a purpose (created when needed).
public struct AllocateByPurposeRequest: Codable, Sendable, Equatable {
    /// The purpose of the list to allocate from.
    public var purpose: ListPurpose
    /// 1-10000; 1 when left out.
    public var count: Int?

    /// Creates a request.
    public init(purpose: ListPurpose, count: Int? = nil) {
        self.purpose = purpose
        self.count = count
    }
}

/// One allocated status entry, with the values an issuer embeds in the credential.
public struct AllocatedEntry: Sendable, Codable, Equatable {
    /// The list's id.
    public var list: String
    /// The entry's index in the list.
    public var index: Int
    /// The list's URL, `statusListCredential` and IETF `uri`.
    public var listURL: String
    /// A ready-to-embed W3C `BitstringStatusListEntry`.
    public var credentialStatus: BitstringStatusListEntry
    /// A ready-to-embed IETF `status` claim, when the list is publishable in the IETF format.
    public var status: StatusClaim?

    /// Creates an entry.
    public init(list: String, index: Int, listURL: String, credentialStatus: BitstringStatusListEntry, status: StatusClaim?) {
        self.list = list
        self.index = index
        self.listURL = listURL
        self.credentialStatus = credentialStatus
        self.status = status
    }
}

/// The answer to an allocation (`POST /admin/lists/{id}/entries`, `POST /admin/entries`).
public struct AllocatedEntries: Sendable, Codable, Equatable {
    /// The entries, in allocation order.
    public var entries: [AllocatedEntry]

    /// Wraps allocated entries.
    public init(entries: [AllocatedEntry]) {
        self.entries = entries
    }
}
