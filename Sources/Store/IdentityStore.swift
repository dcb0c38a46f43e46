import Foundation
import Signing
import StandingAPI

/// An issuer principal's signing identity as the store keeps it: names and public facts, never key material (the
/// private keys are files in `keys/issuers/`, or objects in an HSM).
public struct SigningIdentityRecord: Codable, Sendable, Equatable {
    /// The issuer principal whose lists the identity signs.
    public var issuer: String
    public var kind: SigningIdentityKind
    /// The DID its lists name as issuer.
    public var did: String
    /// Its keys, oldest first.
    public var keys: [IdentityKeyRecord]
    public var createdAt: Date
    public var updatedAt: Date

    /// Creates a record.
    public init(issuer: String, kind: SigningIdentityKind, did: String, keys: [IdentityKeyRecord], createdAt: Date, updatedAt: Date) {
        self.issuer = issuer
        self.kind = kind
        self.did = did
        self.keys = keys
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One key of a signing identity, or of the service's own keys.
public struct IdentityKeyRecord: Codable, Sendable, Equatable {
    /// The key id: also the key file's name (`<kid>.jwk`).
    public var kid: String
    public var algorithm: SignatureAlgorithm
    /// Pending keys do not sign until the issuer published (did-web) or certified (x509) them.
    public var state: IdentityKeyState
    public var createdAt: Date
    /// When the key became active.
    public var activatedAt: Date?
    /// When a newer key of the identity became active and took over the signing.
    public var supersededAt: Date?
    /// x509: the certificate chain, DER, leaf first.
    public var certificateChain: [Data]?

    /// Creates a record.
    public init(
        kid: String, algorithm: SignatureAlgorithm, state: IdentityKeyState, createdAt: Date, activatedAt: Date? = nil,
        supersededAt: Date? = nil, certificateChain: [Data]? = nil
    ) {
        self.kid = kid
        self.algorithm = algorithm
        self.state = state
        self.createdAt = createdAt
        self.activatedAt = activatedAt
        self.supersededAt = supersededAt
        self.certificateChain = certificateChain
    }
}

/// One entry of the identity audit trail: who changed which identity how.
public struct IdentityEventRecord: Sendable, Equatable {
    /// Assigned by the store (0 before).
    public var id: Int64
    /// The issuer principal, or `service` for the service's own keys.
    public var issuer: String
    /// What happened: `created`, `activated`, `chain-imported`, `rotated`, `retired`, `lists-switched`.
    public var action: String
    /// The facts, in words (key ids, DIDs, the lists that changed signer).
    public var detail: String
    /// The principal that made the change.
    public var actor: String
    public var at: Date

    /// Creates an event.
    public init(id: Int64 = 0, issuer: String, action: String, detail: String, actor: String, at: Date) {
        self.id = id
        self.issuer = issuer
        self.action = action
        self.detail = detail
        self.actor = actor
        self.at = at
    }
}

/// Where signing identities are kept: both stores (SQLite, PostgreSQL) implement it, so several instances on one
/// PostgreSQL database share them.
public protocol IdentityStore: Sendable {
    /// Every identity, ordered by issuer.
    func signingIdentities() async throws -> [SigningIdentityRecord]
    /// Writes `identity` (creating or replacing the issuer's record) and appends `event`, in one transaction.
    /// - Parameter expectedUpdate: The `updatedAt` of the record the change was computed from (nil: there must be no
    ///   record yet). A different stored record means another change got there first: ``StoreError/Code/conflict``.
    func saveSigningIdentity(_ identity: SigningIdentityRecord, expectedUpdate: Date?, event: IdentityEventRecord) async throws
    /// Appends an event about the service's own keys (no identity record changes).
    func appendIdentityEvent(_ event: IdentityEventRecord) async throws
    /// The identity audit trail, oldest first, optionally of one issuer.
    func identityEvents(issuer: String?) async throws -> [IdentityEventRecord]
}

extension SigningIdentityRecord {
    /// The record as stored (JSON with dates as unix seconds, chains as base64).
    public func storedJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        } catch {
            throw StoreError(.rejected, "the identity of '\(issuer)' cannot be encoded: \(error)")
        }
    }

    /// Reads a record as ``storedJSON()`` wrote it.
    public init(storedJSON text: String) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            self = try decoder.decode(Self.self, from: Data(text.utf8))
        } catch {
            throw StoreError(.unavailable, "a stored signing identity cannot be read: \(error)")
        }
    }
}
