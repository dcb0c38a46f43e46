import Client
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import StandingAPI
import Store
import TrustRegistry

/// The public pages for people: check a credential (`/`, `/check`), find accredited issuers (`/issuers`,
/// `/issuers/{did}`), the registry (`/registry`) and each status list (`/lists/{id}`), in English, Spanish, French or
/// German. Server-rendered from the embedded templates (``WebResources``); no script; a strict
/// Content-Security-Policy on every answer; errors are HTML pages (``WebPageMiddleware``).
///
/// Thin: the verdicts come from the verifier `standing verify` runs (``WebCredentialChecker``), the registry's
/// answers from its in-memory state (``RegistryPages``), a list's facts from its current publication.
struct WebController: Sendable {
    let resources: WebResources
    let registry: RegistryService
    let published: PublishedLists
    let checker: WebCredentialChecker
    let baseURL: String
    /// The newest audit record of one entry of a list among its ``auditWindow`` newest
    /// (``Store/StatusStore/latestAuditRecord(listId:index:window:)``), for "Revoked on DATE". Only the check page reads
    /// it; the public status reads never touch the store.
    let latestChange: @Sendable (_ listId: String, _ index: Int) async throws -> AuditRecord?
    /// How many of a list's newest audit records the check page searches for an entry's date: a bounded read for any
    /// visitor (a few milliseconds), with no index on (list, entry) to slow every batch of changes. An entry changed
    /// longer ago than that, in a busy list, reads plain "Revoked".
    static let auditWindow = 10_000
    /// The issuer search's prepared index, rebuilt when the registry changes.
    let issuerIndex = IssuerIndexCache()

    func addRoutes(to router: Router<StandingRequestContext>) {
        let pages = router.group().add(middleware: WebPageMiddleware(resources: resources))
        pages.get("/") { request, _ in try self.checkForm(request) }
        pages.post("check") { request, _ in try await self.check(request) }
        // A bookmarked or reloaded-by-URL answer page leads back to the form rather than to an API 404.
        pages.get("check") { _, _ in Response(status: .seeOther, headers: [.location: "/"]) }
        pages.get("issuers") { request, _ in try self.issuers(request) }
        pages.get("issuers/:issuer") { request, context in try self.issuer(request, context: context) }
        pages.get("registry") { request, _ in try self.registryPage(request) }
        pages.get("lists/:list") { request, context in try self.list(request, context: context) }
        pages.get("web/standing.css") { _, _ in
            Response(
                status: .ok,
                headers: WebSecurity.headers(contentType: "text/css; charset=utf-8", cache: "public, max-age=3600"),
                body: .init(byteBuffer: ByteBuffer(bytes: resources.styleSheet))
            )
        }
    }

    // MARK: Pages

    func checkForm(_ request: Request) throws -> Response {
        let page = WebPage(request: request, resources: resources)
        return page.render("check", title: page.words("check_title"), active: "check", CheckFormView())
    }

    func check(_ request: Request) async throws -> Response {
        var page = WebPage(request: request, resources: resources)
        if let refusal = WebSecurity.crossSiteRefusal(fields: request.headers, authority: request.head.authority, baseURL: baseURL) {
            return page.error(.forbidden, message: page.words("error_cross_site"), detail: refusal)
        }
        let body = try await request.collectBody(limit: WebSecurity.maximumFormBytes)
        let fields = try WebForm.fields(body: body, contentType: request.headers[.contentType])
        page.adopt(formLanguage: fields["lang"])
        let credential = fields["credential"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let list = fields["list"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let outcome: WebCheckOutcome
        if !credential.isEmpty {
            outcome = await checker.check(credential: credential)
        } else if !list.isEmpty {
            guard let index = Int(fields["index"]?.trimmingCharacters(in: .whitespaces) ?? ""), index >= 0 else {
                return page.error(.badRequest, message: page.words("error_index"))
            }
            outcome = await checker.check(list: list, index: index)
        } else {
            return page.error(.badRequest, message: page.words("error_nothing_to_check"))
        }
        let since = await statusSince(outcome)
        let verdict = VerdictPage(words: page.words, state: registry.artefacts.state, baseURL: baseURL).view(outcome, statusSince: since)
        return page.render(
            "verdict",
            title: verdict.headline,
            heading: page.words("verdict_heading"),
            active: "check",
            verdict,
            cache: "no-store"
        )
    }

    /// Since when the entry behind a "Revoked" or "Suspended" verdict holds that value: the time of the newest change
    /// of that entry in this service's audit log, when that change set it (a value other than 0), for lists this service
    /// publishes. Nil otherwise (no audit record, another service's list, a store error), and the page says plainly
    /// "Revoked".
    ///
    /// Showing the date discloses nothing new: the bit is public, and anyone polling the public list learns when it
    /// flipped. The date is the audit log's, not the signed list's (a bitstring records no dates), and the page says
    /// so in its details. A store error is not logged: it would name the list and index, and so the credential checked.
    func statusSince(_ outcome: WebCheckOutcome) async -> Date? {
        guard case .report(let report, _) = outcome, [.revoked, .suspended].contains(report.verdict),
            let entry = report.entries.first(where: { $0.verdict == report.verdict }), let index = entry.index,
            let listId = VerdictPage.ownListID(entry.listURL, baseURL: baseURL), published.get(listId) != nil,
            let record = try? await latestChange(listId, index), record.newValue != 0
        else { return nil }
        return record.at
    }

    func issuers(_ request: Request) throws -> Response {
        let page = WebPage(request: request, resources: resources)
        let search = RegistryPages.Search(fields: page.query)
        let state = registry.artefacts.state
        let now = Date()
        let pages = RegistryPages(state: state, words: page.words, now: now)
        let started = ContinuousClock.now
        let found = pages.search(search, in: issuerIndex.index(for: state, at: now))
        let elapsed = (ContinuousClock.now - started).components
        let statuses = ["active", "suspended", "revoked", "expired"].map {
            IssuersView.StatusOption(value: $0, label: page.words("status_\($0)"), selected: $0 == search.status)
        }
        var response = page.render(
            "issuers",
            title: page.words("issuers_title"),
            active: "issuers",
            IssuersView(
                q: search.text.nonEmpty,
                country: search.country.nonEmpty,
                eqf: search.eqf.nonEmpty,
                field: search.field.nonEmpty,
                type: search.type.nonEmpty,
                statuses: statuses,
                results: found.shown,
                hasResults: !found.shown.isEmpty,
                count: page.words.count("issuers_count", found.total),
                truncated: found.total > found.shown.count
            )
        )
        // The search's own time in milliseconds, which Benchmarks/registry reads (server time, not the round trip).
        let milliseconds = Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15
        response.headers[HTTPField.Name("Server-Timing")!] = "search;dur=\(String(format: "%.3f", milliseconds))"
        return response
    }

    func issuer(_ request: Request, context: StandingRequestContext) throws -> Response {
        let page = WebPage(request: request, resources: resources)
        let raw = try context.parameters.require("issuer")
        let did = raw.removingPercentEncoding ?? raw
        let pages = RegistryPages(state: registry.artefacts.state, words: page.words, now: Date())
        guard let view = pages.issuer(did) else {
            return page.error(.notFound, message: page.words("error_no_issuer", ["did": String(did.prefix(200))]))
        }
        return page.render("issuer", title: view.name ?? "", active: "issuers", view)
    }

    func registryPage(_ request: Request) throws -> Response {
        let page = WebPage(request: request, resources: resources)
        let artefacts = registry.artefacts
        let view = RegistryPages(state: artefacts.state, words: page.words, now: Date()).overview(
            signedSeq: artefacts.signedSeq,
            loteSequence: artefacts.loteSequenceNumber
        )
        return page.render("registry", title: page.words("registry_title"), active: "registry", view)
    }

    func list(_ request: Request, context: StandingRequestContext) throws -> Response {
        let page = WebPage(request: request, resources: resources)
        let id = try context.parameters.require("list")
        guard let publication = published.get(id) else {
            return page.error(.notFound, message: page.words("error_no_list", ["id": String(id.prefix(200))]))
        }
        let definition = publication.definition
        let url = baseURL + "/status/" + definition.id
        let formats = StatusMediaType.allCases.compactMap { type -> ListView.Format? in
            guard let representation = publication.representations[type] else { return nil }
            return ListView.Format(
                mediaType: type.rawValue,
                size: page.words.bytes(representation.body.readableBytes),
                href: "/status/\(definition.id).\(type.pathSuffix)"
            )
        }
        return page.render(
            "list",
            title: page.words("list_title", ["id": definition.id]),
            active: "",
            ListView(
                id: definition.id,
                url: url,
                purpose: page.words("purpose_\(definition.purpose.rawValue)"),
                entries: page.words.number(definition.capacity),
                bits: page.words.number(definition.statusSize),
                version: page.words.number(publication.version),
                publishedAt: page.words.dateTime(publication.publishedAt),
                validUntil: page.words.dateTime(publication.validUntil),
                ttl: page.words.number(definition.ttlSeconds),
                formats: formats
            )
        )
    }
}

/// One page being answered: its language (and whether the switch was used), its query, and the shared frame.
struct WebPage {
    let resources: WebResources
    let path: String
    let query: [String: String]
    private(set) var words: WebLocalizer
    /// Set when the language came from the switch, so the answer remembers it in a cookie.
    private(set) var chosen: WebLanguage?

    init(request: Request, resources: WebResources) {
        self.resources = resources
        self.path = request.uri.path
        self.query = WebSecurity.formFields(Substring(request.uri.query ?? ""))
        let language = WebLanguage.negotiate(
            parameter: query["lang"],
            cookie: WebSecurity.cookie(WebLanguage.cookieName, in: request.headers[.cookie]),
            acceptLanguage: request.headers[.acceptLanguage]
        )
        self.words = WebLocalizer(language: language, strings: resources.strings[language] ?? [:])
        self.chosen = query["lang"].flatMap { WebLanguage(rawValue: $0.lowercased()) }
    }

    /// A form's hidden `lang` field wins over the request's headers (the page the form was on was in that language).
    mutating func adopt(formLanguage: String?) {
        guard let language = formLanguage.flatMap({ WebLanguage(rawValue: $0.lowercased()) }) else { return }
        words = WebLocalizer(language: language, strings: resources.strings[language] ?? [:])
    }

    /// The page: `template` inside the layout, its `view` as the layout's `content`, with the strings as `t`, the
    /// language switch and the navigation.
    func render<View: Sendable>(
        _ template: String,
        title: String,
        heading: String? = nil,
        active: String,
        _ view: View,
        status: HTTPResponse.Status = .ok,
        cache: String = "no-cache"
    ) -> Response {
        let languages = WebLanguage.allCases.map { language in
            var fields = query
            fields["lang"] = language.rawValue
            let link = fields.sorted { $0.key < $1.key }.map { "\(WebSecurity.queryValue($0.key))=\(WebSecurity.queryValue($0.value))" }
            return PageView<View>.LanguageLink(
                code: language.rawValue,
                name: language.endonym,
                current: language == words.language,
                href: (path.isEmpty ? "/" : path) + "?" + link.joined(separator: "&")
            )
        }
        let frame = PageView(
            t: words.strings,
            lang: words.language.rawValue,
            title: title,
            heading: heading?.nonEmpty,
            nav: .init(active: active),
            languages: languages,
            content: view
        )
        let html = resources.render(template, frame) ?? ""
        var headers = WebSecurity.headers(contentType: "text/html; charset=utf-8", cache: cache)
        headers[.contentLanguage] = words.language.rawValue
        headers[.vary] = "Accept-Language, Cookie"
        if let chosen {
            headers[.setCookie] = "\(WebLanguage.cookieName)=\(chosen.rawValue); Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// An error as a page of its own, with the HTTP status it stands for.
    func error(_ status: HTTPResponse.Status, message: String, detail: String = "") -> Response {
        render(
            "error",
            title: words("error_title"),
            active: "",
            ErrorView(status: status.code, message: message, detail: detail.nonEmpty),
            status: status,
            cache: "no-store"
        )
    }
}

/// Turns anything a page handler throws into an HTML error page with the status the API would have answered
/// (``ProblemDetails/from(_:)``: 413 for an oversized form, 400 for bad framing, 404...): the pages never answer
/// JSON problems or crash, and the API's own routes keep theirs.
struct WebPageMiddleware: RouterMiddleware {
    typealias Context = StandingRequestContext
    let resources: WebResources

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = ProblemDetails.from(error)
            if problem.statusCode >= 500 {
                context.logger.error("page failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: error))"])
            }
            let page = WebPage(request: request, resources: resources)
            let message = problem.statusCode == 413 ? page.words("error_too_large") : page.words("error_generic")
            return page.error(
                HTTPResponse.Status(code: problem.statusCode),
                message: message,
                detail: problem.statusCode >= 500 ? "" : problem.detail
            )
        }
    }
}
