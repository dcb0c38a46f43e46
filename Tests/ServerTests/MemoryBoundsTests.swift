import Foundation
import NIOHTTP1
import StandingAPI
import StatusList
import Store
import Testing

@testable import Server
import StandingTestSupport

/// What one issuer can make the service hold is bounded (quotas), and history does not copy lists (issue 16, item 7).
@Suite struct MemoryBoundsTests {
    static let minimum = Bitstring.w3cMinimumEntries

    /// The problem of a refused creation: 403, the quota type, and a detail naming the use and the setting.
    static func expectQuotaProblem(_ response: TestResponse, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == 403, "\(response.status) \(response.text)", sourceLocation: sourceLocation)
        #expect(response.header("Content-Type") == "application/problem+json", sourceLocation: sourceLocation)
        #expect(response.json["type"] as? String == "urn:standing:problem:quota-exceeded", sourceLocation: sourceLocation)
        let detail = response.json["detail"] as? String ?? ""
        for text in mentions {
            #expect(detail.contains(text), "'\(text)' not in: \(detail)", sourceLocation: sourceLocation)
        }
    }

    @Test func issuerListQuotaRefusesTheNextListNamingUseAndSetting() async throws {
        let server = try await TestServer.start {
            $0.maxListsPerIssuer = 2
        }
        defer { Task { await server.stopAndRemove() } }
        let token = try await server.issueToken(role: "issuer", principal: "did:web:busy.example")
        _ = try await server.createList(["purpose": "revocation"], token: token)
        _ = try await server.createList(["purpose": "suspension"], token: token)
        let refused = try await server.request(.POST, "/admin/lists", token: token, json: ["purpose": "revocation"])
        Self.expectQuotaProblem(refused, mentions: ["did:web:busy.example", "owns 2 lists", "quota is 2", "maxListsPerIssuer", "STANDING_MAX_LISTS_PER_ISSUER"])
        // Allocation by purpose would have to create a list (none is for 'refresh'): refused the same way.
        let rollOver = try await server.request(.POST, "/admin/entries", token: token, json: ["purpose": "refresh"])
        Self.expectQuotaProblem(rollOver, mentions: ["maxListsPerIssuer"])
        // Allocation in an existing list is not limited by the list quota.
        let existing = try await server.request(.POST, "/admin/entries", token: token, json: ["purpose": "revocation"])
        #expect(existing.status == 201, "\(existing.text)")
        // The operator is exempt, and its lists count towards the owner's use.
        let forIssuer = try await server.admin(.POST, "/admin/lists", json: ["purpose": "message", "owner": "did:web:busy.example"])
        #expect(forIssuer.status == 201, "\(forIssuer.text)")
        let again = try await server.request(.POST, "/admin/lists", token: token, json: ["purpose": "revocation"])
        Self.expectQuotaProblem(again, mentions: ["owns 3 lists"])
        // Another issuer is not affected.
        let other = try await server.issueToken(role: "issuer", principal: "did:web:quiet.example")
        _ = try await server.createList(["purpose": "revocation"], token: other)
    }

    @Test func issuerEntryQuotaRefusesAListThatWouldExceedIt() async throws {
        let server = try await TestServer.start {
            $0.maxEntriesPerIssuer = 3 * Self.minimum
        }
        defer { Task { await server.stopAndRemove() } }
        let token = try await server.issueToken(role: "issuer", principal: "did:web:big.example")
        _ = try await server.createList(["purpose": "revocation", "capacity": 2 * Self.minimum], token: token)
        let refused = try await server.request(
            .POST, "/admin/lists", token: token, json: ["purpose": "message", "statusSize": 8, "capacity": 2 * Self.minimum])
        Self.expectQuotaProblem(
            refused, mentions: ["owns \(2 * Self.minimum) entries in 1 lists", "quota of \(3 * Self.minimum) entries", "maxEntriesPerIssuer"])
        // What still fits is accepted, up to the quota exactly.
        _ = try await server.createList(["purpose": "revocation", "capacity": Self.minimum], token: token)
        let full = try await server.request(.POST, "/admin/lists", token: token, json: ["purpose": "revocation"])
        Self.expectQuotaProblem(full, mentions: ["owns \(3 * Self.minimum) entries in 2 lists"])
    }

    @Test func concurrentCreationsNeverExceedTheQuota() async throws {
        let server = try await TestServer.start {
            $0.maxListsPerIssuer = 3
        }
        defer { Task { await server.stopAndRemove() } }
        let token = try await server.issueToken(role: "issuer", principal: "did:web:racer.example")
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask { try await server.request(.POST, "/admin/lists", token: token, json: ["purpose": "revocation"]).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 201 }.count == 3, "\(statuses)")
        #expect(statuses.filter { $0 == 403 }.count == 5, "\(statuses)")
    }

    @Test(
        "quota settings are validated",
        arguments: [("maxListsPerIssuer", "0"), ("maxEntriesPerIssuer", "131071"), ("maxEntriesPerIssuer", "1099511627777")])
    func quotaSettingsAreValidated(key: String, value: String) throws {
        var configuration = ServerConfiguration()
        try configuration.apply(key, value, source: "test")
        let error = #expect(throws: ServiceError.self) { try configuration.validate() }
        #expect(error?.detail.contains(key) == true, "\(String(describing: error))")
    }

    @Test func quotaSettingsComeFromTheEnvironment() throws {
        var configuration = ServerConfiguration()
        try configuration.applyEnvironment(["STANDING_MAX_LISTS_PER_ISSUER": "7", "STANDING_MAX_ENTRIES_PER_ISSUER": "1048576"])
        #expect(configuration.maxListsPerIssuer == 7)
        #expect(configuration.maxEntriesPerIssuer == 1_048_576)
        try configuration.validate()
    }

    /// History keeps each version's served artefacts, not a copy of its entries: a 16,777,216-entry 8-bit list would
    /// otherwise hold 16 MiB per retained version.
    @Test func historyKeepsArtefactsNotEntries() throws {
        let definition = StatusListDefinition(
            id: "h", owner: "operator", purpose: .revocation, statusSize: 1, capacity: Self.minimum, ttlSeconds: 300,
            validitySeconds: 86_400, statusMessages: [], allocatorKey: Array(repeating: 1, count: 32), createdAt: Date())
        let body = Data("signed bytes".utf8)
        let publication = PublishedList(
            definition: definition, version: 3, publishedAt: Date(), validUntil: Date().addingTimeInterval(86_400),
            bitstring: try Bitstring(count: Self.minimum, entrySize: .one),
            representations: [.vc: PublishedRepresentation(mediaType: .vc, body: body)])
        let historical = publication.historical
        #expect(historical.representations[.vc]?.data == body)
        #expect(historical.representations[.vc]?.fingerprint == publication.representations[.vc]?.fingerprint)
        #expect(PreparedStatusReads(historical).offers.map(\.mediaType) == PreparedStatusReads(publication).offers.map(\.mediaType))
        func holdsEntries(_ value: Any, depth: Int = 0) -> Bool {
            if value is Bitstring { return true }
            guard depth < 6 else { return false }
            return Mirror(reflecting: value).children.contains { holdsEntries($0.value, depth: depth + 1) }
        }
        #expect(holdsEntries(publication), "the check itself must see the current publication's entries")
        #expect(!holdsEntries(historical))
    }
}
