import Client
import Foundation
import NIOHTTP1
import StandingAPI
import StandingTestSupport
import Testing
import TrustRegistry

/// `standing registry import-deqar` against a running server: the shipped sample as bodies and accreditations, signed
/// locally, idempotent on re-import, and following the export when a report changes.
@Suite struct DEQARImportTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Registry/deqar-sample.json").path

    /// The registry's event-log head (public).
    static func head(_ server: TestServer) async throws -> Int {
        try await RegistryAuthoring(client: StandingAdminClient(serverURL: server.baseURL, token: nil)).log().head
    }

    @Test func importsTheSampleOnceReimportsNothingAndFollowsAChangedReport() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let directory = try RegistryCLITests.keyDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let connection = ["--server", server.baseURL, "--token", server.operatorToken]
        let root = try await RegistryCLITests.generateKey(in: directory, name: "root")
        // acu.jwk and kav.jwk sign for the agencies; uni.public.jwk registers the institutions.
        for name in ["acu", "kav", "uni"] { _ = try await RegistryCLITests.generateKey(in: directory, name: name) }
        let initialised = try await runStanding(
            ["registry", "init", "--did", "did:web:registry.example.eu", "--key", root.privateFile, "--from", "2025-01-01", "--until", "2036-01-01"]
                + connection)
        #expect(initialised.status == 0, "\(initialised.stderr)")

        // The map names DIDs and keys by file name, relative to the map's folder.
        let map = directory.appendingPathComponent("deqar-map.json")
        try Data(
            """
            {"agencies": {"5": {"did": "did:web:acu.example.es", "key": "acu.jwk"}, "37": {"did": "did:web:kav.example.nl", "key": "kav.jwk"}},
             "institutions": {"DEQARINST0101": {"did": "did:web:uni.example.es", "publicKey": "uni.public.jwk"},
                              "102": {"did": "did:web:hogeschool.example.nl", "publicKey": "uni.public.jwk"}}}
            """.utf8
        ).write(to: map)
        let importing = ["registry", "import-deqar", Self.sample, "--map", map.path] + connection

        // Dry run: the plan, and nothing sent.
        let before = try await Self.head(server)
        let dry = try await runStanding(importing + ["--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("new body        did:web:acu.example.es (DEQAR agency 5"), "\(dry.stdout)")
        #expect(dry.stdout.contains("skipped         report 1003, institution 102: decision negative"), "\(dry.stdout)")
        #expect(dry.stdout.contains("skipped         report 1004, institution 102: expired on 2020-04-30"), "\(dry.stdout)")
        #expect(dry.stdout.contains("dry run, nothing signed or sent: would register 2 bodies, 4 new accreditations"), "\(dry.stdout)")
        #expect(try await Self.head(server) == before)

        // Without the root key nothing is signed, and the error says what to give.
        let noRoot = try await runStanding(importing)
        #expect(noRoot.status != 0 && noRoot.stderr.contains("--root-key"), "\(noRoot.stderr)")
        #expect(noRoot.stderr.split(separator: "\n").count == 1)
        #expect(try await Self.head(server) == before)

        let imported = try await runStanding(importing + ["--root-key", root.privateFile])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported: 2 bodies, 4 new accreditations, 0 changed, 0 withdrawn; 0 unchanged; 5 items skipped"), "\(imported.stdout)")
        // Not a terminal: no progress on stderr.
        #expect(imported.stderr.isEmpty, "\(imported.stderr)")
        let afterImport = try await Self.head(server)
        #expect(afterImport == before + 6)

        // Again: nothing changes, and it says so.
        let again = try await runStanding(importing + ["--root-key", root.privateFile])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("nothing to change: 6 bodies and accreditations already match the export; 5 items skipped"), "\(again.stdout)")
        #expect(try await Self.head(server) == afterImport)

        // Through the registry API: the institution's two accreditations, by the agency, with the mapped levels.
        let reader = RegistryAuthoring(client: StandingAdminClient(serverURL: server.baseURL, token: nil))
        let shown = try await reader.accreditations(of: "did:web:uni.example.es")
        #expect(Set(shown.map(\.id)) == [
            DEQARPlan.accreditationId(report: "1001", institution: "101", revision: 0),
            DEQARPlan.accreditationId(report: "1002", institution: "101", revision: 0),
        ])
        #expect(shown.allSatisfy { $0.accreditedBy == "did:web:acu.example.es" && $0.issuerType == "TI" && $0.status == "active" })
        let institutional = try #require(shown.first { $0.id == DEQARPlan.accreditationId(report: "1001", institution: "101", revision: 0) })
        #expect(institutional.scope?.first?.contains("EQF 6,7,8") == true && institutional.validUntil == "2033-10-01T00:00:00Z", "\(institutional)")
        let programme = try #require(shown.first { $0.id == DEQARPlan.accreditationId(report: "1002", institution: "101", revision: 0) })
        #expect(programme.scope?.first?.contains("EQF 7;") == true && programme.validUntil == "2031-01-15T00:00:00Z", "\(programme)")
        let attribute = try await server.request(
            .GET, "/trusted-issuers-registry/v5/issuers/did:web:hogeschool.example.nl/attributes/"
                + DEQARPlan.accreditationId(report: "1005", institution: "102", revision: 0))
        #expect(attribute.status == 200 && (attribute.json["attribute"] as? [String: Any])?["tao"] as? String == "did:web:kav.example.nl")
        let authorized = try await server.request(
            .POST, "/trqp/authorization",
            json: ["entity_id": "did:web:uni.example.es", "authority_id": "did:web:registry.example.eu", "action": "issue",
                   "resource": "Diploma", "context": ["eqfLevel": RegistryVocabulary.eqfLevel(8)]])
        #expect(authorized.json["authorized"] as? Bool == true, "\(authorized.text)")

        // The export changes: report 1001 turns negative, report 1005 gets a later end. The import follows.
        var document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.sample))) as? [String: Any])
        var reports = try #require(document["reports"] as? [[String: Any]])
        for index in reports.indices {
            if reports[index]["id"] as? Int == 1001 { reports[index]["decision"] = "negative" }
            if reports[index]["id"] as? Int == 1005 { reports[index]["valid_to"] = "2033-08-31" }
        }
        document["reports"] = reports
        let changedFile = directory.appendingPathComponent("deqar-changed.json")
        try JSONSerialization.data(withJSONObject: document).write(to: changedFile)
        let changed = try await runStanding(["registry", "import-deqar", changedFile.path, "--map", map.path] + connection)
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(changed.stdout.contains("imported: 0 bodies, 0 new accreditations, 1 changed, 1 withdrawn; 4 unchanged"), "\(changed.stdout)")
        #expect(try await Self.head(server) == afterImport + 3)
        let withdrawn = try await reader.accreditations(of: "did:web:uni.example.es")
        #expect(withdrawn.first { $0.id == DEQARPlan.accreditationId(report: "1001", institution: "101", revision: 0) }?.status == "revoked")
        let hogeschool = try await reader.accreditations(of: "did:web:hogeschool.example.nl")
        #expect(hogeschool.map(\.status) == ["revoked", "active"], "\(hogeschool)")
        #expect(hogeschool.last?.id == DEQARPlan.accreditationId(report: "1005", institution: "102", revision: 1))
        #expect(hogeschool.last?.validUntil == "2033-09-01T00:00:00Z")
        let settled = try await runStanding(["registry", "import-deqar", changedFile.path, "--map", map.path] + connection)
        #expect(settled.stdout.contains("nothing to change"), "\(settled.stdout)")
    }

    /// Progress goes to stderr only on a terminal: run under `script`, which gives the command a pseudo-terminal.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func progressOnATerminal() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let directory = try RegistryCLITests.keyDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let connection = ["--server", server.baseURL, "--token", server.operatorToken]
        let root = try await RegistryCLITests.generateKey(in: directory, name: "root")
        _ = try await RegistryCLITests.generateKey(in: directory, name: "kav")
        let initialised = try await runStanding(
            ["registry", "init", "--did", "did:web:registry.example.eu", "--key", root.privateFile, "--from", "2025-01-01", "--until", "2036-01-01"]
                + connection)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        // Only agency 37 and the institution that names its own did:key: one body, one accreditation.
        let map = directory.appendingPathComponent("map.json")
        try Data("{\"agencies\": {\"37\": {\"did\": \"did:web:kav.example.nl\", \"key\": \"kav.jwk\"}}}".utf8).write(to: map)
        let command = ([try standingExecutable().path, "registry", "import-deqar", Self.sample, "--map", map.path, "--root-key", root.privateFile]
            + connection).map { "'\($0)'" }.joined(separator: " ")
        let run = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/script"), arguments: ["-q", "-e", "-c", command, "/dev/null"])
        #expect(run.status == 0, "\(run.output)\(run.errorOutput)")
        #expect(run.output.contains("[1/2] registered body did:web:kav.example.nl (DEQAR agency 37)"), "\(run.output)")
        #expect(run.output.contains("[2/2] accredited did:key:zDnaeUk5Nw8eVF7UEJzK6DK9MBrN44HPtVeQZU94c7yqFxJDH (report 1006, institution 103)"), "\(run.output)")
        #expect(run.output.contains("imported: 1 body, 1 new accreditation"), "\(run.output)")
    }

    @Test func badFilesAreOneLineErrors() async throws {
        let directory = try RegistryCLITests.keyDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let export = directory.appendingPathComponent("export.json")
        let map = directory.appendingPathComponent("map.json")
        try Data("{\"agencies\": []}".utf8).write(to: map)
        let cases: [(export: String, map: String?, message: String)] = [
            ("{\"agencies\": 3, \"institutions\": [], \"reports\": []}", nil, "\"agencies\" is not an array"),
            ("[1, 2]", nil, "is not a DEQAR export"),
            ("{\"agencies\": [], \"institutions\": [], \"reports\": []}", "{\"agencies\": {\"5\": {\"did\": \"did:web:a.example\"}}}",
             "agencies.5 needs \"did\" and \"key\""),
        ]
        for item in cases {
            try Data(item.export.utf8).write(to: export)
            if let text = item.map { try Data(text.utf8).write(to: map) }
            let result = try await runStanding(
                ["registry", "import-deqar", export.path, "--map", map.path, "--dry-run", "--server", "http://127.0.0.1:9"])
            #expect(result.status != 0)
            #expect(result.stderr.contains(item.message), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        let missing = try await runStanding(
            ["registry", "import-deqar", directory.appendingPathComponent("none.json").path, "--map", map.path, "--dry-run"])
        #expect(missing.status != 0 && missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
    }
}
