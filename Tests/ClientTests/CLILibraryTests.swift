@testable import Client
import Foundation
import Signing
import StandingAPI
import StatusList
import Testing
import TrustRegistry

/// What the `standing` executable leaves to the library: typed input turned into scopes, periods and entities, key
/// and secret files, and the texts it prints. Each is checked here without a process.
@Suite struct CLILibraryTests {
    // MARK: Authoring input

    @Test func theRootAuthoritysDefaultsFillAnEmptyScope() throws {
        let scope = try ScopeInput.scope(types: [], schemaIds: [], eqf: [], jurisdictions: [], isced: [], defaults: .rootAuthority)
        #expect(scope.credentialTypes.contains("MicroCredential") && scope.credentialTypes.count == 5)
        #expect(scope.eqfLevels == Set((1...8).map(RegistryVocabulary.eqfLevel)))
        #expect(scope.jurisdictions.count == 27 && scope.jurisdictions.contains(RegistryVocabulary.country("ESP")))
        let given = try ScopeInput.scope(types: ["Diploma"], schemaIds: [], eqf: ["6"], jurisdictions: ["esp"], isced: [], defaults: .rootAuthority)
        #expect(given.credentialTypes == ["Diploma"] && given.eqfLevels == [RegistryVocabulary.eqfLevel(6)])
        #expect(given.jurisdictions == [RegistryVocabulary.country("ESP")])
    }

    @Test func aScopeValueThatDoesNotParseNamesItsOption() {
        let error = #expect(throws: AuthoringError.self) {
            try ScopeInput.scope(types: ["Diploma"], schemaIds: [], eqf: ["9"], jurisdictions: ["ESP"], isced: [])
        }
        #expect(error?.description.hasPrefix("--eqf: '9'") == true)
    }

    @Test func aPeriodEndsWhereToldOrAfterTheDefaultYears() throws {
        let told = try ScopeInput.period(from: "2026-01-01", until: "2027-01-01")
        #expect(RegistryTime.format(told.from) == "2026-01-01T00:00:00Z" && RegistryTime.format(told.until) == "2027-01-01T00:00:00Z")
        let defaulted = try ScopeInput.period(from: "2026-01-01", until: nil, defaults: .rootAuthority)
        #expect(RegistryTime.format(defaulted.until).hasPrefix("2036-01-01"))
        let error = #expect(throws: AuthoringError.self) { try ScopeInput.period(from: nil, until: nil) }
        #expect(error?.description == "--until is required")
    }

    @Test func anEntityNeedsANameACountryAndAWebsite() throws {
        let key = SigningKey.generate(.es256).verificationKey.jwk(keyID: nil)
        let entity = try ScopeInput.entity(
            did: "did:web:uni.example.es", role: .accreditationBody, key: key, names: ["Uni", "es=Universidad"], country: "es", website: nil,
            email: nil)
        #expect(entity.website == "https://uni.example.es" && entity.country == "ES" && entity.names == ["en": "Uni", "es": "Universidad"])
        let root = try ScopeInput.entity(
            did: "did:web:root.example", role: .rootAuthority, key: key, names: [], country: nil, website: nil, email: nil,
            defaultName: "did:web:root.example", defaultCountry: "EU")
        #expect(root.names == ["en": "did:web:root.example"] && root.country == "EU")
        let noName = #expect(throws: AuthoringError.self) {
            try ScopeInput.entity(did: "did:web:x.example", role: .issuer, key: key, names: [], country: "ES", website: nil, email: nil)
        }
        #expect(noName?.description == "--name is required to register did:web:x.example")
        let noWebsite = #expect(throws: AuthoringError.self) {
            try ScopeInput.entity(did: "did:example:x", role: .issuer, key: key, names: ["X"], country: "ES", website: nil, email: nil)
        }
        #expect(noWebsite?.description == "--website is required to register did:example:x")
    }

    @Test func aDidKeySubjectBringsItsOwnKey() {
        let key = SigningKey.generate(.edDSA).verificationKey
        #expect(ScopeInput.subjectKey(of: key.didKey.did, given: nil) == key.jwk(keyID: nil))
        #expect(ScopeInput.subjectKey(of: "did:web:uni.example.es", given: nil) == nil)
        let given = SigningKey.generate(.es256).verificationKey.jwk(keyID: "k")
        #expect(ScopeInput.subjectKey(of: key.didKey.did, given: given) == given)
    }

    // MARK: Local files

    @Test func aGeneratedKeyIsAPrivateFileThatIsNeverOverwritten() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("standing-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/root.jwk"
        let generated = try LocalFiles.generateKey(.edDSA, keyID: "root-1", to: .file(path))
        #expect(generated.path == path && generated.keyID == "root-1" && generated.didKey.hasPrefix("did:key:z6Mk"))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let (key, kid) = try LocalFiles.signingKey(path)
        #expect(kid == "root-1" && key.verificationKey.didKey.did == generated.didKey)
        #expect(try LocalFiles.jwk(path).publicKey == (try JSONValue(parsing: Data(generated.publicJWK.utf8)).decode(JWK.self)))
        #expect(throws: AuthoringError.self) { try LocalFiles.generateKey(.es256, keyID: nil, to: .file(path)) }
        #expect(throws: AuthoringError.self) { try LocalFiles.writeNewFile(path, Data("x".utf8)) }
        #expect(try LocalFiles.signingKey(path).kid == "root-1")
    }

    @Test func aNewTokensSecretIsShownOnceOrWrittenToANewFile() throws {
        let created = CreatedToken(
            token: TokenInfo(id: "tok_1", role: .issuer, principal: "uni", label: nil, createdAt: Date(), revokedAt: nil), secret: "stn_secret")
        var shown = [String]()
        try created.handOver(secretFile: nil) { shown.append($0) }
        #expect(shown == ["token tok_1 for issuer uni", "the secret is shown once; to act with this token, run:", "export STANDING_TOKEN=stn_secret"])

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        shown = []
        try created.handOver(secretFile: path) { shown.append($0) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "stn_secret\n")
        #expect(shown.count == 2 && !shown.joined().contains("stn_secret"))
        shown = []
        #expect(throws: AuthoringError.self) { try created.handOver(secretFile: path) { shown.append($0) } }
        #expect(shown == ["token tok_1 for issuer uni"], "the token's id is shown before the write fails, so it can be revoked")
    }

    // MARK: Texts

    @Test func aListIsShownInLabelledLinesAndListsInATable() throws {
        let list = ListInfo(
            id: "degrees", url: "https://status.example/status/degrees", owner: "uni", purpose: .message, statusSize: 2, capacity: 131_072,
            allocated: 3, ttlSeconds: 300, validitySeconds: 86_400, statusMessages: [try StatusMessage(value: 0, message: "valid")],
            createdAt: Date(), formats: ["vc+jwt", "statuslist+jwt"], publishedVersion: nil, publishedAt: nil)
        let lines = list.text.split(separator: "\n")
        #expect(lines.first == "list        degrees" && lines.count == 9)
        #expect(lines.contains("purpose     message  (2-bit)") && lines.contains("published   version - at -"))
        #expect(lines.last == "messages    0x0=valid")
        #expect(ListInfo.table([]) == "no lists")
        let table = ListInfo.table([list]).split(separator: "\n")
        #expect(table.count == 2 && table[1].hasPrefix("degrees            message     2     3/131072            -        uni"))
    }

    @Test func statusOutcomesSayWhatVerifiersSee() {
        let record = AuditRecord(id: 7, listId: "l", index: 4, oldValue: 0, newValue: 1, actor: "uni", reason: "fraud", at: Date(timeIntervalSince1970: 0))
        let answer = StatusChanged(list: "l", requested: 1, records: [record], details: true, value: 1, publishedVersionBefore: 2)
        let target = StatusTarget(list: "l", index: 4)
        #expect(StandingAdminClient.StatusOutcome.published(answer, version: 3).text(for: target) == "l[4]: 0 -> 1 (audit #7); published in version 3")
        let same = StatusChanged(list: "l", requested: 1, records: [], details: true, value: 1)
        #expect(StandingAdminClient.StatusOutcome.unchanged(same).text(for: target) == "l[4] already has value 1; nothing changed")
        #expect(StandingAdminClient.StatusOutcome.notPublished(answer).text(for: target).hasPrefix("l[4]: 0 -> 1 (audit #7) is recorded, but"))
        #expect(StandingAdminClient.StatusOutcome.notPublished(answer).answer == answer)
        #expect(record.line == "#7 1970-01-01T00:00:00Z uni l[4] 0 -> 1  \"fraud\"")
    }

    @Test func aRegistryVerificationReportCountsItsFailures() {
        let passed = RegistryAuthoring.VerificationReport(checks: [.init(true, "log: fine")])
        #expect(passed.failures == 0 && passed.text == "ok    log: fine\nregistry verified")
        let failed = RegistryAuthoring.VerificationReport(checks: [.init(true, "log: fine"), .init(false, "snapshot: bad"), .init(false, "lote: bad")])
        #expect(failed.failures == 2)
        #expect(failed.text == "ok    log: fine\nFAIL  snapshot: bad\nFAIL  lote: bad\nregistry verification failed (2 checks)")
    }

    @Test func issuerAccreditationsAreIndentedUnderTheDID() {
        #expect(RegistryAuthoring.IssuerAccreditation.text(of: "did:web:x", []) == "did:web:x\n  no accreditations")
        let entry = RegistryAuthoring.IssuerAccreditation(
            id: "abc", status: "suspended", accreditedBy: "did:web:body", issuerType: "TI", reason: "audit", role: "TI", validFrom: "2026-01-01",
            validUntil: nil, scope: ["EQF 6", "jurisdiction ESP"])
        #expect(
            RegistryAuthoring.IssuerAccreditation.text(of: "did:web:x", [entry]).split(separator: "\n") == [
                "did:web:x", "  abc  TI  suspended (audit)", "    accredited by did:web:body", "    period        2026-01-01 .. ?",
                "    scope         EQF 6", "    scope         jurisdiction ESP",
            ])
    }

    // MARK: One-off verification

    /// An unsigned credential of a did:key issuer whose status entry points at a list nobody fetched.
    static let unsigned = Data(
        #"""
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
         "issuer": "\#(SigningKey.generate(.edDSA).verificationKey.didKey.did)",
         "credentialSubject": {"id": "did:example:learner"},
         "credentialStatus": {"id": "http://127.0.0.1:9/status/l#5", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                              "statusListIndex": "5", "statusListCredential": "http://127.0.0.1:9/status/l"}}
        """#.utf8)

    @Test func anOfflineVerificationNeverFetchesAndSaysWhatIsNotCached() async throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("standing-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        var verification = CredentialVerification()
        verification.policy = .offline
        verification.cacheDirectory = cache
        verification.statusOnly = true
        let report = try await verification.verify(try ParsedCredential(parsing: Self.unsigned))
        #expect(report.exitCode == 2 && report.entries.first?.verdict == .error)
        #expect(report.text.contains("offline, and no cached copy of http://127.0.0.1:9/status/l"), "\(report.text)")
        #expect(report.text.contains("status-only check requested"))
    }

    @Test func aRegistryThatIsNotAURLIsRefusedNamingTheOption() async throws {
        var verification = CredentialVerification()
        verification.policy = .offline
        verification.cacheDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-cache-\(UUID().uuidString)")
        verification.registry = "registry.example"
        let error = await #expect(throws: AuthoringError.self) { try await verification.verify(try ParsedCredential(parsing: Self.unsigned)) }
        #expect(error?.description == "--registry: 'registry.example' is not a URL")
        #expect(CredentialVerification.message(for: error!) == "--registry: 'registry.example' is not a URL")
    }

    @Test(arguments: [("0", 0.0), ("1767225600", 1_767_225_600), ("2026-01-01T00:00:00Z", 1_767_225_600)])
    func anInstantIsUnixSecondsOrADateTime(text: String, seconds: Double) throws {
        #expect(try CredentialVerification.instant(text).timeIntervalSince1970 == seconds)
    }

    @Test func anInstantWithoutAZoneIsRefusedNamingAt() {
        let error = #expect(throws: AuthoringError.self) { try CredentialVerification.instant("2026-01-01T00:00:00") }
        #expect(error?.description.hasPrefix("--at must be unix seconds") == true)
    }
}
