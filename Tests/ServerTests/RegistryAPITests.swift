import Foundation
import NIOHTTP1
import Server
import Signing
import StandingTestSupport
import Testing
import TrustRegistry

/// Integration tests of the trust registry against a running server: every view (EBSI TIR v5, TRQP v2, LoTE, wallet
/// snapshot and change feed, the public log) after statements submitted over HTTP, and the write rules.
@Suite struct RegistryAPITests {
    // MARK: Lifecycle through every view

    @Test func suspendedThenReinstatedIssuerInEveryView() async throws {
        try await RegistryWorld.run { world in
            let university = RegistryParty(did: "did:web:uni.example.es", role: .issuer, name: "Universidad Ejemplo", country: "ES")
            let accreditationId = try await world.accredit(university, by: world.aneca, token: world.anecaToken)
            #expect(try await world.authorized(university.did) == true)
            #expect(try await world.issuerTypes(university.did) == ["TI"])
            var loteSequence = try await world.verifiedLoTESequence()

            try await world.change(.suspend, accreditationId, subject: university.did, by: world.aneca, token: world.anecaToken)
            #expect(try await world.authorized(university.did) == false)
            #expect(try await world.issuerTypes(university.did) == ["Revoked"])
            let afterSuspension = try await world.verifiedLoTESequence(previous: loteSequence)
            #expect(afterSuspension > loteSequence)
            loteSequence = afterSuspension

            try await world.change(.reinstate, accreditationId, subject: university.did, by: world.aneca, token: world.anecaToken)
            #expect(try await world.authorized(university.did) == true)
            #expect(try await world.issuerTypes(university.did) == ["TI"])
            let afterReinstatement = try await world.verifiedLoTESequence(previous: loteSequence)
            #expect(afterReinstatement > loteSequence)

            // The revisions tell the whole story: active, suspended, active.
            let revisions = try await world.read(
                "/trusted-issuers-registry/v5/issuers/\(university.did)/attributes/\(try await world.attributeID(university.did))/revisions"
            )
            #expect(revisions.status == 200)
            let statuses = (revisions.json["items"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? String }
            #expect(statuses.sorted() == ["active", "active", "suspended"])
            // The issuer's revisions list the same ones in log order, each found again by its revisionId.
            let issuerRevisions = try await world.read("/trusted-issuers-registry/v5/issuers/\(university.did)/revisions?page%5Bsize%5D=2")
            #expect(issuerRevisions.status == 200 && issuerRevisions.json["total"] as? Int == 3, "\(issuerRevisions.text)")
            let firstPage = issuerRevisions.json["items"] as? [[String: Any]] ?? []
            #expect(firstPage.compactMap { $0["status"] as? String } == ["active", "suspended"])
            let next = try #require((issuerRevisions.json["links"] as? [String: Any])?["next"] as? String)
            let secondPage = try await world.read(String(next.dropFirst(world.server.baseURL.count)))
            #expect((secondPage.json["items"] as? [[String: Any]])?.compactMap { $0["status"] as? String } == ["active"], "\(secondPage.text)")
            let href = try #require(firstPage.last?["href"] as? String)
            let one = try await world.read(String(href.dropFirst(world.server.baseURL.count)))
            #expect(one.status == 200 && (one.json["revision"] as? [String: Any])?["status"] as? String == "suspended", "\(one.text)")
            let unknown = try await world.read("/trusted-issuers-registry/v5/issuers/\(university.did)/revisions/\(String(repeating: "0", count: 64))")
            #expect(unknown.status == 404 && unknown.header("Content-Type") == "application/problem+json")
            // The same revision under its attribute: the attribute's own item, and 404 under another attribute id.
            let attribute = try #require(firstPage.last?["attributeId"] as? String)
            let revisionId = try #require(firstPage.last?["revisionId"] as? String)
            let underAttribute = try await world.read(
                "/trusted-issuers-registry/v5/issuers/\(university.did)/attributes/\(attribute)/revisions/\(revisionId)")
            #expect(underAttribute.status == 200 && underAttribute.text == one.text, "\(underAttribute.text)")
            let wrongAttribute = try await world.read(
                "/trusted-issuers-registry/v5/issuers/\(university.did)/attributes/\(String(repeating: "1", count: 64))/revisions/\(revisionId)")
            #expect(wrongAttribute.status == 404 && wrongAttribute.header("Content-Type") == "application/problem+json")

            // The deprecated shape carries the attributes inline.
            let deprecated = try await world.read("/trusted-issuers-registry/v5/issuers/\(university.did)?version=deprecated")
            #expect(deprecated.status == 200)
            #expect((deprecated.json["attributes"] as? [[String: Any]])?.first?["issuerType"] as? String == "TI")
        }
    }

    @Test func revokedIssuerIsRevokedNowButWasAccreditedBefore() async throws {
        try await RegistryWorld.run { world in
            let college = RegistryParty(did: "did:web:college.example.es", role: .issuer, name: "Colegio Ejemplo", country: "ES")
            let start = RegistryTime.truncated(Date()).addingTimeInterval(-3600)
            let accreditationId = try await world.accredit(college, by: world.aneca, token: world.anecaToken, validFrom: start)
            let loteSequence = try await world.verifiedLoTESequence()
            try await world.change(.revoke, accreditationId, subject: college.did, by: world.aneca, token: world.anecaToken)

            #expect(try await world.authorized(college.did) == false)
            #expect(try await world.issuerTypes(college.did) == ["Revoked"])
            // Accredited at a time before the revocation, not after it.
            #expect(try await world.authorized(college.did, at: start.addingTimeInterval(600)) == true)
            #expect(try await world.authorized(college.did, at: Date().addingTimeInterval(5)) == false)
            #expect(try await world.verifiedLoTESequence(previous: loteSequence) > loteSequence)

            // Revoked is final.
            let reinstate = try await world.submit(
                try world.lifecycle(.reinstate, accreditationId, subject: college.did, by: world.aneca),
                token: world.anecaToken
            )
            #expect(reinstate.status == 409)
        }
    }

    @Test func expiredAccreditationIsNoLongerAuthorized() async throws {
        try await RegistryWorld.run { world in
            let academy = RegistryParty(did: "did:web:academy.example.es", role: .issuer, name: "Academia Ejemplo", country: "ES")
            // Ends soon, but not before a loaded machine has recorded it (the registry refuses an ended period).
            let until = RegistryTime.truncated(Date()).addingTimeInterval(10)
            _ = try await world.accredit(
                academy,
                by: world.aneca,
                token: world.anecaToken,
                validFrom: until.addingTimeInterval(-86_400),
                validUntil: until
            )
            #expect(try await world.authorized(academy.did, at: until.addingTimeInterval(-2)) == true)
            try await Task.sleep(for: .seconds(max(0.1, until.timeIntervalSinceNow + 0.5)))
            #expect(try await world.authorized(academy.did) == false)
            #expect(try await world.authorized(academy.did, at: until.addingTimeInterval(-2)) == true)
        }
    }

    // MARK: Refused writes

    @Test func refusedWritesRecordNothing() async throws {
        try await RegistryWorld.run { world in
            let university = RegistryParty(did: "did:web:uni.example.es", role: .issuer, name: "Universidad Ejemplo", country: "ES")
            // The LoTE is re-signed in the background after the set-up writes: compare against the settled one.
            let head = try await world.settled()
            let loteBefore = try await world.read("/lote").header("ETag")

            // A body widening its scope beyond its own ceiling (EQF 8, the Netherlands).
            let wide = [
                Scope(
                    credentialTypes: RegistryWorld.baseTypes.union(["MicroCredential"]),
                    schemaIds: [RegistryWorld.microSchema],
                    eqfLevels: [RegistryVocabulary.eqfLevel(8)],
                    jurisdictions: [RegistryVocabulary.country("NLD")]
                )
            ]
            let widened = try await world.submit(
                try world.accreditStatement(university, by: world.aneca, scope: wide),
                token: world.anecaToken
            )
            #expect(widened.status == 403)
            #expect(widened.header("Content-Type") == "application/problem+json")

            // A forged signature: ANECA's key id, someone else's key.
            let forger = RegistryParty(did: world.aneca.did, role: .accreditationBody, name: "Forger", country: "ES")
            let forged = try await world.submit(try world.accreditStatement(university, by: forger), token: world.anecaToken)
            #expect(forged.status == 400)
            #expect(forged.header("Content-Type") == "application/problem+json")

            // A tampered signature on an otherwise valid statement.
            var tampered = try world.accreditStatement(university, by: world.aneca)
            let last = tampered.removeLast()
            tampered.append(last == "A" ? "B" : "A")
            #expect(try await world.submit(tampered, token: world.anecaToken).status == 400)

            // A body's token cannot submit a statement another body signed.
            let foreign = try await world.submit(
                try world.accreditStatement(university, by: world.nvao, scope: RegistryWorld.dutchMicro),
                token: world.anecaToken
            )
            #expect(foreign.status == 403)

            // Without a token, or with an issuer token, nothing is accepted.
            #expect(try await world.submit(try world.accreditStatement(university, by: world.aneca), token: nil).status == 401)
            let issuerToken = try await world.server.issueToken(role: "issuer", principal: "registry-test-issuer")
            #expect(try await world.submit(try world.accreditStatement(university, by: world.aneca), token: issuerToken).status == 403)

            #expect(try await world.logHead() == head)
            #expect(try await world.read("/lote").header("ETag") == loteBefore)
            #expect(try await world.read("/trusted-issuers-registry/v5/issuers/\(university.did)").status == 404)
        }
    }

    // MARK: Reads of unknowns, malformed queries, pagination

    @Test func unknownsAndMalformedQueries() async throws {
        try await RegistryWorld.run { world in

            let unknownIssuer = try await world.read("/trusted-issuers-registry/v5/issuers/did:web:nobody.example")
            #expect(unknownIssuer.status == 404)
            #expect(unknownIssuer.header("Content-Type") == "application/problem+json")
            #expect(try await world.read("/trusted-issuers-registry/v5/issuers/did:web:nobody.example/attributes").status == 404)

            // An unknown entity under a known authority is a denial, not an error.
            let unknownEntity = try await world.trqp(entity: "did:web:nobody.example", authority: world.root.did)
            #expect(unknownEntity.status == 200)
            #expect(unknownEntity.json["authorized"] as? Bool == false)
            #expect(unknownEntity.json["entity_id"] as? String == "did:web:nobody.example")
            #expect(unknownEntity.header("X-Registry-Seq") != nil)

            let unknownAuthority = try await world.trqp(entity: world.aneca.did, authority: "did:web:nobody.example")
            #expect(unknownAuthority.status == 404)
            #expect(unknownAuthority.header("Content-Type") == "application/problem+json")

            for body in [
                #"{"entity_id": "did:web:a.example"}"#, "not json",
                #"{"entity_id":"a","authority_id":"b","action":"issue","resource":"r","context":{"time":"yesterday"}}"#,
            ] {
                let response = try await world.server.request(
                    .POST,
                    "/trqp/authorization",
                    body: Data(body.utf8),
                    headers: [("Content-Type", "application/json")]
                )
                #expect(response.status == 400, "\(body)")
            }

            let head = try await world.logHead()
            #expect(try await world.read("/registry/v1/changes?since=\(head + 1)").status == 400)
            #expect(try await world.read("/registry/v1/changes?since=-1").status == 400)
            #expect(try await world.read("/registry/v1/changes?since=\(head)").status == 200)
        }
    }

    @Test func issuerPaginationWalksEveryIssuer() async throws {
        try await RegistryWorld.run { world in
            var expected: Set<String> = [world.root.did, world.aneca.did, world.nvao.did]
            for index in 0..<3 {
                let issuer = RegistryParty(did: "did:web:uni\(index).example.es", role: .issuer, name: "Universidad \(index)", country: "ES")
                try await world.accredit(issuer, by: world.aneca, token: world.anecaToken)
                expected.insert(issuer.did)
            }
            var seen: [String] = []
            var path = "/trusted-issuers-registry/v5/issuers?page[size]=1"
            var pages = 0
            while pages < 20 {
                pages += 1
                let page = try await world.read(path)
                try #require(page.status == 200, "\(path): \(page.text)")
                #expect(page.json["pageSize"] as? Int == 1)
                #expect(page.json["total"] as? Int == expected.count)
                seen += (page.json["items"] as? [[String: Any]] ?? []).compactMap { $0["did"] as? String }
                let links = try #require(page.json["links"] as? [String: Any])
                let next = try #require(links["next"] as? String)
                if next == page.json["self"] as? String || seen.count >= expected.count { break }
                try #require(next.hasPrefix(world.server.baseURL), "next link \(next) is not under \(world.server.baseURL)")
                path = String(next.dropFirst(world.server.baseURL.count))
            }
            #expect(seen.count == expected.count)
            #expect(Set(seen) == expected)

            // The bracketed names work percent-encoded too, and a size outside 1...100 is refused.
            let encoded = try await world.read("/trusted-issuers-registry/v5/issuers?page%5Bsize%5D=2")
            #expect(encoded.json["pageSize"] as? Int == 2)
            #expect((encoded.json["items"] as? [Any])?.count == 2)
            #expect(try await world.read("/trusted-issuers-registry/v5/issuers?page%5Bsize%5D=0").status == 400)
            #expect(try await world.read("/trusted-issuers-registry/v5/issuers?page%5Bsize%5D=101").status == 400)
        }
    }

    // MARK: Snapshot and change feed

    @Test func changeFeedReconstructsTheSnapshotExactly() async throws {
        try await RegistryWorld.run { world in
            let keys = try await world.serviceKeys()
            let first = RegistryParty(did: "did:web:first.example.es", role: .issuer, name: "Primera", country: "ES")
            let firstId = try await world.accredit(first, by: world.aneca, token: world.anecaToken)

            let head = try await world.settled()
            let before = try await world.read("/registry/v1/snapshot")
            #expect(before.status == 200)
            #expect(before.header("Content-Type") == "application/jwt")
            let old = try WalletSigning.verifySnapshot(before.text, keys: keys)
            #expect(old.seq == head)
            #expect(before.header("X-Registry-Signed-Seq") == String(old.seq))
            #expect(before.header("X-Registry-Seq") == String(head))

            let second = RegistryParty(did: "did:web:second.example.nl", role: .issuer, name: "Tweede", country: "NL")
            let secondId = try await world.accredit(second, by: world.nvao, token: world.nvaoToken, scope: RegistryWorld.dutchMicro)
            try await world.change(.suspend, firstId, subject: first.did, by: world.aneca, token: world.anecaToken)
            try await world.change(.revoke, secondId, subject: second.did, by: world.root, token: world.server.operatorToken)
            try await world.change(.reinstate, firstId, subject: first.did, by: world.aneca, token: world.anecaToken)

            // Right after the writes the snapshot may still be signing: whatever seq it reflects, the feed from there
            // reaches the head, and both are signed.
            let current = try await world.read("/registry/v1/snapshot")
            let lagging = try WalletSigning.verifySnapshot(current.text, keys: keys)
            #expect(current.header("X-Registry-Signed-Seq") == String(lagging.seq))
            #expect(current.header("X-Registry-Seq") == String(old.seq + 4))
            let catchUp = try WalletSigning.verifyChangeFeed(try await world.read("/registry/v1/changes?since=\(lagging.seq)").text, keys: keys)
            #expect(catchUp.fromSeq == lagging.seq && catchUp.toSeq == old.seq + 4)

            try await world.settled()
            let after = try await world.read("/registry/v1/snapshot")
            let new = try WalletSigning.verifySnapshot(after.text, keys: keys)
            #expect(new.seq == old.seq + 4)
            #expect(try lagging.applying(catchUp, issuedAt: new.issuedAt, nextUpdate: new.nextUpdate) == new)

            let feedResponse = try await world.read("/registry/v1/changes?since=\(old.seq)")
            #expect(feedResponse.status == 200)
            #expect(feedResponse.header("Content-Type") == "application/jwt")
            let feed = try WalletSigning.verifyChangeFeed(feedResponse.text, keys: keys)
            #expect(feed.fromSeq == old.seq)
            #expect(feed.toSeq == new.seq)
            #expect(feed.events.map(\.seq) == Array((old.seq + 1)...new.seq))

            let rebuilt = try old.applying(feed, issuedAt: new.issuedAt, nextUpdate: new.nextUpdate)
            #expect(rebuilt.seq == new.seq)
            #expect(rebuilt.head == new.head)
            #expect(rebuilt.records == new.records)
            #expect(rebuilt.entities == new.entities)
            #expect(rebuilt.recognitions == new.recognitions)
            #expect(rebuilt == new)

            // A feed signed by another key does not verify.
            let stranger = JWKSet(verificationKeys: [SigningKey.generate(.es256).verificationKey])
            #expect(throws: RegistryError.self) { try WalletSigning.verifyChangeFeed(feedResponse.text, keys: stranger) }

            // The log re-verifies as a hash chain and agrees with the snapshot head.
            let log = try await world.read("/registry/v1/log?after=0&limit=100")
            #expect(log.json["head"] as? Int == new.seq)
            let events = try (log.json["events"] as? [[String: Any]] ?? []).map {
                try RegistryEvent(jsonData: try JSONSerialization.data(withJSONObject: $0))
            }
            #expect(events.count == new.seq)
            let replayed = try RegistryState.replay(events)
            #expect(replayed.seq == new.seq)
            #expect(events.last?.hash == new.head)
        }
    }

    @Test func concurrentBurstIsRecordedAndTheSnapshotCatchesUp() async throws {
        try await RegistryWorld.run { world in
            let keys = try await world.serviceKeys()
            let start = try await world.logHead()
            let issuers = (0..<12).map {
                RegistryParty(did: "did:web:burst\($0).example.es", role: .issuer, name: "Burst \($0)", country: "ES")
            }
            // Concurrent submissions are serialised by the registry: each one is recorded, none races another for its seq.
            let seqs = try await withThrowingTaskGroup(of: Int.self) { group in
                for issuer in issuers {
                    group.addTask {
                        let response = try await world.submit(try world.accreditStatement(issuer, by: world.aneca), token: world.anecaToken)
                        guard response.status == 201, let seq = response.json["seq"] as? Int else {
                            throw TestFailure("burst write refused: \(response.status) \(response.text)")
                        }
                        return seq
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(seqs.sorted() == Array((start + 1)...(start + issuers.count)))
            // Reads from the state see the whole burst at once; the signed snapshot follows.
            for issuer in issuers { #expect(try await world.authorized(issuer.did) == true) }

            let head = try await world.settled()
            #expect(head == start + issuers.count)
            let response = try await world.read("/registry/v1/snapshot")
            let snapshot = try WalletSigning.verifySnapshot(response.text, keys: keys)
            #expect(snapshot.seq == head)
            let subjects = Set(snapshot.records.map(\.subject))
            #expect(issuers.allSatisfy { subjects.contains($0.did) })
            #expect(try await world.verifiedLoTESequence() >= 1)
        }
    }

    // MARK: X-Registry-Seq

    @Test func everyViewNamesItsState() async throws {
        try await RegistryWorld.run { world in
            let university = RegistryParty(did: "did:web:uni.example.es", role: .issuer, name: "Universidad Ejemplo", country: "ES")
            try await world.accredit(university, by: world.aneca, token: world.anecaToken)
            let head = try await world.settled()
            let attribute = try await world.attributeID(university.did)
            let base = "/trusted-issuers-registry/v5/issuers"
            let reads = [
                base, "\(base)/\(university.did)", "\(base)/\(university.did)?version=deprecated", "\(base)/\(university.did)/attributes",
                "\(base)/\(university.did)/attributes/\(attribute)", "\(base)/\(university.did)/attributes/\(attribute)/revisions",
                "\(base)/\(university.did)/revisions",
                "/trqp/metadata", "/lote", "/registry/v1/snapshot", "/registry/v1/changes?since=0", "/registry/v1/log",
            ]
            for path in reads {
                let response = try await world.read(path)
                #expect(response.status == 200, "\(path): \(response.text)")
                #expect(response.header("X-Registry-Seq") == String(head), "\(path)")
                // Only the artefacts signed in the background say which state they were signed at.
                let signed = path == "/lote" || path == "/registry/v1/snapshot"
                #expect(response.header("X-Registry-Signed-Seq") == (signed ? String(head) : nil), "\(path)")
            }
            let authorization = try await world.trqp(entity: university.did, authority: world.aneca.did)
            #expect(authorization.header("X-Registry-Seq") == String(head))
            let recognition = try await world.trqp(
                entity: world.aneca.did,
                authority: world.root.did,
                action: RegistryAction.accredit,
                resource: RegistryAction.accreditationDecisions,
                path: "/trqp/recognition"
            )
            #expect(recognition.status == 200)
            #expect(recognition.json["recognized"] as? Bool == true)
            #expect(recognition.header("X-Registry-Seq") == String(head))
        }
    }
}

// MARK: - Support

/// A signer with a throw-away key: an entity and its private key.
struct RegistryParty: Sendable {
    let key: SigningKey
    let entity: Entity

    var did: String { entity.did }
    var keyID: String { entity.did + "#" + (entity.keys.first?.kid ?? "") }

    init(did: String, role: EntityRole, name: String, country: String) {
        let key = SigningKey.generate(.es256)
        self.key = key
        let draft = Entity(
            did: did,
            role: role,
            keys: [key.verificationKey.jwk(keyID: "key-1")],
            names: ["en": name],
            country: country,
            website: "https://" + (did.split(separator: ":").dropFirst(2).first.map(String.init) ?? "example.org"),
            email: "registry@example.org",
            address: PostalAddress(street: "1 Example Street", locality: "Example", postalCode: "1000")
        )
        self.entity = (try? draft.validated()) ?? draft
    }

    func sign(_ statement: RegistryStatement) throws -> String {
        try statement.sign(with: key, keyID: keyID)
    }
}

/// A running server with a root authority and two accreditation bodies (ANECA for Spain, NVAO for the Netherlands),
/// each body holding its own `accreditation-body` token.
struct RegistryWorld: Sendable {
    static let baseTypes: Set<String> = ["VerifiableCredential", "VerifiableAttestation", "EuropeanDigitalCredential"]
    static let microSchema = "https://registry.example.eu/schemas/edc-microcredential-v1"
    static let microCredential = "MicroCredential"

    static let rootScope = [
        Scope(
            credentialTypes: baseTypes.union([microCredential, "Diploma"]),
            schemaIds: [microSchema],
            eqfLevels: Set((1...8).map(RegistryVocabulary.eqfLevel)),
            jurisdictions: Set(["ESP", "NLD", "BEL"].map(RegistryVocabulary.country))
        )
    ]
    static let anecaScope = [
        Scope(
            credentialTypes: baseTypes.union([microCredential]),
            schemaIds: [microSchema],
            eqfLevels: Set([4, 5, 6, 7].map(RegistryVocabulary.eqfLevel)),
            jurisdictions: [RegistryVocabulary.country("ESP")]
        )
    ]
    static let nvaoScope = [
        Scope(
            credentialTypes: baseTypes.union([microCredential]),
            schemaIds: [microSchema],
            eqfLevels: Set([5, 6, 7, 8].map(RegistryVocabulary.eqfLevel)),
            jurisdictions: [RegistryVocabulary.country("NLD")]
        )
    ]
    static let spanishMicro = [
        Scope(
            credentialTypes: baseTypes.union([microCredential]),
            schemaIds: [microSchema],
            eqfLevels: Set([5, 6].map(RegistryVocabulary.eqfLevel)),
            jurisdictions: [RegistryVocabulary.country("ESP")]
        )
    ]
    static let dutchMicro = [
        Scope(
            credentialTypes: baseTypes.union([microCredential]),
            schemaIds: [microSchema],
            eqfLevels: Set([6].map(RegistryVocabulary.eqfLevel)),
            jurisdictions: [RegistryVocabulary.country("NLD")]
        )
    ]

    let server: TestServer
    let root: RegistryParty
    let aneca: RegistryParty
    let nvao: RegistryParty
    let rootAuthorisationId: String
    let anecaAccreditationId: String
    let nvaoAccreditationId: String
    let anecaToken: String
    let nvaoToken: String

    /// The base URL written into statements.
    var registryBaseURL: String { server.baseURL }

    /// Whole seconds: statement times and periods are recorded at second precision.
    static func now() -> Date { RegistryTime.truncated(Date()) }

    /// Starts a server and sets up the root authority and both bodies through `POST /admin/registry/statements`.
    static func start(configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> RegistryWorld {
        let server = try await TestServer.start(configure: configure)
        do {
            let root = RegistryParty(did: "did:web:registry.example.eu", role: .rootAuthority, name: "Example Registry", country: "BE")
            let aneca = RegistryParty(did: "did:web:aneca.example", role: .accreditationBody, name: "ANECA (example)", country: "ES")
            let nvao = RegistryParty(did: "did:web:nvao.example", role: .accreditationBody, name: "NVAO (example)", country: "NL")
            let now = Self.now()
            let authorisation = AccreditationGrant(
                subject: root.did,
                role: .rootTAO,
                scope: rootScope,
                validFrom: now.addingTimeInterval(-30 * 86_400),
                validUntil: now.addingTimeInterval(10 * 365 * 86_400),
                parentAccreditationId: nil
            )
            let initialise = try RegistryStatement.initialise(
                root: root.entity,
                grant: authorisation,
                registryBaseURL: server.baseURL,
                issuedAt: now
            )
            try await Self.expectCreated(server, try root.sign(initialise), token: server.operatorToken)
            var bodyIds: [String] = []
            for (body, scope) in [(aneca, anecaScope), (nvao, nvaoScope)] {
                let grant = AccreditationGrant(
                    subject: body.did,
                    role: .tao,
                    scope: scope,
                    validFrom: now.addingTimeInterval(-30 * 86_400),
                    validUntil: now.addingTimeInterval(5 * 365 * 86_400),
                    parentAccreditationId: authorisation.accreditationId
                )
                let statement = try RegistryStatement.registerBody(
                    rootAuthority: root.did,
                    body: body.entity,
                    grant: grant,
                    registryBaseURL: server.baseURL,
                    issuedAt: now
                )
                try await Self.expectCreated(server, try root.sign(statement), token: server.operatorToken)
                bodyIds.append(grant.accreditationId)
            }
            return RegistryWorld(
                server: server,
                root: root,
                aneca: aneca,
                nvao: nvao,
                rootAuthorisationId: authorisation.accreditationId,
                anecaAccreditationId: bodyIds[0],
                nvaoAccreditationId: bodyIds[1],
                anecaToken: try await server.issueToken(role: "accreditation-body", principal: aneca.did),
                nvaoToken: try await server.issueToken(role: "accreditation-body", principal: nvao.did)
            )
        } catch {
            await server.stopAndRemove()
            throw error
        }
    }

    /// Runs `body` against a fresh world and removes the server afterwards, also when `body` fails.
    static func run(_ body: (RegistryWorld) async throws -> Void) async throws {
        let world = try await start()
        do {
            try await body(world)
        } catch {
            await world.server.stopAndRemove()
            throw error
        }
        await world.server.stopAndRemove()
    }

    static func expectCreated(_ server: TestServer, _ statement: String, token: String) async throws {
        let response = try await server.request(.POST, "/admin/registry/statements", token: token, json: ["statement": statement])
        guard response.status == 201 else { throw TestFailure("statement refused: \(response.status) \(response.text)") }
    }

    func parent(of body: RegistryParty) -> String {
        body.did == aneca.did ? anecaAccreditationId : body.did == nvao.did ? nvaoAccreditationId : rootAuthorisationId
    }

    func submit(_ statement: String, token: String?) async throws -> TestResponse {
        try await server.request(.POST, "/admin/registry/statements", token: token, json: ["statement": statement])
    }

    /// A signed accreditation of `subject` by `body` (not submitted).
    func accreditStatement(
        _ subject: RegistryParty,
        by body: RegistryParty,
        scope: [Scope] = spanishMicro,
        validFrom: Date? = nil,
        validUntil: Date? = nil,
        id: String = AccreditationGrant.newID()
    ) throws -> String {
        let now = Self.now()
        let grant = AccreditationGrant(
            accreditationId: id,
            subject: subject.did,
            role: .ti,
            scope: scope,
            validFrom: validFrom ?? now.addingTimeInterval(-86_400),
            validUntil: validUntil ?? now.addingTimeInterval(2 * 365 * 86_400),
            parentAccreditationId: parent(of: body)
        )
        let statement = try RegistryStatement.accredit(
            accreditor: body.did,
            grant: grant,
            subjectEntity: subject.entity,
            rootAuthority: root.did,
            registryBaseURL: registryBaseURL,
            issuedAt: now
        )
        return try body.sign(statement)
    }

    /// Accredits `subject` through the API; returns the accreditation id.
    @discardableResult
    func accredit(
        _ subject: RegistryParty,
        by body: RegistryParty,
        token: String,
        scope: [Scope] = spanishMicro,
        validFrom: Date? = nil,
        validUntil: Date? = nil
    ) async throws -> String {
        let id = AccreditationGrant.newID()
        let response = try await submit(
            try accreditStatement(subject, by: body, scope: scope, validFrom: validFrom, validUntil: validUntil, id: id),
            token: token
        )
        guard response.status == 201 else { throw TestFailure("accreditation refused: \(response.status) \(response.text)") }
        #expect(response.json["kind"] as? String == "accredit")
        #expect(response.header("X-Registry-Seq") == (response.json["seq"] as? Int).map(String.init))
        return id
    }

    func lifecycle(_ action: LifecycleAction, _ id: String, subject: String, by signer: RegistryParty) throws -> String {
        let statement = try RegistryStatement.lifecycle(
            signer: signer.did,
            change: LifecycleChange(action: action, targetId: id, subject: subject, reason: action == .reinstate ? nil : "quality review"),
            rootAuthority: root.did,
            issuedAt: Self.now()
        )
        return try signer.sign(statement)
    }

    /// Submits a lifecycle change and expects it recorded.
    func change(_ action: LifecycleAction, _ id: String, subject: String, by signer: RegistryParty, token: String) async throws {
        let response = try await submit(try lifecycle(action, id, subject: subject, by: signer), token: token)
        guard response.status == 201 else { throw TestFailure("\(action) refused: \(response.status) \(response.text)") }
        #expect(response.json["kind"] as? String == action.rawValue)
    }

    /// A public GET.
    func read(_ path: String) async throws -> TestResponse {
        try await server.request(.GET, path)
    }

    /// `POST /trqp/authorization` (or `path`).
    func trqp(
        entity: String,
        authority: String,
        action: String = RegistryAction.issue,
        resource: String = RegistryWorld.microCredential,
        context: [String: String]? = nil,
        path: String = "/trqp/authorization"
    ) async throws -> TestResponse {
        var body: [String: Any] = ["entity_id": entity, "authority_id": authority, "action": action, "resource": resource]
        if let context { body["context"] = context }
        return try await server.request(.POST, path, json: body)
    }

    /// Whether ANECA authorised `entity` to issue EQF 5 micro-credentials in Spain, now or at `time`.
    func authorized(_ entity: String, at time: Date? = nil) async throws -> Bool {
        var context = ["eqfLevel": RegistryVocabulary.eqfLevel(5), "jurisdiction": RegistryVocabulary.country("ESP")]
        if let time { context["time"] = RegistryTime.format(time) }
        let response = try await trqp(entity: entity, authority: aneca.did, context: context)
        guard response.status == 200, let authorized = response.json["authorized"] as? Bool else {
            throw TestFailure("TRQP query failed: \(response.status) \(response.text)")
        }
        if let time { #expect(response.json["time_requested"] as? String == RegistryTime.format(time)) }
        return authorized
    }

    /// The issuer's attributes' `issuerType`s, via the EBSI views.
    func issuerTypes(_ did: String) async throws -> [String] {
        let page = try await read("/trusted-issuers-registry/v5/issuers/\(did)/attributes")
        guard page.status == 200 else { throw TestFailure("attributes of \(did): \(page.status) \(page.text)") }
        var types: [String] = []
        for item in page.json["items"] as? [[String: Any]] ?? [] {
            guard let id = item["id"] as? String else { continue }
            let attribute = try await read("/trusted-issuers-registry/v5/issuers/\(did)/attributes/\(id)")
            guard attribute.status == 200 else { throw TestFailure("attribute \(id): \(attribute.status) \(attribute.text)") }
            #expect(attribute.json["did"] as? String == did)
            if let type = (attribute.json["attribute"] as? [String: Any])?["issuerType"] as? String { types.append(type) }
        }
        let issuer = try await read("/trusted-issuers-registry/v5/issuers/\(did)")
        #expect(issuer.status == 200)
        #expect(issuer.json["did"] as? String == did)
        return types
    }

    func attributeID(_ did: String) async throws -> String {
        let page = try await read("/trusted-issuers-registry/v5/issuers/\(did)/attributes")
        guard let id = (page.json["items"] as? [[String: Any]])?.first?["id"] as? String else {
            throw TestFailure("no attribute for \(did): \(page.status) \(page.text)")
        }
        return id
    }

    /// The public log's head.
    func logHead() async throws -> Int {
        let response = try await read("/registry/v1/log?after=0&limit=1")
        guard response.status == 200, let head = response.json["head"] as? Int else {
            throw TestFailure("log: \(response.status) \(response.text)")
        }
        return head
    }

    /// Waits until the signed snapshot and LoTE reflect the head (a write is acknowledged before they are re-signed
    /// in the background) and returns the head.
    @discardableResult
    func settled() async throws -> Int {
        let head = try await logHead()
        let signed = try await eventually(timeout: .seconds(10)) {
            let snapshot = try await read("/registry/v1/snapshot")
            let lote = try await read("/lote")
            return snapshot.header("X-Registry-Signed-Seq") == String(head) && lote.header("X-Registry-Signed-Seq") == String(head)
        }
        guard signed else { throw TestFailure("the signed snapshot and LoTE did not reach seq \(head)") }
        return head
    }

    /// The service's public keys.
    func serviceKeys() async throws -> JWKSet {
        let response = try await read("/.well-known/jwks.json")
        guard response.status == 200 else { throw TestFailure("jwks: \(response.status)") }
        return try JSONDecoder().decode(JWKSet.self, from: response.body)
    }

    /// Fetches the LoTE, verifies its JAdES signature and `x5c` chain against the certificate in the data directory,
    /// checks that the ETag names its sequence number, and returns that number.
    func verifiedLoTESequence(previous: Int? = nil) async throws -> Int {
        let head = try await settled()
        let response = try await read("/lote")
        #expect(response.header("X-Registry-Signed-Seq") == String(head))
        guard response.status == 200 else { throw TestFailure("lote: \(response.status) \(response.text)") }
        #expect(response.header("Content-Type") == "application/jwt")
        let pem = try String(contentsOf: server.directory.appendingPathComponent("lote-certificate.pem"), encoding: .utf8)
        let anchors = try X509Certificate.parseChain(pem: pem)
        let verified = try await LoTESigning.verify(response.text, trustAnchors: anchors, at: Date(), previousSequenceNumber: previous)
        let sequence = verified.document.LoTE.ListAndSchemeInformation.LoTESequenceNumber
        #expect(response.header("ETag") == "\"lote-\(sequence)\"")
        #expect(verified.certificatePath.first == anchors.first)
        // Every registered entity is listed.
        let names = (verified.document.LoTE.TrustedEntitiesList ?? []).count
        #expect(names >= 3)
        return sequence
    }
}
