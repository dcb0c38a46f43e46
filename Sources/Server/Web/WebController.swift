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
        return page.render("check", title: page.words("check_title"), active: "check", ["form": true])
    }

    func check(_ request: Request) async throws -> Response {
        var page = WebPage(request: request, resources: resources)
        if let refusal = WebSecurity.crossSiteRefusal(fields: request.headers, authority: request.head.authority, baseURL: baseURL) {
            return page.error(.forbidden, message: page.words("error_cross_site"), detail: refusal)
        }
        let body = try await request.collectBody(limit: WebSecurity.maximumFormBytes)
        let fields = WebSecurity.formFields(Substring(String(decoding: body.readableBytesView, as: UTF8.self)))
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
        var verdict = VerdictPage(words: page.words, state: registry.artefacts.state, baseURL: baseURL).values(outcome)
        verdict["heading"] = page.words("verdict_heading")
        return page.render("verdict", title: verdict["headline"] as? String ?? "", active: "check", verdict, cache: "no-store")
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
            ["value": $0, "label": page.words("status_\($0)"), "selected": $0 == search.status] as [String: Any]
        }
        var response = page.render(
            "issuers",
            title: page.words("issuers_title"),
            active: "issuers",
            [
                "q": search.text, "country": search.country, "eqf": search.eqf, "field": search.field, "type": search.type,
                "statuses": statuses, "results": found.shown, "hasResults": !found.shown.isEmpty,
                "count": page.words.count("issuers_count", found.total),
                "truncated": found.total > found.shown.count,
            ]
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
        guard let values = pages.issuer(did) else {
            return page.error(.notFound, message: page.words("error_no_issuer", ["did": String(did.prefix(200))]))
        }
        return page.render("issuer", title: values["name"] as? String ?? did, active: "issuers", values)
    }

    func registryPage(_ request: Request) throws -> Response {
        let page = WebPage(request: request, resources: resources)
        let artefacts = registry.artefacts
        var values = RegistryPages(state: artefacts.state, words: page.words, now: Date()).overview()
        values["signedSeq"] = page.words.number(artefacts.signedSeq)
        values["loteSequence"] = page.words.number(artefacts.loteSequenceNumber)
        return page.render("registry", title: page.words("registry_title"), active: "registry", values)
    }

    func list(_ request: Request, context: StandingRequestContext) throws -> Response {
        let page = WebPage(request: request, resources: resources)
        let id = try context.parameters.require("list")
        guard let publication = published.get(id) else {
            return page.error(.notFound, message: page.words("error_no_list", ["id": String(id.prefix(200))]))
        }
        let definition = publication.definition
        let url = baseURL + "/status/" + definition.id
        let formats = StatusMediaType.allCases.compactMap { type -> [String: Any]? in
            guard let representation = publication.representations[type] else { return nil }
            return [
                "mediaType": type.rawValue, "size": page.words.bytes(representation.body.readableBytes),
                "href": "/status/\(definition.id).\(type.pathSuffix)",
            ]
        }
        return page.render(
            "list",
            title: page.words("list_title", ["id": definition.id]),
            active: "",
            [
                "id": definition.id, "url": url, "purpose": page.words("purpose_\(definition.purpose.rawValue)"),
                "entries": page.words.number(definition.capacity), "bits": page.words.number(definition.statusSize),
                "version": page.words.number(publication.version), "publishedAt": page.words.dateTime(publication.publishedAt),
                "validUntil": page.words.dateTime(publication.validUntil), "ttl": page.words.number(definition.ttlSeconds),
                "formats": formats,
            ]
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

    /// The page: `template` inside the layout, with the strings as `t`, the language switch and the navigation.
    func render(
        _ template: String,
        title: String,
        active: String,
        _ values: [String: Any],
        status: HTTPResponse.Status = .ok,
        cache: String = "no-cache"
    ) -> Response {
        var context = values
        context["t"] = words.strings
        context["lang"] = words.language.rawValue
        context["title"] = title
        context["nav_" + active] = true
        context["languages"] = WebLanguage.allCases.map { language -> [String: Any] in
            var fields = query
            fields["lang"] = language.rawValue
            let link = fields.sorted { $0.key < $1.key }.map { "\(WebSecurity.queryValue($0.key))=\(WebSecurity.queryValue($0.value))" }
            return [
                "code": language.rawValue, "name": language.endonym, "current": language == words.language,
                "href": (path.isEmpty ? "/" : path) + "?" + link.joined(separator: "&"),
            ]
        }
        let html = resources.render(template, Self.withoutEmptyTexts(context)) ?? ""
        var headers = WebSecurity.headers(contentType: "text/html; charset=utf-8", cache: cache)
        headers[.contentLanguage] = words.language.rawValue
        headers[.vary] = "Accept-Language, Cookie"
        if let chosen {
            headers[.setCookie] = "\(WebLanguage.cookieName)=\(chosen.rawValue); Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// `values` without its empty strings, at every level: Mustache renders a section for any string, even an empty one,
    /// so a template's `{{#reason}}: {{reason}}{{/reason}}` must not see a reason that is "".
    static func withoutEmptyTexts(_ values: [String: Any]) -> [String: Any] {
        values.compactMapValues { value -> Any? in
            switch value {
            case let text as String: text.isEmpty ? nil : text
            case let object as [String: Any]: withoutEmptyTexts(object)
            case let rows as [[String: Any]]: rows.map(withoutEmptyTexts)
            default: value
            }
        }
    }

    /// An error as a page of its own, with the HTTP status it stands for.
    func error(_ status: HTTPResponse.Status, message: String, detail: String = "") -> Response {
        render(
            "error",
            title: words("error_title"),
            active: "",
            ["status": status.code, "message": message, "detail": detail],
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
