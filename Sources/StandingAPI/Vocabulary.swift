import Foundation

/// What a status list means, as W3C `statusPurpose`. The IETF format carries status types instead; see the server's
/// `ListRules.ietfExpressible`.
///
/// Part of the API's vocabulary: the server stores it, the admin API shows it, the CLI parses it from `--purpose`.
public enum ListPurpose: String, Codable, Sendable, CaseIterable {
    /// Final: once set, an entry never returns to 0.
    case revocation
    /// Reversible.
    case suspension
    /// Each value has a message, given at creation and committed to in every entry.
    case message
    /// A newer credential is available; not reversible.
    case refresh
}

/// The role a token acts in.
public enum PrincipalRole: String, Codable, Sendable, CaseIterable {
    /// Runs the service: every list, tokens, bodies.
    case operator_ = "operator"
    /// Issues credentials: only its own lists.
    case issuer
    /// An accreditation body of the trust registry: only the subjects it accredited.
    case accreditationBody = "accreditation-body"
}

/// One row of the append-only audit log, as the store keeps it and the admin API shows it.
public struct AuditRecord: Codable, Sendable, Hashable {
    /// Monotonic id, assigned by the store.
    public var id: Int64
    /// The list changed.
    public var listId: String
    /// The entry changed.
    public var index: Int
    /// The value before the change.
    public var oldValue: UInt8
    /// The value after it.
    public var newValue: UInt8
    /// The principal that made the change.
    public var actor: String
    /// Why, as the caller said.
    public var reason: String?
    /// When the change was committed.
    public var at: Date

    /// Creates a record.
    public init(id: Int64, listId: String, index: Int, oldValue: UInt8, newValue: UInt8, actor: String, reason: String?, at: Date) {
        self.id = id
        self.listId = listId
        self.index = index
        self.oldValue = oldValue
        self.newValue = newValue
        self.actor = actor
        self.reason = reason
        self.at = at
    }
}
