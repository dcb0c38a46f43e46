import Foundation
import StandingAPI
import StatusList
import Testing

@testable import Store

/// The credential ids an issuer supplied at allocation (VC-API `credentialId`), in every store.
@Suite("Credential entries")
struct CredentialEntriesTests {
    static func list(_ id: String, purpose: ListPurpose) -> StatusListDefinition {
        StatusListDefinition(
            id: id, owner: "issuer-a", purpose: purpose, statusSize: 1, capacity: 1000, ttlSeconds: 300, validitySeconds: 86_400,
            statusMessages: [], allocatorKey: Array(repeating: 0x5A, count: 32), createdAt: Date(timeIntervalSince1970: 1_750_000_000))
    }

    @Test(arguments: StoreKind.allCases) func entriesRoundTripAndAreRecordedOncePerCredential(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.createList(Self.list("rev", purpose: .revocation))
            try await store.createList(Self.list("sus", purpose: .suspension))
            let entries = [
                CredentialEntryRecord(credentialId: "urn:uuid:1", listId: "sus", index: 7),
                CredentialEntryRecord(credentialId: "urn:uuid:1", listId: "rev", index: 42),
            ]
            #expect(try await store.credentialEntries(credentialId: "urn:uuid:1").isEmpty)
            try await store.recordCredentialEntries(entries)
            #expect(try await store.credentialEntries(credentialId: "urn:uuid:1") == entries.sorted { $0.listId < $1.listId })
            #expect(try await store.credentialEntries(credentialId: "urn:uuid:2").isEmpty)

            // A second allocation under the same id is refused whole, even for a list the first did not use.
            try await store.createList(Self.list("rev2", purpose: .revocation))
            let again = await #expect(throws: StoreError.self) {
                try await store.recordCredentialEntries([CredentialEntryRecord(credentialId: "urn:uuid:1", listId: "rev2", index: 1)])
            }
            #expect(again?.code == .conflict)
            #expect(try await store.credentialEntries(credentialId: "urn:uuid:1").count == 2)

            // An entry of an unknown list is refused, and nothing of the batch is written.
            let unknown = await #expect(throws: StoreError.self) {
                try await store.recordCredentialEntries([
                    CredentialEntryRecord(credentialId: "urn:uuid:3", listId: "rev", index: 1),
                    CredentialEntryRecord(credentialId: "urn:uuid:3", listId: "nope", index: 1),
                ])
            }
            #expect(unknown?.code == .notFound)
            #expect(try await store.credentialEntries(credentialId: "urn:uuid:3").isEmpty)
        }
    }
}
