import Foundation

/// `POST /admin/registry/statements`: a registry statement signed by its author (compact JWS).
public struct StatementSubmission: Codable, Sendable, Equatable {
    /// The signed statement as a compact JWS.
    public var statement: String

    /// Creates a submission.
    public init(statement: String) { self.statement = statement }
}

/// The event a submitted statement became.
public struct RecordedStatement: Codable, Sendable, Equatable {
    /// The event's sequence number in the registry log.
    public var seq: Int
    /// The event's hash (the log's hash chain).
    public var hash: String
    /// The event kind (`initialise`, `accredit`, …).
    public var kind: String
    /// The DID or accreditation id the event is about.
    public var target: String

    /// Creates the description of an event.
    public init(seq: Int, hash: String, kind: String, target: String) {
        self.seq = seq
        self.hash = hash
        self.kind = kind
        self.target = target
    }
}
