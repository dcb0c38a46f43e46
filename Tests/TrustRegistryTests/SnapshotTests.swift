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
        let header = try CompactJWS(parsing: signedSnapshot).header
        #expect(header.type == "registry-snapshot-v2+jwt" && header["zip"] == .string("DEF") && header.critical == ["zip"])
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

    /// A snapshot with every member the compact form carries: entities with optional members, records with
    /// histories and reasons, a recognition, shared scopes.
    static func richSnapshot() throws -> (world: World, snapshot: WalletSnapshot) {
        var world = try World()
        let (_, first) = try world.spanishUniversity()
        _ = try world.spanishUniversity("Universidad Dos", host: "dos.example.es")
        try world.change(.suspend, first, by: world.aneca, reason: "review \"quoted\" ñ", at: instant("2026-03-01T00:00:00Z"))
        let recognition = RecognitionGrant(
            entity: "https://registry.other.example",
            actions: ["recognize"],
            resources: ["accreditation-decisions"],
            names: ["en": "Other registry"],
            validFrom: instant("2026-01-01T00:00:00Z"),
            validUntil: instant("2027-01-01T00:00:00Z")
        )
        try world.state.apply(
            statement: try world.root.sign(try RegistryStatement.recognise(rootAuthority: world.root.did, grant: recognition, issuedAt: world.clock)),
            at: world.tick()
        )
        let snapshot = try world.state.walletSnapshot(issuedAt: instant("2026-03-15T00:00:00Z")).body
        return (world, snapshot)
    }

    @Test("the compact payload round-trips every member, derives statuses at issuedAt and states its version")
    func compactRoundTrip() throws {
        var (_, snapshot) = try Self.richSnapshot()
        #expect(snapshot.records.contains { $0.status == .suspended } && !snapshot.recognitions.isEmpty)
        // Optional entity members the example entities may lack.
        snapshot.entities[0].email = "registry@example.eu"
        snapshot.entities[0].address = PostalAddress(street: "Calle 1", locality: "Madrid", postalCode: "28001")
        let payload = try snapshot.compactPayload()
        #expect(try WalletSnapshot(compactPayload: payload) == snapshot)
        let json = try JSONValue(parsing: payload)
        #expect(json["v"] == .number(2))
        // No member names inside records: each is an array, its strings indices into the table.
        let record = try #require(json["records"]?.arrayValue?.first?.arrayValue)
        #expect(record.count == 10 && record[0].integerValue != nil)
        let strings = (json["strings"]?.arrayValue ?? []).compactMap { $0.stringValue }
        #expect(!strings.isEmpty && Set(strings).count == strings.count)
        // Smaller than the named JSON of version 1.
        #expect(payload.count < (try JSONValue(encoding: snapshot).canonicalData()).count)
    }

    @Test(
        "a compact payload out of shape is refused as malformed",
        arguments: [
            #"{"v":1,"seq":1}"#,
            #"{"v":2,"seq":1,"issuedAt":0,"nextUpdate":0,"rootAuthority":"r","head":"h","strings":[],"scopes":[],"entities":[],"records":[[0,0,0,0,0,0,0,0,0,[]]],"recognitions":[]}"#,
            #"{"v":2,"seq":1,"issuedAt":0,"nextUpdate":0,"rootAuthority":"r","head":"h","strings":["x"],"scopes":[],"entities":[],"records":[[0,0,0,0,0,0,0,0,0,[]]],"recognitions":[]}"#,
            #"{"v":2,"seq":1,"issuedAt":0,"nextUpdate":0,"rootAuthority":"r","head":"h","strings":["TI"],"scopes":[[]],"entities":[],"records":[[0,0,0,0,0,0,0,0,0,[[0,0,1,null]]]],"recognitions":[]}"#,
            "not json",
        ]
    )
    func compactMalformed(payload: String) {
        expectRegistryError(.malformed) { _ = try WalletSnapshot(compactPayload: Data(payload.utf8)) }
    }

    @Test("a signed snapshot that was tampered with, or whose payload is not compressed, is refused")
    func tamperedSnapshot() throws {
        let (_, snapshot) = try Self.richSnapshot()
        let key = SigningKey.generate(.es256)
        let keys = JWKSet(keys: [key.verificationKey.jwk(keyID: "registry-1")])
        let signed = try WalletSigning.sign(snapshot, key: key, keyID: "registry-1")
        #expect(try WalletSigning.verifySnapshot(signed, keys: keys) == snapshot)

        // Another registry's snapshot under this payload: the signature no longer covers it.
        var other = snapshot
        other.records.removeLast()
        let otherParts = try WalletSigning.sign(other, key: key, keyID: "registry-1").split(separator: ".")
        let parts = signed.split(separator: ".")
        expectRegistryError(.badSignature) { _ = try WalletSigning.verifySnapshot("\(parts[0]).\(otherParts[1]).\(parts[2])", keys: keys) }
        // One flipped payload character.
        var payload = Array(parts[1])
        payload[payload.count / 2] = payload[payload.count / 2] == "A" ? "B" : "A"
        expectRegistryError(.badSignature) { _ = try WalletSigning.verifySnapshot("\(parts[0]).\(String(payload)).\(parts[2])", keys: keys) }

        // Signed correctly but without zip, or with zip over bytes that are not DEFLATE: malformed, never misread.
        let plain = try CompactJWS.sign(payload: try snapshot.compactPayload(), key: key, type: WalletSnapshot.mediaType, keyID: "registry-1")
        expectRegistryError(.malformed) { _ = try WalletSigning.verifySnapshot(plain, keys: keys) }
        let garbage = try CompactJWS.sign(
            payload: Data("not deflate at all".utf8), key: key, type: WalletSnapshot.mediaType, keyID: "registry-1",
            additionalHeader: ["zip": .string("DEF"), "crit": .array([.string("zip")])])
        expectRegistryError(.malformed) { _ = try WalletSigning.verifySnapshot(garbage, keys: keys) }
        // A version-1 snapshot (uncompressed named JSON, old typ) is not taken for version 2.
        let version1 = try CompactJWS.sign(json: try JSONValue(encoding: snapshot), key: key, type: "registry-snapshot+jwt", keyID: "registry-1")
        expectRegistryError(.badSignature) { _ = try WalletSigning.verifySnapshot(version1, keys: keys) }
    }
}
