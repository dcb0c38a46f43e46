import Client
import Foundation
import NIOCore
import NIOHTTP1
import Signing
import StandingTestSupport
import Testing
import TrustRegistry

@testable import Server

/// The registry's background signer: writes answer before the snapshot and LoTE are re-signed, a burst of writes is
/// covered by one signing, the lagging artefacts say which state they reflect and the change feed bridges the gap, and
/// a shutdown with a signing pending leaves nothing that the next start does not repair.
@Suite struct RegistrySigningTests {
    @Test func burstWhileASigningIsHeldIsCoveredByOneSigning() async throws {
        try await SigningWorld.run { world in
            let registry = world.server.registry
            let keys = try await world.serviceKeys()
            let signedBefore = try await world.settled()
            let signingsBefore = registry.signingsCompleted

            await registry.setSigningGate { await world.gate.wait() }
            let issuers = (0..<6).map { RegistryParty(did: "did:web:held\($0).example.es", role: .issuer, name: "Held \($0)", country: "ES") }
            for issuer in issuers { try await world.accredit(issuer) }
            let head = signedBefore + issuers.count

            // Acknowledged and visible to every view built from the state, while the signed artefacts still lag.
            #expect(registry.artefacts.state.seq == head)
            #expect(registry.artefacts.signedSeq == signedBefore)
            #expect(await registry.isSigning)
            for issuer in issuers { #expect(try await world.authorized(issuer.did)) }

            let snapshotResponse = try await world.get("/registry/v1/snapshot")
            #expect(snapshotResponse.header("X-Registry-Seq") == String(head))
            #expect(snapshotResponse.header("X-Registry-Signed-Seq") == String(signedBefore))
            let lagging = try WalletSigning.verifySnapshot(snapshotResponse.text, keys: keys)
            #expect(lagging.seq == signedBefore)
            let lote = try await world.get("/lote")
            #expect(lote.header("X-Registry-Seq") == String(head))
            #expect(lote.header("X-Registry-Signed-Seq") == String(signedBefore))

            // The change feed from the signed snapshot's seq reaches the head.
            let feedResponse = try await world.get("/registry/v1/changes?since=\(lagging.seq)")
            #expect(feedResponse.status == 200 && feedResponse.header("X-Registry-Seq") == String(head))
            let feed = try WalletSigning.verifyChangeFeed(feedResponse.text, keys: keys)
            #expect(feed.fromSeq == signedBefore && feed.toSeq == head && feed.events.map(\.seq) == Array((signedBefore + 1)...head))

            // A wallet that fetches the lagging snapshot catches up with the feed at once (X-Registry-Seq names the head).
            var walletConfiguration = RegistryClient.Configuration(
                registryURL: try #require(URL(string: world.server.baseURL)), mode: .snapshot, cacheDirectory: nil)
            walletConfiguration.fetching.timeout = .seconds(10)
            let wallet = try RegistryClient(configuration: walletConfiguration)
            #expect(try await wallet.synchronise().seq == head)
            let answer = try await wallet.accreditation(of: issuers[0].did, credentialTypes: ["MicroCredential"], at: Date())
            #expect(answer.seq == head && answer.mode == .snapshot, "\(answer)")

            await world.gate.open()
            #expect(try await world.settled() == head)
            // The one signing that was held took the state after the whole burst had landed.
            #expect(registry.signingsCompleted - signingsBefore == 1)

            let current = try WalletSigning.verifySnapshot(try await world.get("/registry/v1/snapshot").text, keys: keys)
            #expect(current.seq == head)
            #expect(try lagging.applying(feed, issuedAt: current.issuedAt, nextUpdate: current.nextUpdate) == current)
            #expect(try await world.get("/metrics").text.contains("standing_registry_signings_total"))
        }
    }

    @Test func shutdownWithAPendingSigningIsRepairedOnTheNextStart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-registry-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var head = 0
        var loteSequenceBefore = 0
        try await SigningWorld.run(directory: directory, remove: false) { world in
            let registry = world.server.registry
            try await world.settled()
            loteSequenceBefore = registry.artefacts.loteSequenceNumber

            await registry.setSigningGate { await world.gate.wait() }
            for index in 0..<3 {
                try await world.accredit(RegistryParty(did: "did:web:late\(index).example.es", role: .issuer, name: "Late \(index)", country: "ES"))
            }
            head = registry.artefacts.state.seq
            #expect(registry.artefacts.signedSeq < head)

            // Graceful shutdown: the held signing is released only once the registry is stopping, so it starts
            // nothing; the stop completes. The stop reaches the registry only after the HTTP server and the date
            // cache have stopped (a service group stops its services one at a time, last first), on a concurrency
            // pool the parallel suite shares with CPU-bound tests: solo it takes milliseconds, in the suite it took
            // over 3 s in some runs, after which the gate opened early and the held signing signed the head.
            // So this waits for the event itself; the bound only turns a stop that never arrives into a failure.
            let stopping = Task { await world.server.stop() }
            #expect(try await eventually(timeout: .seconds(60)) { await registry.isStopping })
            await world.gate.open()
            await stopping.value
            #expect(await registry.isSigning == false)
            #expect(registry.artefacts.signedSeq < head)
        }

        // Every acknowledged write is in the log; the next start serves it at once, and the artefacts the checkpoint
        // carries (behind the head) until the head is signed in the background.
        try await SigningWorld.run(directory: directory, existing: true) { world in
            let registry = world.server.registry
            #expect(registry.artefacts.state.seq == head)
            #expect(registry.artefacts.signedSeq <= head)
            try await world.settled()
            #expect(registry.artefacts.signedSeq == head)
            let snapshot = try await world.get("/registry/v1/snapshot")
            #expect(snapshot.header("X-Registry-Signed-Seq") == String(head))
            #expect(try WalletSigning.verifySnapshot(snapshot.text, keys: try await world.serviceKeys()).seq == head)

            let lote = try await world.get("/lote")
            #expect(lote.header("X-Registry-Signed-Seq") == String(head))
            let pem = try String(contentsOf: directory.appendingPathComponent("lote-certificate.pem"), encoding: .utf8)
            let verified = try await LoTESigning.verify(
                lote.text, trustAnchors: try X509Certificate.parseChain(pem: pem), at: Date(), previousSequenceNumber: loteSequenceBefore)
            #expect(verified.document.LoTE.ListAndSchemeInformation.LoTESequenceNumber > loteSequenceBefore)
        }
    }
}

// MARK: - Support

/// Holds the background signer until opened.
actor SigningGate {
    private var isOpen = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func open() {
        isOpen = true
        for continuation in waiting { continuation.resume() }
        waiting.removeAll()
    }
}

/// A root authority and one accreditation body (ANECA) on a ``TestServer``; statements go through the API
/// with the operator token.
struct SigningWorld: Sendable {
    let server: TestServer
    let root: RegistryParty
    let aneca: RegistryParty
    let anecaAccreditationId: String
    let gate = SigningGate()

    /// Runs `body` against a server on `directory` (fresh unless `existing`), set up unless `existing`; stops the
    /// server afterwards (also when `body` throws) and removes the directory when `remove`.
    static func run(
        directory: URL = FileManager.default.temporaryDirectory.appendingPathComponent("standing-registry-\(UUID().uuidString)"),
        existing: Bool = false,
        remove: Bool = true,
        port: Int? = nil,
        _ body: (SigningWorld) async throws -> Void
    ) async throws {
        let server =
            if let port { try await TestServer.start(directory: directory, nextPort: { port }) } else { try await TestServer.start(directory: directory) }
        let root = RegistryParty(did: "did:web:registry.example.eu", role: .rootAuthority, name: "Example Registry", country: "BE")
        let aneca = RegistryParty(did: "did:web:aneca.example", role: .accreditationBody, name: "ANECA (example)", country: "ES")
        var world = SigningWorld(server: server, root: root, aneca: aneca, anecaAccreditationId: "")
        do {
            if !existing { world = try await world.initialised() }
            try await body(world)
        } catch {
            await world.gate.open()
            await server.stop()
            if remove { try? FileManager.default.removeItem(at: directory) }
            throw error
        }
        await world.gate.open()
        await server.stop()
        if remove { try? FileManager.default.removeItem(at: directory) }
    }

    /// Initialises the registry and registers ANECA.
    private func initialised() async throws -> SigningWorld {
        let now = RegistryWorld.now()
        let authorisation = AccreditationGrant(
            subject: root.did, role: .rootTAO, scope: RegistryWorld.rootScope, validFrom: now.addingTimeInterval(-30 * 86_400),
            validUntil: now.addingTimeInterval(10 * 365 * 86_400), parentAccreditationId: nil)
        try await submit(
            try root.sign(.initialise(root: root.entity, grant: authorisation, registryBaseURL: server.baseURL, issuedAt: now)))
        let grant = AccreditationGrant(
            subject: aneca.did, role: .tao, scope: RegistryWorld.anecaScope, validFrom: now.addingTimeInterval(-30 * 86_400),
            validUntil: now.addingTimeInterval(5 * 365 * 86_400), parentAccreditationId: authorisation.accreditationId)
        try await submit(
            try root.sign(
                .registerBody(rootAuthority: root.did, body: aneca.entity, grant: grant, registryBaseURL: server.baseURL, issuedAt: now)))
        return SigningWorld(server: server, root: root, aneca: aneca, anecaAccreditationId: grant.accreditationId)
    }

    /// Submits a statement as the operator and expects it recorded; returns its seq.
    @discardableResult
    func submit(_ statement: String) async throws -> Int {
        let response = try await send(.POST, "/admin/registry/statements", token: server.operatorToken, json: ["statement": statement])
        guard response.status == 201, let seq = response.json["seq"] as? Int else {
            throw TestFailure("statement refused: \(response.status) \(response.text)")
        }
        return seq
    }

    /// ANECA accredits `issuer` for Spanish micro-credentials at EQF 5-6.
    @discardableResult
    func accredit(_ issuer: RegistryParty) async throws -> Int {
        let now = RegistryWorld.now()
        let grant = AccreditationGrant(
            subject: issuer.did, role: .ti, scope: RegistryWorld.spanishMicro, validFrom: now.addingTimeInterval(-86_400),
            validUntil: now.addingTimeInterval(2 * 365 * 86_400), parentAccreditationId: anecaAccreditationId)
        let statement = try RegistryStatement.accredit(
            accreditor: aneca.did, grant: grant, subjectEntity: issuer.entity, rootAuthority: root.did, registryBaseURL: server.baseURL,
            issuedAt: now)
        return try await submit(try aneca.sign(statement))
    }

    /// Whether ANECA authorised `entity` for EQF 5 micro-credentials in Spain (TRQP, answered from the state).
    func authorized(_ entity: String) async throws -> Bool {
        let query: [String: Any] = [
            "entity_id": entity, "authority_id": aneca.did, "action": RegistryAction.issue, "resource": RegistryWorld.microCredential,
            "context": ["eqfLevel": RegistryVocabulary.eqfLevel(5), "jurisdiction": RegistryVocabulary.country("ESP")],
        ]
        let response = try await send(.POST, "/trqp/authorization", json: query)
        guard response.status == 200, let authorized = response.json["authorized"] as? Bool else {
            throw TestFailure("TRQP query failed: \(response.status) \(response.text)")
        }
        return authorized
    }

    /// Waits until the background signer is idle with the signed artefacts at the head; returns the head.
    @discardableResult
    func settled() async throws -> Int {
        let registry = server.registry
        let settled = try await eventually(timeout: .seconds(10)) {
            let artefacts = registry.artefacts
            let signing = await registry.isSigning
            return !signing && artefacts.signedSeq == artefacts.state.seq
        }
        guard settled else { throw TestFailure("the registry did not sign its head") }
        return registry.artefacts.state.seq
    }

    func serviceKeys() async throws -> JWKSet {
        try JSONDecoder().decode(JWKSet.self, from: try await get("/.well-known/jwks.json").body)
    }

    func get(_ path: String) async throws -> TestResponse {
        try await server.request(.GET, path)
    }

    func send(_ method: HTTPMethod, _ path: String, token: String? = nil, json: Any? = nil) async throws -> TestResponse {
        try await server.request(method, path, token: token, json: json)
    }
}
