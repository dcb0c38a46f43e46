import Foundation

// The values the templates render, one typed view per template. swift-mustache reads a struct's stored properties
// through Mirror, so a property's name is the template's `{{name}}`; a nil optional counts as absent (the name is then
// looked up in the enclosing views, as for a missing dictionary key), an empty array as an empty section, a Bool as a
// section's condition. Texts that may be empty are optional (see ``Swift/String/nonEmpty``): Mustache renders a
// section for any string, even "", so `{{#reason}}: {{reason}}{{/reason}}` must see nil, not "".

/// The layout (`layout.mustache`) around every page: strings, language, title, navigation and language switch, with
/// the page's own view as `content`. Each page template opens `{{#content}}`, so its names are found in its view first
/// and then here (`{{t.…}}`, `{{lang}}`). No template may use these names for anything else: a view's nil field is
/// looked up here next (a verdict entry's `page` once found the whole page view when this was called `page`).
struct PageView<Content: Sendable>: Sendable {
    /// The page's language's strings, by key (`{{t.check_title}}`).
    let t: [String: String]
    let lang: String
    let title: String
    /// The `<h1>` when it is not the title (the verdict page's "Result").
    let heading: String?
    let nav: Navigation
    let languages: [LanguageLink]
    let content: Content

    /// Which of the site's sections the page belongs to (`aria-current` in the navigation).
    struct Navigation: Sendable {
        let check: Bool
        let issuers: Bool
        let registry: Bool

        init(active: String) {
            check = active == "check"
            issuers = active == "issuers"
            registry = active == "registry"
        }
    }

    /// One language of the switch: this page in that language.
    struct LanguageLink: Sendable {
        let code: String
        let name: String
        let current: Bool
        let href: String
    }
}

/// `/`: the check form has nothing of its own beyond the layout's strings and language.
struct CheckFormView: Sendable {}

/// An error page: the HTTP status, what went wrong in the page's language, and a technical detail when it helps.
struct ErrorView: Sendable {
    let status: Int
    let message: String
    let detail: String?
}

/// `/issuers`: the search form as submitted, and the issuers it finds.
struct IssuersView: Sendable {
    let q: String?
    let country: String?
    let eqf: String?
    let field: String?
    let type: String?
    let statuses: [StatusOption]
    let results: [IssuerRow]
    let hasResults: Bool
    let count: String
    let truncated: Bool

    /// One choice of the status filter.
    struct StatusOption: Sendable {
        let value: String
        let label: String
        let selected: Bool
    }
}

/// One issuer found by the search.
struct IssuerRow: Sendable {
    let name: String?
    let did: String
    let href: String
    let country: String?
    let status: String
    let statusLabel: String
    let eqf: String?
    let types: String?
    let fields: String?
}

/// `/issuers/{did}`: who the issuer is and its accreditations.
struct IssuerView: Sendable {
    let name: String?
    let did: String
    let country: String?
    let website: String?
    let role: String
    let status: String
    let statusLabel: String
    let accreditations: [AccreditationView]
    let hasAccreditations: Bool
    let ebsi: String
    let attributes: String
}

/// One accreditation (`accreditation.mustache`): scope, timeline and the chain to the root.
struct AccreditationView: Sendable {
    let id: String
    let role: String
    let status: String
    let statusLabel: String
    let from: String
    let until: String
    let scopes: [ScopeView]
    let events: [Event]
    let chain: [ChainLink]

    /// One step of the timeline (granted, suspended, reinstated, revoked, expired).
    struct Event: Sendable {
        let event: String
        let label: String
        let date: String
        let reason: String?
    }

    /// One accrediting body between the accreditation and the root authority.
    struct ChainLink: Sendable {
        let name: String?
        let did: String
        let root: Bool
    }
}

/// What one accreditation scope covers, each as a comma-separated list.
struct ScopeView: Sendable {
    let types: String?
    let eqf: String?
    let fields: String?
    let jurisdictions: String?
}

/// `/registry`: the registry's root, bodies and counts.
struct RegistryView: Sendable {
    let initialised: Bool
    let root: String?
    let rootDid: String?
    let bodies: [Body]
    let bodyCount: String
    let issuerCount: String
    let accreditationCount: String
    let seq: String
    let lastChange: String?
    let signedSeq: String
    let loteSequence: String

    /// One accreditation body.
    struct Body: Sendable {
        let name: String?
        let did: String
        let country: String?
    }
}

/// `/lists/{id}`: what a status list is, never which of its entries are set.
struct ListView: Sendable {
    let id: String
    let url: String
    let purpose: String
    let entries: String
    let bits: String
    let version: String
    let publishedAt: String
    let validUntil: String
    let ttl: String
    let formats: [Format]

    /// One published representation.
    struct Format: Sendable {
        let mediaType: String
        let size: String
        let href: String
    }
}

/// The verdict page: the answer in plain words, then what it rests on.
struct VerdictView: Sendable {
    /// `valid`, `revoked`, ... or `error` (the section's style).
    let verdict: String
    let headline: String
    var explanation: String?
    var checkedAt: String?
    var proof: String?
    var issuer: String?
    var issuerName: String?
    var issuerCountry: String?
    var issuerHref: String?
    var ebsi: String?
    var types: String?
    var entries: [Entry] = []
    var hasEntries = false
    var accreditationChecked = false
    var accreditationSummary: String?
    var accreditation: AccreditationView?
    var accreditationDetail: String?
    /// When the revoked or suspended entry was set, from this service's audit log (the date of "Revoked on ...").
    var statusSince: String?

    init(verdict: String, headline: String) {
        self.verdict = verdict
        self.headline = headline
    }

    /// One status entry the credential names, with the verdict for it.
    struct Entry: Sendable {
        let mechanism: String
        let purpose: String?
        let index: String?
        let verdict: String
        let list: String?
        let reason: String?
        let page: String?
    }
}

extension String {
    /// The text, or nil when it is empty: what a view's optional text holds (Mustache renders a section for "").
    var nonEmpty: String? { isEmpty ? nil : self }
}
