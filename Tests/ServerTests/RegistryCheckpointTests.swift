import Foundation
import NIOHTTP1
import Signing
import StandingTestSupport
import Store
import Testing

@testable import Server
@testable import TrustRegistry

/// The registry's signed checkpoint: a clean shutdown writes it and the next start restores the state from it without
/// replaying or re-signing; after a crash only the events after it are replayed; a checkpoint that does not verify is
/// refused and the whole log is replayed; `standing registry verify` still checks the whole log.
@Suite struct RegistryCheckpointTests {
    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("standing-checkpoint-\(UUID().uuidString)")
    }

    static func checkpointFile(_ directory: URL) -> URL {
        URL(fileURLWithPath: DataDirectory(path: directory.path).registryCheckpointPath)
    }

    /// Runs a server on a fresh directory with the root, ANECA and `issuers` issuers, settles and stops it.
    /// - Returns: The state it stopped at.
    static func seeded(_ directory: URL, issuers: Int) async throws -> RegistryState {
        var state = RegistryState()
        try await SigningWorld.run(directory: directory, remove: false) { world in
            for index in 0..<issuers {
                try await world.accredit(RegistryParty(did: "did:web:uni\(index).example.es", role: .issuer, name: "Uni \(index)", country: "ES"))
            }
            try await world.settled()
            state = world.server.registry.artefacts.state
        }
        return state
    }

    static func loteFiles(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: DataDirectory(path: directory.path).registryLoTEPath).sorted()
    }


    @Test func aCleanRestartServesTheCarriedArtefactsWithoutSigningThemAgain() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // One port, so one base URL, for every start: the signed artefacts name it, and artefacts signed for another
        // would be signed again.
        let port = try await TestServer.freePort()
        var loteBefore = ""
        var snapshotBefore = ""
        try await SigningWorld.run(directory: directory, remove: false, port: port) { world in
            try await world.accredit(RegistryParty(did: "did:web:uni0.example.es", role: .issuer, name: "Uni 0", country: "ES"))
            try await world.settled()
            loteBefore = try await world.get("/lote").text
            snapshotBefore = try await world.get("/registry/v1/snapshot").text
        }
        // One LoTE file, the one the checkpoint names; the checkpoint itself does not hold the LoTE.
        let files = try Self.loteFiles(directory)
        #expect(files.count == 1)
        let onDisk = try String(contentsOfFile: DataDirectory(path: directory.path).registryLoTEPath + "/" + files[0], encoding: .utf8)
        #expect(onDisk == loteBefore, "the LoTE file is not the LoTE served")
        let checkpoint = try Data(contentsOf: Self.checkpointFile(directory))
        #expect(checkpoint.range(of: Data(loteBefore.utf8)) == nil, "the checkpoint holds the LoTE")

        try await SigningWorld.run(directory: directory, existing: true, remove: false, port: port) { world in
            let registry = world.server.registry
            #expect(registry.startedFromCheckpoint == registry.artefacts.state.seq)
            #expect(registry.signingsCompleted == 0)
            let lote = try await world.get("/lote")
            #expect(lote.status == 200)
            #expect(lote.text == loteBefore, "the LoTE served after the restart is not the one before it")
            #expect(lote.header("Content-Length") == String(loteBefore.utf8.count))
            // Revalidation answers 304 without reading the file.
            let etag = try #require(lote.header("ETag"))
            let revalidated = try await world.server.request(.GET, "/lote", headers: [("If-None-Match", etag)])
            #expect(revalidated.status == 304)
            #expect(revalidated.body.isEmpty)
            #expect(try await world.get("/registry/v1/snapshot").text == snapshotBefore, "the snapshot was signed again")
        }
    }

    @Test func aMissingLoTEFileIsSignedAgainAtStart() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try await TestServer.freePort()
        try await SigningWorld.run(directory: directory, remove: false, port: port) { world in
            try await world.settled()
        }
        let folder = DataDirectory(path: directory.path).registryLoTEPath
        for name in try Self.loteFiles(directory) { try FileManager.default.removeItem(atPath: folder + "/" + name) }

        try await SigningWorld.run(directory: directory, existing: true, remove: false, port: port) { world in
            let registry = world.server.registry
            #expect(registry.startedFromCheckpoint != nil)
            #expect(registry.signingsCompleted == 1)
            #expect(registry.artefacts.signedSeq == registry.artefacts.state.seq)
            let lote = try await world.get("/lote")
            let pem = try String(contentsOf: directory.appendingPathComponent("lote-certificate.pem"), encoding: .utf8)
            _ = try await LoTESigning.verify(lote.text, trustAnchors: try X509Certificate.parseChain(pem: pem), at: Date())
        }
        #expect(try Self.loteFiles(directory).count == 1)
    }

    @Test func aStartAfterACrashServesTheCheckpointsArtefactsAndSignsTheTailInTheBackground() async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try await TestServer.freePort()
        let folder = DataDirectory(path: directory.path).registryLoTEPath
        let saved = directory.appendingPathComponent("saved")
        var checkpointSeq = 0
        var loteName = ""
        var head = 0
        try await SigningWorld.run(directory: directory, remove: false, port: port) { world in
            let registry = world.server.registry
            try await world.accredit(RegistryParty(did: "did:web:uni0.example.es", role: .issuer, name: "Uni 0", country: "ES"))
            checkpointSeq = try await world.settled()
            await registry.writeCheckpointNow()
            // What kill -9 after the next write leaves: this checkpoint and its LoTE file.
            try FileManager.default.createDirectory(at: saved, withIntermediateDirectories: true)
            loteName = try #require(try Self.loteFiles(directory).first)
            try FileManager.default.copyItem(at: Self.checkpointFile(directory), to: saved.appendingPathComponent("checkpoint"))
            try FileManager.default.copyItem(atPath: folder + "/" + loteName, toPath: saved.path + "/" + loteName)
            try await world.accredit(RegistryParty(did: "did:web:late.example.es", role: .issuer, name: "Late", country: "ES"))
            head = try await world.settled()
        }
        try FileManager.default.removeItem(at: Self.checkpointFile(directory))
        try FileManager.default.copyItem(at: saved.appendingPathComponent("checkpoint"), to: Self.checkpointFile(directory))
        try? FileManager.default.removeItem(atPath: folder + "/" + loteName)
        try FileManager.default.copyItem(atPath: saved.path + "/" + loteName, toPath: folder + "/" + loteName)

        try await SigningWorld.run(directory: directory, existing: true, remove: false, port: port) { world in
            let registry = world.server.registry
            #expect(registry.startedFromCheckpoint == checkpointSeq)
            #expect(registry.replayedAtStart == head - checkpointSeq)
            #expect(registry.artefacts.state.seq == head)
            #expect(try await world.authorized("did:web:late.example.es"))
            // The tail is signed in the background; then the LoTE and snapshot reflect the head.
            try await world.settled()
            let lote = try await world.get("/lote")
            #expect(lote.header("X-Registry-Signed-Seq") == String(head))
            let snapshot = try WalletSigning.verifySnapshot(try await world.get("/registry/v1/snapshot").text, keys: try await world.serviceKeys())
            #expect(snapshot.seq == head)
        }
        // The LoTE the old checkpoint named is gone once a newer checkpoint names another.
        #expect(try Self.loteFiles(directory).count == 1)
    }

    @Test(arguments: [(signedSeq: 5, seq: 5, serve: true), (signedSeq: 3, seq: 5, serve: true), (signedSeq: 6, seq: 5, serve: false)])
    func carriedArtefactsAreServedAtOrBehindTheHead(_ example: (signedSeq: Int, seq: Int, serve: Bool)) {
        let now = Date()
        let artefacts = CarriedArtefacts(
            signedSeq: example.signedSeq, snapshot: "s", lote: CarriedFile(byteCount: 1, sha256: "00"), loteSequenceNumber: 2,
            loteNextUpdate: now.addingTimeInterval(30 * 86_400), loteStateSeq: example.signedSeq, entityConfiguration: "e", builtAt: now,
            context: "c")
        #expect(
            RegistryService.mayServe(artefacts, seq: example.seq, context: "c", hasLoTECertificate: true, validity: 86_400, now: now)
                == example.serve)
        #expect(!RegistryService.mayServe(artefacts, seq: example.seq, context: "other", hasLoTECertificate: true, validity: 86_400, now: now))
        #expect(
            !RegistryService.mayServe(
                artefacts, seq: example.seq, context: "c", hasLoTECertificate: true, validity: 86_400, now: now.addingTimeInterval(50_000)))
    }

    /// What is wrong with the checkpoint file before the start.
    enum Damage: String, CaseIterable, Sendable {
        case flippedBodyByte, truncated, signedByAnotherKey, headNotInTheLog, garbage
    }

    @Test(arguments: Damage.allCases)
    func aCheckpointThatDoesNotVerifyIsRefusedAndTheWholeLogReplayed(_ damage: Damage) async throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let stopped = try await Self.seeded(directory, issuers: 2)
        let file = Self.checkpointFile(directory)
        var bytes = try Data(contentsOf: file)
        let checkpoint = RegistryCheckpoint(path: file.path)
        let stored = try DataDirectory(path: directory.path).signingKeys()
        let keys = try ServiceKeys(
            baseURL: try #require(URL(string: "https://checkpoint.example")), signingKeys: stored.map { (keyID: $0.keyID, key: $0.key) })
        let signer = try #require(RegistryService.signer(keys: keys, loteChain: []))
        let restored = try #require(try checkpoint.read(verifyingWith: signer.signingKey.verificationKey, keyID: signer.kid))
        switch damage {
        case .flippedBodyByte:
            bytes[bytes.count / 2] ^= 0x01
            try bytes.write(to: file)
        case .truncated:
            try bytes.prefix(bytes.count - 20).write(to: file)
        case .garbage:
            try Data("not a checkpoint".utf8).write(to: file)
        case .signedByAnotherKey:
            try checkpoint.write(state: restored.state, artefacts: restored.artefacts, key: SigningKey.generate(.es256), keyID: signer.kid)
        case .headNotInTheLog:
            // Well signed with the registry's own key, but its head is not the log's event at its seq.
            var forged = restored.state
            forged.headHash = String(repeating: "ab", count: 32)
            try checkpoint.write(state: forged, artefacts: restored.artefacts, key: signer.signingKey, keyID: signer.kid)
        }

        try await SigningWorld.run(directory: directory, existing: true) { world in
            let registry = world.server.registry
            #expect(registry.startedFromCheckpoint == nil)
            #expect(registry.replayedAtStart == stopped.seq)
            #expect(registry.artefacts.state == stopped)
            #expect(registry.artefacts.signedSeq == stopped.seq)
            let authorized = try await world.authorized("did:web:uni0.example.es")
            #expect(authorized)
        }
    }
}
