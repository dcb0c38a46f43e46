import AsyncHTTPClient
import Foundation
import NIOCore
import ProcessTestSupport
import NIOHTTP1
import Signing
import StandingAPI
import Testing
import StandingTestSupport

/// `standing identities …` and `standing keys rotate|csr` against a running server, as an operator uses them.
@Suite struct IdentityCLITests {
    func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(text.utf8))
    }

    @Test func hostedIdentityAndRotationThroughTheCLI() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let connection = ["--server", server.baseURL, "--token", server.operatorToken]

        let created = try await runStanding(["identities", "create", "--issuer", "uni", "--kind", "hosted"] + connection)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("did:web:127.0.0.1%3A\(server.port):issuers:uni") && created.stdout.contains("signing   yes"))

        let again = try await runStanding(["identities", "create", "--issuer", "uni", "--kind", "hosted"] + connection)
        #expect(again.status != 0 && again.stderr.contains("has a signing identity already"))
        #expect(again.stderr.split(separator: "\n").count == 1, "one-line error: \(again.stderr)")

        let rotated = try await runStanding(["keys", "rotate", "--issuer", "uni", "--json"] + connection)
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let identity = try decode(SigningIdentityInfo.self, rotated.stdout)
        #expect(identity.keys.count == 2 && identity.keys.last?.signing == true && identity.keys.first?.retiresAt != nil)

        let shown = try await runStanding(["identities", "show", "--issuer", "uni", "--json"] + connection)
        #expect(try decode(SigningIdentityInfo.self, shown.stdout) == identity)
        let listed = try await runStanding(["identities", "ls"] + connection)
        #expect(listed.stdout.contains("uni\thosted\tactive"))

        let service = try await runStanding(["keys", "rotate"] + connection)
        #expect(service.status == 0, "\(service.stderr)")
        #expect(service.stdout.contains("service keys rotated"))

        let csr = try await runStanding(["keys", "csr", "--issuer", "uni"] + connection)
        #expect(csr.status != 0 && csr.stderr.contains("no x509 key"))
        let noToken = try await runStanding(["keys", "rotate", "--server", server.baseURL])
        #expect(noToken.status != 0 && noToken.stderr.contains("no token"))
    }

    @Test func didWebActivationChecksTheIssuersDocumentFirst() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let connection = ["--server", server.baseURL, "--token", server.operatorToken]
        // The issuer's own web server: a static folder with its DID document.
        let site = FileManager.default.temporaryDirectory.appendingPathComponent("standing-issuer-site-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: site.appendingPathComponent(".well-known"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: site) }
        let port = try await TestServer.freePort()
        let (web, webOutput) = try ChildProcess.spawn(
            URL(fileURLWithPath: "/usr/bin/python3"), arguments: ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", site.path],
            captureStandardError: false)
        // Its output is drained: a closed pipe would end it at its first line.
        Thread { while !webOutput.output.availableData.isEmpty {} }.start()
        defer {
            web.terminate(signal: SIGKILL)
            web.waitUntilExit()
        }
        let did = "did:web:127.0.0.1%3A\(port)"

        let created = try await runStanding(["identities", "create", "--issuer", "uni", "--kind", "did-web", "--did", did, "--json"] + connection)
        #expect(created.status == 0, "\(created.stderr)")
        let identity = try decode(SigningIdentityInfo.self, created.stdout)
        let method = try #require(identity.verificationMethodToPublish)

        // Published without the key: refused, saying so.
        let document = site.appendingPathComponent(".well-known/did.json")
        let other = try DIDDocument(id: did, keys: [SigningKey.generate(.es256).verificationKey.jwk(keyID: "old")])
        try JSONEncoder().encode(other).write(to: document)
        let served = try await eventually(timeout: .seconds(10)) {
            let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/.well-known/did.json"), timeout: .seconds(2))
            return response?.status.code == 200
        }
        try #require(served, "python3 -m http.server did not start")
        let early = try await runStanding(["identities", "activate", "--issuer", "uni", "--allow-loopback-http"] + connection)
        #expect(early.status != 0 && early.stderr.contains("does not list the verification method"), "\(early.stderr)")
        #expect(try await server.admin(.GET, "/admin/identities/uni").json["active"] as? Bool == false)

        // Published as told: activated.
        let published = DIDDocument(
            context: [DIDDocument.didContext], id: did, verificationMethod: other.verificationMethod + [method], authentication: [],
            assertionMethod: [method.id])
        try JSONEncoder().encode(published).write(to: document)
        let activated = try await runStanding(["identities", "activate", "--issuer", "uni", "--allow-loopback-http"] + connection)
        #expect(activated.status == 0, "\(activated.stderr)")
        #expect(activated.stdout.contains("publishes the key; activated"))
        #expect(try await server.admin(.GET, "/admin/identities/uni").json["active"] as? Bool == true)
    }

    @Test func x509CreationNeedsAPlaceForItsCSR() async throws {
        let missing = try await runStanding(["identities", "create", "--issuer", "uni", "--kind", "x509", "--server", "http://127.0.0.1:1", "--token", "t"])
        #expect(missing.status != 0 && missing.stderr.contains("--csr-out"))
    }
}
