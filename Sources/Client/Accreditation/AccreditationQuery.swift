import Foundation
import Signing
import StatusList
import StatusListSecuring

/// What a trust registry is asked about a credential's issuer: was it accredited to issue this kind of credential,
/// at this level and in this jurisdiction, when the credential was issued?
public struct AccreditationQuery: Sendable, Hashable, Codable {
    /// The issuer's DID.
    public var issuer: String
    /// The credential's types; `VerifiableCredential` (which every credential has) is never asked about.
    public var credentialTypes: [String]
    /// The credential's schema ids.
    public var schemaIds: [String]
    /// The EQF level (URI or bare `1`...`8`), when known.
    public var eqfLevel: String?
    /// The jurisdiction (URI or bare ISO alpha-3 country code), when known.
    public var jurisdiction: String?
    /// The ISCED-F field (URI or bare code), when known.
    public var iscedF: String?
    /// The instant the accreditation must hold at: the credential's issuance time.
    public var time: Date

    /// Creates a query.
    public init(
        issuer: String,
        credentialTypes: [String],
        schemaIds: [String] = [],
        eqfLevel: String? = nil,
        jurisdiction: String? = nil,
        iscedF: String? = nil,
        time: Date
    ) {
        self.issuer = issuer
        self.credentialTypes = credentialTypes
        self.schemaIds = schemaIds
        self.eqfLevel = eqfLevel
        self.jurisdiction = jurisdiction
        self.iscedF = iscedF
        self.time = time
    }

    /// The resources to ask about, in order: each credential type except `VerifiableCredential`, then each schema id.
    public var resources: [String] {
        var seen = Set<String>()
        return (credentialTypes.filter { $0 != "VerifiableCredential" } + schemaIds).filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}

/// Values that replace what is read from the credential for the accreditation check (`standing verify --type
/// --eqf --jurisdiction`).
public struct AccreditationOverrides: Sendable, Hashable {
    /// Credential types (or schema ids) to ask about instead of the credential's.
    public var credentialTypes: [String]?
    /// The EQF level.
    public var eqfLevel: String?
    /// The jurisdiction.
    public var jurisdiction: String?
    /// The ISCED-F field.
    public var iscedF: String?

    /// Creates overrides; `nil` keeps the credential's value.
    public init(credentialTypes: [String]? = nil, eqfLevel: String? = nil, jurisdiction: String? = nil, iscedF: String? = nil) {
        self.credentialTypes = credentialTypes
        self.eqfLevel = eqfLevel
        self.jurisdiction = jurisdiction
        self.iscedF = iscedF
    }
}
