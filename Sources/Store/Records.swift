import Foundation
import StandingAPI
import StatusList

/// A status list as the store keeps it: its fixed parameters, its owner and its allocation state.
public struct StatusListDefinition: Codable, Sendable, Hashable {
    /// The list's id, the last path segment of its URL `{base}/status/{id}`.
    public var id: String
    /// The issuer (principal id) that owns the list.
    public var owner: String
    public var purpose: ListPurpose
    /// Bits per entry: 1, 2, 4 or 8.
    public var statusSize: Int
    /// Number of entries.
    public var capacity: Int
    /// How long verifiers may cache a publication, in seconds.
    public var ttlSeconds: Int
    /// How long each publication stays valid (`validUntil` / `exp` = publication time + this).
    public var validitySeconds: Int
    /// The message table for `message` lists (2^statusSize entries, W3C `statusMessage`); empty otherwise.
    public var statusMessages: [StatusMessage]
    /// The secret key of the list's index permutation. Never leaves the server.
    public var allocatorKey: [UInt8]
    /// How many entries have been handed out; the next allocation is the permutation of this number.
    public var allocated: Int
    public var createdAt: Date

    /// Creates a definition.
    public init(
        id: String,
        owner: String,
        purpose: ListPurpose,
        statusSize: Int,
        capacity: Int,
        ttlSeconds: Int,
        validitySeconds: Int,
        statusMessages: [StatusMessage],
        allocatorKey: [UInt8],
        allocated: Int = 0,
        createdAt: Date
    ) {
        self.id = id
        self.owner = owner
        self.purpose = purpose
        self.statusSize = statusSize
        self.capacity = capacity
        self.ttlSeconds = ttlSeconds
        self.validitySeconds = validitySeconds
        self.statusMessages = statusMessages
        self.allocatorKey = allocatorKey
        self.allocated = allocated
        self.createdAt = createdAt
    }
}

/// A request to set one entry.
public struct EntryChange: Codable, Sendable, Hashable {
    public var index: Int
    public var value: UInt8

    /// Creates a change.
    public init(index: Int, value: UInt8) {
        self.index = index
        self.value = value
    }
}

/// An API token as stored: only the hash of the secret is kept.
public struct TokenRecord: Codable, Sendable, Hashable {
    /// Public token id (shown in listings; not secret).
    public var id: String
    /// SHA-256 of the secret token, hex.
    public var secretHash: String
    public var role: PrincipalRole
    /// The principal the token acts for (issuer or body id; `operator` for the operator).
    public var principal: String
    public var label: String?
    public var createdAt: Date
    public var revokedAt: Date?

    /// Creates a record.
    public init(
        id: String,
        secretHash: String,
        role: PrincipalRole,
        principal: String,
        label: String?,
        createdAt: Date,
        revokedAt: Date? = nil
    ) {
        self.id = id
        self.secretHash = secretHash
        self.role = role
        self.principal = principal
        self.label = label
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// One immutable publication of a list: every representation's bytes, signed, as served.
public struct PublicationRecord: Sendable, Hashable {
    public var listId: String
    /// 1, 2, 3... per list.
    public var version: Int
    public var publishedAt: Date
    /// `validUntil` (W3C) / `exp` (IETF) of this publication.
    public var validUntil: Date
    /// Media type -> exact bytes served.
    public var representations: [String: Data]

    /// Creates a record.
    public init(listId: String, version: Int, publishedAt: Date, validUntil: Date, representations: [String: Data]) {
        self.listId = listId
        self.version = version
        self.publishedAt = publishedAt
        self.validUntil = validUntil
        self.representations = representations
    }
}

/// The record that an installation's initialisation completed, and the service keys it must always have.
///
/// Written last when a data directory is initialised, so an initialisation cut short leaves no record; a start
/// that finds a database without one (and without tokens) knows the directory was never fully set up.
public struct InstallationRecord: Sendable, Hashable {
    /// When the installation was initialised (or, for one set up before this record existed, first adopted).
    public var initialisedAt: Date
    /// The service's signing keys, oldest first: each must be in `keys/` at every start.
    public var serviceKeys: [ServiceKeyRecord]

    /// Creates a record.
    public init(initialisedAt: Date, serviceKeys: [ServiceKeyRecord]) {
        self.initialisedAt = initialisedAt
        self.serviceKeys = serviceKeys
    }
}

/// One of the service's signing keys as the installation record keeps it: its id and algorithm, never key material.
public struct ServiceKeyRecord: Sendable, Hashable {
    /// The key id (`kid`), also the file name `keys/<kid>.jwk`.
    public var keyID: String
    /// The JOSE algorithm name, e.g. `ES256`.
    public var algorithm: String
    /// When the key was added to the installation.
    public var addedAt: Date

    /// Creates a record.
    public init(keyID: String, algorithm: String, addedAt: Date) {
        self.keyID = keyID
        self.algorithm = algorithm
        self.addedAt = addedAt
    }
}

/// One status entry of a credential whose id its issuer supplied when the entry was allocated (the VC-API's
/// `credentialId`), so that later status changes can name the credential instead of list and index. Kept only for
/// credentials whose issuer gave an id.
public struct CredentialEntryRecord: Codable, Sendable, Hashable {
    /// The credential's id as its issuer gave it (its `id`, e.g. `urn:uuid:…`).
    public var credentialId: String
    /// The list the entry is in.
    public var listId: String
    /// The entry's index in the list.
    public var index: Int

    /// Creates a record.
    public init(credentialId: String, listId: String, index: Int) {
        self.credentialId = credentialId
        self.listId = listId
        self.index = index
    }
}
