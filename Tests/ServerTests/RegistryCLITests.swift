import Foundation
import Testing
import StandingTestSupport

/// Drives the registry commands of the `standing` CLI against a running server, as the root authority, an
/// accreditation body and a verifier would.
@Suite struct RegistryCLITests {
    /// A fresh temporary directory for key files.
    static func keyDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Generates a key with the CLI and returns the private file and a public JWK file.
    static func generateKey(in directory: URL, name: String, alg: String = "ES256") async throws -> (privateFile: String, publicFile: String) {
        let privateFile = directory.appendingPathComponent("\(name).jwk").path
        let generated = try await runStanding(["keys", "generate", "--out", privateFile, "--alg", alg, "--kid", "key-1", "--json"])
        guard generated.status == 0 else { throw TestFailure("keys generate failed: \(generated.stderr)") }
        let publicFile = directory.appendingPathComponent("\(name).public.jwk").path
        try Data(generated.stdout.utf8).write(to: URL(fileURLWithPath: publicFile))
        return (privateFile, publicFile)
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    @Test func keysGenerateWritesAPrivateFileOnce() async throws {
        let directory = try Self.keyDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("body.jwk").path
        let generated = try await runStanding(["keys", "generate", "--out", file, "--alg", "EdDSA"])
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(generated.stdout.contains("kid") && generated.stdout.contains("\"crv\" : \"Ed25519\""))
        #expect(!generated.stdout.contains("\"d\""), "the private part is never printed")
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let stored = Self.json(try String(contentsOfFile: file, encoding: .utf8))
        #expect(stored["d"] is String && stored["crv"] as? String == "Ed25519")

        let again = try await runStanding(["keys", "generate", "--out", file])
        #expect(again.status != 0 && again.stderr.contains("refusing to overwrite"))
        #expect(Self.json(try String(contentsOfFile: file, encoding: .utf8))["d"] as? String == stored["d"] as? String)
        let badAlgorithm = try await runStanding(["keys", "generate", "--out", file + ".2", "--alg", "RS256"])
        #expect(badAlgorithm.status != 0)
    }

    @Test func keysByNameGoToAPrivateFolderAndOnlyTheirPublicPartIsHandedOut() async throws {
        let directory = try Self.keyDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let generated = try await runStanding(["keys", "generate", "--name", "root"], in: directory)
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(generated.stdout.contains("private key written to standing-keys/root.jwk (mode 0600)"))
        let folder = directory.appendingPathComponent("standing-keys").path
        #expect((try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? NSNumber)?.intValue == 0o700)

        let exported = try await runStanding(["keys", "public", "standing-keys/root.jwk"], in: directory)
        #expect(exported.status == 0, "\(exported.stderr)")
        let publicJWK = Self.json(exported.stdout)
        #expect(publicJWK["kty"] as? String == "EC" && publicJWK["d"] == nil, "\(exported.stdout)")

        // A private key where a public one is asked for is refused before anything is sent.
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let misused = try await runStanding(
            ["bodies", "add", "--did", "did:web:aneca.example", "--public-key", "standing-keys/root.jwk", "--key", "standing-keys/root.jwk",
             "--server", server.baseURL, "--token", server.operatorToken], in: directory)
        #expect(misused.status != 0)
        #expect(misused.stderr.contains("holds a private key, which stays with its owner"), "\(misused.stderr)")
        #expect(misused.stderr.contains("standing keys public standing-keys/root.jwk > standing-keys/root.pub.jwk"), "\(misused.stderr)")

        let both = try await runStanding(["keys", "generate", "--name", "a", "--out", "b.jwk"], in: directory)
        #expect(both.status != 0 && both.stderr.contains("exactly one of --name and --out"))
    }

    @Test func rootBodyIssuerLifecycleAndVerification() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let directory = try Self.keyDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let operatorConnection = ["--server", server.baseURL, "--token", server.operatorToken]
        let root = try await Self.generateKey(in: directory, name: "root")
        let body = try await Self.generateKey(in: directory, name: "body")
        let issuer = try await Self.generateKey(in: directory, name: "issuer")
        let intruder = try await Self.generateKey(in: directory, name: "intruder")

        let initialised = try await runStanding(
            [
                "registry", "init", "--did", "did:web:registry.example.eu", "--key", root.privateFile, "--name", "Example Registry",
                "--from", "2025-01-01", "--until", "2036-01-01",
            ] + operatorConnection
        )
        #expect(initialised.status == 0, "\(initialised.stderr)")
        #expect(initialised.stdout.contains("registry initialised"))

        let added = try await runStanding(
            [
                "bodies", "add", "--did", "did:web:aneca.example", "--public-key", body.publicFile, "--name", "ANECA (example)",
                "--name", "es=ANECA (ejemplo)", "--country", "ES", "--website", "https://aneca.example",
                "--types", "VerifiableCredential,MicroCredential", "--eqf", "5-7", "--jurisdiction", "ESP", "--isced", "06", "07",
                "--from", "2025-06-01", "--until", "2031-01-01T00:00:00Z", "--key", root.privateFile, "--json",
            ] + operatorConnection
        )
        #expect(added.status == 0, "\(added.stderr)")
        let bodySecret = try #require(Self.json(added.stdout)["secret"] as? String)
        #expect(bodySecret.hasPrefix("stn_"))
        let bodyConnection = ["--server", server.baseURL, "--token", bodySecret]

        let accreditArguments = [
            "accredit", "--subject", "did:web:uni.example", "--subject-key", issuer.publicFile, "--name", "Example University",
            "--country", "ES", "--types", "VerifiableCredential", "--types", "MicroCredential", "--jurisdiction", "ESP",
            "--isced", "0613", "--from", "2026-01-01", "--until", "2029-01-01", "--key", body.privateFile, "--body", "did:web:aneca.example",
        ]
        // Beyond the body's ceiling (EQF 8): refused, naming the rule.
        let tooWide = try await runStanding(accreditArguments + ["--eqf", "6", "8"] + bodyConnection)
        #expect(tooWide.status != 0)
        #expect(tooWide.stderr.contains("EQF level widens") && tooWide.stderr.contains("eqf/8"), "\(tooWide.stderr)")
        #expect(tooWide.stderr.split(separator: "\n").count == 1)
        // Signed with a key the body never registered: refused.
        let forged = try await runStanding(
            accreditArguments.map { $0 == body.privateFile ? intruder.privateFile : $0 } + ["--eqf", "6"] + bodyConnection
        )
        #expect(forged.status != 0)
        #expect(forged.stderr.contains("400") || forged.stderr.contains("signature"), "\(forged.stderr)")

        let accredited = try await runStanding(accreditArguments + ["--eqf", "6", "--json"] + bodyConnection)
        #expect(accredited.status == 0, "\(accredited.stderr)")
        let accreditationId = try #require(Self.json(accredited.stdout)["accreditationId"] as? String)
        // The same accreditation again adds nothing (the log below still has exactly six events).
        let repeated = try await runStanding(accreditArguments + ["--eqf", "6"] + bodyConnection)
        #expect(repeated.status == 0, "\(repeated.stderr)")
        #expect(repeated.stdout.contains("already accredited: did:web:uni.example holds accreditation \(accreditationId)"), "\(repeated.stdout)")

        let listed = try await runStanding(["issuers", "ls", "--server", server.baseURL])
        #expect(listed.status == 0, "\(listed.stderr)")
        for did in ["did:web:registry.example.eu", "did:web:aneca.example", "did:web:uni.example"] {
            #expect(listed.stdout.contains(did), "\(did) missing from issuers ls")
        }
        let shown = try await runStanding(["issuers", "show", "did:web:uni.example", "--server", server.baseURL])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains(accreditationId) && shown.stdout.contains("active") && shown.stdout.contains("EQF 6"))
        #expect(shown.stdout.contains("2026-01-01T00:00:00Z .. 2029-01-01T00:00:00Z") && shown.stdout.contains("ISCED-F 0613"))

        let lifecycle = ["--key", body.privateFile, "--signer", "did:web:aneca.example"] + bodyConnection
        let suspended = try await runStanding(["accreditations", "suspend", accreditationId, "--reason", "follow-up review"] + lifecycle)
        #expect(suspended.status == 0 && suspended.stdout.contains("suspended"), "\(suspended.stderr)")
        let showSuspended = try await runStanding(["issuers", "show", "did:web:uni.example", "--server", server.baseURL])
        #expect(showSuspended.stdout.contains("suspended (follow-up review)"))
        let reinstated = try await runStanding(["accreditations", "reinstate", accreditationId] + lifecycle)
        #expect(reinstated.status == 0 && reinstated.stdout.contains("active"), "\(reinstated.stderr)")
        let revoked = try await runStanding(["accreditations", "revoke", accreditationId, "--reason", "fraud"] + lifecycle)
        #expect(revoked.status == 0 && revoked.stdout.contains("revoked"), "\(revoked.stderr)")
        let again = try await runStanding(["accreditations", "reinstate", accreditationId] + lifecycle)
        #expect(again.status != 0)
        #expect(again.stderr.contains("409"), "\(again.stderr)")
        #expect(again.stderr.split(separator: "\n").count == 1, "one-line error: \(again.stderr)")

        let log = try await runStanding(["registry", "log", "--server", server.baseURL])
        #expect(log.status == 0, "\(log.stderr)")
        let lines = log.stdout.split(separator: "\n")
        #expect(lines.count == 6, "\(log.stdout)")
        #expect(lines.first?.hasPrefix("1  ") == true && lines.first?.contains("initialise") == true)
        #expect(lines.last?.contains("revoke") == true && lines.last?.contains(accreditationId) == true)
        let since = try await runStanding(["registry", "log", "--since", "4", "--server", server.baseURL])
        #expect(since.stdout.split(separator: "\n").count == 2 && since.stdout.hasPrefix("5  "))

        let verified = try await runStanding(["registry", "verify", "--server", server.baseURL])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("x5c self-signed; pin the certificate to trust it"))
        #expect(!verified.stdout.contains("FAIL") && verified.stdout.contains("registry verified"))
    }

    @Test func importTheExampleRegistry() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = root.appendingPathComponent("Registry/example.json").path
        let statements = try #require(Self.json(try String(contentsOfFile: example, encoding: .utf8))["statements"] as? [Any])

        let imported = try await runStanding(["registry", "import", example, "--server", server.baseURL, "--token", server.operatorToken])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("seq 1  initialise") && imported.stdout.contains("seq \(statements.count)  suspend"))

        let listed = try await runStanding(["issuers", "ls", "--server", server.baseURL])
        #expect(listed.status == 0, "\(listed.stderr)")
        for did in ["did:web:registry.example.eu", "did:web:aneca.example", "did:web:nvao.example"] {
            #expect(listed.stdout.contains(did), "\(did) missing from issuers ls")
        }
        #expect(listed.stdout.contains("did:key:"), "the did:key training provider is listed")
        #expect(listed.stdout.split(separator: "\n").count == 10, "root, 2 bodies, 7 issuers: \(listed.stdout)")

        // Importing again is a merge: every statement is there already, nothing is added.
        let again = try await runStanding(["registry", "import", example, "--server", server.baseURL, "--token", server.operatorToken])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("imported 0 statements, \(statements.count) already recorded"), "\(again.stdout)")

        // Into a registry with another root, the import is refused with what conflicts and what to do.
        let other = try await TestServer.start()
        defer { Task { await other.stopAndRemove() } }
        let directory = try Self.keyDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let otherRoot = try await Self.generateKey(in: directory, name: "other-root")
        let initialised = try await runStanding(
            ["registry", "init", "--did", "did:web:other.example", "--key", otherRoot.privateFile, "--name", "Other", "--country", "ES",
             "--server", other.baseURL, "--token", other.operatorToken])
        #expect(initialised.status == 0, "\(initialised.stderr)")
        let conflicting = try await runStanding(["registry", "import", example, "--server", other.baseURL, "--token", other.operatorToken])
        #expect(conflicting.status != 0)
        #expect(conflicting.stderr.contains("statement 1 of \(statements.count) refused"), "\(conflicting.stderr)")
        #expect(conflicting.stderr.contains("already holds another registry (root did:web:other.example"), "\(conflicting.stderr)")
        #expect(conflicting.stderr.contains("fresh data directory"), "\(conflicting.stderr)")
        #expect(conflicting.stderr.split(separator: "\n").count == 1)

        let verified = try await runStanding(["registry", "verify", "--server", server.baseURL])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
    }
}
