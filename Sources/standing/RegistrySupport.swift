import ArgumentParser
import Client
import Foundation
import Signing
import TrustRegistry

/// Scope and period flags shared by `registry init`, `bodies add` and `accredit`.
struct ScopeOptions: ParsableArguments {
    @Option(parsing: .upToNextOption, help: "Credential types (repeat or comma-separate).") var types: [String] = []
    @Option(parsing: .upToNextOption, help: "Credential schema id URIs.") var schema: [String] = []
    @Option(parsing: .upToNextOption, help: "EQF levels: 6, 5-8 or http://data.europa.eu/snb/eqf/6.") var eqf: [String] = []
    @Option(parsing: .upToNextOption, help: "Jurisdictions: ESP or the EU country URI.") var jurisdiction: [String] = []
    @Option(parsing: .upToNextOption, help: "ISCED-F fields: 0613 or the URI; none means any field.") var isced: [String] = []
    @Option(help: "Start of the period: 2026-01-01 or a date-time (default now).") var from: String?
    @Option(help: "End of the period: 2030-01-01 or a date-time.") var until: String?

    /// The scope entry the flags describe; `defaults` fill dimensions left empty.
    func scope(defaultTypes: [String] = [], defaultEQF: [String] = [], defaultJurisdictions: [String] = []) throws -> Scope {
        let entry = Scope(
            credentialTypes: Set(ScopeInput.splitValues(types.isEmpty ? defaultTypes : types)),
            schemaIds: Set(ScopeInput.splitValues(schema)),
            eqfLevels: try ScopeInput.eqfLevels(eqf.isEmpty ? defaultEQF : eqf),
            jurisdictions: try ScopeInput.jurisdictions(jurisdiction.isEmpty ? defaultJurisdictions : jurisdiction),
            iscedF: try ScopeInput.iscedFields(isced)
        )
        do {
            try entry.validate()
        } catch {
            throw ScopeInput.failure(error)
        }
        return entry
    }

    /// The period; `defaultYears` after the start when --until is absent (nil: --until required).
    func period(defaultYears: Int? = nil) throws -> (from: Date, until: Date) {
        let start = try from.map { try ScopeInput.date($0, option: "--from") } ?? RegistryTime.truncated(Date())
        if let until { return (start, try ScopeInput.date(until, option: "--until")) }
        guard let defaultYears else { throw CLIError("--until is required") }
        return (start, RegistryTime.truncated(start.addingTimeInterval(TimeInterval(defaultYears) * 365.25 * 86_400)))
    }
}

/// Entity flags shared by `registry init`, `bodies add` and `accredit`.
struct EntityOptions: ParsableArguments {
    @Option(help: "Display name; 'lang=Name' for other languages (repeatable).") var name: [String] = []
    @Option(help: "ISO 3166-1 alpha-2 country code (EU for European bodies).") var country: String?
    @Option(help: "The entity's https website (default https://HOST for a did:web).") var website: String?
    @Option(help: "Contact e-mail.") var email: String?

    /// The entity, validated and normalised (keys get their kid).
    func entity(did: String, role: EntityRole, key: JWK, defaultName: String? = nil, defaultCountry: String? = nil) throws -> Entity {
        var names = ScopeInput.displayNames(name)
        if names.isEmpty, let defaultName { names["en"] = defaultName }
        guard !names.isEmpty else { throw CLIError("--name is required to register \(did)") }
        guard let country = country ?? defaultCountry else { throw CLIError("--country is required to register \(did)") }
        guard let website = website ?? ScopeInput.didWebSite(did) else { throw CLIError("--website is required to register \(did)") }
        let draft = Entity(did: did, role: role, keys: [key], names: names, country: country.uppercased(), website: website, email: email)
        do {
            return try draft.validated()
        } catch {
            throw ScopeInput.failure(error)
        }
    }
}

/// Reads the signing key of `did` from a private JWK file.
func readSigner(_ did: String, keyFile: String) throws -> RegistryAuthoring.Signer {
    let (key, kid) = try LocalFiles.signingKey(keyFile)
    return RegistryAuthoring.Signer(did: did, key: key, fileKid: kid)
}
