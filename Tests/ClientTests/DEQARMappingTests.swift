import Client
import Foundation
import Signing
import Testing
import TrustRegistry

/// DEQAR's vocabulary onto the registry's (QF-EHEA cycles, decisions, dates), the export's parsing, and the import plan
/// against a registry state built here, without a server.
@Suite struct DEQARMappingTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Registry/deqar-sample.json")

    @Test(arguments: [
        ("short cycle", 5), ("first cycle", 6), ("second cycle", 7), ("third cycle", 8), ("First Cycle", 6), (" second cycle ", 7),
        ("0", 5), ("1", 6), ("2", 7), ("3", 8),
    ])
    func qfEHEACyclesMapToEQF(level: String, eqf: Int) {
        #expect(DEQARMapping.eqfLevel(forQFEHEA: level) == eqf)
    }

    @Test(arguments: ["", "fourth cycle", "4", "EQF 6", "bachelor"])
    func otherLevelsMapToNothing(level: String) {
        #expect(DEQARMapping.eqfLevel(forQFEHEA: level) == nil)
    }

    @Test(arguments: [
        ("positive", true), ("Positive", true), ("positive with conditions or restrictions", true), ("positive with conditions", true),
        ("negative", false), ("not applicable", false), ("", false), ("pending", false),
    ])
    func onlyPositiveDecisionsAccredit(decision: String, accredits: Bool) {
        #expect(DEQARMapping.Decision(decision).accredits == accredits)
    }

    @Test func noDecisionDoesNotAccredit() {
        #expect(!DEQARMapping.Decision(nil).accredits && DEQARMapping.Decision(nil).text == "none")
    }

    @Test(arguments: [
        ("2024-09-30", "2024-09-30T00:00:00Z"), ("2018-01-01T00:00:00Z", "2018-01-01T00:00:00Z"), ("2020-02-29", "2020-02-29T00:00:00Z"),
    ])
    func deqarDatesAreDaysAtMidnightUTC(text: String, expected: String) throws {
        #expect(DEQARMapping.day(text).map(RegistryTime.format) == expected)
    }

    @Test(arguments: ["30/09/2024", "2024-13-01", "2024-09-30T12:00:00Z", "yesterday", "2024-09"])
    func otherDatesAreRefused(text: String) {
        #expect(DEQARMapping.day(text) == nil)
    }

    @Test(arguments: [
        // valid_to is the last day: the registry's exclusive end is the next midnight.
        ("2024-03-01", "2033-09-30", "2033-10-01T00:00:00Z"),
        ("2024-12-31", "2025-12-31", "2026-01-01T00:00:00Z"),
        // No valid_to: six years, as DEQAR's valid_to_calculated.
        ("2025-01-15", nil, "2031-01-15T00:00:00Z"),
        ("2024-02-29", nil, "2030-02-28T00:00:00Z"),
    ] as [(String, String?, String)])
    func reportPeriods(from: String, to: String?, until: String) throws {
        let period = DEQARMapping.reportPeriod(validFrom: try #require(DEQARMapping.day(from)), validTo: to.flatMap(DEQARMapping.day))
        #expect(RegistryTime.format(period.from) == from + "T00:00:00Z")
        #expect(RegistryTime.format(period.until) == until)
    }

    @Test(arguments: [
        ("https://uni.example.es", "https://uni.example.es"), ("http://uni.example.es/", "https://uni.example.es/"),
        ("uni.example.es", "https://uni.example.es"), (nil, "https://fallback.example"), ("ftp://x.example", "https://fallback.example"),
    ] as [(String?, String)])
    func websitesAreHTTPS(link: String?, expected: String) {
        #expect(DEQARMapping.website(link, fallback: "https://fallback.example") == expected)
    }

    // MARK: The export

    @Test func theSampleParsesInDEQARsShapes() throws {
        let export = try DEQARExport(parsing: try Data(contentsOf: Self.sample), name: "deqar-sample.json")
        #expect(export.agencies.map(\.id) == ["5", "37", "99"])
        #expect(export.agencies[1].focusCountries.map(\.alpha3) == ["BEL"] && export.agencies[2].isRegistered == false)
        #expect(export.institutions.map(\.deqarId) == ["DEQARINST0101", "DEQARINST0102", "DEQARINST0103", "DEQARINST0104"])
        #expect(export.institutions[0].qfEHEALevels == ["first cycle", "second cycle", "third cycle"])
        #expect(export.institutions[2].dids == ["did:key:zDnaeUk5Nw8eVF7UEJzK6DK9MBrN44HPtVeQZU94c7yqFxJDH"])
        let programme = try #require(export.reports.first { $0.id == "1002" })
        #expect(programme.programmeLevels == ["second cycle"] && programme.validTo == nil && programme.agencyId == "5")
        #expect(programme.decision == "positive with conditions or restrictions")
    }

    @Test(arguments: [
        ("[]", "is not a DEQAR export"),
        ("{\"agencies\": [], \"institutions\": []}", "has no \"reports\" array"),
        ("{\"agencies\": 3, \"institutions\": [], \"reports\": []}", "\"agencies\" is not an array"),
        ("not json", "is not JSON"),
        ("{\"agencies\": [{\"id\": 1, \"name_primary\": \"A\", \"country\": {\"iso_3166_alpha2\": \"ES\", \"iso_3166_alpha3\": \"ESP\"}}], \"institutions\": [], \"reports\": []}",
         "agencies[0] (agency 1) has no registration_start"),
        ("{\"agencies\": [], \"institutions\": [], \"reports\": [{\"id\": 7, \"agency_id\": 1, \"institutions\": [{\"id\": 2}], \"valid_from\": \"01.02.2020\"}]}",
         "reports[0] (report 7): valid_from is not a date"),
        ("{\"agencies\": [], \"institutions\": [{\"id\": 2, \"name_primary\": \"U\", \"countries\": [{\"country\": \"Spain\"}]}], \"reports\": []}",
         "a country needs iso_3166_alpha2 and iso_3166_alpha3"),
    ])
    func badExportsAreOneLineErrors(text: String, message: String) {
        do {
            _ = try DEQARExport(parsing: Data(text.utf8), name: "bad.json")
            Issue.record("parsed: \(text)")
        } catch {
            let description = String(describing: error)
            #expect(description.contains(message), "\(description)")
            #expect(description.hasPrefix("bad.json") && !description.contains("\n"), "\(description)")
        }
    }

    // MARK: The plan

    /// A registry founded by a root authority over the default ceiling (EU-27, EQF 1-8) from 2025 to 2036.
    static func foundedRegistry() throws -> RegistryState {
        let key = SigningKey.generate(.es256)
        let root = try Entity(
            did: "did:web:registry.example.eu", role: .rootAuthority, keys: [key.verificationKey.jwk(keyID: "key-1")], names: ["en": "Root"],
            country: "EU", website: "https://registry.example.eu"
        ).validated()
        let scope = try ScopeInput.scope(types: [], schemaIds: [], eqf: [], jurisdictions: [], isced: [], defaults: .rootAuthority)
        let grant = AccreditationGrant(
            subject: root.did, role: .rootTAO, scope: [scope], validFrom: try #require(DEQARMapping.day("2025-01-01")),
            validUntil: try #require(DEQARMapping.day("2036-01-01")), parentAccreditationId: nil)
        var state = RegistryState()
        let statement = try RegistryStatement.initialise(root: root, grant: grant, registryBaseURL: "https://registry.example.eu")
        try state.apply(statement: try statement.sign(with: key, keyID: root.did + "#key-1"), at: Date())
        return state
    }

    static var sampleMap: DEQARIdentifierMap {
        let key = SigningKey.generate(.es256).verificationKey.jwk(keyID: nil)
        return DEQARIdentifierMap(
            agencies: [
                "5": .init(did: "did:web:acu.example.es", keyFile: "acu.jwk"), "37": .init(did: "did:web:kav.example.nl", keyFile: "kav.jwk"),
            ],
            institutions: [
                "DEQARINST0101": .init(did: "did:web:uni.example.es", publicKey: key), "102": .init(did: "did:web:hogeschool.example.nl", publicKey: key),
            ])
    }

    @Test func theSamplePlansBodiesAccreditationsAndSaysWhatItSkips() throws {
        let export = try DEQARExport(parsing: try Data(contentsOf: Self.sample), name: "deqar-sample.json")
        let options = DEQARImportOptions(now: try #require(DEQARMapping.day("2026-12-01")))
        let plan = try DEQARPlan(export: export, map: Self.sampleMap, options: options, state: try Self.foundedRegistry())

        #expect(plan.bodies.map(\.did) == ["did:web:kav.example.nl", "did:web:acu.example.es"] && plan.bodies.allSatisfy { $0.action == .new })
        let kav = try #require(plan.bodies.first)
        #expect(kav.scope.jurisdictions == [RegistryVocabulary.country("NLD"), RegistryVocabulary.country("BEL")])
        #expect(kav.scope.eqfLevels == Set((5...8).map(RegistryVocabulary.eqfLevel)))
        // The registration starts before the root authorisation: the body starts with it.
        #expect(RegistryTime.format(kav.validFrom) == "2025-01-01T00:00:00Z" && RegistryTime.format(kav.validUntil) == "2034-03-04T00:00:00Z")

        let byReport = Dictionary(plan.accreditations.map { ($0.reportId, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(Set(byReport.keys) == ["1001", "1002", "1005", "1006"] && plan.accreditations.allSatisfy { $0.action == .new })
        let institutional = try #require(byReport["1001"])
        #expect(institutional.scope.eqfLevels == Set([6, 7, 8].map(RegistryVocabulary.eqfLevel)))
        #expect(institutional.accreditationId == DEQARPlan.accreditationId(report: "1001", institution: "101", revision: 0))
        #expect(RegistryTime.format(institutional.validUntil) == "2033-10-01T00:00:00Z" && institutional.note != nil)
        let programme = try #require(byReport["1002"])
        #expect(programme.scope.eqfLevels == [RegistryVocabulary.eqfLevel(7)] && programme.decision.hasPrefix("positive with conditions"))
        #expect(RegistryTime.format(programme.validUntil) == "2031-01-15T00:00:00Z")
        // The DID from DEQAR's own identifiers (a did:key needs no key in the map).
        #expect(byReport["1006"]?.subject == "did:key:zDnaeUk5Nw8eVF7UEJzK6DK9MBrN44HPtVeQZU94c7yqFxJDH")
        #expect(byReport["1006"]?.scope.jurisdictions == [RegistryVocabulary.country("NLD")])

        let reasons = Dictionary(plan.skipped.map { ($0.item, $0.reason) }, uniquingKeysWith: { first, _ in first })
        #expect(reasons["report 1003, institution 102"] == "decision negative")
        #expect(reasons["report 1004, institution 102"] == "expired on 2020-04-30")
        #expect(reasons["report 1007, institution 104"]?.contains("has no DID") == true)
        #expect(reasons["agency 99 (FAX)"] == "is not registered in EQAR")
        #expect(reasons["report 1008"]?.contains("not registered in EQAR") == true)
        #expect(plan.skipped.count == 5 && !plan.changesNothing)
        #expect(plan.summary(dryRun: true).hasPrefix("dry run, nothing signed or sent: would register 2 bodies, 4 new accreditations"))
    }

    @Test func typesOutsideTheRootAuthorisationAreRefusedBeforeAnything() throws {
        let export = try DEQARExport(parsing: try Data(contentsOf: Self.sample), name: "deqar-sample.json")
        #expect(throws: AuthoringError.self) {
            _ = try DEQARPlan(
                export: export, map: Self.sampleMap, options: DEQARImportOptions(credentialTypes: ["Passport"]), state: try Self.foundedRegistry())
        }
        #expect(throws: AuthoringError.self) {
            _ = try DEQARPlan(export: export, map: Self.sampleMap, options: DEQARImportOptions(), state: RegistryState())
        }
    }
}
