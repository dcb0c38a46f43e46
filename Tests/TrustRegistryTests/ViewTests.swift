import Foundation
import Signing
import Testing

@testable import TrustRegistry

@Suite("EBSI TIR v5 and TRQP projections")
struct ViewTests {
    let configuration = EBSIConfiguration(baseURL: World.base + "/")
    let now = instant("2026-06-01T00:00:00Z")

    func encoded(_ value: some Encodable) throws -> JSONValue { try JSONValue(encoding: value) }

    @Test("issuer list: cursor pagination with absolute links, in DID order")
    func issuerPages() throws {
        var world = try World()
        for index in 0..<5 { _ = try world.spanishUniversity("U\(index)", host: "u\(index).example.es") }
        let all = world.state.accreditedSubjects
        #expect(all == all.sorted() && all.count == 8)
        let first = world.state.ebsiIssuers(page: try EBSIPageRequest(size: 3), configuration: configuration)
        #expect(first.seq == world.state.seq)
        #expect(first.body.items.map(\.did) == Array(all[0..<3]))
        #expect(first.body.total == 8 && first.body.pageSize == 3)
        let prefix = "https://registry.example.eu/trusted-issuers-registry/v5/issuers"
        #expect(first.body.selfURL == "\(prefix)?page%5Bsize%5D=3")
        #expect(first.body.links.first == "\(prefix)?page%5Bsize%5D=3")
        #expect(first.body.links.prev == first.body.links.first)
        #expect(first.body.links.next == "\(prefix)?page%5Bafter%5D=\(all[2])&page%5Bsize%5D=3")
        #expect(first.body.links.last == "\(prefix)?page%5Bafter%5D=\(all[4])&page%5Bsize%5D=3")
        #expect(first.body.items[0].href == "\(prefix)/\(all[0])")
        let second = world.state.ebsiIssuers(page: try EBSIPageRequest(after: all[2], size: 3), configuration: configuration)
        #expect(second.body.items.map(\.did) == Array(all[3..<6]))
        #expect(second.body.links.prev == "\(prefix)?page%5Bsize%5D=3")
        let last = world.state.ebsiIssuers(page: try EBSIPageRequest(after: all[5], size: 3), configuration: configuration)
        #expect(last.body.items.map(\.did) == Array(all[6..<8]))
        #expect(last.body.links.next == last.body.links.last)
        // A cursor that is no longer (or never was) a DID still positions the page.
        let between = world.state.ebsiIssuers(page: try EBSIPageRequest(after: "did:web:u2.example.esz", size: 100), configuration: configuration)
        #expect(between.body.items.first?.did == all.first { $0 > "did:web:u2.example.esz" })
        let json = try encoded(first.body)
        #expect(json["self"] != nil && json["links"]?["next"] != nil)
        expectRegistryError(.malformed) { _ = try EBSIPageRequest(size: 0) }
        expectRegistryError(.malformed) { _ = try EBSIPageRequest(size: 101) }
    }

    @Test("issuer, attributes, attribute and revisions; revoked shows issuerType Revoked")
    func attributes() throws {
        var world = try World()
        let (university, id) = try world.spanishUniversity()
        let issuer = try world.state.ebsiIssuer(did: university.did, configuration: configuration)
        #expect(
            issuer.body
                == EBSIIssuer(
                    did: university.did,
                    attributes: "\(World.base)/trusted-issuers-registry/v5/issuers/\(university.did)/attributes",
                    hasAttributes: true
                )
        )
        let list = try world.state.ebsiAttributes(did: university.did, page: try EBSIPageRequest(), configuration: configuration)
        #expect(list.body.items.map(\.id) == [id])
        let attribute = try world.state.ebsiAttribute(id: id, did: university.did, at: now).body.attribute
        let record = try #require(world.state.accreditation(id))
        #expect(attribute.body == record.evidence)
        #expect(attribute.hash == RegistryState.sha256Hex(record.evidence) && attribute.hash.count == 64)
        #expect(attribute.issuerType == "TI" && attribute.tao == world.aneca.did && attribute.rootTao == world.root.did)
        #expect(try world.state.ebsiAttribute(id: world.anecaAccreditationId, at: now).body.attribute.issuerType == "TAO")
        #expect(try world.state.ebsiAttribute(id: world.rootAuthorisationId, at: now).body.attribute.issuerType == "RootTAO")

        try world.change(.suspend, id, by: world.aneca, reason: "review", at: instant("2026-07-01T00:00:00Z"))
        #expect(try world.state.ebsiAttribute(id: id, at: instant("2026-07-02T00:00:00Z")).body.attribute.issuerType == "Revoked")
        #expect(try world.state.ebsiAttribute(id: id, at: now).body.attribute.issuerType == "TI")
        try world.change(.reinstate, id, by: world.aneca, at: instant("2026-08-01T00:00:00Z"))
        try world.change(.revoke, id, by: world.aneca, reason: "fraud", at: instant("2026-09-01T00:00:00Z"))
        #expect(try world.state.ebsiAttribute(id: id, at: instant("2026-09-01T00:00:00Z")).body.attribute.issuerType == "Revoked")
        let revisions = try world.state.ebsiRevisions(id: id, did: university.did, page: try EBSIPageRequest(), configuration: configuration).body
        #expect(revisions.items.map(\.issuerType) == ["TI", "Revoked", "TI", "Revoked"])
        #expect(revisions.items.map(\.status) == [.active, .suspended, .active, .revoked])
        #expect(revisions.items[0].evidence == record.evidence && revisions.items[3].evidence != record.evidence)
        #expect(try SignedStatement(parsing: revisions.items[3].evidence).kind == .revoke)
        let paged = try world.state.ebsiRevisions(
            id: id,
            page: try EBSIPageRequest(after: String(revisions.items[1].seq), size: 1),
            configuration: configuration
        )
        #expect(paged.body.items.map(\.seq) == [revisions.items[2].seq])
        let deprecated = try world.state.ebsiIssuerWithAttributes(did: university.did, at: instant("2026-09-01T00:00:00Z")).body
        #expect(deprecated.attributes.map(\.issuerType) == ["Revoked"])

        expectRegistryError(.unknownEntity) { _ = try world.state.ebsiIssuer(did: "did:web:nobody.example", configuration: configuration) }
        expectRegistryError(.unknownAccreditation) { _ = try world.state.ebsiAttribute(id: id, did: world.nvao.did, at: now) }
        expectRegistryError(.malformed) {
            _ = try world.state.ebsiAttributes(did: university.did, page: try EBSIPageRequest(after: "nope"), configuration: configuration)
        }
    }

    @Test("issuer revisions: every attribute's revisions in log order, by id, agreeing with the snapshot at the same seq")
    func issuerRevisions() throws {
        var world = try World()
        let (university, first) = try world.spanishUniversity()
        try world.change(.suspend, first, by: world.aneca, reason: "review", at: instant("2026-07-01T00:00:00Z"))
        let second = try world.accredit(
            by: world.aneca, parent: world.anecaAccreditationId, subject: university, scope: World.spanishMicro,
            validFrom: instant("2026-02-01T00:00:00Z"))
        try world.change(.revoke, first, by: world.aneca, reason: "fraud", at: instant("2026-09-01T00:00:00Z"))

        let all = try world.state.ebsiIssuerRevisions(did: university.did, page: try EBSIPageRequest(size: 100), configuration: configuration)
        #expect(all.seq == world.state.seq && all.body.total == 4)
        #expect(all.body.items.map(\.attributeId) == [first, first, second, first])
        #expect(all.body.items.map(\.seq) == all.body.items.map(\.seq).sorted())
        // Each is the attribute's own revision, with an id of its own.
        let firsts = try world.state.ebsiRevisions(id: first, did: university.did, page: try EBSIPageRequest(), configuration: configuration).body.items
        #expect(all.body.items.filter { $0.attributeId == first } == firsts)
        #expect(Set(all.body.items.map(\.revisionId)).count == 4 && firsts[0].revisionId == firsts[0].hash)
        let prefix = "https://registry.example.eu/trusted-issuers-registry/v5/issuers/\(university.did)/revisions"
        #expect(all.body.items.allSatisfy { $0.href == "\(prefix)/\($0.revisionId)" })

        // EBSI pagination: the cursor is the seq of the previous page's last revision.
        let page = try world.state.ebsiIssuerRevisions(
            did: university.did, page: try EBSIPageRequest(after: String(all.body.items[1].seq), size: 1), configuration: configuration)
        #expect(page.body.items == [all.body.items[2]] && page.body.pageSize == 1 && page.body.total == 4)
        #expect(page.body.links.next == "\(prefix)?page%5Bafter%5D=\(all.body.items[2].seq)&page%5Bsize%5D=1")
        #expect(page.body.links.first == "\(prefix)?page%5Bsize%5D=1")

        for item in all.body.items {
            let one = try world.state.ebsiIssuerRevision(did: university.did, revisionId: item.revisionId, configuration: configuration)
            #expect(one.body == EBSIRevisionResponse(did: university.did, revision: item) && one.seq == all.seq)
        }
        expectRegistryError(.unknownAccreditation) {
            _ = try world.state.ebsiIssuerRevision(did: world.aneca.did, revisionId: all.body.items[0].revisionId, configuration: configuration)
        }
        expectRegistryError(.unknownEntity) {
            _ = try world.state.ebsiIssuerRevisions(did: "did:web:nobody.example", page: try EBSIPageRequest(), configuration: configuration)
        }
        expectRegistryError(.malformed) {
            _ = try world.state.ebsiIssuerRevisions(did: university.did, page: try EBSIPageRequest(after: "nope"), configuration: configuration)
        }

        // The snapshot at the same seq holds the same history for the DID's accreditations.
        let snapshot = try world.state.walletSnapshot(issuedAt: instant("2026-10-01T00:00:00Z"))
        #expect(snapshot.seq == all.seq)
        let fromSnapshot = snapshot.body.records.filter { $0.subject == university.did }
            .flatMap { record in record.statusHistory.map { (record.accreditationId, $0.seq, $0.status) } }
            .sorted { $0.1 < $1.1 }
        #expect(fromSnapshot.map(\.0) == all.body.items.map(\.attributeId))
        #expect(fromSnapshot.map(\.1) == all.body.items.map(\.seq) && fromSnapshot.map(\.2) == all.body.items.map(\.status))
    }

    @Test("attribute revision by id: each item of /attributes/{id}/revisions, only under its own attribute and DID")
    func attributeRevisionById() throws {
        var world = try World()
        let (university, first) = try world.spanishUniversity()
        try world.change(.suspend, first, by: world.aneca, reason: "review", at: instant("2026-07-01T00:00:00Z"))
        let second = try world.accredit(
            by: world.aneca, parent: world.anecaAccreditationId, subject: university, scope: World.spanishMicro,
            validFrom: instant("2026-02-01T00:00:00Z"))
        try world.change(.revoke, first, by: world.aneca, reason: "fraud", at: instant("2026-09-01T00:00:00Z"))

        for attribute in [first, second] {
            let items = try world.state.ebsiRevisions(id: attribute, did: university.did, page: try EBSIPageRequest(), configuration: configuration)
                .body.items
            for item in items {
                let one = try world.state.ebsiAttributeRevision(
                    id: attribute, did: university.did, revisionId: item.revisionId, configuration: configuration)
                #expect(one.body == EBSIRevisionResponse(did: university.did, revision: item) && one.seq == world.state.seq)
            }
        }
        let ofFirst = try world.state.ebsiRevisions(id: first, did: university.did, page: try EBSIPageRequest(), configuration: configuration)
            .body.items
        #expect(ofFirst.map(\.status) == [.active, .suspended, .revoked])
        // A revision of another attribute, another DID's path, an unknown id: 404s, never another revision.
        expectRegistryError(.unknownAccreditation) {
            _ = try world.state.ebsiAttributeRevision(id: second, did: university.did, revisionId: ofFirst[1].revisionId, configuration: configuration)
        }
        expectRegistryError(.unknownAccreditation) {
            _ = try world.state.ebsiAttributeRevision(id: first, did: world.aneca.did, revisionId: ofFirst[1].revisionId, configuration: configuration)
        }
        expectRegistryError(.unknownAccreditation) {
            _ = try world.state.ebsiAttributeRevision(
                id: first, did: university.did, revisionId: String(repeating: "0", count: 64), configuration: configuration)
        }
        // The index survives a replay of the log: a verifier's rebuilt state finds the same revisions.
        let replayed = try RegistryState.replay(world.log)
        let again = try replayed.ebsiIssuerRevision(did: university.did, revisionId: ofFirst[2].revisionId, configuration: configuration)
        #expect(again.body.revision == ofFirst[2])
    }

    @Test("TRQP: request parsing is strict; responses use the exact member names")
    func trqpWire() throws {
        var world = try World()
        let (university, id) = try world.spanishUniversity()
        let body = Data(
            """
            {"entity_id":"\(university.did)","authority_id":"\(world.root.did)","action":"issue","resource":"MicroCredential",
             "context":{"time":"2026-05-01T10:00:00Z","eqfLevel":"http://data.europa.eu/snb/eqf/6",
             "jurisdiction":"http://publications.europa.eu/resource/authority/country/ESP","locator":"ignored"}}
            """.utf8
        )
        let query = try TRQPQuery.parse(body)
        let answer = try world.state.trqpAuthorization(query, now: instant("2026-09-02T08:12:44Z"))
        #expect(answer.seq == world.state.seq)
        let json = try encoded(answer.body)
        #expect(
            Set(json.objectValue?.keys.map { $0 } ?? []) == [
                "entity_id", "authority_id", "action", "resource", "authorized", "time_requested", "time_evaluated", "message", "context",
            ]
        )
        #expect(json["authorized"] == true)
        #expect(json["time_requested"] == "2026-05-01T10:00:00Z" && json["time_evaluated"] == "2026-09-02T08:12:44Z")
        #expect(json["message"]?.stringValue?.contains("accreditation \(id)") == true)
        #expect(json["message"]?.stringValue?.hasSuffix("(seq \(world.state.seq))") == true)
        #expect(json["context"]?["locator"] == "ignored")

        let unknownEntity = try world.state.trqpAuthorization(
            TRQPQuery(entityID: "did:web:nobody.example", authorityID: world.root.did, action: "issue", resource: V.microCredential)
        )
        #expect(!unknownEntity.body.authorized && unknownEntity.body.timeRequested == nil)
        expectRegistryError(.unknownAuthority) {
            _ = try world.state.trqpAuthorization(
                TRQPQuery(entityID: university.did, authorityID: "did:web:unknown.example", action: "issue", resource: V.microCredential)
            )
        }
        let recognition = try world.state.trqpRecognition(
            TRQPQuery(
                entityID: world.aneca.did,
                authorityID: world.root.did,
                action: "recognize",
                resource: "accreditation-decisions",
                context: ["time": "2026-05-01T10:00:00Z"]
            )
        )
        let recognitionJSON = try encoded(recognition.body)
        #expect(recognitionJSON["recognized"] == true && recognitionJSON["authorized"] == nil)

        let metadata = try world.state.trqpMetadata(baseURL: World.base, governanceFrameworkURL: "https://registry.example.eu/egf")
        let metadataJSON = try encoded(metadata.body)
        #expect(metadataJSON["id"]?.stringValue == world.root.did && metadataJSON["trqpVersion"] == "2.0")
        #expect(metadataJSON["default_egf_did"]?.stringValue == world.root.did)
        #expect(metadataJSON["trqpEndpointUrl"] == "https://registry.example.eu/trqp")
    }

    @Test(
        "TRQP: malformed requests are refused",
        arguments: [
            "", "[]", "{}", #"{"entity_id":"a","authority_id":"b","action":"issue"}"#,
            #"{"entity_id":"","authority_id":"b","action":"issue","resource":"r"}"#,
            #"{"entity_id":"a","authority_id":"b","action":"issue","resource":"r","context":{"time":5}}"#,
            #"{"entity_id":"a","authority_id":"b","action":"issue","resource":"r","context":{"time":"yesterday"}}"#,
            #"{"entity_id":"a","authority_id":"b","action":"issue","resource":"r","context":[]}"#,
            #"{"entity_id":1,"authority_id":"b","action":"issue","resource":"r"}"#,
        ]
    )
    func trqpMalformed(body: String) {
        expectRegistryError(.malformed) { _ = try TRQPQuery.parse(Data(body.utf8)) }
    }
}
