import AsyncHTTPClient
import Client
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Server
import ServiceLifecycle
import Signing
import StandingTestSupport
import Store
import Synchronization
import Testing
import TrustRegistry

/// The pages for people (`/`, `/check`, `/issuers`, `/registry`, `/lists/{id}`): status codes, content in each
/// language, the security headers, the cross-site and size refusals, and the verdicts the shared verifier gives.
@Suite struct WebPagesTests {
    static let csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    /// A word each language's check page must show, from its strings file.
    static let checkButton = ["en": "Check", "es": "Comprobar", "fr": "Vérifier", "de": "Prüfen"]

    static func expectPage(_ response: TestResponse, status: Int = 200, _ comment: Comment? = nil) {
        #expect(response.status == status, comment)
        #expect(response.header("Content-Type") == "text/html; charset=utf-8")
        #expect(response.header("Content-Security-Policy") == csp)
        #expect(response.header("X-Content-Type-Options") == "nosniff")
        #expect(!response.text.contains("<script"), "a page carries a script")
        #expect(!response.text.contains("http://fonts") && !response.text.contains("https://fonts"))
    }

    static func form(_ fields: [String: String]) -> Data {
        Data(
            fields.map { "\(escape($0.key))=\(escape($0.value))" }.joined(separator: "&").utf8
        )
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func post(_ server: TestServer, _ fields: [String: String], headers: [(String, String)] = []) async throws -> TestResponse {
        try await server.request(
            .POST,
            "/check",
            body: form(fields),
            headers: [("Content-Type", "application/x-www-form-urlencoded")] + headers
        )
    }

    /// A `multipart/form-data` body, as a browser sends the upload form: each field a part, a file with its file name.
    static func multipart(_ parts: [(name: String, fileName: String?, content: String)], boundary: String) -> Data {
        var body = ""
        for part in parts {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let fileName = part.fileName { body += "; filename=\"\(fileName)\"\r\nContent-Type: application/octet-stream" }
            body += "\r\n\r\n\(part.content)\r\n"
        }
        return Data((body + "--\(boundary)--\r\n").utf8)
    }

    /// Uploads `credential` as a file through the upload form's encoding.
    static func upload(_ server: TestServer, credential: String, language: String = "en") async throws -> TestResponse {
        let boundary = "----StandingTest\(UUID().uuidString.prefix(8))"
        return try await server.request(
            .POST,
            "/check",
            body: multipart([("lang", nil, language), ("credential", "credential.jwt", credential)], boundary: boundary),
            headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")]
        )
    }

    /// The answer's headline (the `role="status"` paragraph).
    static func headline(_ response: TestResponse) -> String {
        let text = response.text
        guard let start = text.range(of: "id=\"answer\" role=\"status\">"), let end = text.range(of: "</p>", range: start.upperBound..<text.endIndex)
        else { return "" }
        return String(text[start.upperBound..<end.lowerBound])
    }

    // MARK: Pages, languages, headers

    @Test(arguments: ["en", "es", "fr", "de"])
    func checkPageSpeaksTheAcceptedLanguage(language: String) async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let response = try await server.request(.GET, "/", headers: [("Accept-Language", "\(language)-XX, en;q=0.1")])
        Self.expectPage(response)
        #expect(response.text.contains("<html lang=\"\(language)\">"))
        #expect(response.text.contains(">\(Self.checkButton[language] ?? "")</button>"))
        #expect(response.text.contains("name=\"credential\"") && response.text.contains("action=\"/check\""))
        #expect(response.header("Content-Language") == language)
        for other in ["/issuers", "/registry"] {
            let page = try await server.request(.GET, other, headers: [("Accept-Language", language)])
            Self.expectPage(page)
            #expect(page.text.contains("<html lang=\"\(language)\">"), "\(other)")
        }
    }

    @Test func languageSwitchWinsAndIsRemembered() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let switched = try await server.request(.GET, "/?lang=de", headers: [("Accept-Language", "fr")])
        Self.expectPage(switched)
        #expect(switched.text.contains("<html lang=\"de\">"))
        #expect(switched.header("Set-Cookie")?.hasPrefix("standing-lang=de;") == true)
        // Every page links to the other languages.
        for code in ["en", "es", "fr"] { #expect(switched.text.contains("hreflang=\"\(code)\"")) }
        let remembered = try await server.request(.GET, "/issuers", headers: [("Accept-Language", "fr"), ("Cookie", "standing-lang=de")])
        #expect(remembered.text.contains("<html lang=\"de\">"))
        let unknown = try await server.request(.GET, "/?lang=xx", headers: [("Accept-Language", "es;q=0.5, fr;q=0.9")])
        #expect(unknown.text.contains("<html lang=\"fr\">"))
    }

    @Test func styleSheetIsServedAndPagesUseNothingExternal() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let css = try await server.request(.GET, "/web/standing.css")
        #expect(css.status == 200)
        #expect(css.header("Content-Type") == "text/css; charset=utf-8")
        #expect(css.text.contains(":focus-visible"))
        let page = try await server.request(.GET, "/")
        #expect(page.text.contains("href=\"/web/standing.css\""))
        #expect(!page.text.contains("src=\"http") && !page.text.contains("href=\"http"))
        #expect(page.body.count < 50_000)
    }

    @Test func webFalseServesNoPages() async throws {
        let server = try await TestServer.start { $0.web = false }
        defer { Task { await server.stopAndRemove() } }
        for path in ["/", "/issuers", "/registry", "/web/standing.css"] {
            let response = try await server.request(.GET, path)
            #expect(response.status == 404, "\(path)")
            #expect(response.header("Content-Type") != "text/html; charset=utf-8")
        }
        #expect(try await server.request(.GET, "/health").status == 200)
    }

    @Test func settingResolvesFromFlagEnvironmentAndFile() throws {
        #expect(try ServerConfiguration.resolved(.init(), environment: [:]).web)
        #expect(try !ServerConfiguration.resolved(.init(), environment: ["STANDING_WEB": "false"]).web)
        #expect(try ServerConfiguration.resolved(.init(web: true), environment: ["STANDING_WEB": "false"]).web)
        #expect(throws: (any Error).self) { try ServerConfiguration.resolved(.init(), environment: ["STANDING_WEB": "maybe"]) }
    }

    // MARK: The form's protections

    @Test func crossSitePostsAreRefused() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let fields = ["credential": "{}"]
        for headers in [
            [("Origin", "https://evil.example")], [("Sec-Fetch-Site", "cross-site")], [("Origin", "null")],
            [("Sec-Fetch-Site", "same-site"), ("Origin", server.baseURL)],
        ] {
            let refused = try await Self.post(server, fields, headers: headers)
            Self.expectPage(refused, status: 403, "\(headers)")
        }
        // The service's own pages, and scripts (no browser headers), may post.
        let sameOrigin = try await Self.post(server, fields, headers: [("Origin", server.baseURL), ("Sec-Fetch-Site", "same-origin")])
        Self.expectPage(sameOrigin)
        Self.expectPage(try await Self.post(server, fields, headers: [("Origin", "null"), ("Sec-Fetch-Site", "same-origin")]))
        Self.expectPage(try await Self.post(server, fields))
    }

    @Test func oversizedFormIsA413Page() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let response = try await Self.post(server, ["credential": String(repeating: "a", count: 300 << 10)])
        Self.expectPage(response, status: 413)
        #expect(response.text.contains("too large"))
        // The API keeps its problems.
        let api = try await server.request(.GET, "/status/no-such-list")
        #expect(api.header("Content-Type") == "application/problem+json")
    }

    @Test func whatCannotBeCheckedSaysSoEscaped() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let garbage = try await Self.post(server, ["credential": "<script>alert(1)</script>"])
        Self.expectPage(garbage)
        #expect(Self.headline(garbage) == "Cannot be checked")
        #expect(!garbage.text.contains("<script>alert"))
        let bookmarked = try await server.request(.GET, "/check")
        // (The test client follows the 303 to the form.)
        Self.expectPage(bookmarked)
        #expect(bookmarked.text.contains("action=\"/check\"") && bookmarked.text.contains("name=\"credential\""))
        let empty = try await Self.post(server, ["credential": "  "])
        Self.expectPage(empty, status: 400)
        let badIndex = try await Self.post(server, ["list": server.baseURL + "/status/x", "index": "-1"])
        Self.expectPage(badIndex, status: 400)
        // A list of another service is not fetched (the check reaches only this service).
        let foreign = try await Self.post(server, ["list": "https://elsewhere.example/status/1", "index": "0"])
        #expect(Self.headline(foreign) == "Cannot be checked")
        // No link to a list page for another service's list (nor anything found under that name elsewhere in the page).
        #expect(!foreign.text.contains("about this list") && !foreign.text.contains("VerdictView"), "\(foreign.text)")
    }

    // MARK: Verdicts

    /// A did:key issuer (its proof verifies without any network), accredited by ANECA for Spanish micro-credentials.
    static func didKeyParty(name: String) throws -> RegistryParty {
        let key = SigningKey.generate(.es256)
        let did = DIDKey(key: key.verificationKey).did
        let entity = try Entity(
            did: did,
            role: .issuer,
            keys: [key.verificationKey.jwk(keyID: key.verificationKey.multikey)],
            names: ["en": name, "es": name + " (es)"],
            country: "ES",
            website: "https://issuer.example"
        ).validated()
        return RegistryParty(key: key, entity: entity)
    }

    static func credential(_ server: TestServer, issuer: RegistryParty, list: String) async throws -> (text: String, index: Int) {
        let entry = try #require(try await server.allocateEntries(list).first)
        let status = try #require(entry["credentialStatus"])
        let index = try #require(Int("\((status as? [String: Any])?["statusListIndex"] ?? "")"))
        let credential = ExampleCredential(
            issuer: issuer.did,
            subject: "did:example:learner",
            types: ["MicroCredential"],
            achievement: "Data stewardship",
            eqfLevel: 6,
            jurisdiction: "ESP",
            validFrom: Date().addingTimeInterval(-60),
            credentialStatus: try JSONValue(parsing: try JSONSerialization.data(withJSONObject: status))
        )
        return (try credential.signed(with: issuer.key, keyID: issuer.entity.keys[0].kid ?? "", as: .vcJWT), index)
    }

    @Test func formGivesValidRevokedSuspendedAndUnaccredited() async throws {
        try await RegistryWorld.run { world in
            let server = world.server
            let issuer = try Self.didKeyParty(name: "Academia Ejemplo")
            try await world.accredit(issuer, by: world.aneca, token: world.anecaToken)
            let stranger = try Self.didKeyParty(name: "Unknown College")
            let revocations = try await server.createList(["purpose": "revocation"])
            let suspensions = try await server.createList(["purpose": "suspension"])

            let valid = try await Self.credential(server, issuer: issuer, list: revocations)
            let revoked = try await Self.credential(server, issuer: issuer, list: revocations)
            let suspended = try await Self.credential(server, issuer: issuer, list: suspensions)
            let unaccredited = try await Self.credential(server, issuer: stranger, list: revocations)
            try await server.setStatus(revocations, revoked.index, 1)
            try await server.setStatus(suspensions, suspended.index, 1)

            let answer = try await Self.post(server, ["credential": valid.text])
            Self.expectPage(answer)
            #expect(answer.header("Cache-Control") == "no-store")
            #expect(Self.headline(answer) == "Valid", "\(answer.text)")
            #expect(answer.text.contains("<h1>The answer</h1>") && answer.text.contains("<title>Valid · Standing</title>"))
            #expect(answer.text.contains("Academia Ejemplo"))
            #expect(answer.text.contains("Accreditation when the credential was issued"))
            #expect(answer.text.contains("ANECA (example)"), "the chain names the accrediting body")
            #expect(answer.text.contains("href=\"/lists/\(revocations)\""))
            // The day the entry was set, from the audit log (today: the changes were just made).
            let today = Date().formatted(Date.FormatStyle(date: .long, time: .omitted, locale: Locale(identifier: "en_GB"), timeZone: .gmt))
            let revokedAnswer = try await Self.post(server, ["credential": revoked.text])
            #expect(Self.headline(revokedAnswer) == "Revoked on \(today)", "\(revokedAnswer.text)")
            #expect(revokedAnswer.text.contains("audit log, not from the signed status list"), "the page says where the date comes from")
            #expect(Self.headline(try await Self.post(server, ["credential": suspended.text])) == "Suspended since \(today)")
            #expect(Self.headline(try await Self.post(server, ["credential": unaccredited.text])) == "Issuer not accredited")
            // In Spanish, from the form's hidden field.
            let spanish = try await Self.post(server, ["credential": revoked.text, "lang": "es"])
            #expect(Self.headline(spanish).hasPrefix("Revocada el "), "\(Self.headline(spanish))")
            #expect(spanish.text.contains("Academia Ejemplo (es)"))

            // By list and index: the status alone.
            let byIndex = try await Self.post(server, ["list": server.baseURL + "/status/" + revocations, "index": String(revoked.index)])
            #expect(Self.headline(byIndex) == "Revoked on \(today)", "\(byIndex.text)")
            let validIndex = try await Self.post(server, ["list": server.baseURL + "/status/" + revocations, "index": String(valid.index)])
            #expect(Self.headline(validIndex) == "Valid", "\(validIndex.text)")

            // Uploaded as a file (multipart/form-data, the field `credential`): the same verdicts.
            let uploadedValid = try await Self.upload(server, credential: valid.text)
            Self.expectPage(uploadedValid)
            #expect(Self.headline(uploadedValid) == "Valid", "\(uploadedValid.text)")
            #expect(Self.headline(try await Self.upload(server, credential: revoked.text)) == "Revoked on \(today)")
            #expect(Self.headline(try await Self.upload(server, credential: revoked.text, language: "de")).hasPrefix("Widerrufen am "))
        }
    }

    @Test func revocationDateIsTheAuditLogsInThePagesLanguage() async throws {
        try await RegistryWorld.run { world in
            let server = world.server
            let issuer = try Self.didKeyParty(name: "Academia Ejemplo")
            try await world.accredit(issuer, by: world.aneca, token: world.anecaToken)
            let revocations = try await server.createList(["purpose": "revocation"])
            let revoked = try await Self.credential(server, issuer: issuer, list: revocations)
            try await server.setStatus(revocations, revoked.index, 1)
            // The published list says revoked; the audit log's newest change of the entry is dated 3 March 2026.
            let march3 = try #require(ISO8601DateFormatter().date(from: "2026-03-03T09:30:00Z"))
            for (value, at) in [(UInt8(0), march3.addingTimeInterval(-3600)), (1, march3)] {
                _ = try await server.store.applyChanges(
                    listId: revocations,
                    changes: [EntryChange(index: revoked.index, value: value)],
                    actor: "test",
                    reason: nil,
                    at: at,
                    validate: { _, _ in }
                )
            }
            for (language, words) in [
                ("en", "Revoked on 3 March 2026"), ("es", "Revocada el 3 de marzo de 2026"), ("fr", "Révoquée le 3 mars 2026"),
                ("de", "Widerrufen am 3. März 2026"),
            ] {
                let answer = try await Self.post(server, ["credential": revoked.text, "lang": language])
                #expect(Self.headline(answer) == words, "\(language)")
            }
            // The newest change cleared the entry (in the log, not yet published): no date is claimed, just "Revoked".
            _ = try await server.store.applyChanges(
                listId: revocations,
                changes: [EntryChange(index: revoked.index, value: 0)],
                actor: "test",
                reason: nil,
                at: march3.addingTimeInterval(60),
                validate: { _, _ in }
            )
            let undated = try await Self.post(server, ["credential": revoked.text])
            #expect(Self.headline(undated) == "Revoked", "\(undated.text)")
            #expect(!undated.text.contains("audit log, not from the signed status list"))
        }
    }

    // MARK: Uploads

    @Test func uploadLimitsAndMalformedBodiesArePages() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let boundary = "XyZ123"
        func post(_ body: Data, contentType: String = "multipart/form-data; boundary=XyZ123") async throws -> TestResponse {
            try await server.request(.POST, "/check", body: body, headers: [("Content-Type", contentType)])
        }
        // A file over 256 KiB: 413, as an HTML page.
        let large = try await post(Self.multipart([("credential", "big.json", String(repeating: "a", count: 300 << 10))], boundary: boundary))
        Self.expectPage(large, status: 413)
        #expect(large.text.contains("too large"))
        // A file name that is not ASCII (browsers send it as UTF-8) is fine: only header names must be ASCII.
        let named = try await post(Self.multipart([("credential", "diplôme-証明.json", "{}")], boundary: boundary))
        Self.expectPage(named)
        #expect(Self.headline(named) == "Cannot be checked")
        // A quoted boundary and a file that is no credential: the page answers, in plain words.
        let garbage = try await post(
            Self.multipart([("credential", "notes.txt", "<b>not a credential</b>")], boundary: boundary),
            contentType: "multipart/form-data; boundary=\"XyZ123\""
        )
        Self.expectPage(garbage)
        #expect(Self.headline(garbage) == "Cannot be checked")
        #expect(!garbage.text.contains("<b>not"))
        // An empty file input: nothing to check, 400.
        Self.expectPage(try await post(Self.multipart([("credential", "", "")], boundary: boundary)), status: 400)
        // Malformed: 400 pages, never 500.
        let whole = String(decoding: Self.multipart([("credential", "c.jwt", "abc")], boundary: boundary), as: UTF8.self)
        let malformed: [(String, Data, String)] = [
            ("no boundary parameter", Data(whole.utf8), "multipart/form-data"),
            ("an empty boundary", Data(whole.utf8), "multipart/form-data; boundary="),
            ("a boundary over 70 characters", Data(whole.utf8), "multipart/form-data; boundary=" + String(repeating: "b", count: 71)),
            ("cut short", Data(whole.prefix(whole.count - 12).utf8), "multipart/form-data; boundary=XyZ123"),
            ("no part at all", Data("just text".utf8), "multipart/form-data; boundary=XyZ123"),
            ("a bad header line", Data("--XyZ123\r\nbad header\r\n\r\nabc\r\n--XyZ123--\r\n".utf8), "multipart/form-data; boundary=XyZ123"),
            // multipart-kit 4.7.1 would index past its 128-entry table of header-name bytes and trap.
            ("a header name that is not ASCII",
             Data("--XyZ123\r\nContent-Dispositión: form-data; name=\"credential\"\r\n\r\nx\r\n--XyZ123--\r\n".utf8),
             "multipart/form-data; boundary=XyZ123"),
            ("a non-ASCII byte in a later part's header name",
             Data("--XyZ123\r\nContent-Disposition: form-data; name=\"lang\"\r\n\r\nen\r\n--XyZ123\r\nX\u{FF}: 1\r\n\r\nx\r\n--XyZ123--\r\n".utf8),
             "multipart/form-data; boundary=XyZ123"),
            ("a bare LF after the delimiter", Data("--XyZ123\nContent-Disposition: form-data; name=\"credential\"\r\n\r\nx\r\n--XyZ123--".utf8),
             "multipart/form-data; boundary=XyZ123"),
        ]
        for (what, body, contentType) in malformed {
            let response = try await post(body, contentType: contentType)
            Self.expectPage(response, status: 400, "\(what)")
        }
    }

    // MARK: Registry pages

    @Test func issuerSearchAndTimeline() async throws {
        try await RegistryWorld.run { world in
            let server = world.server
            let madrid = RegistryParty(did: "did:web:uni-madrid.example.es", role: .issuer, name: "Universidad Ejemplo de Madrid", country: "ES")
            let delft = RegistryParty(did: "did:web:tu.example.nl", role: .issuer, name: "Example University of Technology", country: "NL")
            let madridId = try await world.accredit(madrid, by: world.aneca, token: world.anecaToken)
            let delftAccreditation = try await world.accredit(delft, by: world.nvao, token: world.nvaoToken, scope: RegistryWorld.dutchMicro)
            try await world.change(.suspend, madridId, subject: madrid.did, by: world.aneca, token: world.anecaToken)

            let all = try await server.request(.GET, "/issuers")
            Self.expectPage(all)
            #expect(all.header("Server-Timing")?.hasPrefix("search;dur=") == true)
            #expect(all.text.contains("2 issuers found"))
            let byName = try await server.request(.GET, "/issuers?q=madrid")
            #expect(byName.text.contains("Universidad Ejemplo de Madrid") && !byName.text.contains("University of Technology"))
            let accented = try await server.request(.GET, "/issuers?q=TECHNOLOGY&country=NL&eqf=6")
            #expect(accented.text.contains("Example University of Technology") && accented.text.contains("1 issuer found"))
            let suspended = try await server.request(.GET, "/issuers?status=suspended")
            #expect(suspended.text.contains("Madrid") && !suspended.text.contains("Technology"))
            let none = try await server.request(.GET, "/issuers?q=nothing+like+this", headers: [("Accept-Language", "es")])
            #expect(none.text.contains("0 emisores encontrados"))
            let named = try await server.request(.GET, "/issuers?q=suspendido&lang=es")
            #expect(named.text.contains("Madrid") && !named.text.contains("Technology"), "a status is found by its word")
            // The search's index follows the registry: a change after the first searches shows at once.
            try await world.change(.suspend, delftAccreditation, subject: delft.did, by: world.nvao, token: world.nvaoToken)
            let both = try await server.request(.GET, "/issuers?status=suspended")
            #expect(both.text.contains("Madrid") && both.text.contains("Technology"))
            let french = try await server.request(.GET, "/issuers?q=nothing&lang=fr")
            #expect(french.text.contains("0 émetteur trouvé"), "French counts 0 as singular")

            let page = try await server.request(.GET, "/issuers/" + madrid.did, headers: [("Accept-Language", "en")])
            Self.expectPage(page)
            #expect(page.text.contains("Universidad Ejemplo de Madrid"))
            #expect(page.text.contains("granted") && page.text.contains("suspended: quality review"))
            #expect(!page.text.contains("granted:"), "an event without a reason shows none")
            #expect(page.text.contains("ANECA (example)") && page.text.contains("root authority"))
            #expect(page.text.contains("/trusted-issuers-registry/v5/issuers/did:web:uni-madrid.example.es"))
            let german = try await server.request(.GET, "/issuers/" + madrid.did + "?lang=de")
            #expect(german.text.contains("ausgesetzt") && german.text.contains("Akkreditierungskette"))

            let unknown = try await server.request(.GET, "/issuers/did:web:nobody.example")
            Self.expectPage(unknown, status: 404)
            // The hosted DID documents beside it keep their route and their problems.
            let hosted = try await server.request(.GET, "/issuers/nobody/did.json")
            #expect(hosted.status == 404 && hosted.header("Content-Type") == "application/problem+json")

            let registry = try await server.request(.GET, "/registry", headers: [("Accept-Language", "fr")])
            Self.expectPage(registry)
            #expect(registry.text.contains("Example Registry") && registry.text.contains("NVAO (example)"))
            #expect(registry.text.contains("href=\"/lote\"") && registry.text.contains("href=\"/registry/v1/snapshot\""))
            #expect(registry.text.contains("Organismes d’accréditation"))
        }
    }

    @Test func listPageDescribesWithoutEntries() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "revocation"])
        let index = try #require(try await server.allocate(list).first)
        try await server.setStatus(list, index, 1)
        let page = try await server.request(.GET, "/lists/\(list)", headers: [("Accept-Language", "de")])
        Self.expectPage(page)
        #expect(page.text.contains("Widerruf"))
        #expect(page.text.contains("131.072"), "the capacity in German grouping")
        #expect(page.text.contains("application/statuslist+jwt") && page.text.contains("/status/\(list).cwt"))
        #expect(!page.text.contains(String(index)) || String(index).count < 3, "the page must not name set entries")
        let english = try await server.request(.GET, "/lists/\(list)")
        #expect(english.text.contains("131,072"))
        Self.expectPage(try await server.request(.GET, "/lists/no-such-list"), status: 404)
    }

    // MARK: Nothing kept

    @Test func nothingSubmittedIsLoggedOrStored() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-web-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let captured = CapturedLog()
        var logger = Logger(label: "standing-web-test") { _ in CapturingHandler(log: captured) }
        logger.logLevel = .trace
        var configuration = ServerConfiguration()
        configuration.dataDirectory = directory.path
        configuration.port = try await TestServer.freePort()
        let server = try await buildApplication(configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [server.application], logger: logger))
        let task = Task { try await group.run() }
        defer { Task { await group.triggerGracefulShutdown() } }
        let marker = "secret-learner-\(UUID().uuidString)"
        var answer: (status: Int, text: String)?
        for _ in 0..<50 {
            answer = try? await Self.fetch(
                "http://127.0.0.1:\(configuration.port)/check",
                method: .POST,
                body: "credential=\(marker)&lang=en"
            )
            if answer != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(answer?.status == 200)
        // Uploaded as a file, whole and cut short (the 400 page names what is wrong, never what was sent).
        let boundary = "MarkerBoundary"
        let upload = String(decoding: Self.multipart([("credential", "c.jwt", marker)], boundary: boundary), as: UTF8.self)
        for body in [upload, String(upload.dropLast(10))] {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(configuration.port)/check")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            #expect([200, 400].contains(response.status.code))
            #expect(!text.contains(marker), "the page repeats the upload")
        }
        #expect(!captured.text.contains(marker), "the submission was logged")
        let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where !file.hasDirectoryPath {
            let data = (try? Data(contentsOf: file)) ?? Data()
            #expect(data.range(of: Data(marker.utf8)) == nil, "\(file.lastPathComponent) holds the submission")
        }
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// One request to a server that is not a ``TestServer``.
    static func fetch(_ url: String, method: HTTPMethod = .GET, body: String? = nil) async throws -> (status: Int, text: String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(decoding: bytes.readableBytesView, as: UTF8.self))
    }

    // MARK: The executable alone

    @Test func copiedExecutableServesThePages() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("standing-copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let copy = scratch.appendingPathComponent("standing")
        try FileManager.default.copyItem(at: try standingExecutable(), to: copy)
        let server = try await ServerProcess.start(dataDirectory: scratch.appendingPathComponent("data"), executable: copy)
        defer { Task { await server.terminate() } }
        let page = try await Self.fetch(server.baseURL + "/?lang=fr")
        #expect(page.status == 200)
        #expect(page.text.contains("<html lang=\"fr\">") && page.text.contains("Vérifier une attestation"))
        let css = try await Self.fetch(server.baseURL + "/web/standing.css")
        #expect(css.status == 200 && css.text.contains("focus-visible"))
        await server.terminate()
    }
}

extension RegistryParty {
    /// A party with a key chosen by the test (a did:key's DID is its key).
    init(key: SigningKey, entity: Entity) {
        self.key = key
        self.entity = entity
    }
}

/// Every log line, as text.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
}

struct CapturingHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level,
        message: Logger.Message,
        metadata: Logger.Metadata?,
        source: String,
        file: String,
        function: String,
        line: UInt
    ) {
        log.append("\(level) \(message) \(self.metadata.merging(metadata ?? [:]) { $1 })")
    }
}
