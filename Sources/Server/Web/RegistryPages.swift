import Foundation
import TrustRegistry

/// The registry's pages as template values, read from the in-memory registry state (``RegistryArtefacts/state``):
/// statuses and chains come from the registry's own rules (``RegistryState/issuingStanding(of:at:)``,
/// ``LifecycleRecord/status(at:)``), never recomputed here.
struct RegistryPages {
    let state: RegistryState
    let words: WebLocalizer
    let now: Date

    // MARK: Search

    /// What the search form asks for: free text and optional filters, each matched case- and accent-insensitively.
    struct Search {
        var text = ""
        var country = ""
        var eqf = ""
        var field = ""
        var type = ""
        var status = ""

        init(fields: [String: String]) {
            func value(_ name: String) -> String { String((fields[name] ?? "").trimmingCharacters(in: .whitespaces).prefix(200)) }
            text = value("q")
            country = value("country")
            eqf = value("eqf")
            field = value("field")
            type = value("type")
            status = value("status")
        }

        var isEmpty: Bool { [text, country, eqf, field, type, status].allSatisfy(\.isEmpty) }
    }

    /// An issuer's standing now, as one word the search filters on and the page shows: `active`, `suspended`,
    /// `revoked`, `expired`, `notYetValid` (from the first lapsed accreditation's break) or `none`.
    func standing(of did: String) -> String {
        switch state.issuingStanding(of: did, at: now) {
        case .accredited: return "active"
        case .lapsed(let lapsed):
            guard let first = lapsed.first else { return "none" }
            if case .notInForce(_, let status, _) = first.chainBreak { return status.rawValue }
            return "none"
        case .unregistered, .notAccreditedToIssue: return "none"
        }
    }

    /// The issuers matching `search`, by name.
    func search(_ search: Search, limit: Int = 100) -> (total: Int, shown: [[String: Any]]) {
        let needle = Self.fold(search.text)
        var matches: [(name: String, row: [String: Any])] = []
        var total = 0
        for entity in state.allEntities where entity.role == .issuer {
            if !search.country.isEmpty, entity.country.caseInsensitiveCompare(search.country) != .orderedSame { continue }
            let records = state.accreditations(of: entity.did).filter { $0.role == .ti }
            let scopes = records.flatMap(\.scope)
            let eqf = Set(scopes.flatMap(\.eqfLevels).map(Self.lastSegment))
            let fields = Set(scopes.flatMap(\.iscedF).map(Self.lastSegment))
            let types = Set(scopes.flatMap(\.credentialTypes))
            if !search.eqf.isEmpty, !eqf.contains(Self.lastSegment(search.eqf)) { continue }
            if !search.field.isEmpty, !fields.contains(where: { $0.hasPrefix(search.field) }) { continue }
            if !search.type.isEmpty, !types.contains(where: { Self.fold($0).contains(Self.fold(search.type)) }) { continue }
            let standing = standing(of: entity.did)
            if !search.status.isEmpty, standing != search.status { continue }
            if !needle.isEmpty {
                let haystack =
                    ([entity.did, entity.country, standing, words("status_\(standing)")] + Array(entity.names.values)
                    + Array(types) + eqf.map { "eqf \($0)" } + Array(fields)).map(Self.fold)
                guard haystack.contains(where: { $0.contains(needle) }) else { continue }
            }
            total += 1
            let name = entity.names[words.language.rawValue] ?? entity.displayName
            matches.append(
                (
                    name,
                    [
                        "name": name, "did": entity.did, "href": "/issuers/" + WebSecurity.pathSegment(entity.did),
                        "country": entity.country, "status": standing, "statusLabel": words("status_\(standing)"),
                        "eqf": eqf.sorted().joined(separator: ", "), "types": types.sorted().joined(separator: ", "),
                        "fields": fields.sorted().joined(separator: ", "),
                    ]
                )
            )
        }
        let shown = matches.sorted { $0.name.localizedStandardCompare($1.name) == .orderedAscending }.prefix(limit).map(\.row)
        return (total, Array(shown))
    }

    // MARK: One issuer

    /// An issuer's page: who it is, its accreditations as timelines, each with its chain to the root.
    func issuer(_ did: String) -> [String: Any]? {
        guard let entity = state.entity(did) else { return nil }
        let standing = standing(of: did)
        let accreditations = state.accreditations(of: did).sorted { $0.validFrom > $1.validFrom }.map(accreditation)
        let ebsi = "/trusted-issuers-registry/v5/issuers/" + WebSecurity.pathSegment(did)
        return [
            "name": entity.names[words.language.rawValue] ?? entity.displayName, "did": did, "country": entity.country,
            "website": entity.website, "role": words("role_\(entity.role.rawValue)"),
            "status": standing, "statusLabel": words("status_\(standing)"),
            "accreditations": accreditations, "hasAccreditations": !accreditations.isEmpty,
            "ebsi": ebsi, "attributes": ebsi + "/attributes",
        ]
    }

    func accreditation(_ record: AccreditationRecord) -> [String: Any] {
        let status = record.status(at: now)
        var events: [[String: Any]] = []
        for (position, change) in record.statusHistory.enumerated() {
            let kind = position == 0 ? "granted" : change.status == .active ? "reinstated" : change.status.rawValue
            var event: [String: Any] = ["event": kind, "label": words("event_\(kind)"), "date": words.date(change.at)]
            if let reason = change.reason, !reason.isEmpty { event["reason"] = reason }
            events.append(event)
        }
        if status == .expired { events.append(["event": "expired", "label": words("event_expired"), "date": words.date(record.validUntil)]) }
        return [
            "id": record.accreditationId, "role": record.role.rawValue, "status": status.rawValue, "statusLabel": words("status_\(status.rawValue)"),
            "from": words.date(record.validFrom), "until": words.date(record.validUntil),
            "scopes": record.scope.map(Self.scope), "events": events, "chain": chain(from: record),
        ]
    }

    /// The accrediting bodies from this accreditation up to the root authority.
    func chain(from record: AccreditationRecord) -> [[String: Any]] {
        var links: [[String: Any]] = []
        var current: AccreditationRecord? = record
        while let link = current, links.count < 16 {
            let body = link.accreditedBy.did
            let name = state.entity(body).map { $0.names[words.language.rawValue] ?? $0.displayName } ?? body
            links.append(["name": name, "did": body, "root": body == state.rootAuthority])
            if link.role == .rootTAO || body == state.rootAuthority { break }
            current = state.accreditation(link.accreditedBy.accreditationId)
        }
        return links
    }

    static func scope(_ scope: Scope) -> [String: Any] {
        [
            "types": (scope.credentialTypes.sorted() + scope.schemaIds.sorted()).joined(separator: ", "),
            "eqf": scope.eqfLevels.map(lastSegment).sorted().joined(separator: ", "),
            "fields": scope.iscedF.map(lastSegment).sorted().joined(separator: ", "),
            "jurisdictions": scope.jurisdictions.map(lastSegment).sorted().joined(separator: ", "),
        ]
    }

    // MARK: The registry

    func overview() -> [String: Any] {
        let bodies = state.allEntities.filter { $0.role == .accreditationBody }.map { body -> [String: Any] in
            ["name": body.names[words.language.rawValue] ?? body.displayName, "did": body.did, "country": body.country]
        }
        let issuers = state.allEntities.filter { $0.role == .issuer }.count
        let root = state.rootAuthority.flatMap(state.entity)
        return [
            "initialised": state.rootAuthority != nil,
            "root": root.map { $0.names[words.language.rawValue] ?? $0.displayName } ?? "", "rootDid": state.rootAuthority ?? "",
            "bodies": bodies, "bodyCount": words.number(bodies.count), "issuerCount": words.number(issuers),
            "accreditationCount": words.number(state.accreditationCount), "seq": words.number(state.seq),
            "lastChange": state.lastEventAt.map(words.dateTime) ?? "",
        ]
    }

    // MARK: Text

    /// `http://data.europa.eu/snb/eqf/6` → `6`: the code at the end of a vocabulary URI.
    static func lastSegment(_ uri: String) -> String {
        uri.split(separator: "/").last.map(String.init) ?? uri
    }

    /// Lower-cased without accents, for matching what people type.
    static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }
}
