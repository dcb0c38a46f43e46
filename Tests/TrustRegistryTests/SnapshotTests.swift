import Foundation
import Signing
import Testing

@testable import TrustRegistry

@Suite("Wallet snapshot and change feed")
struct SnapshotTests {
    @Test("a change feed applied to a snapshot reproduces the next snapshot exactly")
    func feedReconstructsSnapshot() throws {
        var world = try World()
        let (university, first) = try world.spanishUniversity()
        let t0 = instant("2026-02-01T00:00:00Z")
        let before = try world.state.walletSnapshot(issuedAt: t0).body
        #expect(before.seq == world.state.seq && before.head == world.state.headHash)

        // Every kind of change after the snapshot.
        let (_, second) = try world.spanishUniversity("Universidad Dos", host: "dos.example.es")
        try world.change(.suspend, first, by: world.aneca, reason: "review", at: instant("2026-03-01T00:00:00Z"))
        try world.change(.reinstate, first, by: world.aneca, at: instant("2026-04-01T00:00:00Z"))
        try world.change(.revoke, second, by: world.aneca, reason: "closed", at: instant("2026-05-01T00:00:00Z"))
        var renamed = university.entity
        renamed.names["ca"] = "Universitat Exemple"
        let update = try RegistryStatement.updateEntity(signer: university.did, entity: renamed, rootAuthority: world.root.did, issuedAt: world.clock)
        try world.state.apply(statement: try university.sign(update), at: world.tick())
        let recognition = RecognitionGrant(
            entity: "https://registry.other.example",
            actions: ["recognize"],
            resources: ["accreditation-decisions"],
            validFrom: instant("2026-01-01T00:00:00Z"),
            validUntil: instant("2027-01-01T00:00:00Z")
        )
        try world.state.apply(
            statement: try world.root.sign(try RegistryStatement.recognise(rootAuthority: world.root.did, grant: recognition, issuedAt: world.clock)),
            at: world.tick()
        )

        // Derived statuses move with time too: the snapshot after is taken when the first accreditation has expired.
        let t1 = instant("2029-06-01T00:00:00Z")
        let feed = try world.state.changeFeed(since: before.seq, issuedAt: t1).body
        #expect(feed.fromSeq == before.seq && feed.toSeq == world.state.seq)
        #expect(feed.events.map(\.seq) == Array((before.seq + 1)...world.state.seq))
        #expect(feed.events.map(\.op) == [.accredit, .suspend, .reinstate, .revoke, .updateEntity, .recognise])
        let after = try world.state.walletSnapshot(issuedAt: t1, validity: 3600).body
        let rebuilt = try before.applying(feed, issuedAt: t1, nextUpdate: after.nextUpdate)
        #expect(rebuilt == after)
        #expect(rebuilt.records.first { $0.accreditationId == first }?.status == .expired)
        #expect(rebuilt.records.first { $0.accreditationId == second }?.status == .revoked)

        // The same through the signed wire forms.
        let registryKey = SigningKey.generate(.es256)
        let keys = JWKSet(keys: [registryKey.verificationKey.jwk(keyID: "registry-1")])
        let signedSnapshot = try WalletSigning.sign(before, key: registryKey, keyID: "registry-1")
        let signedFeed = try WalletSigning.sign(feed, key: registryKey, keyID: "registry-1")
        #expect(try CompactJWS(parsing: signedSnapshot).header.type == "registry-snapshot+jwt")
        let wallet = try WalletSigning.verifySnapshot(signedSnapshot, keys: keys)
        #expect(wallet == before)
        let wireFeed = try WalletSigning.verifyChangeFeed(signedFeed, keys: keys)
        #expect(try wallet.applying(wireFeed, issuedAt: t1, nextUpdate: after.nextUpdate) == after)
        // A feed presented as a snapshot, or signed by another key, is refused.
        expectRegistryError(.badSignature) { _ = try WalletSigning.verifySnapshot(signedFeed, keys: keys) }
        let otherKey = SigningKey.generate(.es256)
        expectRegistryError(.badSignature) {
            _ = try WalletSigning.verifySnapshot(try WalletSigning.sign(before, key: otherKey, keyID: "registry-1"), keys: keys)
        }
    }

    @Test("a feed from 0 rebuilds everything from an empty wallet")
    func feedFromZero() throws {
        var world = try World()
        _ = try world.spanishUniversity()
        let at = instant("2026-02-01T00:00:00Z")
        let empty = WalletSnapshot(
            seq: 0,
            issuedAt: at,
            nextUpdate: at,
            rootAuthority: world.root.did,
            head: RegistryEvent.genesisHash,
            entities: [],
            records: [],
            recognitions: []
        )
        let feed = try world.state.changeFeed(since: 0, issuedAt: at).body
        let snapshot = try world.state.walletSnapshot(issuedAt: at).body
        #expect(try empty.applying(feed, issuedAt: at, nextUpdate: snapshot.nextUpdate) == snapshot)
    }

    @Test("feeds refuse a mismatched start, gaps, and since values outside the window")
    func feedErrors() throws {
        var world = try World()
        _ = try world.spanishUniversity()
        let at = instant("2026-02-01T00:00:00Z")
        let snapshot = try world.state.walletSnapshot(issuedAt: at).body
        let feed = try world.state.changeFeed(since: 1, issuedAt: at).body
        expectRegistryError(.conflict) { _ = try snapshot.applying(feed, issuedAt: at, nextUpdate: at) }
        var gap = try world.state.changeFeed(since: 0, issuedAt: at).body
        gap.events.remove(at: 1)
        let empty = WalletSnapshot(
            seq: 0,
            issuedAt: at,
            nextUpdate: at,
            rootAuthority: world.root.did,
            head: "",
            entities: [],
            records: [],
            recognitions: []
        )
        expectRegistryError(.conflict) { _ = try empty.applying(gap, issuedAt: at, nextUpdate: at) }
        expectRegistryError(.malformed) { _ = try world.state.changeFeed(since: world.state.seq + 1, issuedAt: at) }
        expectRegistryError(.malformed) { _ = try world.state.changeFeed(since: -1, issuedAt: at) }
        #expect(try world.state.changeFeed(since: world.state.seq, issuedAt: at).body.events.isEmpty)
        expectRegistryError(.gone) { _ = try world.state.changeFeed(since: 1, issuedAt: at, retention: .lastEvents(2)) }
        #expect(try world.state.changeFeed(since: 2, issuedAt: at, retention: .lastEvents(2)).body.events.count == 2)
        // By age: the genesis event (2025-06-01) is outside a 30-day window ending at 2025-06-20; later ones are inside.
        let windowEnd = instant("2025-06-20T00:00:00Z")
        expectRegistryError(.gone) { _ = try world.state.changeFeed(since: 0, issuedAt: windowEnd, retention: .maximumAge(10 * 86_400)) }
        #expect(world.state.oldestAvailableSince(retention: .maximumAge(30 * 86_400), issuedAt: windowEnd) == 0)
    }

    @Test("snapshots carry canonical records without evidence, sorted, with derived status")
    func snapshotShape() throws {
        var world = try World()
        let (_, id) = try world.spanishUniversity()
        let snapshot = try world.state.walletSnapshot(issuedAt: instant("2025-12-01T00:00:00Z")).body
        #expect(snapshot.records.map(\.accreditationId) == snapshot.records.map(\.accreditationId).sorted())
        #expect(snapshot.entities.map(\.did) == snapshot.entities.map(\.did).sorted())
        let record = try #require(snapshot.records.first { $0.accreditationId == id })
        #expect(record.evidence == nil && record.status == .active)
        let json = try JSONValue(encoding: snapshot)
        let members = Set(json["records"]?.arrayValue?.first?.objectValue?.keys.map { $0 } ?? [])
        #expect(
            members == [
                "accreditationId", "subject", "role", "accreditedBy", "rootAuthority", "scope", "validFrom", "validUntil", "status",
                "statusHistory",
            ]
        )
        #expect(try JSONValue(parsing: try json.canonicalData()).decode(WalletSnapshot.self) == snapshot)
    }
}
