import Foundation
import Signing
import Testing

@testable import TrustRegistry

@Suite("The event log: gap-free, hash-chained, replayable, tamper-evident")
struct LogTests {
    /// A world with a few issuers and lifecycle changes.
    func populated() throws -> World {
        var world = try World()
        let (_, first) = try world.spanishUniversity()
        let (_, second) = try world.spanishUniversity("Universidad Dos", host: "dos.example.es")
        try world.change(.suspend, first, by: world.aneca, reason: "review", at: instant("2026-03-01T00:00:00Z"))
        try world.change(.reinstate, first, by: world.aneca, at: instant("2026-04-01T00:00:00Z"))
        try world.change(.revoke, second, by: world.root, reason: "closed", at: instant("2026-05-01T00:00:00Z"))
        return world
    }

    @Test("events are numbered without gaps and each carries the previous hash")
    func chain() throws {
        let world = try populated()
        #expect(world.log.map(\.seq) == Array(1...world.log.count))
        #expect(world.log.first?.prevHash == RegistryEvent.genesisHash)
        for (previous, event) in zip(world.log, world.log.dropFirst()) {
            #expect(event.prevHash == previous.hash)
            #expect(event.at >= previous.at)
        }
        #expect(try world.log.allSatisfy { try $0.recomputedHash() == $0.hash })
        #expect(world.state.headHash == world.log.last?.hash)
        #expect(world.log.map(\.kind) == [.initialise, .accredit, .accredit, .accredit, .accredit, .suspend, .reinstate, .revoke])
    }

    @Test("replay rebuilds the same state from the stored events")
    func replay() throws {
        let world = try populated()
        let stored = try world.log.map { try $0.jsonData() }
        let events = try stored.map { try RegistryEvent(jsonData: $0) }
        #expect(events == world.log)
        let rebuilt = try RegistryState.replay(events)
        #expect(rebuilt.seq == world.state.seq && rebuilt.headHash == world.state.headHash)
        #expect(rebuilt.allAccreditations == world.state.allAccreditations)
        #expect(rebuilt.allEntities == world.state.allEntities)
        #expect(rebuilt.accreditedSubjects == world.state.accreditedSubjects)
        let at = instant("2026-06-01T00:00:00Z")
        #expect(try rebuilt.walletSnapshot(issuedAt: at).body == world.state.walletSnapshot(issuedAt: at).body)
    }

    @Test("a changed payload is detected even with recomputed hashes")
    func editedPayloadWithRecomputedHashes() throws {
        let world = try populated()
        var events = world.log
        let target = events[4]
        var payload = try #require(target.payload.objectValue)
        var record = try #require(payload["accreditation"]?.objectValue)
        record["validUntil"] = "2030-12-31T00:00:00Z"
        payload["accreditation"] = .object(record)
        // The attacker rewrites the event and re-chains every later hash.
        var previous = events[3].hash
        for index in 4..<events.count {
            let original = events[index]
            events[index] = try RegistryEvent(
                seq: original.seq,
                at: original.at,
                kind: original.kind,
                target: original.target,
                payload: index == 4 ? .object(payload) : original.payload,
                evidence: original.evidence,
                prevHash: previous
            )
            previous = events[index].hash
        }
        let error = expectRegistryError(.logBroken) { _ = try RegistryState.replay(events) }
        #expect(error?.reason.contains("event 5 is not what its evidence produces") == true)
    }

    @Test("a changed payload without recomputed hashes is detected by the hash")
    func editedPayload() throws {
        let world = try populated()
        var json = try #require(try JSONValue(parsing: world.log[5].jsonData()).objectValue)
        var payload = try #require(json["payload"]?.objectValue)
        payload["id"] = .string(AccreditationGrant.newID())
        json["payload"] = .object(payload)
        var events = world.log
        events[5] = try RegistryEvent(jsonData: JSONValue.object(json).canonicalData())
        let error = expectRegistryError(.logBroken) { _ = try RegistryState.replay(events) }
        #expect(error?.reason.contains("event 6 hash does not match") == true)
    }

    @Test("a removed event breaks the sequence")
    func removedEvent() throws {
        let world = try populated()
        var events = world.log
        events.remove(at: 3)
        let error = expectRegistryError(.logBroken) { _ = try RegistryState.replay(events) }
        #expect(error?.reason.contains("sequence gap: expected event 4, found 5") == true)
        expectRegistryError(.logBroken) { _ = try RegistryState.replay(Array(world.log.dropFirst())) }
    }

    @Test("reordered events break the chain")
    func reordered() throws {
        let world = try populated()
        var events = world.log
        events.swapAt(5, 6)
        expectRegistryError(.logBroken) { _ = try RegistryState.replay(events) }
    }

    @Test("swapped evidence, a renumbered event or a forged tail are detected")
    func otherTampering() throws {
        let world = try populated()
        // The evidence of another event, hashes recomputed.
        var events = world.log
        let original = events[6]
        events[6] = try RegistryEvent(
            seq: original.seq,
            at: original.at,
            kind: original.kind,
            target: original.target,
            payload: original.payload,
            evidence: events[5].evidence,
            prevHash: original.prevHash
        )
        expectRegistryError(.logBroken) { _ = try RegistryState.replay(events) }
        // A tail event dated earlier than its predecessor.
        var dated = world.log
        let last = dated[dated.count - 1]
        dated[dated.count - 1] = try RegistryEvent(
            seq: last.seq,
            at: dated[dated.count - 2].at.addingTimeInterval(-60),
            kind: last.kind,
            target: last.target,
            payload: last.payload,
            evidence: last.evidence,
            prevHash: last.prevHash
        )
        let error = expectRegistryError(.logBroken) { _ = try RegistryState.replay(dated) }
        #expect(error?.reason.contains("dated before") == true)
        // A stored event that is not JSON.
        expectRegistryError(.logBroken) { _ = try RegistryEvent(jsonData: Data("{}".utf8)) }
    }

    @Test("replay stops at the first bad event and leaves the state as it was before it")
    func incrementalReplay() throws {
        let world = try populated()
        var state = RegistryState()
        for event in world.log.prefix(4) { try state.replay(event) }
        let head = state.headHash
        expectRegistryError(.logBroken) { try state.replay(world.log[5]) }
        #expect(state.seq == 4 && state.headHash == head)
        for event in world.log.dropFirst(4) { try state.replay(event) }
        #expect(state.headHash == world.state.headHash)
    }

    @Test("prepare then commit: a stale prepared write is refused")
    func prepareCommit() throws {
        var world = try World()
        let university = Party(did: "did:web:uni.example.es", role: .issuer, name: "Universidad", country: "ES")
        let first = try world.state.prepare(
            statement: try world.accreditStatement(
                by: world.aneca,
                parent: world.anecaAccreditationId,
                subject: university,
                scope: World.spanishMicro
            ),
            at: world.tick()
        )
        let second = try world.state.prepare(
            statement: try world.accreditStatement(
                by: world.aneca,
                parent: world.anecaAccreditationId,
                subject: university,
                scope: World.spanishMicro
            ),
            at: world.tick()
        )
        #expect(world.state.seq == 3)
        try world.state.commit(first)
        expectRegistryError(.conflict) { try world.state.commit(second) }
        #expect(world.state.seq == 4 && world.state.headHash == first.event.hash)
    }

    @Test("the recording time never goes backwards")
    func clockClamp() throws {
        var world = try World()
        let (university, _) = try world.spanishUniversity()
        let later = world.clock
        var renamed = university.entity
        renamed.names["es"] = "Otra"
        let update = try RegistryStatement.updateEntity(signer: university.did, entity: renamed, rootAuthority: world.root.did, issuedAt: later)
        let event = try world.state.apply(statement: try university.sign(update), at: later.addingTimeInterval(-3600))
        #expect(event.at == later)
    }
}
