import Foundation
import Signing
import StatusList
import StatusListSecuring

/// What was concluded about the credential's own proof.
public struct ProofCheck: Sendable, Hashable, Codable {
    /// The outcome.
    public enum State: String, Sendable, Hashable, Codable {
        /// The proof was checked and holds.
        case verified
        /// The proof was checked and does not hold (bad signature, wrong algorithm, malformed).
        case failed
        /// Not checked: a securing mechanism Standing does not implement, or the issuer's keys unavailable.
        case notVerified = "not-verified"
        /// The credential has no proof.
        case absent
        /// Not checked because only the status was asked for (``CredentialStatusVerifier/statusOnly``).
        case skipped
    }

    /// The outcome.
    public let state: State
    /// The securing mechanism (`Data Integrity eddsa-jcs-2022`, `vc+jwt`, `JWS`, `SD-JWT VC`).
    public let method: String?
    /// The key that verified it: the verification method, the JWS `kid`, or the key's RFC 7638 thumbprint.
    public let keyID: String?
    /// What happened, for people.
    public let detail: String
}

/// One status reference's outcome.
public struct EntryReport: Sendable, Codable {
    /// `BitstringStatusListEntry`, `status_list`, or the unsupported type.
    public let mechanism: String
    /// The list URL referenced.
    public let listURL: String?
    /// The entry's index.
    public let index: Int?
    /// The W3C purpose.
    public let purpose: String?
    /// The entry's conclusion.
    public let verdict: CredentialReport.Verdict
    /// The status read, when the check succeeded.
    public let check: StatusCheck?
    /// Why it failed, when it did.
    public let error: ErrorReport?
}

/// A ``StatusClientError`` as reported.
public struct ErrorReport: Sendable, Hashable, Codable {
    /// The W3C error kind (`STATUS_RETRIEVAL_ERROR`...).
    public let kind: StatusValidationErrorKind
    /// The RFC 9457 problem type URI of the kind.
    public let type: String
    /// The client's stable code.
    public let code: String
    /// What exactly failed.
    public let reason: String

    /// Creates the report of an error.
    public init(_ error: StatusClientError) {
        kind = error.kind
        type = error.kind.typeURI
        code = error.code.description
        reason = error.reason
    }
}
