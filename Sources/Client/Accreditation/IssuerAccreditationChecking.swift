import Foundation
import Signing
import StatusList
import StatusListSecuring

/// Decides whether an issuer is accredited: the trust-registry part of `standing verify --registry`.
///
/// ``CredentialStatusVerifier`` calls ``accreditation(for:)`` once per credential, after the status checks, with the
/// credential's issuer, types, schema ids, EQF level and jurisdiction and its issuance time; a result with
/// ``AccreditationResult/accredited`` false makes the verdict ``CredentialReport/Verdict/notAccredited`` (exit code 1),
/// an error makes it ``CredentialReport/Verdict/error`` (exit code 2). ``RegistryClient`` answers from a Standing
/// trust registry.
public protocol IssuerAccreditationChecking: Sendable {
    /// Looks the issuer up.
    /// - Parameters:
    ///   - issuer: The credential's issuer (a DID or URL).
    ///   - credentialTypes: The credential's `type` values (or SD-JWT VC `vct`), for registries that accredit per type.
    ///   - time: The time the accreditation must hold at.
    /// - Returns: The registry's answer.
    /// - Throws: ``StatusClientError`` when the registry cannot be consulted or its answer does not verify.
    func accreditation(of issuer: String, credentialTypes: [String], at time: Date) async throws(StatusClientError) -> AccreditationResult

    /// Answers a full query (scope constraints included). The default forwards to
    /// ``accreditation(of:credentialTypes:at:)``, ignoring the constraints it cannot pass.
    /// - Parameter query: The query.
    /// - Returns: The registry's answer.
    /// - Throws: ``StatusClientError`` when the registry cannot be consulted or its answer does not verify.
    func accreditation(for query: AccreditationQuery) async throws(StatusClientError) -> AccreditationResult
}

extension IssuerAccreditationChecking {
    /// Forwards to ``accreditation(of:credentialTypes:at:)``.
    public func accreditation(for query: AccreditationQuery) async throws(StatusClientError) -> AccreditationResult {
        try await accreditation(of: query.issuer, credentialTypes: query.credentialTypes, at: query.time)
    }
}

/// A trust registry's answer about one issuer, with its evidence.
public struct AccreditationResult: Sendable, Hashable, Codable {
    /// How the registry was consulted.
    public enum Mode: String, Sendable, Hashable, Codable {
        /// A TRQP authorization query, answered by the registry.
        case trqp
        /// Decided locally from the registry's signed snapshot kept current with its signed change feed.
        case snapshot
    }

    /// Whether the issuer is accredited for the credential at the time asked.
    public var accredited: Bool
    /// Which registry answered (its URL or name).
    public var registry: String
    /// Details for the report (accreditation id, scope, validity...).
    public var detail: String?
    /// The deciding accreditation: the one that authorizes, or the one whose status (or chain) denies.
    public var accreditationId: String?
    /// The registry's event sequence number the answer reflects.
    public var seq: Int?
    /// How the answer was obtained.
    public var mode: Mode?
    /// The resource (credential type or schema id) that was authorized, or the last one asked about.
    public var resource: String?
    /// The instant the accreditation was evaluated at.
    public var evaluatedAt: Date?
    /// When the registry data behind the answer was last synchronised (snapshot mode).
    public var synchronisedAt: Date?
    /// Seconds between ``synchronisedAt`` and the answer, when the answer came from the cache without a request.
    public var staleness: TimeInterval?

    /// Creates a result.
    public init(
        accredited: Bool,
        registry: String,
        detail: String? = nil,
        accreditationId: String? = nil,
        seq: Int? = nil,
        mode: Mode? = nil,
        resource: String? = nil,
        evaluatedAt: Date? = nil,
        synchronisedAt: Date? = nil,
        staleness: TimeInterval? = nil
    ) {
        self.accredited = accredited
        self.registry = registry
        self.detail = detail
        self.accreditationId = accreditationId
        self.seq = seq
        self.mode = mode
        self.resource = resource
        self.evaluatedAt = evaluatedAt
        self.synchronisedAt = synchronisedAt
        self.staleness = staleness
    }

    /// `yes (accreditation ID, seq N)` / `no (...)`: the report's summary.
    public var summary: String {
        var evidence: [String] = []
        if let accreditationId { evidence.append("accreditation \(accreditationId)") }
        if let seq { evidence.append("seq \(seq)") }
        if let mode { evidence.append(mode.rawValue) }
        return (accredited ? "yes" : "no") + (evidence.isEmpty ? "" : " (\(evidence.joined(separator: ", ")))")
    }
}
