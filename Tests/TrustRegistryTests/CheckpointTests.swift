import Foundation
import Signing
import Testing

@testable import TrustRegistry

@Suite("Checkpoints: the state in binary form restores the state the replay builds")
struct CheckpointTests {
    /// Every kind of event: bodies, issuers, lifecycle changes of accreditations and of a recognition, an entity update.
    func populated() throws -> World {
        var world = try World()
        let (university, first) = try world.spanishUniversity()
        let (_, second) = try world.spanishUniversity("Universidad Dos", host: "dos.example.es")
        try world.change(.suspend, first, by: world.aneca, reason: "review", at: instant("2026-03-01T00:00:00Z"))
        try world.change(.reinstate, first, by: world.aneca, at: instant("2026-04-01T00:00:00Z"))
        try world.change(.revoke, second, by: world.root, reason: "closed", at: instant("2026-05-01T00:00:00Z"))
        var renamed = university.entity
        renamed.names["es"] = "Universidad Ejemplo de Madrid"
        let update = try RegistryStatement.updateEntity(signer: university.did, entity: renamed, rootAuthority: world.root.did, issuedAt: world.clock)
        world.log.append(try world.state.apply(statement: try university.sign(update), at: world.tick()))
        let grant = RecognitionGrant(
            entity: "did:web:registry.other.example", actions: ["recognize"], resources: [RegistryAction.accreditationDecisions],
            names: ["en": "Other registry"], validFrom: instant("2026-01-01T00:00:00Z"), validUntil: instant("2028-01-01T00:00:00Z"))
        let recognise = try RegistryStatement.recognise(rootAuthority: world.root.did, grant: grant, issuedAt: world.clock)
        world.log.append(try world.state.apply(statement: try world.root.sign(recognise), at: world.tick()))
        try world.change(.suspend, grant.recognitionId, by: world.root, reason: "review", at: instant("2026-06-01T00:00:00Z"))
        return world
    }

    func bytes(of state: RegistryState) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var writer = CheckpointWriter { bytes.append(contentsOf: $0) }
        try state.writeCheckpoint(to: &writer)
        try writer.flush()
        return bytes
    }

    func restored(from bytes: [UInt8]) throws -> RegistryState {
        try bytes.withUnsafeBytes { buffer in
            var reader = CheckpointReader(bytes: buffer)
            let state = try RegistryState(checkpoint: &reader)
            #expect(reader.isAtEnd)
            return state
        }
    }

    @Test("a restored state equals the replayed one, answers the same and accepts the next write")
    func roundTrip() throws {
        var world = try populated()
        let replayed = try RegistryState.replay(world.log)
        #expect(replayed == world.state)
        let encoded = try bytes(of: replayed)
        var restored = try restored(from: encoded)
        #expect(restored == replayed)
        #expect(restored.seq == world.log.count && restored.headHash == world.log.last?.hash)
        // Deterministic: the same state gives the same bytes, however its dictionaries were built.
        #expect(try bytes(of: restored) == encoded)
        let at = instant("2026-06-01T00:00:00Z")
        #expect(try restored.walletSnapshot(issuedAt: at).body == replayed.walletSnapshot(issuedAt: at).body)

        // The log continues from the restored head: the next event replays onto it and onto the replayed state alike.
        let (_, third) = try world.spanishUniversity("Universidad Tres", host: "tres.example.es")
        let next = try #require(world.log.last)
        try restored.replay(next)
        #expect(restored == world.state)
        #expect(restored.accreditation(third) != nil)
    }

    @Test("an empty registry round-trips")
    func empty() throws {
        #expect(try restored(from: try bytes(of: RegistryState())) == RegistryState())
    }

    @Test("truncated or altered bytes are refused, never read past the end")
    func malformed() throws {
        let encoded = try bytes(of: try populated().state)
        for length in [0, 1, 10, encoded.count / 2, encoded.count - 1] {
            #expect(throws: CheckpointFormatError.self) { try restored(from: Array(encoded.prefix(length))) }
        }
        var wrongLayout = encoded
        wrongLayout[0] = 9
        #expect(throws: CheckpointFormatError.self) { try restored(from: wrongLayout) }
    }
}
