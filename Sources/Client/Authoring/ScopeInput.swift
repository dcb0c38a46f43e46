import Foundation
import TrustRegistry

/// Scopes, periods and entity details from what a person types (`--eqf 5-8 --jurisdiction ESP`), validated, with
/// errors that name the option.
public enum ScopeInput {
    /// Splits repeated and comma-separated values.
    public static func splitValues(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// EQF levels: URIs, `6`, or ranges `5-8`.
    public static func eqfLevels(_ values: [String]) throws -> Set<String> {
        var levels = Set<String>()
        for value in splitValues(values) {
            if value.contains("://") {
                levels.insert(value)
            } else if let level = Int(value), (1...8).contains(level) {
                levels.insert(RegistryVocabulary.eqfLevel(level))
            } else if let dash = value.firstIndex(of: "-"), let low = Int(value[..<dash]), let high = Int(value[value.index(after: dash)...]),
                1 <= low, low <= high, high <= 8
            {
                for level in low...high { levels.insert(RegistryVocabulary.eqfLevel(level)) }
            } else {
                throw AuthoringError("--eqf: '\(value)' is not an EQF level (1-8, a range like 5-8, or \(RegistryVocabulary.eqfPrefix)N)")
            }
        }
        return levels
    }

    /// Jurisdictions: URIs or ISO 3166-1 alpha-3 codes (`ESP`).
    public static func jurisdictions(_ values: [String]) throws -> Set<String> {
        Set(
            try splitValues(values).map { value in
                if value.contains("://") { return value }
                guard value.count == 3, value.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                    throw AuthoringError("--jurisdiction: '\(value)' is neither a URI nor an ISO 3166-1 alpha-3 code like ESP")
                }
                return RegistryVocabulary.country(value.uppercased())
            }
        )
    }

    /// ISCED-F fields: URIs or 2-4 digit codes (`0613`).
    public static func iscedFields(_ values: [String]) throws -> Set<String> {
        Set(
            try splitValues(values).map { value in
                if value.contains("://") { return value }
                guard (2...4).contains(value.count), value.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    throw AuthoringError("--isced: '\(value)' is neither a URI nor an ISCED-F code like 0613")
                }
                return RegistryVocabulary.iscedF(value)
            }
        )
    }

    /// The EU-27 as ISO 3166-1 alpha-3 codes: the default ceiling of a root authority.
    public static let euMemberStates = [
        "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL", "ITA", "LVA", "LTU", "LUX",
        "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE",
    ]

    /// An ISO 8601 date (`2026-01-01`, midnight UTC) or RFC 3339 date-time.
    public static func date(_ text: String, option: String) throws -> Date {
        let candidate = text.utf8.count == 10 ? text + "T00:00:00Z" : text
        do {
            return try RegistryTime.parse(candidate)
        } catch {
            throw AuthoringError("\(option): '\(text)' is not a date (2026-01-31) or date-time with a zone (2026-01-31T12:00:00Z)")
        }
    }

    /// Display names: `Name` (English) or `lang=Name`, repeatable.
    public static func displayNames(_ values: [String]) -> [String: String] {
        var names = [String: String]()
        for value in values {
            if let equals = value.firstIndex(of: "="), (2...8).contains(value.distance(from: value.startIndex, to: equals)),
                value[..<equals].allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "-") })
            {
                names[String(value[..<equals])] = String(value[value.index(after: equals)...])
            } else {
                names["en"] = value
            }
        }
        return names
    }

    /// The website a `did:web` implies (`https://host`), for a default.
    public static func didWebSite(_ did: String) -> String? {
        guard did.hasPrefix("did:web:") else { return nil }
        let host = did.dropFirst("did:web:".count).split(separator: ":").first.map { $0.replacingOccurrences(of: "%3A", with: ":") }
        return host.map { "https://" + $0 }
    }

    /// One-line summary of a scope entry.
    public static func summary(of scope: Scope) -> String {
        func short(_ values: Set<String>, _ prefix: String) -> String {
            values.sorted().map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }.joined(separator: ",")
        }
        var parts = [String]()
        if !scope.credentialTypes.isEmpty { parts.append("types " + scope.credentialTypes.sorted().joined(separator: ",")) }
        if !scope.schemaIds.isEmpty { parts.append("schemas " + scope.schemaIds.sorted().joined(separator: ",")) }
        parts.append("EQF " + short(scope.eqfLevels, RegistryVocabulary.eqfPrefix))
        parts.append("jurisdiction " + short(scope.jurisdictions, RegistryVocabulary.countryPrefix))
        parts.append("ISCED-F " + (scope.iscedF.isEmpty ? "any" : short(scope.iscedF, RegistryVocabulary.iscedFPrefix)))
        return parts.joined(separator: "; ")
    }

    /// A `RegistryError` from a statement builder or validation as a one-line error.
    public static func failure(_ error: RegistryError) -> AuthoringError {
        AuthoringError("\(error.code): \(error.reason)")
    }
}
