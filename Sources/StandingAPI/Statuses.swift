import Foundation

/// What a status change means, for the server to turn into the list's value (`ListRules.value(for:)`): the caller
/// says what it wants, the list's purpose and message table say which value that is.
public enum StatusIntent: String, Codable, Sendable, CaseIterable {
    /// Invalidate the credential: 1 on a revocation list, the `invalid`/`revoked` message's value on a message list.
    case revoke
    /// Suspend it: 1 on a suspension list, the `suspended` message's value on a message list.
    case suspend
    /// Lift a suspension: 0.
    case reinstate
}

/// `POST /admin/lists/{id}/status`: one change (`index` with `value` or `intent`), or an atomic batch (`changes`).
public struct SetStatusRequest: Codable, Sendable, Equatable {
    /// The entry to change (with `value` or `intent`).
    public var index: Int?
    /// The explicit new value (0-255); exclusive with `intent`.
    public var value: Int?
    /// What the change means; the server resolves it with the list's rules. Exclusive with `value`.
    public var intent: StatusIntent?
    /// A batch of explicit changes, applied all or none.
    public var changes: [StatusChange]?
    /// Why (recorded in the audit log).
    public var reason: String?

    /// Creates a request.
    public init(index: Int? = nil, value: Int? = nil, intent: StatusIntent? = nil, changes: [StatusChange]? = nil, reason: String? = nil) {
        self.index = index
        self.value = value
        self.intent = intent
        self.changes = changes
        self.reason = reason
    }
}

/// One entry of a batch change.
public struct StatusChange: Codable, Sendable, Equatable {
    /// The entry to change.
    public var index: Int
    /// Its new value (0-255; it must fit the list's statusSize).
    public var value: Int

    /// Creates a change.
    public init(index: Int, value: Int) {
        self.index = index
        self.value = value
    }
}

/// The answer to a status change: a summary, plus the audit records for a single change or on request.
///
/// Echoing every record of a large batch would cost more than applying it (6 MB for 50,000 changes); the
/// records stay readable through `GET /admin/audit?list=...&after=<firstAuditId - 1>`.
public struct StatusChanged: Codable, Sendable, Equatable {
    /// The list's id.
    public var list: String
    /// The effective changes, each recorded in the audit log.
    public var applied: Int
    /// Changes that were already in effect (no-ops, not recorded).
    public var unchanged: Int
    /// The id of the first audit record written; nil when nothing was applied.
    public var firstAuditId: Int64?
    /// The id of the last audit record written; nil when nothing was applied.
    public var lastAuditId: Int64?
    /// The audit records written, in the order of the changes: for a request with one change, or with
    /// `?details=true`.
    public var records: [AuditRecord]?
    /// For a request with one change: the value asked for (the resolved intent, or the explicit value), so that a
    /// change that was already in effect can be reported.
    public var value: Int?
    /// The list's published version when the request arrived (nil before the first publication): verifiers see the
    /// change from the first version after it.
    public var publishedVersionBefore: Int?

    /// Summarises `records`, the effective changes of `requested` changes; `details` keeps the records themselves.
    public init(
        list: String, requested: Int, records: [AuditRecord], details: Bool, value: Int? = nil, publishedVersionBefore: Int? = nil
    ) {
        self.list = list
        self.value = value
        self.publishedVersionBefore = publishedVersionBefore
        self.applied = records.count
        self.unchanged = requested - records.count
        self.firstAuditId = records.first?.id
        self.lastAuditId = records.last?.id
        self.records = details ? records : nil
    }
}

/// `GET /admin/audit`: audit records in id order.
public struct AuditPage: Codable, Sendable, Equatable {
    /// The records, in id order.
    public var records: [AuditRecord]

    /// Creates the page.
    public init(records: [AuditRecord]) { self.records = records }
}
