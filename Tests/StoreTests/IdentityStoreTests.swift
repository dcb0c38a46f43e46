import Foundation
import Signing
import StandingAPI
import Testing

@testable import Store

/// Both stores keep signing identities the same way: one record per issuer, replaced only from the version it was
/// computed from, each change with its audit event in the same transaction.
@Suite struct IdentityStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000.25)

    func identity(_ issuer: String, updatedAt: Date, chain: [Data]? = nil) -> SigningIdentityRecord {
        SigningIdentityRecord(
            issuer: issuer, kind: chain == nil ? .hosted : .x509, did: "did:web:s.example:issuers:\(issuer)",
            keys: [IdentityKeyRecord(kid: "k1", algorithm: .es256, state: .active, createdAt: Self.t0, activatedAt: Self.t0, certificateChain: chain)],
            createdAt: Self.t0, updatedAt: updatedAt)
    }

    func event(_ issuer: String, _ action: String) -> IdentityEventRecord {
        IdentityEventRecord(issuer: issuer, action: action, detail: "key k1", actor: "operator", at: Self.t0)
    }

    @Test(arguments: StoreKind.allCases) func identitiesAreReplacedOnlyFromTheVersionTheyWereComputedFrom(kind: StoreKind) async throws {
        try await withStoreHarness(kind) { harness in
            let store = try await harness.open()
            let first = identity("uni", updatedAt: Self.t0, chain: [Data([0x30, 0x03, 0x02, 0x01, 0x01])])
            try await store.saveSigningIdentity(first, expectedUpdate: nil, event: event("uni", "created"))
            #expect(try await store.signingIdentities() == [first])
            // A second creation, or a change from a stale version, is a conflict and writes nothing (not even the event).
            await #expect(throws: StoreError(.conflict, "")) {
                try await store.saveSigningIdentity(first, expectedUpdate: nil, event: event("uni", "created"))
            }
            let later = identity("uni", updatedAt: Self.t0 + 60)
            await #expect(throws: StoreError(.conflict, "")) {
                try await store.saveSigningIdentity(later, expectedUpdate: Self.t0 - 1, event: event("uni", "rotated"))
            }
            try await store.saveSigningIdentity(later, expectedUpdate: Self.t0, event: event("uni", "rotated"))
            try await store.saveSigningIdentity(identity("college", updatedAt: Self.t0), expectedUpdate: nil, event: event("college", "created"))
            try await store.appendIdentityEvent(event("service", "rotated"))

            let reopened = try await harness.open()
            #expect(try await reopened.signingIdentities().map(\.issuer) == ["college", "uni"])
            #expect(try await reopened.signingIdentities().last == later)
            #expect(try await reopened.identityEvents(issuer: "uni").map(\.action) == ["created", "rotated"])
            #expect(try await reopened.identityEvents(issuer: nil).map(\.issuer) == ["uni", "uni", "college", "service"])
        }
    }
}
