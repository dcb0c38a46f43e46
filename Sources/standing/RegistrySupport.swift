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

    /// The scope entry the flags describe, `defaults` filling what they leave empty.
    func scope(_ defaults: ScopeInput.Defaults = .none) throws -> Scope {
        try ScopeInput.scope(types: types, schemaIds: schema, eqf: eqf, jurisdictions: jurisdiction, isced: isced, defaults: defaults)
    }

    /// The period; without --until, `defaults.validityYears` after the start (none: --until is required).
    func period(_ defaults: ScopeInput.Defaults = .none) throws -> (from: Date, until: Date) {
        try ScopeInput.period(from: from, until: until, defaults: defaults)
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
        try ScopeInput.entity(
            did: did, role: role, key: key, names: name, country: country, website: website, email: email, defaultName: defaultName,
            defaultCountry: defaultCountry)
    }
}

