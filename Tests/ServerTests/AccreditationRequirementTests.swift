import Foundation
import NIOHTTP1
import Server
import StandingTestSupport
import Testing
import TrustRegistry

/// `requireAccreditation`: issuer tokens write (create lists, allocate, change statuses) only while their principal is
/// an active accredited issuer in the server's own registry; the refusal is a 403 problem that says why.
@Suite struct AccreditationRequirementTests {
    static let university = RegistryParty(did: "did:web:uni.example.es", role: .issuer, name: "Universidad Ejemplo", country: "ES")

    /// Runs `body` against a fresh registry world whose server has `requireAccreditation` set as given.
    static func withWorld(requireAccreditation: Bool, _ body: (RegistryWorld) async throws -> Void) async throws {
        let world = try await RegistryWorld.start { $0.requireAccreditation = requireAccreditation }
        do {
            try await body(world)
        } catch {
            await world.server.stopAndRemove()
            throw error
        }
        await world.server.stopAndRemove()
    }

    /// An issuer's list with one allocated entry, made while the issuer may still write.
    struct IssuerList {
        let token: String
        let list: String
        let index: Int
    }

    static func issuerList(_ world: RegistryWorld, principal: String) async throws -> IssuerList {
        let token = try await world.server.issueToken(role: "issuer", principal: principal)
        let list = try await world.server.createList(token: token)
        let index = try #require(try await world.server.allocate(list, token: token).first)
        return IssuerList(token: token, list: list, index: index)
    }

    /// Every write an issuer token makes: create a list, allocate in a list, allocate by purpose, change a status by
    /// value and by intent.
    static func writes(_ issuer: IssuerList) -> [(name: String, method: HTTPMethod, path: String, body: [String: Any])] {
        [
            ("create a list", .POST, "/admin/lists", ["purpose": "revocation"]),
            ("allocate in a list", .POST, "/admin/lists/\(issuer.list)/entries", ["count": 1]),
            ("allocate by purpose", .POST, "/admin/entries", ["purpose": "revocation"]),
            ("set a value", .POST, "/admin/lists/\(issuer.list)/status", ["index": issuer.index, "value": 1]),
            ("revoke", .POST, "/admin/lists/\(issuer.list)/status", ["index": issuer.index, "intent": "revoke"]),
            ("set a batch", .POST, "/admin/lists/\(issuer.list)/status", ["changes": [["index": issuer.index, "value": 1]]]),
        ]
    }

    /// Expects every write of `issuer` refused with 403 `not-accredited` whose detail holds each of `words`, and
    /// nothing written.
    static func expectRefused(
        _ world: RegistryWorld,
        _ issuer: IssuerList,
        words: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let before = try await world.server.admin(.GET, "/admin/lists/\(issuer.list)").json["allocated"] as? Int
        for write in writes(issuer) {
            let response = try await world.server.request(write.method, write.path, token: issuer.token, json: write.body)
            #expect(response.status == 403, "\(write.name): \(response.status) \(response.text)", sourceLocation: sourceLocation)
            #expect(response.header("Content-Type") == "application/problem+json", sourceLocation: sourceLocation)
            #expect(response.json["type"] as? String == "urn:standing:problem:not-accredited", sourceLocation: sourceLocation)
            let detail = response.json["detail"] as? String ?? ""
            for word in words {
                #expect(detail.contains(word), "\(write.name): '\(detail)' lacks '\(word)'", sourceLocation: sourceLocation)
            }
        }
        // Nothing was allocated, changed or created.
        #expect(try await world.server.admin(.GET, "/admin/lists/\(issuer.list)").json["allocated"] as? Int == before, sourceLocation: sourceLocation)
        let audit = try await world.server.admin(.GET, "/admin/audit?list=\(issuer.list)")
        #expect((audit.json["records"] as? [Any])?.isEmpty == true, "\(audit.text)", sourceLocation: sourceLocation)
        let lists = try await world.server.request(.GET, "/admin/lists", token: issuer.token).json["lists"] as? [Any]
        #expect(lists?.count == 1, sourceLocation: sourceLocation)
    }

    @Test func accreditedIssuerCreatesAllocatesAndRevokes() async throws {
        try await Self.withWorld(requireAccreditation: true) { world in
            try await world.accredit(Self.university, by: world.aneca, token: world.anecaToken)
            let issuer = try await Self.issuerList(world, principal: Self.university.did)
            let byPurpose = try await world.server.request(.POST, "/admin/entries", token: issuer.token, json: ["purpose": "revocation"])
            #expect(byPurpose.status == 201, "\(byPurpose.text)")
            let revoked = try await world.server.request(
                .POST,
                "/admin/lists/\(issuer.list)/status",
                token: issuer.token,
                json: ["index": issuer.index, "intent": "revoke"]
            )
            #expect(revoked.status == 200, "\(revoked.text)")
            #expect(revoked.json["value"] as? Int == 1)
        }
    }

    /// A principal that is not a DID is looked up under its signing identity's DID.
    @Test func aPrincipalIsLookedUpUnderItsSigningIdentitysDID() async throws {
        try await Self.withWorld(requireAccreditation: true) { world in
            try await world.accredit(Self.university, by: world.aneca, token: world.anecaToken)
            let token = try await world.server.issueToken(role: "issuer", principal: "uni")
            let refused = try await world.server.request(.POST, "/admin/entries", token: token, json: ["purpose": "revocation"])
            #expect(refused.status == 403 && refused.text.contains("standing identities create"), "\(refused.text)")
            let identity = try await world.server.admin(
                .POST, "/admin/identities", json: ["issuer": "uni", "kind": "did-web", "did": Self.university.did])
            #expect(identity.status == 201, "\(identity.text)")
            let allowed = try await world.server.request(.POST, "/admin/entries", token: token, json: ["purpose": "revocation"])
            #expect(allowed.status == 201, "\(allowed.text)")
        }
    }

    /// How an issuer stops being an active accredited issuer, and the words its refusal must hold.
    enum Lapse: String, CaseIterable, Sendable {
        case suspended, revoked, bodySuspended, bodyRevoked
    }

    @Test(arguments: Lapse.allCases)
    func lapsedIssuerIsRefusedWithTheReason(lapse: Lapse) async throws {
        try await Self.withWorld(requireAccreditation: true) { world in
            let id = try await world.accredit(Self.university, by: world.aneca, token: world.anecaToken)
            let issuer = try await Self.issuerList(world, principal: Self.university.did)
            let own = "accreditation \(id) by \(world.aneca.did)"
            let body = "its accrediting body \(world.aneca.did) is no longer accredited (accreditation \(world.anecaAccreditationId)"
            let words: [String]
            switch lapse {
            case .suspended:
                try await world.change(.suspend, id, subject: Self.university.did, by: world.aneca, token: world.anecaToken)
                words = ["\(own) is suspended since 20", "(quality review)"]
            case .revoked:
                try await world.change(.revoke, id, subject: Self.university.did, by: world.aneca, token: world.anecaToken)
                words = ["\(own) was revoked on 20", "(quality review)"]
            case .bodySuspended:
                try await world.change(
                    .suspend,
                    world.anecaAccreditationId,
                    subject: world.aneca.did,
                    by: world.root,
                    token: world.server.operatorToken
                )
                words = ["\(body) is suspended since 20"]
            case .bodyRevoked:
                try await world.change(
                    .revoke,
                    world.anecaAccreditationId,
                    subject: world.aneca.did,
                    by: world.root,
                    token: world.server.operatorToken
                )
                words = ["\(body) was revoked on 20"]
            }
            let common = ["'\(Self.university.did)' may not", "it has no accreditation in force"]
            try await Self.expectRefused(world, issuer, words: common + words)
        }
    }

    @Test func expiredIssuerIsRefusedWithTheDate() async throws {
        try await Self.withWorld(requireAccreditation: true) { world in
            // Ends soon, but not before a loaded machine has recorded it and written with it (the registry refuses an
            // ended period).
            let until = RegistryTime.truncated(Date()).addingTimeInterval(10)
            let id = try await world.accredit(
                Self.university,
                by: world.aneca,
                token: world.anecaToken,
                validFrom: until.addingTimeInterval(-86_400),
                validUntil: until
            )
            let issuer = try await Self.issuerList(world, principal: Self.university.did)
            try await Task.sleep(for: .seconds(max(0.1, until.timeIntervalSinceNow + 0.5)))
            try await Self.expectRefused(
                world,
                issuer,
                words: ["accreditation \(id) by \(world.aneca.did) expired on \(RegistryTime.format(until))"]
            )
        }
    }

    @Test func unknownIssuerIsRefusedAsNotInTheRegistry() async throws {
        try await Self.withWorld(requireAccreditation: true) { world in
            let token = try await world.server.issueToken(role: "issuer", principal: "did:web:unknown.example")
            // The operator made it a list; the issuer may not write to it.
            let list = try await world.server.createList(["purpose": "revocation", "owner": "did:web:unknown.example"])
            let index = try #require(try await world.server.allocate(list).first)
            try await Self.expectRefused(
                world,
                IssuerList(token: token, list: list, index: index),
                words: ["'did:web:unknown.example' may not", "it is not in the registry"]
            )
        }
    }

    @Test func bodyPrincipalIsRefusedAsNoIssuer() async throws {
        try await Self.withWorld(requireAccreditation: true) { world in
            let token = try await world.server.issueToken(role: "issuer", principal: world.aneca.did)
            let list = try await world.server.createList(["purpose": "revocation", "owner": world.aneca.did])
            let index = try #require(try await world.server.allocate(list).first)
            try await Self.expectRefused(
                world,
                IssuerList(token: token, list: list, index: index),
                words: ["is in the registry as an accreditation body, not accredited as an issuer"]
            )
        }
    }

    @Test func principalWithoutDIDIsRefusedWithHowToGiveItOne() async throws {
        try await Self.withWorld(requireAccreditation: true) { world in
            let token = try await world.server.issueToken(role: "issuer", principal: "uni")
            let list = try await world.server.createList(["purpose": "revocation", "owner": "uni"])
            let index = try #require(try await world.server.allocate(list).first)
            try await Self.expectRefused(
                world,
                IssuerList(token: token, list: list, index: index),
                words: ["'uni' may not", "the principal has no DID to look up", "standing tokens create --role issuer --principal"]
            )
        }
    }

    @Test func operatorTokensAreNotHeldToIt() async throws {
        try await Self.withWorld(requireAccreditation: true) { world in
            // Its own lists, and a list for an issuer that is not accredited.
            for owner in [nil, "did:web:unknown.example"] {
                var parameters: [String: Any] = ["purpose": "revocation"]
                if let owner { parameters["owner"] = owner }
                let list = try await world.server.createList(parameters)
                let index = try #require(try await world.server.allocate(list).first)
                let revoked = try await world.server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": index, "intent": "revoke"])
                #expect(revoked.status == 200, "\(revoked.text)")
            }
            #expect(try await world.server.admin(.POST, "/admin/entries", json: ["purpose": "revocation"]).status == 201)
        }
    }

    @Test func withoutTheSettingUnaccreditedIssuersWriteAsBefore() async throws {
        try await Self.withWorld(requireAccreditation: false) { world in
            let id = try await world.accredit(Self.university, by: world.aneca, token: world.anecaToken)
            try await world.change(.revoke, id, subject: Self.university.did, by: world.aneca, token: world.anecaToken)
            for principal in [Self.university.did, "did:web:unknown.example", "uni"] {
                let issuer = try await Self.issuerList(world, principal: principal)
                for write in Self.writes(issuer) {
                    let response = try await world.server.request(write.method, write.path, token: issuer.token, json: write.body)
                    #expect([200, 201].contains(response.status), "\(principal) \(write.name): \(response.status) \(response.text)")
                }
            }
        }
    }

    @Test func settingResolvesFromFlagEnvironmentAndFile() throws {
        #expect(ServerConfiguration().requireAccreditation == false)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-accredit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("config.json")
        try Data(#"{"requireAccreditation": true}"#.utf8).write(to: file)
        let fromFile = try ServerConfiguration.resolved(.init(dataDirectory: directory.path, configFile: file.path), environment: [:])
        #expect(fromFile.requireAccreditation)
        let environment = ["STANDING_REQUIRE_ACCREDITATION": "false"]
        let fromEnvironment = try ServerConfiguration.resolved(.init(dataDirectory: directory.path, configFile: file.path), environment: environment)
        #expect(!fromEnvironment.requireAccreditation)
        let fromFlag = try ServerConfiguration.resolved(
            .init(dataDirectory: directory.path, configFile: file.path, requireAccreditation: true),
            environment: environment
        )
        #expect(fromFlag.requireAccreditation)
        #expect(throws: ServiceError.self) {
            try ServerConfiguration.resolved(.init(dataDirectory: directory.path), environment: ["STANDING_REQUIRE_ACCREDITATION": "yes"])
        }
    }
}
