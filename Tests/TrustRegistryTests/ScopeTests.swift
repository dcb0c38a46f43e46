import Foundation
import Testing

@testable import TrustRegistry

@Suite("Scope containment and matching")
struct ScopeTests {
    let ceiling = Scope(
        credentialTypes: ["VerifiableCredential", "MicroCredential"],
        schemaIds: [V.microSchema],
        eqfLevels: V.eqf(5, 6),
        jurisdictions: V.country("ESP"),
        iscedF: V.isced("06", "0413")
    )

    @Test("a subset in every dimension is within the ceiling")
    func subsetIsWithin() {
        let granted = Scope(credentialTypes: ["MicroCredential"], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP"), iscedF: V.isced("0613"))
        #expect(granted.widening(of: ceiling) == nil)
        #expect(ceiling.widening(of: ceiling) == nil)
    }

    @Test(
        "each widened dimension is refused and named",
        arguments: [
            (
                Scope(credentialTypes: ["Diploma"], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP")),
                "types widen the body's scope: Diploma not in ceiling"
            ),
            (
                Scope(schemaIds: [V.diplomaSchema], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP"), iscedF: V.isced("06")),
                "schema ids widen the body's scope: \(V.diplomaSchema) not in ceiling"
            ),
            (
                Scope(credentialTypes: ["MicroCredential"], eqfLevels: V.eqf(6, 7), jurisdictions: V.country("ESP"), iscedF: V.isced("06")),
                "EQF level widens the body's scope: http://data.europa.eu/snb/eqf/7 not in ceiling"
            ),
            (
                Scope(credentialTypes: ["MicroCredential"], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP", "FRA"), iscedF: V.isced("06")),
                "jurisdiction widens the body's scope: http://publications.europa.eu/resource/authority/country/FRA not in ceiling"
            ),
            (
                Scope(credentialTypes: ["MicroCredential"], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP"), iscedF: V.isced("0713")),
                "ISCED-F field widens the body's scope: http://data.europa.eu/snb/isced-f/0713 not in ceiling"
            ),
            (
                Scope(credentialTypes: ["MicroCredential"], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP"), iscedF: V.isced("04")),
                "ISCED-F field widens the body's scope: http://data.europa.eu/snb/isced-f/04 not in ceiling"
            ),
        ]
    )
    func wideningIsNamed(granted: Scope, message: String) {
        #expect(granted.widening(of: ceiling) == message)
    }

    @Test("ISCED-F: empty means any field; a grant of any field needs a ceiling of any field")
    func iscedAnyField() {
        let anyField = Scope(credentialTypes: ["MicroCredential"], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP"))
        #expect(anyField.widening(of: ceiling)?.hasPrefix("ISCED-F fields widen the body's scope: the grant allows any field") == true)
        var openCeiling = ceiling
        openCeiling.iscedF = []
        #expect(anyField.widening(of: openCeiling) == nil)
        #expect(
            Scope(credentialTypes: ["MicroCredential"], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP"), iscedF: V.isced("0913"))
                .widening(of: openCeiling) == nil
        )
    }

    @Test("ISCED-F hierarchy: a broad field covers its narrow and detailed fields, not siblings")
    func iscedHierarchy() {
        #expect(Scope.field(RegistryVocabulary.iscedF("0613"), isCoveredBy: V.isced("06")))
        #expect(Scope.field(RegistryVocabulary.iscedF("061"), isCoveredBy: V.isced("06")))
        #expect(Scope.field(RegistryVocabulary.iscedF("0613"), isCoveredBy: V.isced("061")))
        #expect(!Scope.field(RegistryVocabulary.iscedF("0621"), isCoveredBy: V.isced("061")))
        #expect(!Scope.field(RegistryVocabulary.iscedF("06"), isCoveredBy: V.isced("061")))
        #expect(!Scope.field("http://example.org/0613", isCoveredBy: V.isced("06")))
    }

    @Test("a granted entry must fit inside one ceiling entry: combining two entries is a widening")
    func noCombiningEntries() throws {
        let ceilingList = [
            Scope(credentialTypes: ["MicroCredential"], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP")),
            Scope(credentialTypes: ["Diploma"], eqfLevels: V.eqf(7), jurisdictions: V.country("ESP")),
        ]
        try [Scope(credentialTypes: ["Diploma"], eqfLevels: V.eqf(7), jurisdictions: V.country("ESP"))].checkContained(in: ceilingList)
        let error = expectRegistryError(.scopeViolation) {
            try [Scope(credentialTypes: ["MicroCredential"], eqfLevels: V.eqf(7), jurisdictions: V.country("ESP"))]
                .checkContained(in: ceilingList)
        }
        #expect(error?.reason == "EQF level widens the body's scope: http://data.europa.eu/snb/eqf/7 not in ceiling")
        let second = expectRegistryError(.scopeViolation) {
            try [
                Scope(credentialTypes: ["MicroCredential"], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP")),
                Scope(credentialTypes: ["MicroCredential", "Diploma"], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP")),
            ].checkContained(in: ceilingList)
        }
        #expect(second?.reason.hasPrefix("scope entry 2: ") == true)
    }

    @Test(
        "validation refuses empty or ill-formed dimensions",
        arguments: [
            Scope(eqfLevels: V.eqf(6), jurisdictions: V.country("ESP")),
            Scope(credentialTypes: ["MicroCredential"], eqfLevels: [], jurisdictions: V.country("ESP")),
            Scope(credentialTypes: ["MicroCredential"], eqfLevels: V.eqf(6), jurisdictions: []),
            Scope(credentialTypes: ["MicroCredential"], eqfLevels: ["http://data.europa.eu/snb/eqf/9"], jurisdictions: V.country("ESP")),
            Scope(credentialTypes: ["MicroCredential"], eqfLevels: ["6"], jurisdictions: V.country("ESP")),
            Scope(credentialTypes: ["Micro Credential"], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP")),
            Scope(credentialTypes: ["MicroCredential"], schemaIds: ["not a uri"], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP")),
            Scope(credentialTypes: ["MicroCredential"], eqfLevels: V.eqf(6), jurisdictions: ["ESP"]),
            Scope(credentialTypes: ["MicroCredential"], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP"), iscedF: V.isced("06131")),
        ]
    )
    func validationRefuses(scope: Scope) {
        expectRegistryError(.malformed) { try scope.validate() }
    }

    @Test("an accreditation needs 1 to 64 entries")
    func listSize() {
        expectRegistryError(.malformed) { try [Scope]().validateScope() }
        let entry = Scope(credentialTypes: ["MicroCredential"], eqfLevels: V.eqf(6), jurisdictions: V.country("ESP"))
        expectRegistryError(.malformed) { try Array(repeating: entry, count: 65).validateScope() }
    }

    @Test("permits matches type or schema id and every given constraint")
    func permits() {
        #expect(ceiling.permits(resource: "MicroCredential"))
        #expect(ceiling.permits(resource: V.microSchema))
        #expect(!ceiling.permits(resource: "Diploma"))
        #expect(ceiling.permits(resource: "MicroCredential", eqfLevel: RegistryVocabulary.eqfLevel(6)))
        #expect(!ceiling.permits(resource: "MicroCredential", eqfLevel: RegistryVocabulary.eqfLevel(7)))
        #expect(!ceiling.permits(resource: "MicroCredential", jurisdiction: RegistryVocabulary.country("NLD")))
        #expect(ceiling.permits(resource: "MicroCredential", iscedF: RegistryVocabulary.iscedF("0613")))
        #expect(!ceiling.permits(resource: "MicroCredential", iscedF: RegistryVocabulary.iscedF("0713")))
    }

    @Test("scopes encode every member as a sorted array and decode back")
    func codableRoundTrip() throws {
        let data = try JSONEncoder().encode(ceiling)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"credentialTypes\":[\"MicroCredential\",\"VerifiableCredential\"]"))
        #expect(try JSONDecoder().decode(Scope.self, from: data) == ceiling)
        let minimal = try JSONDecoder().decode(
            Scope.self,
            from: Data(#"{"credentialTypes":["A"],"eqfLevels":["http://data.europa.eu/snb/eqf/6"],"jurisdictions":["urn:x"]}"#.utf8)
        )
        #expect(minimal.iscedF.isEmpty && minimal.schemaIds.isEmpty)
    }

    @Test("query context normalises bare codes to vocabulary URIs")
    func contextNormalisation() {
        let context = QueryContext(eqfLevel: "6", jurisdiction: "ESP", iscedF: "0613")
        #expect(context.eqfLevel == RegistryVocabulary.eqfLevel(6))
        #expect(context.jurisdiction == RegistryVocabulary.country("ESP"))
        #expect(context.iscedF == RegistryVocabulary.iscedF("0613"))
        #expect(QueryContext(jurisdiction: "http://publications.europa.eu/resource/authority/atu/ESP").jurisdiction?.hasSuffix("atu/ESP") == true)
    }
}

@Suite("Registry time")
struct RegistryTimeTests {
    @Test("format and parse round-trip in whole seconds")
    func roundTrip() throws {
        let date = Date(timeIntervalSince1970: 1_772_323_200.75)
        #expect(RegistryTime.format(date) == "2026-03-01T00:00:00Z")
        #expect(try RegistryTime.parse("2026-03-01T00:00:00Z") == RegistryTime.truncated(date))
        #expect(RegistryTime.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(RegistryTime.format(instant("2024-02-29T23:59:59Z")) == "2024-02-29T23:59:59Z")
        #expect(RegistryTime.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
    }

    @Test("out-of-range instants are clamped, never trapped")
    func clamping() {
        #expect(RegistryTime.format(Date.distantFuture) == "4001-01-01T00:00:00Z")
        #expect(RegistryTime.format(Date(timeIntervalSince1970: 1e15)) == "9999-12-31T23:59:59Z")
        #expect(RegistryTime.format(Date(timeIntervalSince1970: -1e15)) == "0000-01-01T00:00:00Z")
        #expect(RegistryTime.numericDate(Date(timeIntervalSince1970: .infinity)) == 0)
    }

    @Test("offsets and fractions are accepted and normalised")
    func offsets() throws {
        #expect(try RegistryTime.parse("2026-03-01T01:30:00+01:30") == instant("2026-03-01T00:00:00Z"))
        #expect(try RegistryTime.parse("2026-02-28T23:00:00-01:00") == instant("2026-03-01T00:00:00Z"))
        #expect(try RegistryTime.parse("2026-03-01T00:00:00.999Z") == instant("2026-03-01T00:00:00Z"))
        #expect(try RegistryTime.parse("2026-03-01t00:00:00z") == instant("2026-03-01T00:00:00Z"))
    }

    @Test(
        "malformed or impossible date-times are refused",
        arguments: [
            "", "2026-03-01", "2026-03-01T00:00:00", "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-03-01T24:00:00Z",
            "2026-03-01 00:00:00Z", "2026-03-01T00:00:00.Z", "2026-03-01T00:00:00+0100", "+2026-03-01T00:00:00Z", "2026-03-01T00:00:00ZZ",
        ]
    )
    func refused(text: String) {
        expectRegistryError(.malformed) { _ = try RegistryTime.parse(text) }
    }
}
