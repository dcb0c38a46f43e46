import Foundation
import ProcessTestSupport
import Signing
import Testing

@testable import TrustRegistry

/// `Registry/example.json`: pre-signed statements for a demo registry (a root authority, an ANECA-like body in
/// Spain, an NVAO-like body for the Netherlands and Flanders, seven issuers, one suspension, one recognition).
///
/// The generator below builds it with fresh keys whose private parts are discarded, so no key is committed. The
/// committed file is verified on every run; to regenerate it after a format change run
/// `STANDING_REGENERATE_EXAMPLE=1 swift test --filter ExampleRegistryTests`.
@Suite("The example registry")
struct ExampleRegistryTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let exampleURL = repositoryRoot.appendingPathComponent("Registry/example.json")
    static let importTime = instant("2026-03-01T00:00:00Z")

    /// Applies an import document to a fresh registry, the way `standing registry import` does.
    static func importStatements(_ document: JSONValue, at time: Date) throws -> RegistryState {
        var state = RegistryState()
        for (index, statement) in (document["statements"]?.arrayValue ?? []).enumerated() {
            guard let jws = statement["jws"]?.stringValue else { throw RegistryError(.malformed, "statement \(index + 1) has no jws") }
            try state.apply(statement: jws, at: time)
        }
        return state
    }

    @Test("the committed example imports, and answers as its notes say")
    func committedExampleImports() throws {
        let document = try JSONValue(parsing: try Data(contentsOf: Self.exampleURL))
        #expect(document["format"] == "standing-registry-import/v1")
        let state = try Self.importStatements(document, at: Self.importTime)
        try Self.checkExample(state)
    }

    @Test("the generator produces a valid example (and rewrites the committed file when asked)")
    func generator() throws {
        let document = try Self.generate()
        let state = try Self.importStatements(document, at: Self.importTime)
        try Self.checkExample(state)
        if ProcessInfo.processInfo.environment["STANDING_REGENERATE_EXAMPLE"] == "1" {
            var text = try Self.prettyJSON(document)
            text += "\n"
            try Data(text.utf8).write(to: Self.exampleURL)
        }
    }

    @Test(
        "the example and the records it produces validate against the JSON Schemas (python3 Registry/validate.py)",
        .enabled { await ExampleRegistryTests.pythonJSONSchemaAvailable() }
    )
    func schemas() async throws {
        let document = try JSONValue(parsing: try Data(contentsOf: Self.exampleURL))
        let state = try Self.importStatements(document, at: Self.importTime)
        let snapshot = try state.walletSnapshot(issuedAt: instant("2029-06-01T00:00:00Z")).body
        let snapshotURL = FileManager.default.temporaryDirectory.appendingPathComponent("standing-snapshot-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: snapshotURL) }
        try JSONEncoder().encode(snapshot).write(to: snapshotURL)
        let (status, output) = try await Self.run([
            "python3", Self.repositoryRoot.appendingPathComponent("Registry/validate.py").path,
            Self.exampleURL.path, "--snapshot", snapshotURL.path,
        ])
        #expect(status == 0, "\(output)")
        #expect(output.contains("12 statements checked, 0 errors"))
        #expect(output.contains("10 entities checked"))

        // The validator does fail: a statement whose scope names a non-EQF level, and a record with an unknown status.
        var members = try #require(document.objectValue)
        var statements = try #require(members["statements"]?.arrayValue)
        let jws = try #require(statements[5]["jws"]?.stringValue)
        let parts = jws.split(separator: ".").map(String.init)
        let claims = try String(decoding: Base64URL.decode(parts[1]), as: UTF8.self)
            .replacingOccurrences(of: "http://data.europa.eu/snb/eqf/6", with: "http://data.europa.eu/snb/eqf/9")
        statements[5] = ["jws": .string(parts[0] + "." + Base64URL.encode(Data(claims.utf8)) + "." + parts[2])]
        members["statements"] = .array(statements)
        let brokenURL = FileManager.default.temporaryDirectory.appendingPathComponent("standing-import-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: brokenURL) }
        try JSONValue.object(members).canonicalData().write(to: brokenURL)
        let brokenSnapshot = try String(decoding: Data(contentsOf: snapshotURL), as: UTF8.self)
            .replacingOccurrences(of: "\"status\":\"revoked\"", with: "\"status\":\"withdrawn\"")
            .replacingOccurrences(of: "\"status\":\"expired\"", with: "\"status\":\"withdrawn\"")
        try Data(brokenSnapshot.utf8).write(to: snapshotURL)
        let (brokenStatus, brokenOutput) = try await Self.run([
            "python3", Self.repositoryRoot.appendingPathComponent("Registry/validate.py").path,
            brokenURL.path, "--snapshot", snapshotURL.path,
        ])
        #expect(brokenStatus != 0)
        #expect(brokenOutput.contains("statement 6 (accredit)"), "\(brokenOutput)")
        #expect(brokenOutput.contains("'withdrawn' is not one of"), "\(brokenOutput)")
    }

    static func checkExample(_ state: RegistryState) throws {
        #expect(state.rootAuthority == "did:web:registry.example.eu")
        #expect(state.allEntities.count == 10)
        #expect(state.allEntities.filter { $0.role == .accreditationBody }.count == 2)
        #expect(state.allEntities.filter { $0.role == .issuer }.count == 7)
        #expect(state.allRecognitions.count == 1)
        let issued = instant("2026-02-15T00:00:00Z")
        func issue(
            _ did: String,
            _ resource: String,
            eqf: String,
            _ jurisdiction: String,
            field: String? = nil,
            at time: Date = issued,
            authority: String = "did:web:registry.example.eu"
        ) throws -> Bool {
            try state.authorization(
                entity: did,
                authority: authority,
                action: "issue",
                resource: resource,
                context: QueryContext(time: time, eqfLevel: eqf, jurisdiction: jurisdiction, iscedF: field)
            ).authorized
        }
        #expect(try issue("did:web:uni-madrid.example.es", "MicroCredential", eqf: "6", "ESP", field: "0613"))
        #expect(try issue("did:web:uni-madrid.example.es", "MicroCredential", eqf: "6", "ESP", field: "0613", authority: "did:web:aneca.example"))
        #expect(try !issue("did:web:uni-madrid.example.es", "MicroCredential", eqf: "8", "ESP"))
        #expect(try !issue("did:web:uni-madrid.example.es", "MicroCredential", eqf: "6", "NLD"))
        #expect(try issue("did:web:upv.example.es", "https://registry.example.eu/schemas/edc-diploma-v1", eqf: "7", "ESP", field: "0714"))
        #expect(try issue("did:web:tu-delft.example.nl", "MicroCredential", eqf: "7", "NLD", field: "0714", authority: "did:web:nvao.example"))
        #expect(try issue("did:web:leuven.example.be", "Diploma", eqf: "8", "BEL", field: "0912"))
        #expect(try issue("did:web:hogeschool.example.nl", "MicroCredential", eqf: "5", "NLD", field: "0413"))
        // The suspended business school: authorized before its suspension (recorded at import), not after.
        #expect(try issue("did:web:escuela-negocios.example.es", "MicroCredential", eqf: "5", "ESP", field: "0413"))
        #expect(try !issue("did:web:escuela-negocios.example.es", "MicroCredential", eqf: "5", "ESP", field: "0413", at: importTime))
        let didKeyIssuer = try #require(state.allEntities.first { $0.did.hasPrefix("did:key:") })
        #expect(try issue(didKeyIssuer.did, "MicroCredential", eqf: "4", "NLD", field: "0611"))
        #expect(
            try state.recognition(
                entity: "did:web:eqar.example",
                authority: "did:web:registry.example.eu",
                action: "recognize",
                resource: "accreditation-decisions",
                context: QueryContext(time: issued)
            ).authorized
        )
        // Every projection can be made from it.
        _ = try state.lote(configuration: LoTEConfiguration(baseURL: "https://registry.example.eu"), sequenceNumber: 1, issuedAt: importTime)
        _ = try state.trqpMetadata(baseURL: "https://registry.example.eu")
        #expect(
            state.ebsiIssuers(page: try EBSIPageRequest(size: 100), configuration: EBSIConfiguration(baseURL: "https://registry.example.eu"))
                .body.total == 10
        )
    }

    // MARK: - Generator

    struct Signer {
        let key: SigningKey
        let entity: Entity
        var keyID: String { entity.did + "#" + (entity.keys.first?.kid ?? "") }
        func sign(_ statement: RegistryStatement) throws -> String { try statement.sign(with: key, keyID: keyID) }
    }

    static func party(
        _ did: String?,
        _ role: EntityRole,
        _ names: [String: String],
        _ country: String,
        _ website: String,
        email: String,
        street: String,
        locality: String,
        postalCode: String
    ) throws -> Signer {
        let key = SigningKey.generate(.es256)
        let entity = Entity(
            did: did ?? key.verificationKey.didKey.did,
            role: role,
            keys: [key.verificationKey.jwk(keyID: did == nil ? nil : "key-1")],
            names: names,
            country: country,
            website: website,
            email: email,
            address: PostalAddress(street: street, locality: locality, postalCode: postalCode)
        )
        return Signer(key: key, entity: try entity.validated())
    }

    static func generate() throws -> JSONValue {
        let base = "https://registry.example.eu"
        let eqf = { (levels: [Int]) in Set(levels.map(RegistryVocabulary.eqfLevel)) }
        let isced = { (codes: [String]) in Set(codes.map(RegistryVocabulary.iscedF)) }
        let countries = { (codes: [String]) in Set(codes.map(RegistryVocabulary.country)) }
        let baseTypes: Set<String> = ["VerifiableCredential", "VerifiableAttestation", "EuropeanDigitalCredential"]
        let microSchema = "https://registry.example.eu/schemas/edc-microcredential-v1"
        let diplomaSchema = "https://registry.example.eu/schemas/edc-diploma-v1"
        let eu27 = [
            "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL", "ITA", "LVA", "LTU",
            "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE",
        ]
        var statements = [JSONValue]()
        func add(_ kind: StatementKind, _ note: String, _ jws: String) {
            statements.append(["kind": .string(kind.rawValue), "note": .string(note), "jws": .string(jws)])
        }

        let root = try party(
            "did:web:registry.example.eu",
            .rootAuthority,
            ["en": "Example European Accreditation Registry", "fr": "Registre européen d'accréditation (exemple)"],
            "BE",
            "https://registry.example.eu",
            email: "operator@registry.example.eu",
            street: "Rue de l'Exemple 1",
            locality: "Bruxelles",
            postalCode: "1000"
        )
        let authorisation = AccreditationGrant(
            subject: root.entity.did,
            role: .rootTAO,
            scope: [
                Scope(
                    credentialTypes: baseTypes.union(["MicroCredential", "Diploma"]),
                    schemaIds: [microSchema, diplomaSchema],
                    eqfLevels: eqf(Array(1...8)),
                    jurisdictions: countries(eu27)
                )
            ],
            validFrom: instant("2025-01-01T00:00:00Z"),
            validUntil: instant("2036-01-01T00:00:00Z"),
            parentAccreditationId: nil
        )
        add(
            .initialise,
            "The operator initialises the registry: root authority entity and its authorisation (the ceiling of all scopes)",
            try root.sign(
                try RegistryStatement.initialise(
                    root: root.entity,
                    grant: authorisation,
                    registryBaseURL: base,
                    trustFramework: "EU micro-credential accreditation (example)",
                    issuedAt: instant("2025-12-01T09:00:00Z")
                )
            )
        )

        let aneca = try party(
            "did:web:aneca.example",
            .accreditationBody,
            [
                "es": "Agencia Nacional de Evaluación de la Calidad y Acreditación (ejemplo)",
                "en": "National Agency for Quality Assessment and Accreditation (example)",
            ],
            "ES",
            "https://aneca.example",
            email: "registro@aneca.example",
            street: "Calle del Ejemplo 10",
            locality: "Madrid",
            postalCode: "28001"
        )
        let nvao = try party(
            "did:web:nvao.example",
            .accreditationBody,
            [
                "nl": "Nederlands-Vlaamse Accreditatieorganisatie (voorbeeld)",
                "en": "Accreditation Organisation of the Netherlands and Flanders (example)",
            ],
            "NL",
            "https://nvao.example",
            email: "registry@nvao.example",
            street: "Voorbeeldstraat 5",
            locality: "Den Haag",
            postalCode: "2514"
        )
        let anecaGrant = AccreditationGrant(
            subject: aneca.entity.did,
            role: .tao,
            scope: [
                Scope(
                    credentialTypes: baseTypes.union(["MicroCredential", "Diploma"]),
                    schemaIds: [microSchema, diplomaSchema],
                    eqfLevels: eqf([5, 6, 7, 8]),
                    jurisdictions: countries(["ESP"])
                )
            ],
            validFrom: instant("2025-06-01T00:00:00Z"),
            validUntil: instant("2031-01-01T00:00:00Z"),
            parentAccreditationId: authorisation.accreditationId
        )
        let nvaoGrant = AccreditationGrant(
            subject: nvao.entity.did,
            role: .tao,
            scope: [
                Scope(
                    credentialTypes: baseTypes.union(["MicroCredential", "Diploma"]),
                    schemaIds: [microSchema, diplomaSchema],
                    eqfLevels: eqf([4, 5, 6, 7, 8]),
                    jurisdictions: countries(["NLD", "BEL"])
                )
            ],
            validFrom: instant("2025-06-01T00:00:00Z"),
            validUntil: instant("2031-07-01T00:00:00Z"),
            parentAccreditationId: authorisation.accreditationId
        )
        add(
            .accredit,
            "The operator registers ANECA (example) for Spain, EQF 5-8, micro-credentials and diplomas",
            try root.sign(
                try RegistryStatement.registerBody(
                    rootAuthority: root.entity.did,
                    body: aneca.entity,
                    grant: anecaGrant,
                    registryBaseURL: base,
                    issuedAt: instant("2025-12-01T09:05:00Z")
                )
            )
        )
        add(
            .accredit,
            "The operator registers NVAO (example) for the Netherlands and Flanders, EQF 4-8",
            try root.sign(
                try RegistryStatement.registerBody(
                    rootAuthority: root.entity.did,
                    body: nvao.entity,
                    grant: nvaoGrant,
                    registryBaseURL: base,
                    issuedAt: instant("2025-12-01T09:06:00Z")
                )
            )
        )
        let eqar = RecognitionGrant(
            entity: "did:web:eqar.example",
            actions: ["recognize"],
            resources: ["accreditation-decisions"],
            names: ["en": "European Quality Assurance Register for Higher Education (example)"],
            validFrom: instant("2025-12-01T00:00:00Z"),
            validUntil: instant("2030-12-01T00:00:00Z")
        )
        add(
            .recognise,
            "The operator recognises EQAR (example) for accreditation decisions",
            try root.sign(try RegistryStatement.recognise(rootAuthority: root.entity.did, grant: eqar, issuedAt: instant("2025-12-02T10:00:00Z")))
        )

        struct IssuerSpec {
            let did: String?
            let names: [String: String]
            let country: String
            let host: String
            let street: String
            let locality: String
            let postalCode: String
            let body: String
            let scope: [Scope]
            let validFrom: String
            let validUntil: String
            let note: String
        }
        let specs = [
            IssuerSpec(
                did: "did:web:uni-madrid.example.es",
                names: ["es": "Universidad Ejemplo de Madrid", "en": "Example University of Madrid"],
                country: "ES",
                host: "uni-madrid.example.es",
                street: "Avenida Universitaria 1",
                locality: "Madrid",
                postalCode: "28040",
                body: "aneca",
                scope: [
                    Scope(
                        credentialTypes: baseTypes.union(["MicroCredential"]),
                        schemaIds: [microSchema],
                        eqfLevels: eqf([6, 7]),
                        jurisdictions: countries(["ESP"]),
                        iscedF: isced(["0611", "0613"])
                    )
                ],
                validFrom: "2026-01-01T00:00:00Z",
                validUntil: "2030-01-01T00:00:00Z",
                note: "ANECA accredits a Madrid university for EQF 6-7 ICT micro-credentials (ISCED-F 0611, 0613)"
            ),
            IssuerSpec(
                did: "did:web:upv.example.es",
                names: [
                    "ca": "Universitat Politècnica Exemple de València", "es": "Universidad Politécnica Ejemplo de Valencia",
                    "en": "Example Polytechnic University of Valencia",
                ],
                country: "ES",
                host: "upv.example.es",
                street: "Camí de Vera s/n",
                locality: "València",
                postalCode: "46022",
                body: "aneca",
                scope: [
                    Scope(
                        credentialTypes: baseTypes.union(["MicroCredential", "Diploma"]),
                        schemaIds: [microSchema, diplomaSchema],
                        eqfLevels: eqf([6, 7, 8]),
                        jurisdictions: countries(["ESP"]),
                        iscedF: isced(["07"])
                    )
                ],
                validFrom: "2026-01-01T00:00:00Z",
                validUntil: "2030-07-01T00:00:00Z",
                note: "ANECA accredits a Valencian polytechnic for engineering (ISCED-F 07) micro-credentials and diplomas, EQF 6-8"
            ),
            IssuerSpec(
                did: "did:web:escuela-negocios.example.es",
                names: ["es": "Escuela de Negocios Ejemplo", "en": "Example Business School"],
                country: "ES",
                host: "escuela-negocios.example.es",
                street: "Calle Comercio 7",
                locality: "Sevilla",
                postalCode: "41001",
                body: "aneca",
                scope: [
                    Scope(
                        credentialTypes: baseTypes.union(["MicroCredential"]),
                        schemaIds: [microSchema],
                        eqfLevels: eqf([5, 6]),
                        jurisdictions: countries(["ESP"]),
                        iscedF: isced(["0413"])
                    )
                ],
                validFrom: "2026-01-01T00:00:00Z",
                validUntil: "2028-01-01T00:00:00Z",
                note: "ANECA accredits a business school for EQF 5-6 management micro-credentials (ISCED-F 0413)"
            ),
            IssuerSpec(
                did: "did:web:tu-delft.example.nl",
                names: ["nl": "Technische Universiteit Voorbeeld", "en": "Example University of Technology"],
                country: "NL",
                host: "tu-delft.example.nl",
                street: "Mekelweg 1",
                locality: "Delft",
                postalCode: "2628",
                body: "nvao",
                scope: [
                    Scope(
                        credentialTypes: baseTypes.union(["MicroCredential"]),
                        schemaIds: [microSchema],
                        eqfLevels: eqf([6, 7]),
                        jurisdictions: countries(["NLD"]),
                        iscedF: isced(["0613", "0714"])
                    )
                ],
                validFrom: "2026-01-01T00:00:00Z",
                validUntil: "2031-01-01T00:00:00Z",
                note: "NVAO accredits a Dutch technical university for EQF 6-7 micro-credentials in ICT and electronics"
            ),
            IssuerSpec(
                did: "did:web:hogeschool.example.nl",
                names: ["nl": "Hogeschool Voorbeeld", "en": "Example University of Applied Sciences"],
                country: "NL",
                host: "hogeschool.example.nl",
                street: "Voorbeeldlaan 20",
                locality: "Utrecht",
                postalCode: "3584",
                body: "nvao",
                scope: [
                    Scope(
                        credentialTypes: baseTypes.union(["MicroCredential"]),
                        schemaIds: [microSchema],
                        eqfLevels: eqf([5, 6]),
                        jurisdictions: countries(["NLD"]),
                        iscedF: isced(["0413", "0923"])
                    )
                ],
                validFrom: "2026-01-01T00:00:00Z",
                validUntil: "2030-01-01T00:00:00Z",
                note: "NVAO accredits a Dutch university of applied sciences for EQF 5-6 micro-credentials in management and social work"
            ),
            IssuerSpec(
                did: "did:web:leuven.example.be",
                names: ["nl": "Universiteit Voorbeeld Leuven", "fr": "Université Exemple de Louvain", "en": "Example University of Leuven"],
                country: "BE",
                host: "leuven.example.be",
                street: "Naamsestraat 22",
                locality: "Leuven",
                postalCode: "3000",
                body: "nvao",
                scope: [
                    Scope(
                        credentialTypes: baseTypes.union(["MicroCredential", "Diploma"]),
                        schemaIds: [microSchema, diplomaSchema],
                        eqfLevels: eqf([6, 7, 8]),
                        jurisdictions: countries(["BEL"]),
                        iscedF: isced(["0511", "0912"])
                    )
                ],
                validFrom: "2026-01-01T00:00:00Z",
                validUntil: "2031-01-01T00:00:00Z",
                note: "NVAO accredits a Flemish university for biology and medicine micro-credentials and diplomas, EQF 6-8"
            ),
            IssuerSpec(
                did: nil,
                names: ["en": "Open Skills Academy (example)", "nl": "Open Skills Academie (voorbeeld)"],
                country: "NL",
                host: "open-skills.example.nl",
                street: "Leerpad 3",
                locality: "Amsterdam",
                postalCode: "1011",
                body: "nvao",
                scope: [
                    Scope(
                        credentialTypes: baseTypes.union(["MicroCredential"]),
                        schemaIds: [microSchema],
                        eqfLevels: eqf([4, 5]),
                        jurisdictions: countries(["NLD"]),
                        iscedF: isced(["0611"])
                    )
                ],
                validFrom: "2026-01-01T00:00:00Z",
                validUntil: "2028-01-01T00:00:00Z",
                note: "NVAO accredits a training provider identified by did:key for EQF 4-5 computer-use micro-credentials"
            ),
        ]
        var suspendTarget: (String, String)?
        for (index, spec) in specs.enumerated() {
            let issuer = try party(
                spec.did,
                .issuer,
                spec.names,
                spec.country,
                "https://" + spec.host,
                email: "credentials@" + spec.host,
                street: spec.street,
                locality: spec.locality,
                postalCode: spec.postalCode
            )
            let (body, parent) = spec.body == "aneca" ? (aneca, anecaGrant.accreditationId) : (nvao, nvaoGrant.accreditationId)
            let grant = AccreditationGrant(
                subject: issuer.entity.did,
                role: .ti,
                scope: spec.scope,
                validFrom: instant(spec.validFrom),
                validUntil: instant(spec.validUntil),
                parentAccreditationId: parent
            )
            let statement = try RegistryStatement.accredit(
                accreditor: body.entity.did,
                grant: grant,
                subjectEntity: issuer.entity,
                rootAuthority: root.entity.did,
                registryBaseURL: base,
                issuedAt: instant("2026-01-05T10:00:00Z").addingTimeInterval(Double(index) * 600)
            )
            add(.accredit, spec.note, try body.sign(statement))
            if spec.did == "did:web:escuela-negocios.example.es" { suspendTarget = (grant.accreditationId, issuer.entity.did) }
        }
        if let (id, subject) = suspendTarget {
            let suspend = try RegistryStatement.suspend(
                signer: aneca.entity.did,
                accreditationId: id,
                subject: subject,
                reason: "Follow-up review of the internal quality assurance report",
                rootAuthority: root.entity.did,
                issuedAt: instant("2026-02-20T08:30:00Z")
            )
            add(
                .suspend,
                "ANECA suspends the business school's accreditation pending a follow-up review (effective when imported)",
                try aneca.sign(suspend)
            )
        }
        return [
            "$schema": "./schemas/import.schema.json",
            "format": "standing-registry-import/v1",
            "description": .string(
                "Demo registry for Standing: pre-signed statements generated by Tests/TrustRegistryTests/ExampleRegistryTests.swift "
                    + "with throw-away keys (no private key exists any more). Load with: standing registry import Registry/example.json"
            ),
            "registryBaseURL": .string(base),
            "rootAuthority": .string(root.entity.did),
            "statements": .array(statements),
        ]
    }

    /// Pretty JSON with sorted keys (stable diffs), no escaped slashes.
    static func prettyJSON(_ value: JSONValue) throws -> String {
        let object = try JSONSerialization.jsonObject(with: try value.canonicalData())
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: - python3

    static func pythonJSONSchemaAvailable() async -> Bool {
        (try? await run(["python3", "-c", "import jsonschema, referencing"]).status) == 0
    }

    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let result = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: arguments)
        return (result.status, result.output + result.errorOutput)
    }
}
