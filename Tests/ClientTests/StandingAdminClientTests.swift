import Client
import Foundation
import StandingAPI
import StandingTestSupport
import StatusList
import Testing

/// The typed admin client against a real server: the wire types round-trip, and every failure is one
/// ``StandingAdminError`` with the server's problem details and the user's words.
@Suite struct StandingAdminClientTests {
    @Test func listsEntriesStatusesAndAuditRoundTrip() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let client = StandingAdminClient(serverURL: server.baseURL + "/", token: server.operatorToken)

        let created = try await client.createList(CreateListRequest(id: "typed", purpose: .suspension))
        #expect(created.id == "typed" && created.purpose == .suspension && created.url == "\(server.baseURL)/status/typed")
        #expect(try await client.lists().map(\.id).contains("typed"))
        let allocated = try await client.allocate(inList: "typed", count: 2)
        #expect(allocated.entries.count == 2 && allocated.entries[0].credentialStatus.statusListCredential == created.url)

        let index = allocated.entries[0].index
        let changed = try await client.setStatus(list: "typed", SetStatusRequest(index: index, intent: .suspend, reason: "inquiry"))
        #expect(changed.applied == 1 && changed.value == 1 && changed.records?.first?.newValue == 1)
        let audit = try await client.audit(list: "typed")
        #expect(audit.map(\.reason) == ["inquiry"])

        let token = try await client.createToken(CreateTokenRequest(role: .issuer, principal: "uni"))
        #expect(token.secret.hasPrefix("stn_") && token.token.role == .issuer)
        try await client.revokeToken(token.token.id)
        #expect(try await client.tokens().first { $0.id == token.token.id }?.revokedAt != nil)
    }

    @Test func aRefusalCarriesTheProblemAndOneLine() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let client = StandingAdminClient(serverURL: server.baseURL, token: server.operatorToken)
        let error = try await #require(throws: StandingAdminError.self) { try await client.list("missing") }
        #expect(error.kind == .refused && error.status == 404)
        #expect(error.problem?.type == "urn:standing:problem:not-found")
        #expect(error.description == "404 Not found: no list 'missing'")

        let unauthorised = StandingAdminClient(serverURL: server.baseURL, token: "stn_nope")
        let refused = try await #require(throws: StandingAdminError.self) { try await unauthorised.lists() }
        #expect(refused.status == 401 && refused.description.hasPrefix("401 "))
    }

    @Test func theServiceDecidesTheOwnerOfANewList() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let operatorClient = StandingAdminClient(serverURL: server.baseURL, token: server.operatorToken)
        let forUni = try await operatorClient.createList(CreateListRequest(purpose: .revocation, owner: "uni"))
        #expect(forUni.owner == "uni")
        let badOwner = try await #require(throws: StandingAdminError.self) {
            try await operatorClient.createList(CreateListRequest(purpose: .revocation, owner: "has space"))
        }
        #expect(badOwner.status == 400 && badOwner.description.contains("owner must be 1-128 characters"))

        let issuer = StandingAdminClient(serverURL: server.baseURL, token: try await server.issueToken(role: "issuer", principal: "uni"))
        #expect(try await issuer.createList(CreateListRequest(purpose: .suspension)).owner == "uni")
        #expect(try await issuer.createList(CreateListRequest(purpose: .suspension, owner: "uni")).owner == "uni")
        let other = try await #require(throws: StandingAdminError.self) {
            try await issuer.createList(CreateListRequest(purpose: .revocation, owner: "college"))
        }
        #expect(other.status == 403 && other.problem?.detail == "an issuer creates lists only for itself")
    }

    @Test func anAbsentServerAndABadURLAreWordedForTheUser() async throws {
        let nobody = StandingAdminClient(serverURL: "http://127.0.0.1:1", token: "x")
        let unreachable = try await #require(throws: StandingAdminError.self) { try await nobody.lists() }
        #expect(unreachable.kind == .unreachable)
        #expect(unreachable.description.contains("nothing is listening there"), "\(unreachable.description)")
        let bad = StandingAdminClient(serverURL: "notaurl", token: "x")
        let invalid = try await #require(throws: StandingAdminError.self) { try await bad.lists() }
        #expect(invalid.kind == .invalidServerURL && invalid.description.hasPrefix("'notaurl' is not a server URL"))
    }
}
