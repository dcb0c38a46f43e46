import Foundation
import Synchronization
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

    /// The issuers matching `search`, by name, from `index` (built from this page's state).
    func search(_ search: Search, in index: IssuerIndex, limit: Int = 100) -> (total: Int, shown: [IssuerRow]) {
        let needle = Self.fold(search.text)
        let needleBytes = Array(needle.utf8)
        let type = Self.fold(search.type)
        let typeBytes = Array(type.utf8)
        let eqf = Self.lastSegment(search.eqf)
        let country = search.country.uppercased()
        // The statuses whose word in this language the text names ("suspendido" finds the suspended).
        let namedStandings = Set(IssuerIndex.standings.filter { !needle.isEmpty && Self.fold(words("status_\($0)")).contains(needle) })
        var total = 0
        var shown: [IssuerRow] = []
        for position in index.order(words.language) {
            let entry = index.entries[position]
            if !country.isEmpty, entry.country != country { continue }
            if !eqf.isEmpty, !entry.eqf.contains(eqf) { continue }
            if !search.field.isEmpty, !entry.fields.contains(where: { $0.hasPrefix(search.field) }) { continue }
            if !type.isEmpty, !entry.foldedTypes.contains(where: { IssuerIndex.contains($0, typeBytes) }) { continue }
            if !search.status.isEmpty, entry.standing != search.status { continue }
            if !needle.isEmpty, !IssuerIndex.contains(entry.folded, needleBytes), !namedStandings.contains(entry.standing) { continue }
            total += 1
            guard shown.count < limit else { continue }
            let name = entry.name(words.language)
            shown.append(
                IssuerRow(
                    name: name.nonEmpty,
                    did: entry.did,
                    href: "/issuers/" + WebSecurity.pathSegment(entry.did),
                    country: entry.country.nonEmpty,
                    status: entry.standing,
                    statusLabel: words("status_\(entry.standing)"),
                    eqf: entry.eqf.joined(separator: ", ").nonEmpty,
                    types: entry.types.joined(separator: ", ").nonEmpty,
                    fields: entry.fields.joined(separator: ", ").nonEmpty
                )
            )
        }
        return (total, shown)
    }

    // MARK: One issuer

    /// An issuer's page: who it is, its accreditations as timelines, each with its chain to the root.
    func issuer(_ did: String) -> IssuerView? {
        guard let entity = state.entity(did) else { return nil }
        let standing = standing(of: did)
        let accreditations = state.accreditations(of: did).sorted { $0.validFrom > $1.validFrom }.map(accreditation)
        let ebsi = "/trusted-issuers-registry/v5/issuers/" + WebSecurity.pathSegment(did)
        return IssuerView(
            name: (entity.names[words.language.rawValue] ?? entity.displayName).nonEmpty,
            did: did,
            country: entity.country.nonEmpty,
            website: entity.website.nonEmpty,
            role: words("role_\(entity.role.rawValue)"),
            status: standing,
            statusLabel: words("status_\(standing)"),
            accreditations: accreditations,
            hasAccreditations: !accreditations.isEmpty,
            ebsi: ebsi,
            attributes: ebsi + "/attributes"
        )
    }

    func accreditation(_ record: AccreditationRecord) -> AccreditationView {
        let status = record.status(at: now)
        var events: [AccreditationView.Event] = []
        for (position, change) in record.statusHistory.enumerated() {
            let kind = position == 0 ? "granted" : change.status == .active ? "reinstated" : change.status.rawValue
            events.append(.init(event: kind, label: words("event_\(kind)"), date: words.date(change.at), reason: change.reason?.nonEmpty))
        }
        if status == .expired {
            events.append(.init(event: "expired", label: words("event_expired"), date: words.date(record.validUntil), reason: nil))
        }
        return AccreditationView(
            id: record.accreditationId,
            role: record.role.rawValue,
            status: status.rawValue,
            statusLabel: words("status_\(status.rawValue)"),
            from: words.date(record.validFrom),
            until: words.date(record.validUntil),
            scopes: record.scope.map(Self.scope),
            events: events,
            chain: chain(from: record)
        )
    }

    /// The accrediting bodies from this accreditation up to the root authority.
    func chain(from record: AccreditationRecord) -> [AccreditationView.ChainLink] {
        var links: [AccreditationView.ChainLink] = []
        var current: AccreditationRecord? = record
        while let link = current, links.count < 16 {
            let body = link.accreditedBy.did
            let name = state.entity(body).map { $0.names[words.language.rawValue] ?? $0.displayName } ?? body
            links.append(.init(name: name.nonEmpty, did: body, root: body == state.rootAuthority))
            if link.role == .rootTAO || body == state.rootAuthority { break }
            current = state.accreditation(link.accreditedBy.accreditationId)
        }
        return links
    }

    static func scope(_ scope: Scope) -> ScopeView {
        ScopeView(
            types: (scope.credentialTypes.sorted() + scope.schemaIds.sorted()).joined(separator: ", ").nonEmpty,
            eqf: scope.eqfLevels.map(lastSegment).sorted().joined(separator: ", ").nonEmpty,
            fields: scope.iscedF.map(lastSegment).sorted().joined(separator: ", ").nonEmpty,
            jurisdictions: scope.jurisdictions.map(lastSegment).sorted().joined(separator: ", ").nonEmpty
        )
    }

    // MARK: The registry

    /// The registry page, with the sequence numbers of its signed snapshot and of its LoTE.
    func overview(signedSeq: Int, loteSequence: Int) -> RegistryView {
        let bodies = state.allEntities.filter { $0.role == .accreditationBody }.map { body in
            RegistryView.Body(name: (body.names[words.language.rawValue] ?? body.displayName).nonEmpty, did: body.did, country: body.country.nonEmpty)
        }
        let issuers = state.allEntities.filter { $0.role == .issuer }.count
        let root = state.rootAuthority.flatMap(state.entity)
        return RegistryView(
            initialised: state.rootAuthority != nil,
            root: root.map { $0.names[words.language.rawValue] ?? $0.displayName }?.nonEmpty,
            rootDid: state.rootAuthority?.nonEmpty,
            bodies: bodies,
            bodyCount: words.number(bodies.count),
            issuerCount: words.number(issuers),
            accreditationCount: words.number(state.accreditationCount),
            seq: words.number(state.seq),
            lastChange: state.lastEventAt.map(words.dateTime),
            signedSeq: words.number(signedSeq),
            loteSequence: words.number(loteSequence)
        )
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

/// What the issuer search reads, prepared once per registry state: each issuer's names, country, EQF levels, fields,
/// credential types and standing (from ``RegistryPages/standing(of:)``), already folded for matching and ordered by
/// name in every language, so a search is one pass of substring tests (issue 13: under 20 ms at 10,000 issuers).
///
/// Standings depend on the time as well as the state (an accreditation expires without an event), so an index is
/// rebuilt when the state's `seq` moves and at the latest ``maximumAge`` after it was built.
struct IssuerIndex: Sendable {
    struct Entry: Sendable {
        let did: String
        let names: [String: String]
        let displayName: String
        let country: String
        let eqf: [String]
        let fields: [String]
        let types: [String]
        /// The types, folded, as UTF-8.
        let foldedTypes: [[UInt8]]
        let standing: String
        /// DID, country, names, types, `eqf N` and fields, folded, one per line, as UTF-8.
        let folded: [UInt8]

        func name(_ language: WebLanguage) -> String { names[language.rawValue] ?? displayName }
    }

    /// The standings an issuer can have, as ``RegistryPages/standing(of:)`` words them.
    static let standings = ["active", "suspended", "revoked", "expired", "notYetValid", "none"]
    /// How long an index serves the same state before it is rebuilt for the time.
    static let maximumAge: TimeInterval = 60

    let seq: Int
    let builtAt: Date
    let entries: [Entry]
    /// Positions in ``entries`` by each language's name.
    private let orders: [WebLanguage: [Int]]

    init(state: RegistryState, now: Date) {
        let pages = RegistryPages(state: state, words: WebLocalizer(language: .en, strings: [:]), now: now)
        var entries: [Entry] = []
        for entity in state.allEntities where entity.role == .issuer {
            let scopes = state.accreditations(of: entity.did).filter { $0.role == .ti }.flatMap(\.scope)
            let eqf = Set(scopes.flatMap(\.eqfLevels).map(RegistryPages.lastSegment)).sorted()
            let fields = Set(scopes.flatMap(\.iscedF).map(RegistryPages.lastSegment)).sorted()
            let types = Set(scopes.flatMap(\.credentialTypes)).sorted()
            let foldedTypes = types.map { Array(RegistryPages.fold($0).utf8) }
            let text = [entity.did, entity.country] + entity.names.values.sorted() + types + eqf.map { "eqf \($0)" } + fields
            entries.append(
                Entry(
                    did: entity.did,
                    names: entity.names,
                    displayName: entity.displayName,
                    country: entity.country.uppercased(),
                    eqf: eqf,
                    fields: fields,
                    types: types,
                    foldedTypes: foldedTypes,
                    standing: pages.standing(of: entity.did),
                    folded: Array(RegistryPages.fold(text.joined(separator: "\n")).utf8)
                )
            )
        }
        var orders: [WebLanguage: [Int]] = [:]
        for language in WebLanguage.allCases {
            let keys = entries.map { RegistryPages.fold($0.name(language)) }
            orders[language] = entries.indices.sorted { (keys[$0], entries[$0].did) < (keys[$1], entries[$1].did) }
        }
        self.seq = state.seq
        self.builtAt = now
        self.entries = entries
        self.orders = orders
    }

    func order(_ language: WebLanguage) -> [Int] { orders[language] ?? Array(entries.indices) }

    /// Whether `needle` occurs in `haystack`, byte for byte. Both sides are folded text, whose accents are gone, so
    /// bytes match where characters do; `String.contains` compared grapheme by grapheme and made a text search over
    /// 10,000 issuers take 20-50 ms.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        return haystack.withUnsafeBufferPointer { text in
            needle.withUnsafeBufferPointer { pattern in
                let first = pattern[0]
                var start = 0
                let last = text.count - pattern.count
                while start <= last {
                    if text[start] == first {
                        var offset = 1
                        while offset < pattern.count, text[start + offset] == pattern[offset] { offset += 1 }
                        if offset == pattern.count { return true }
                    }
                    start += 1
                }
                return false
            }
        }
    }

    /// Whether this index still answers for `state` at `now`.
    func answers(_ state: RegistryState, at now: Date) -> Bool {
        seq == state.seq && now.timeIntervalSince(builtAt) < Self.maximumAge && now >= builtAt
    }
}

/// The current ``IssuerIndex``, rebuilt on demand when the registry moved on (two searches racing after a change may
/// both build one; the later simply replaces the earlier).
final class IssuerIndexCache: Sendable {
    private let current = Mutex<IssuerIndex?>(nil)

    func index(for state: RegistryState, at now: Date) -> IssuerIndex {
        if let index = current.withLock({ $0 }), index.answers(state, at: now) { return index }
        let index = IssuerIndex(state: state, now: now)
        current.withLock { $0 = index }
        return index
    }
}
