import Foundation
import Signing
import StatusList
import StatusListSecuring

/// The outcome of ``CredentialStatusVerifier/verify(_:trust:options:)``, for people (``text``) and machines (JSON).
public struct CredentialReport: Sendable, Codable {
    /// The conclusion.
    public enum Verdict: String, Sendable, Hashable, Codable {
        /// The proof verified with a key of the issuer (or, for a status-only check, was not checked), every entry
        /// reads valid (or `refresh`), and the credential is within its validity.
        case valid
        /// A revocation entry is set (W3C `revocation`, IETF INVALID, or a message list's "revoked"/"invalid").
        case revoked
        /// A suspension entry is set (W3C `suspension`, IETF SUSPENDED, or a message list's "suspended").
        case suspended
        /// A status other than revocation or suspension is set (a message list's non-zero value, an IETF
        /// application-specific value), or the credential is outside its validity period.
        case invalid
        /// The trust registry does not accredit the issuer.
        case notAccredited = "not-accredited"
        /// Nothing conclusive: unreachable, bad signature (the proof failed), malformed.
        case error
        /// The proof was not verified: the credential has none, uses a securing mechanism Standing does not implement,
        /// or the issuer's keys could not be obtained. Nothing shows who issued it, so its status says nothing either.
        case unverified

        /// The verdict of a W3C entry's status.
        init(w3c check: StatusCheck, purpose: StatusPurpose) {
            guard check.status != 0 else {
                self = .valid
                return
            }
            switch purpose {
            case .revocation: self = .revoked
            case .suspension: self = .suspended
            case .refresh: self = .valid
            case .message:
                switch check.message?.lowercased() {
                case "revoked", "invalid": self = .revoked
                case "suspended": self = .suspended
                default: self = .invalid
                }
            default: self = .invalid
            }
        }

        /// The verdict of an IETF entry's status type.
        init(ietf check: StatusCheck) {
            switch StatusType(rawValue: UInt8(clamping: check.status)) {
            case .valid: self = .valid
            case .invalid: self = .revoked
            case .suspended: self = .suspended
            default: self = .invalid
            }
        }
    }

    /// What was checked.
    public struct CredentialSummary: Sendable, Codable {
        /// The credential's form.
        public let form: ParsedCredential.Form
        /// Its issuer.
        public let issuer: String?
        /// Its `id` / `jti`.
        public let id: String?
        /// Its `type` values or `vct`.
        public let types: [String]
    }

    /// The conclusion over the proof, every entry, the validity period and the accreditation.
    public let verdict: Verdict
    /// What was checked.
    public let credential: CredentialSummary
    /// The credential's own proof.
    public let proof: ProofCheck
    /// One outcome per status reference, in the credential's order.
    public let entries: [EntryReport]
    /// The registry's answer, when a registry was consulted.
    public let accreditation: AccreditationResult?
    /// Why the registry could not answer, if it could not.
    public let accreditationError: ErrorReport?
    /// The trust used, described.
    public let trust: String?
    /// The time the status was checked for.
    public let checkedAt: Date
    /// Whether ``checkedAt`` is a historical time asked for (`--at`) rather than now.
    public let historical: Bool
    /// Remarks: the default trust used, no status entries, the credential's validity period.
    public let notes: [String]

    /// 0 valid; 1 revoked, suspended, invalid or not accredited; 2 error or unverified proof.
    public var exitCode: Int32 {
        switch verdict {
        case .valid: 0
        case .revoked, .suspended, .invalid, .notAccredited: 1
        case .error, .unverified: 2
        }
    }

    static func overallVerdict(
        proof: ProofCheck,
        statusOnly: Bool = false,
        entries: [EntryReport],
        expired: Bool,
        accreditation: AccreditationResult?,
        accreditationError: ErrorReport?
    ) -> Verdict {
        // A credential whose own proof fails says nothing trustworthy, whatever its entries read.
        if proof.state == .failed { return .error }
        // An unsigned or unchecked credential is not accepted on its status alone, unless only the status was asked for.
        if !statusOnly, proof.state != .verified { return .unverified }
        let verdicts = entries.map(\.verdict)
        for conclusive in [Verdict.revoked, .invalid, .suspended] where verdicts.contains(conclusive) { return conclusive }
        if expired { return .invalid }
        if accreditation?.accredited == false { return .notAccredited }
        if verdicts.contains(.error) || accreditationError != nil { return .error }
        return .valid
    }
}
