import Foundation
import NIOHTTP1
import Signing
import StatusList
import Synchronization
import Testing
import TrustRegistry

@testable import Client
import StandingTestSupport

/// A signer of registry statements: an entity and its throw-away private key (after TrustRegistryTests' `Party`).
struct RegistryParty {
    let key: SigningKey
    let entity: Entity

    var did: String { entity.did }
    var keyID: String { entity.did + "#" + (entity.keys.first?.kid ?? "") }

    init(host: String, role: EntityRole, name: String, country: String) {
        let key = SigningKey.generate(.es256)
        self.key = key
        let draft = Entity(
            did: "did:web:\(host)",
            role: role,
            keys: [key.verificationKey.jwk(keyID: "key-1")],
            names: ["en": name],
            country: country,
            website: "https://\(host)"
        )
        self.entity = (try? draft.validated()) ?? draft
    }

    func sign(_ statement: RegistryStatement) throws -> String {
        try statement.sign(with: key, keyID: keyID)
    }
}

/// A real server with a registry: root authority, one accreditation body (EQF 4-7, Spain) and helpers to accredit
/// issuers and change their accreditations, all through `POST /admin/registry/statements`.
final class RegistryWorld: Sendable {
    static let micro = "MicroCredential"
    static let microSchema = "https://registry.example.eu/schemas/edc-microcredential-v1"
    static let spain = RegistryVocabulary.country("ESP")

    let server: TestServer
    let root = RegistryParty(host: "registry.example.eu", role: .rootAuthority, name: "Example Registry", country: "BE")
    let body = RegistryParty(host: "aneca.example", role: .accreditationBody, name: "ANECA (example)", country: "ES")
    let rootAuthorisationId: String
    let bodyAccreditationId: String
    /// When the world was made; issuers are accredited from a year before.
    let start = Date()

    private init(server: TestServer, rootAuthorisationId: String, bodyAccreditationId: String) {
        self.server = server
        self.rootAuthorisationId = rootAuthorisationId
        self.bodyAccreditationId = bodyAccreditationId
    }

    static func start() async throws -> RegistryWorld {
        let server = try await TestServer.start()
        let world = RegistryWorld(server: server, rootAuthorisationId: AccreditationGrant.newID(), bodyAccreditationId: AccreditationGrant.newID())
        try await world.initialise()
        return world
    }

    var base: String { server.baseURL }

    private func initialise() async throws {
        let now = Date()
        let ceiling = Scope(
            credentialTypes: ["VerifiableCredential", Self.micro, "Diploma"],
            schemaIds: [Self.microSchema],
            eqfLevels: Set((1...8).map(RegistryVocabulary.eqfLevel)),
            jurisdictions: [Self.spain, RegistryVocabulary.country("NLD")]
        )
        let authorisation = AccreditationGrant(
            accreditationId: rootAuthorisationId,
            subject: root.did,
            role: .rootTAO,
            scope: [ceiling],
            validFrom: now.addingTimeInterval(-800 * 86_400),
            validUntil: now.addingTimeInterval(3650 * 86_400),
            parentAccreditationId: nil
        )
        try await submit(
            root.sign(.initialise(root: root.entity, grant: authorisation, registryBaseURL: "https://registry.example.eu", issuedAt: now))
        )
        let bodyGrant = AccreditationGrant(
            accreditationId: bodyAccreditationId,
            subject: body.did,
            role: .tao,
            scope: [
                Scope(
                    credentialTypes: ["VerifiableCredential", Self.micro],
                    schemaIds: [Self.microSchema],
                    eqfLevels: Set((4...7).map(RegistryVocabulary.eqfLevel)),
                    jurisdictions: [Self.spain]
                )
            ],
            validFrom: now.addingTimeInterval(-700 * 86_400),
            validUntil: now.addingTimeInterval(2000 * 86_400),
            parentAccreditationId: rootAuthorisationId
        )
        try await submit(
            root.sign(
                .registerBody(
                    rootAuthority: root.did,
                    body: body.entity,
                    grant: bodyGrant,
                    registryBaseURL: "https://registry.example.eu",
                    issuedAt: now
                )
            )
        )
    }

    /// Submits a signed statement as the operator; returns its sequence number.
    @discardableResult
    func submit(_ compact: String) async throws -> Int {
        let response = try await server.admin(.POST, "/admin/registry/statements", json: ["statement": compact])
        guard response.status == 201, let seq = response.json["seq"] as? Int else {
            throw TestFailure("statement refused: \(response.status) \(response.text)")
        }
        // The registry signs its snapshot off the write path; these tests count requests, so they wait until the
        // snapshot includes the write (a lagging snapshot is caught up with the change feed, tested apart).
        let signed = try await eventually(timeout: .seconds(10)) {
            Int(try await server.request(.GET, "/registry/v1/snapshot").header("X-Registry-Signed-Seq") ?? "") ?? 0 >= seq
        }
        guard signed else { throw TestFailure("the snapshot did not reach seq \(seq)") }
        return seq
    }

    /// The body accredits a new issuer (TI) for micro-credentials at EQF 5-6 in Spain, valid from a year ago.
    func accreditIssuer(host: String) async throws -> (issuer: RegistryParty, accreditationId: String, seq: Int) {
        let issuer = RegistryParty(host: host, role: .issuer, name: "University \(host)", country: "ES")
        let grant = AccreditationGrant(
            subject: issuer.did,
            role: .ti,
            scope: [
                Scope(
                    credentialTypes: ["VerifiableCredential", Self.micro],
                    schemaIds: [Self.microSchema],
                    eqfLevels: [RegistryVocabulary.eqfLevel(5), RegistryVocabulary.eqfLevel(6)],
                    jurisdictions: [Self.spain]
                )
            ],
            validFrom: start.addingTimeInterval(-365 * 86_400),
            validUntil: start.addingTimeInterval(1000 * 86_400),
            parentAccreditationId: bodyAccreditationId
        )
        let statement = try RegistryStatement.accredit(
            accreditor: body.did,
            grant: grant,
            subjectEntity: issuer.entity,
            rootAuthority: root.did,
            registryBaseURL: "https://registry.example.eu",
            issuedAt: Date()
        )
        let seq = try await submit(try body.sign(statement))
        return (issuer, grant.accreditationId, seq)
    }

    func suspend(_ id: String, subject: String) async throws -> Int {
        try await submit(
            body.sign(.suspend(signer: body.did, accreditationId: id, subject: subject, reason: "quality review", rootAuthority: root.did))
        )
    }

    func revoke(_ id: String, subject: String) async throws -> Int {
        try await submit(
            body.sign(.revoke(signer: body.did, accreditationId: id, subject: subject, reason: "withdrawn", rootAuthority: root.did))
        )
    }

    func client(
        _ mode: AccreditationResult.Mode,
        transport: any StatusHTTPTransport = CountingTransport(),
        cacheDirectory: URL? = nil,
        configure: (inout RegistryClient.Configuration) -> Void = { _ in }
    ) throws -> RegistryClient {
        var configuration = RegistryClient.Configuration(registryURL: try #require(URL(string: base)), mode: mode, cacheDirectory: cacheDirectory)
        configuration.fetching.transport = transport
        configuration.fetching.timeout = .seconds(30)
        configure(&configuration)
        return try RegistryClient(configuration: configuration)
    }
}

/// A flag a `@Sendable` closure sets and the test reads.
final class TestFlag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var isSet: Bool { state.withLock { $0 } }
}

/// Passes requests through, letting a test rewrite the answers (tampering, 410 Gone).
final class RewritingTransport: StatusHTTPTransport {
    private let inner: any StatusHTTPTransport
    private let rewrite: @Sendable (TransportRequest, TransportResponse) -> TransportResponse

    init(_ inner: any StatusHTTPTransport, rewrite: @escaping @Sendable (TransportRequest, TransportResponse) -> TransportResponse) {
        self.inner = inner
        self.rewrite = rewrite
    }

    func send(_ request: TransportRequest) async throws(StatusClientError) -> TransportResponse {
        rewrite(request, try await inner.send(request))
    }
}

@Suite("Trust registry checks against a running registry")
struct RegistryTrustTests {
    static func query(
        _ issuer: String,
        types: [String] = ["VerifiableCredential", RegistryWorld.micro],
        eqf: String? = "6",
        jurisdiction: String? = "ESP",
        at time: Date
    ) -> AccreditationQuery {
        AccreditationQuery(issuer: issuer, credentialTypes: types, eqfLevel: eqf, jurisdiction: jurisdiction, time: time)
    }

    @Test("accredited, suspended, revoked-after-issuance and out-of-scope answers, in both modes")
    func decisions() async throws {
        let world = try await RegistryWorld.start()
        defer { Task { await world.server.stopAndRemove() } }
        let (good, goodId, goodSeq) = try await world.accreditIssuer(host: "good.example.es")
        let (suspended, suspendedId, _) = try await world.accreditIssuer(host: "suspended.example.es")
        let (revoked, revokedId, _) = try await world.accreditIssuer(host: "revoked.example.es")
        let suspendSeq = try await world.suspend(suspendedId, subject: suspended.did)
        let head = try await world.revoke(revokedId, subject: revoked.did)
        #expect(suspendSeq < head && goodSeq < suspendSeq)
        let lastMonth = Date().addingTimeInterval(-30 * 86_400)
        let later = Date().addingTimeInterval(120)

        for mode in [AccreditationResult.Mode.trqp, .snapshot] {
            let client = try world.client(mode)
            let yes = try await client.accreditation(for: Self.query(good.did, at: lastMonth))
            #expect(yes.accredited && yes.accreditationId == goodId && yes.seq == head && yes.mode == mode, "\(mode): \(yes)")
            #expect(yes.summary == "yes (accreditation \(goodId), seq \(head), \(mode.rawValue))")
            // Bare codes and URIs are the same question; a schema id is a resource too.
            let byURI = try await client.accreditation(
                for: Self.query(
                    good.did,
                    types: [RegistryWorld.microSchema],
                    eqf: RegistryVocabulary.eqfLevel(5),
                    jurisdiction: RegistryWorld.spain,
                    at: lastMonth
                )
            )
            #expect(byURI.accredited && byURI.resource == RegistryWorld.microSchema, "\(mode): \(byURI)")

            // Suspended at the issuance time: no, naming the accreditation; before the suspension it was accredited.
            let whileSuspended = try await client.accreditation(for: Self.query(suspended.did, at: later))
            #expect(!whileSuspended.accredited && whileSuspended.accreditationId == suspendedId, "\(mode): \(whileSuspended)")
            #expect(whileSuspended.detail?.contains("suspended") == true, "\(mode): \(whileSuspended)")
            let beforeSuspension = try await client.accreditation(for: Self.query(suspended.did, at: lastMonth))
            #expect(beforeSuspension.accredited, "\(mode): \(beforeSuspension)")

            // Revoked after issuance: the credential was issued while the issuer was accredited.
            let issuedBefore = try await client.accreditation(for: Self.query(revoked.did, at: lastMonth))
            #expect(issuedBefore.accredited && issuedBefore.accreditationId == revokedId, "\(mode): \(issuedBefore)")
            let issuedAfter = try await client.accreditation(for: Self.query(revoked.did, at: later))
            #expect(!issuedAfter.accredited && issuedAfter.detail?.contains("revoked") == true, "\(mode): \(issuedAfter)")

            // Outside the scope: level, jurisdiction, type; before the accreditation's period; an unknown issuer.
            let wrongLevel = try await client.accreditation(for: Self.query(good.did, eqf: "7", at: lastMonth))
            let wrongPlace = try await client.accreditation(for: Self.query(good.did, jurisdiction: "NLD", at: lastMonth))
            let wrongType = try await client.accreditation(for: Self.query(good.did, types: ["VerifiableCredential", "Diploma"], at: lastMonth))
            let tooEarly = try await client.accreditation(for: Self.query(good.did, at: Date().addingTimeInterval(-400 * 86_400)))
            let stranger = try await client.accreditation(for: Self.query("did:web:unknown.example", at: lastMonth))
            for answer in [wrongLevel, wrongPlace, wrongType, tooEarly, stranger] {
                #expect(!answer.accredited && answer.seq == head && answer.mode == mode, "\(mode): \(answer)")
            }
            #expect(tooEarly.detail?.contains("not yet valid") == true, "\(mode): \(tooEarly)")
            // VerifiableCredential alone asks nothing.
            await expectFailure(.malformedValueError, .invalidArgument) {
                try await client.accreditation(for: Self.query(good.did, types: ["VerifiableCredential"], at: lastMonth))
            }
        }
    }

    @Test("the change feed keeps the cached snapshot current; 410 falls back to the snapshot; offline answers from disk")
    func changeFeedAndOffline() async throws {
        let world = try await RegistryWorld.start()
        let cache = temporaryDirectory("registry-cache")
        defer { try? FileManager.default.removeItem(at: cache) }
        let (issuer, id, _) = try await world.accreditIssuer(host: "uni.example.es")
        let transport = CountingTransport()
        let client = try world.client(.snapshot, transport: transport, cacheDirectory: cache) { $0.maximumAge = 0 }
        let soon = Date().addingTimeInterval(120)

        #expect(try await client.accreditation(for: Self.query(issuer.did, at: soon)).accredited)
        #expect(transport.exchanges().map { URL(string: $0.url)?.path } == ["/.well-known/jwks.json", "/registry/v1/snapshot"])

        let seq = try await world.suspend(id, subject: issuer.did)
        let after = try await client.accreditation(for: Self.query(issuer.did, at: soon))
        #expect(!after.accredited && after.seq == seq && after.accreditationId == id, "\(after)")
        // Only the change feed since the held sequence number was asked for.
        let second = Array(transport.exchanges().dropFirst(2))
        #expect(second.count == 1 && second.first?.url.hasSuffix("/registry/v1/changes?since=\(seq - 1)") == true, "\(second.map(\.url))")
        let info = try await client.synchronise()
        #expect(info.seq == seq && info.feedsApplied == 1 && info.rootAuthority == world.root.did)

        // Within maximumAge, no request at all (the default policy with the default 60 s).
        let quiet = CountingTransport()
        let cached = try world.client(.snapshot, transport: quiet, cacheDirectory: cache)
        let fromDisk = try await cached.accreditation(for: Self.query(issuer.did, at: soon))
        #expect(!fromDisk.accredited && fromDisk.seq == seq && fromDisk.staleness != nil && quiet.exchanges().isEmpty, "\(fromDisk)")

        // 410 Gone from the feed: the client fetches a snapshot again.
        let goneTransport = CountingTransport(
            RewritingTransport(AsyncHTTPClientTransport.shared) { request, response in
                request.url.path.hasSuffix("/changes") ? TransportResponse(status: 410, headers: [], body: Data()) : response
            }
        )
        let reinstated = try await world.submit(
            world.body.sign(.reinstate(signer: world.body.did, accreditationId: id, subject: issuer.did, rootAuthority: world.root.did))
        )
        let refetching = try world.client(.snapshot, transport: goneTransport, cacheDirectory: cache) { $0.policy = .revalidate }
        let back = try await refetching.accreditation(for: Self.query(issuer.did, at: Date().addingTimeInterval(300)))
        #expect(back.accredited && back.seq == reinstated, "\(back)")
        #expect(goneTransport.exchanges().map { URL(string: $0.url)?.path } == ["/registry/v1/changes", "/registry/v1/snapshot"])

        // The server stops: offline mode answers from the disk cache, saying how old it is.
        await world.server.stopAndRemove()
        let offline = try world.client(.snapshot, cacheDirectory: cache) { $0.policy = .offline }
        let answer = try await offline.accreditation(for: Self.query(issuer.did, at: Date().addingTimeInterval(300)))
        #expect(answer.accredited && answer.seq == reinstated && answer.accreditationId == id, "\(answer)")
        #expect(answer.staleness != nil && answer.detail?.contains("answered from the cached snapshot") == true, "\(answer)")
        // Online without a server is an error; offline without a cache is `notCached`.
        await expectFailure(.statusRetrievalError) {
            try await world.client(.snapshot) { $0.policy = .revalidate }.accreditation(for: Self.query(issuer.did, at: Date()))
        }
        await expectFailure(.statusRetrievalError, .notCached) {
            try await world.client(.snapshot, cacheDirectory: temporaryDirectory()) { $0.policy = .offline }
                .accreditation(for: Self.query(issuer.did, at: Date()))
        }
    }

    @Test("a snapshot signed with another key, or altered in transit, is refused")
    func tampering() async throws {
        let world = try await RegistryWorld.start()
        defer { Task { await world.server.stopAndRemove() } }
        let (issuer, _, _) = try await world.accreditIssuer(host: "uni.example.es")
        let stranger = SigningKey.generate(.es256).verificationKey
        let pinnedWrong = try world.client(.snapshot) { $0.registryKeys = JWKSet(verificationKeys: [stranger]) }
        await expectFailure(.statusVerificationError, .verificationFailed) {
            try await pinnedWrong.accreditation(for: Self.query(issuer.did, at: Date()))
        }
        // The payload altered (under the gzip coding and the JWS's own DEFLATE): the signature no longer holds.
        let altered = TestFlag()
        let altering = RewritingTransport(AsyncHTTPClientTransport.shared) { request, response in
            guard request.url.path.hasSuffix("/snapshot"), response.header("Content-Encoding") == "gzip",
                let inflated = try? WireCompression.decompress([UInt8](response.body), format: .gzip, maximumSize: 64 << 20)
            else { return response }
            let parts = String(decoding: inflated, as: UTF8.self).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, let compressed = try? Base64URL.decode(parts[1]),
                let raw = try? WireCompression.decompress([UInt8](compressed), format: .deflate, maximumSize: 64 << 20)
            else { return response }
            var payload = Data(raw)
            guard let range = payload.range(of: Data("\"MicroCredential\"".utf8)) else { return response }
            payload.replaceSubrange(range, with: Data("\"Microcredentia\"".utf8))
            guard let recompressed = try? WireCompression.compress([UInt8](payload), format: .deflate) else { return response }
            altered.set()
            let tampered = [parts[0], Base64URL.encode(Data(recompressed)), parts[2]].joined(separator: ".")
            let headers = response.headers.filter { $0.name.lowercased() != "content-encoding" }
            return TransportResponse(status: response.status, headers: headers, body: Data(tampered.utf8))
        }
        await expectFailure(.statusVerificationError, .verificationFailed) {
            try await world.client(.snapshot, transport: altering).accreditation(for: Self.query(issuer.did, at: Date()))
        }
        #expect(altered.isSet)
    }

    @Test("the snapshot comes gzip-encoded, is inflated and verified; identity still works; a body that does not inflate is refused")
    func gzipSnapshot() async throws {
        let world = try await RegistryWorld.start()
        defer { Task { await world.server.stopAndRemove() } }
        let (issuer, _, seq) = try await world.accreditIssuer(host: "uni.example.es")
        let transport = CountingTransport()
        let answer = try await world.client(.snapshot, transport: transport).accreditation(for: Self.query(issuer.did, at: Date()))
        #expect(answer.accredited && answer.seq == seq, "\(answer)")
        let asked = try #require(transport.exchanges("/registry/v1/snapshot").first)
        #expect(asked.headers.contains { $0.name == "Accept-Encoding" && $0.value == "gzip" })

        // A server (or proxy) that answers identity whatever was asked: the same snapshot.
        let identity = RewritingTransport(AsyncHTTPClientTransport.shared) { request, response in
            guard request.url.path.hasSuffix("/snapshot"), response.header("Content-Encoding") == "gzip",
                let inflated = try? WireCompression.decompress([UInt8](response.body), format: .gzip, maximumSize: 64 << 20)
            else { return response }
            let headers = response.headers.filter { $0.name.lowercased() != "content-encoding" }
            return TransportResponse(status: response.status, headers: headers, body: Data(inflated))
        }
        let plain = try await world.client(.snapshot, transport: identity).accreditation(for: Self.query(issuer.did, at: Date()))
        #expect(plain.accredited && plain.seq == seq, "\(plain)")

        // Labelled gzip but not gzip: malformed, not misread.
        let broken = RewritingTransport(AsyncHTTPClientTransport.shared) { request, response in
            guard request.url.path.hasSuffix("/snapshot") else { return response }
            return TransportResponse(status: 200, headers: [(name: "Content-Encoding", value: "gzip")], body: Data("not gzip".utf8))
        }
        await expectFailure(.malformedValueError, .malformed) {
            try await world.client(.snapshot, transport: broken).accreditation(for: Self.query(issuer.did, at: Date()))
        }
        // A gzip body inflating past the configured response size: too large, however small it came.
        let bomb = RewritingTransport(AsyncHTTPClientTransport.shared) { request, response in
            guard request.url.path.hasSuffix("/snapshot"),
                let compressed = try? WireCompression.compress([UInt8](repeating: UInt8(ascii: "A"), count: 4 << 20), format: .gzip)
            else { return response }
            return TransportResponse(status: 200, headers: [(name: "Content-Encoding", value: "gzip")], body: Data(compressed))
        }
        await expectFailure(.statusRetrievalError, .responseTooLarge) {
            try await world.client(.snapshot, transport: bomb) { $0.fetching.maximumResponseBytes = 1 << 20 }
                .accreditation(for: Self.query(issuer.did, at: Date()))
        }
    }

    @Test("standing verify --registry: exit 0 when accredited, 1 when not")
    func verifyCommand() async throws {
        let world = try await RegistryWorld.start()
        defer { Task { await world.server.stopAndRemove() } }
        let (issuer, id, _) = try await world.accreditIssuer(host: "uni.example.es")
        let directory = temporaryDirectory("registry-verify")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let credential: [String: Any] = [
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", RegistryWorld.micro],
            "issuer": issuer.did,
            "validFrom": XMLDateTime.format(Date().addingTimeInterval(-30 * 86_400)),
            "credentialSubject": [
                "id": "did:example:learner",
                "hasClaim": ["specifiedBy": ["eqfLevel": ["id": RegistryVocabulary.eqfLevel(6), "type": "Concept"]]],
                "jurisdiction": RegistryWorld.spain,
            ],
        ]
        let file = directory.appendingPathComponent("credential.json")
        try JSONSerialization.data(withJSONObject: credential).write(to: file)
        let parsed = try ParsedCredential(parsing: try Data(contentsOf: file))
        #expect(parsed.eqfLevel == RegistryVocabulary.eqfLevel(6) && parsed.jurisdiction == RegistryWorld.spain && parsed.issuedAt != nil)

        // An unsigned credential: the accreditation is what is checked here (--status-only skips the proof).
        let common = [file.path, "--registry", world.base, "--cache-dir", directory.appendingPathComponent("cache").path, "--status-only"]
        let accredited = try await runStanding(["verify"] + common)
        #expect(accredited.status == 0, "\(accredited.stdout)\(accredited.stderr)")
        #expect(accredited.stdout.contains("issuer accredited: yes (accreditation \(id), seq "), "\(accredited.stdout)")
        let wrongLevel = try await runStanding(["verify"] + common + ["--eqf", "8", "--registry-mode", "trqp"])
        #expect(wrongLevel.status == 1 && wrongLevel.stdout.contains("issuer accredited: no"), "\(wrongLevel.stdout)\(wrongLevel.stderr)")
        let offlineJSON = try await runStanding(["verify"] + common + ["--offline", "--json"])
        #expect(offlineJSON.status == 0 && offlineJSON.stdout.contains("\"accreditationId\" : \"\(id)\""), "\(offlineJSON.stdout)")
    }
}
