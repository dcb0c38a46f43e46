import Foundation
import NIOHTTP1
import Testing
import StandingTestSupport

/// Drives the `standing` CLI against a running server, as an issuer would.
@Suite struct CLITests {
    @Test func issuerWorkflowThroughTheCLI() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let connection = ["--server", server.baseURL, "--token", server.operatorToken]

        let created = try await runStanding(["lists", "create", "--purpose", "revocation", "--id", "diplomas-2026", "--json"] + connection)
        #expect(created.status == 0, "\(created.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
        #expect(list["id"] as? String == "diplomas-2026")

        let allocated = try await runStanding(["entries", "allocate", "--list", "diplomas-2026", "--json"] + connection)
        #expect(allocated.status == 0, "\(allocated.stderr)")
        let entries = try #require((try JSONSerialization.jsonObject(with: Data(allocated.stdout.utf8)) as? [String: Any])?["entries"] as? [[String: Any]])
        let index = try #require(entries.first?["index"] as? Int)
        let credentialStatus = try #require(entries.first?["credentialStatus"] as? [String: Any])
        #expect(credentialStatus["statusListCredential"] as? String == "\(server.baseURL)/status/diplomas-2026")

        let text = try await runStanding(["entries", "allocate", "--purpose", "revocation"] + connection)
        #expect(text.status == 0 && text.stdout.contains("credentialStatus (W3C)") && text.stdout.contains("status (IETF)"))

        // LIST may be given as the list's URL.
        let revoked = try await runStanding(["revoke", "\(server.baseURL)/status/diplomas-2026", String(index), "--reason", "fraud"] + connection)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(revoked.stdout.contains("0 -> 1"))
        #expect(try await eventually { try await server.request(.GET, "/status/diplomas-2026/\(index)").json["status"] as? Int == 1 })

        let again = try await runStanding(["reinstate", "diplomas-2026", String(index)] + connection)
        #expect(again.status != 0)
        #expect(again.stderr.contains("final"))
        #expect(again.stderr.split(separator: "\n").count == 1, "one-line error: \(again.stderr)")

        let show = try await runStanding(["lists", "show", "diplomas-2026"] + connection)
        #expect(show.stdout.contains("allocated of 131072"))
        let listing = try await runStanding(["lists", "ls"] + connection)
        #expect(listing.stdout.contains("diplomas-2026"))
        let audit = try await runStanding(["audit", "--list", "diplomas-2026"] + connection)
        #expect(audit.stdout.contains("fraud"))
    }

    @Test func suspendAndReinstateChooseTheRightValue() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let environment = ["STANDING_SERVER": server.baseURL, "STANDING_TOKEN": server.operatorToken]
        let list = try await server.createList(["purpose": "message", "statusSize": 2])
        let index = try #require(try await server.allocate(list).first)
        let suspended = try await runStanding(["suspend", list, String(index)], environment: environment)
        #expect(suspended.status == 0, "\(suspended.stderr)")
        #expect(try await eventually { try await server.request(.GET, "/status/\(list)/\(index)").json["status"] as? Int == 2 })
        let reinstated = try await runStanding(["reinstate", list, String(index)], environment: environment)
        #expect(reinstated.status == 0)
        let revocationList = try await server.createList()
        let refused = try await runStanding(["suspend", revocationList, "0"], environment: environment)
        #expect(refused.status != 0 && refused.stderr.contains("cannot express suspension"))

        // The server's rules decide, not a copy in the CLI: on this table "suspended" is 3, and 2 means something else.
        let messages = ["valid", "revoked", "under review", "suspended"].enumerated().map { ["status": "0x\($0.offset)", "message": $0.element] }
        let custom = try await server.createList(["purpose": "message", "statusSize": 2, "statusMessages": messages])
        let customIndex = try #require(try await server.allocate(custom).first)
        let suspendedCustom = try await runStanding(["suspend", custom, String(customIndex)], environment: environment)
        #expect(suspendedCustom.status == 0 && suspendedCustom.stdout.contains("0 -> 3"), "\(suspendedCustom.stdout)\(suspendedCustom.stderr)")
    }

    @Test func errorsAreOneLineAndNonZero() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let noToken = try await runStanding(["lists", "ls", "--server", server.baseURL])
        #expect(noToken.status != 0 && noToken.stderr.contains("no token"))
        let wrongToken = try await runStanding(["lists", "ls", "--server", server.baseURL, "--token", "stn_nope"])
        #expect(wrongToken.status != 0 && wrongToken.stderr.contains("401"))
        #expect(wrongToken.stderr.split(separator: "\n").count == 1)
        let unreachable = try await runStanding(["lists", "ls", "--server", "http://127.0.0.1:1", "--token", "x"])
        #expect(unreachable.status != 0 && unreachable.stderr.contains("cannot reach"))
        #expect(unreachable.stderr.contains("nothing is listening there; start one with `standing serve`"), "\(unreachable.stderr)")
        #expect(!unreachable.stderr.contains("errno"))
        let badArguments = try await runStanding(["entries", "allocate", "--server", server.baseURL])
        #expect(badArguments.status != 0)
        let tokens = try await runStanding(["tokens", "create", "--role", "issuer", "--principal", "uni", "--server", server.baseURL, "--token", server.operatorToken])
        #expect(tokens.status == 0 && tokens.stdout.contains("\nexport STANDING_TOKEN=stn_"), "\(tokens.stdout)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("issuer.token").path
        let written = try await runStanding(
            ["tokens", "create", "--role", "issuer", "--principal", "uni2", "--token-out", file, "--server", server.baseURL, "--token", server.operatorToken])
        #expect(written.status == 0 && !written.stdout.contains("stn_"), "\(written.stdout)")
        let secret = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("stn_"))
        #expect((try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let usable = try await runStanding(["lists", "ls", "--server", server.baseURL, "--token", secret])
        #expect(usable.status == 0, "\(usable.stderr)")
    }

    /// Each mistake a newcomer makes, and the words the CLI answers with: what was wrong and what to do.
    @Test(
        "errors say what was wrong in the user's words",
        arguments: [
            (["lists", "create", "--purpose", "revocaton", "--token", "x"], "Please provide one of 'revocation', 'suspension', 'message' or 'refresh'"),
            (["entries", "allocate", "--purpose", "revoke", "--token", "x"], "Please provide one of 'revocation'"),
            (["tokens", "create", "--role", "admin", "--token", "x"], "Please provide one of 'operator', 'issuer' or 'accreditation-body'"),
            (["keys", "generate", "--out", "/nonexistent/k.jwk", "--alg", "RS256"], "Please provide one of 'ES256' and 'EdDSA'"),
            (["lists", "ls", "--server", "notaurl", "--token", "x"], "'notaurl' is not a server URL: give one like http://127.0.0.1:8080"),
            // A typo next to a missing required option is named (argument-parser alone reports only the missing one).
            (["lists", "create", "--purpos", "revocation"], "Unknown option '--purpos'. Did you mean '--purpose'?"),
            (["accredit", "--subjct", "did:web:x"], "Unknown option '--subjct'. Did you mean '--subject'?"),
        ])
    func errorsInTheUsersWords(arguments: [String], expected: String) async throws {
        let result = try await runStanding(arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(!result.stderr.contains("errno") && !result.stderr.contains("HTTPClientError"), "\(result.stderr)")
    }

    @Test func aBusyPortIsNamed() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let busy = try await runStanding(["serve", "--data-dir", directory.path, "--port", String(server.port)])
        #expect(busy.status != 0)
        #expect(busy.stderr.contains("port \(server.port) on 127.0.0.1 is in use"), "\(busy.stderr)")
        #expect(busy.stderr.contains("pass --port"))
        #expect(!busy.stderr.contains("errno"), "\(busy.stderr)")
    }

    @Test func helpListsTheCommands() async throws {
        let help = try await runStanding(["--help"])
        #expect(help.status == 0)
        for command in ["serve", "lists", "entries", "status", "revoke", "suspend", "reinstate", "tokens", "audit"] {
            #expect(help.stdout.contains(command), "\(command) missing from --help")
        }
    }
}
