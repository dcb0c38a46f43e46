import Foundation
import Signing
import TrustRegistry

extension ScopeInput {
    /// What fills the scope dimensions a person leaves empty, and how long a period lasts without an end.
    public struct Defaults: Sendable {
        /// Credential types when none are given.
        public var credentialTypes: [String] = []
        /// EQF levels (as typed: `1-8`) when none are given.
        public var eqfLevels: [String] = []
        /// Jurisdictions (as typed: `ESP`) when none are given.
        public var jurisdictions: [String] = []
        /// Years from the start when no end is given; nil: the end is required.
        public var validityYears: Int?

        /// Creates defaults.
        public init(credentialTypes: [String] = [], eqfLevels: [String] = [], jurisdictions: [String] = [], validityYears: Int? = nil) {
            self.credentialTypes = credentialTypes
            self.eqfLevels = eqfLevels
            self.jurisdictions = jurisdictions
            self.validityYears = validityYears
        }

        /// No defaults: what is not given stays empty, and the end of the period is required.
        public static let none = Defaults()

        /// The root authority's ceiling: the usual education credential types, every EQF level, the EU-27, ten years.
        public static let rootAuthority = Defaults(
            credentialTypes: ["VerifiableCredential", "VerifiableAttestation", "EuropeanDigitalCredential", "MicroCredential", "Diploma"],
            eqfLevels: ["1-8"], jurisdictions: euMemberStates, validityYears: 10)
    }

    /// A validated scope entry from typed values (each repeatable or comma-separated), `defaults` filling the
    /// credential types, EQF levels and jurisdictions left empty.
    /// - Throws: ``AuthoringError`` naming the option of a value that does not parse, or the rule the entry breaks.
    public static func scope(
        types: [String], schemaIds: [String], eqf: [String], jurisdictions: [String], isced: [String], defaults: Defaults = .none
    ) throws -> Scope {
        let entry = Scope(
            credentialTypes: Set(splitValues(types.isEmpty ? defaults.credentialTypes : types)),
            schemaIds: Set(splitValues(schemaIds)),
            eqfLevels: try eqfLevels(eqf.isEmpty ? defaults.eqfLevels : eqf),
            jurisdictions: try self.jurisdictions(jurisdictions.isEmpty ? defaults.jurisdictions : jurisdictions),
            iscedF: try iscedFields(isced)
        )
        do {
            try entry.validate()
        } catch {
            throw failure(error)
        }
        return entry
    }

    /// A period from typed dates (``date(_:option:)``): from `from` (now when nil, to the second) until `until`, or
    /// `defaults.validityYears` after the start.
    /// - Throws: ``AuthoringError`` for a date that does not parse, or "--until is required" without a default.
    public static func period(from: String?, until: String?, defaults: Defaults = .none) throws -> (from: Date, until: Date) {
        let start = try from.map { try date($0, option: "--from") } ?? RegistryTime.truncated(Date())
        if let until { return (start, try date(until, option: "--until")) }
        guard let years = defaults.validityYears else { throw AuthoringError("--until is required") }
        return (start, RegistryTime.truncated(start.addingTimeInterval(TimeInterval(years) * 365.25 * 86_400)))
    }

    /// A validated, normalised entity (its key gets its kid) from typed details.
    /// - Parameters:
    ///   - names: Display names as typed (``displayNames(_:)``); `defaultName` (English) when empty.
    ///   - country: ISO 3166-1 alpha-2 (any case), or `defaultCountry`.
    ///   - website: The https website, or the one a did:web implies.
    /// - Throws: ``AuthoringError`` naming the missing option (`--name`, `--country`, `--website`) or the rule broken.
    public static func entity(
        did: String, role: EntityRole, key: JWK, names: [String], country: String?, website: String?, email: String?,
        defaultName: String? = nil, defaultCountry: String? = nil
    ) throws -> Entity {
        var displayNames = displayNames(names)
        if displayNames.isEmpty, let defaultName { displayNames["en"] = defaultName }
        guard !displayNames.isEmpty else { throw AuthoringError("--name is required to register \(did)") }
        guard let country = country ?? defaultCountry else { throw AuthoringError("--country is required to register \(did)") }
        guard let website = website ?? didWebSite(did) else { throw AuthoringError("--website is required to register \(did)") }
        let draft = Entity(did: did, role: role, keys: [key], names: displayNames, country: country.uppercased(), website: website, email: email)
        do {
            return try draft.validated()
        } catch {
            throw failure(error)
        }
    }

    /// The public key to register a subject with: the one given, else the key a did:key is (nil for other DIDs).
    public static func subjectKey(of did: String, given: JWK?) -> JWK? {
        if let given { return given }
        guard did.hasPrefix(DIDKey.prefix), let didKey = try? DIDKey(did) else { return nil }
        return didKey.key.jwk(keyID: nil)
    }
}
