import Foundation
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
