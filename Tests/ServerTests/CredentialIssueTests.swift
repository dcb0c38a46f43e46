import Foundation
import NIOHTTP1
import StandingTestSupport
import Testing

/// The newcomer's path: issue a credential with a fresh status entry, verify it, revoke it, verify again.
@Suite struct CredentialIssueTests {
    enum Format: String, CaseIterable { case vcJWT = "vc+jwt", dataIntegrity = "data-integrity" }

    @Test("an issued credential verifies, stops verifying when revoked, and a tampered copy is refused", arguments: Format.allCases)
    func issueVerifyRevoke(format: Format) async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = ["STANDING_SERVER": server.baseURL, "STANDING_TOKEN": server.operatorToken]

        #expect(try await runStanding(["keys", "generate", "--name", "uni"], in: directory).status == 0)
        let exported = try await runStanding(["keys", "public", "standing-keys/uni.jwk"], in: directory)
        try Data(exported.stdout.utf8).write(to: directory.appendingPathComponent("uni.pub.jwk"))
        try await server.request(.GET, "/.well-known/jwks.json").body.write(to: directory.appendingPathComponent("service.jwks"))

        let issued = try await runStanding(
            ["credentials", "issue", "--key", "standing-keys/uni.jwk", "--issuer", "did:web:uni.example.es", "--purpose", "revocation",
             "--format", format.rawValue, "--out", "cred.json"],
            environment: environment, in: directory)
        #expect(issued.status == 0, "\(issued.stderr)")
        #expect(issued.stdout.contains("wrote a \(format.rawValue) credential to cred.json"))
        let revokeLine = try #require(issued.stdout.split(separator: "\n").first { $0.hasPrefix("revoke it with: standing revoke ") })
        let revokeArguments = revokeLine.dropFirst("revoke it with: standing ".count).split(separator: " ").map(String.init)

        let verify = ["verify", "cred.json", "--trust", "uni.pub.jwk", "--trust", "service.jwks"]
        let valid = try await runStanding(verify, in: directory)
        #expect(valid.status == 0, "\(valid.stdout)\(valid.stderr)")
        #expect(valid.stdout.contains("VALID"))

        let text = try String(contentsOf: directory.appendingPathComponent("cred.json"), encoding: .utf8)
        let tampered = text.replacingOccurrences(of: "Example micro-credential", with: "Example micro-credentiaI")
        let tamperedText: String
        if format == .vcJWT {
            // Change the payload of the JWS: decode, edit, re-encode the middle part without re-signing.
            let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").map(String.init)
            var payload = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while payload.count % 4 != 0 { payload += "=" }
            let edited = String(decoding: try #require(Data(base64Encoded: payload)), as: UTF8.self)
                .replacingOccurrences(of: "Example micro-credential", with: "Example micro-credentiaI")
            let encoded = Data(edited.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            tamperedText = [parts[0], encoded, parts[2]].joined(separator: ".")
        } else {
            tamperedText = tampered
        }
        #expect(tamperedText != text)
        try Data(tamperedText.utf8).write(to: directory.appendingPathComponent("tampered.json"))
        let refused = try await runStanding(["verify", "tampered.json", "--trust", "uni.pub.jwk", "--trust", "service.jwks"], in: directory)
        #expect(refused.status != 0, "a tampered credential verified: \(refused.stdout)")

        // Either as printed by `credentials issue`, or straight from the credential file.
        let revoked = try await runStanding(
            format == .vcJWT ? revokeArguments : ["revoke", "--credential", "cred.json"], environment: environment, in: directory)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        let list = revokeArguments[1]
        #expect(try await eventually { try await server.request(.GET, "/status/\(list)/\(revokeArguments[2])").json["status"] as? Int == 1 })
        let afterRevocation = try await runStanding(verify + ["--refresh"], in: directory)
        #expect(afterRevocation.status == 1, "\(afterRevocation.stdout)\(afterRevocation.stderr)")
        #expect(afterRevocation.stdout.contains("REVOKED"), "\(afterRevocation.stdout)")
    }

    @Test func issueNeedsAnIssuerDIDAndAPrivateKey() async throws {
        let bad = try await runStanding(["credentials", "issue", "--key", "k.jwk", "--issuer", "uni.example.es"])
        #expect(bad.status != 0 && bad.stderr.contains("--issuer must be a DID"), "\(bad.stderr)")
    }
}
