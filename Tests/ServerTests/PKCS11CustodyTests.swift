import Foundation
import HardwareKeys
import NIOHTTP1
import Server
import Signing
import SoftHSMTestSupport
import StandingAPI
import StandingTestSupport
import Store
import Testing

/// The service's keys in a PKCS#11 token (SoftHSM2): generated there at initialisation and by rotation, referenced
/// from `keys/`, resolved through the token at every start.
@Suite("Service keys in a PKCS#11 token", .enabled(if: SoftHSM.isInstalled, Comment(rawValue: SoftHSM.missingMessage)))
struct PKCS11CustodyTests {
    private func useToken(_ label: String, pinFile: String? = nil) throws -> (inout ServerConfiguration) -> Void {
        let store = try SoftHSM.store()
        return { configuration in
            configuration.pkcs11Module = store.modulePath
            configuration.pkcs11TokenLabel = label
            configuration.pkcs11PinFile = pinFile ?? store.pinFile
        }
    }

    private func jwks(_ server: TestServer) async throws -> JWKSet {
        try JSONDecoder().decode(JWKSet.self, from: try await server.request(.GET, "/.well-known/jwks.json").body)
    }

    /// The list's statuslist+jwt, verified with the service's JWKS; returns the signing key id.
    private func verifiedJWTKeyID(_ server: TestServer, list: String) async throws -> String {
        let response = try await server.request(.GET, "/status/\(list)", headers: [("Accept", "application/statuslist+jwt")])
        #expect(response.status == 200)
        let jws = try CompactJWS(parsing: response.text)
        let keyID = try #require(jws.header.keyID)
        let published = try await jwks(server)
        try jws.verify(with: try published.verificationKey(withID: keyID), expectedType: "statuslist+jwt")
        return keyID
    }

    private func keyFiles(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: DataDirectory(path: directory.path).keysPath).sorted()
    }

    private func refusal(_ directory: URL, configure: @escaping (inout ServerConfiguration) -> Void = { _ in }) async throws -> String {
        do {
            let server = try await TestServer.start(directory: directory, configure: configure)
            await server.stop()
            Issue.record("the server started")
            return ""
        } catch let error as DataDirectoryError {
            return error.description
        }
    }

    @Test("an empty data directory initialises with keys in the token, and the lists are signed by them")
    func initialisesInToken() async throws {
        let configure = try useToken("server-init")
        let server = try await TestServer.start(configure: configure)
        defer { try? FileManager.default.removeItem(at: server.directory) }

        // keys/ holds only references, without any private member; the token key self-signs the LoTE certificate.
        let files = try keyFiles(server.directory)
        #expect(files.count == 2 && files.allSatisfy { $0.hasSuffix(DataDirectory.keyReferenceSuffix) }, "\(files)")
        for file in files {
            let text = try String(contentsOfFile: DataDirectory(path: server.directory.path).keysPath + "/" + file, encoding: .utf8)
            #expect(!text.contains("\"d\""))
            #expect(text.contains("\"tokenLabel\" : \"server-init\""))
        }
        let certificatePEM = try String(contentsOfFile: DataDirectory(path: server.directory.path).loteCertificatePath, encoding: .utf8)
        let certificate = try X509Certificate(pemEncoded: certificatePEM)
        let lote = try await server.request(.GET, "/lote")
        #expect(!lote.text.contains("has no LoTE signing certificate"), "\(lote.text)")

        // The IETF token (ES256) and the W3C credential (Data Integrity) verify with the JWKS, whose keys are the token's.
        let list = try await server.createList()
        let keyID = try await verifiedJWTKeyID(server, list: list)
        let published = try await jwks(server)
        #expect(published.keys.count == 2)
        // The LoTE certificate certifies the token's ES256 key (signed through the token, never exported).
        let certifiedKey = try certificate.publicKey()
        #expect(published.keys.contains { (try? VerificationKey(jwk: $0)) == certifiedKey })
        let store = try SoftHSM.store()
        let token = try PKCS11Token(modulePath: store.modulePath, tokenLabel: "server-init", pinFile: store.pinFile)
        for jwk in published.keys {
            let kid = try #require(jwk.kid)
            #expect(try token.key(withID: kid).verificationKey == (try VerificationKey(jwk: jwk)))
        }
        #expect(try token.key(withID: keyID).algorithm == .es256)
        let credential = try JSONValue(parsing: try await server.request(.GET, "/status/\(list)").body)
        let proof = try DataIntegrity.verify(document: credential) { method in
            try published.verificationKey(withID: String(method.split(separator: "#").last ?? ""))
        }
        let methodKeyID = String(proof.verificationMethod.split(separator: "#").last ?? "")
        #expect(published.keys.contains { $0.kid == methodKeyID })
        await server.stop()

        // A restart resolves the references through the token: the same keys.
        let again = try await TestServer.start(directory: server.directory, configure: configure)
        #expect(try await jwks(again) == published)
        #expect(try await verifiedJWTKeyID(again, list: list) == keyID)
        await again.stop()

        // Without the token's settings, or with another token, the start is refused with what to do.
        let withoutToken = try await refusal(server.directory)
        #expect(withoutToken.contains("no token is configured") && withoutToken.contains("--pkcs11-module"), "\(withoutToken)")
        let otherToken = try await refusal(server.directory, configure: try useToken("server-rotate"))
        #expect(otherToken.contains("the configured token is \"server-rotate\""), "\(otherToken)")
    }

    @Test("rotation generates the new key in the token; it signs from then on and the old key stays published")
    func rotatesInToken() async throws {
        let configure = try useToken("server-rotate")
        let server = try await TestServer.start(configure: configure)
        defer { try? FileManager.default.removeItem(at: server.directory) }
        let list = try await server.createList()
        let oldKeyID = try await verifiedJWTKeyID(server, list: list)
        await server.stop()

        let store = try SoftHSM.store()
        let custody = PKCS11KeyCustody(
            directory: DataDirectory(path: server.directory.path),
            token: try PKCS11Token(modulePath: store.modulePath, tokenLabel: "server-rotate", pinFile: store.pinFile))
        let rotated = try custody.generate(.es256, in: nil)
        #expect(rotated.key.isExternal)
        #expect(try keyFiles(server.directory).contains(rotated.keyID + DataDirectory.keyReferenceSuffix))
        #expect(try custody.keys(in: nil).last?.keyID == rotated.keyID)

        let again = try await TestServer.start(directory: server.directory, configure: configure)
        let kids = Set(try await jwks(again).keys.compactMap(\.kid))
        #expect(kids.isSuperset(of: [oldKeyID, rotated.keyID]))
        let newList = try await again.createList()
        #expect(try await verifiedJWTKeyID(again, list: newList) == rotated.keyID)
        await again.stop()
    }

    @Test("standing keys rotate and a hosted issuer identity generate their keys in the token; the lists are re-signed with them")
    func liveRotationAndIssuerKeysInToken() async throws {
        let store = try SoftHSM.store()
        let server = try await TestServer.start(configure: try useToken("server-live"))
        defer { try? FileManager.default.removeItem(at: server.directory) }
        let data = DataDirectory(path: server.directory.path)
        let token = try PKCS11Token(modulePath: store.modulePath, tokenLabel: "server-live", pinFile: store.pinFile)
        let list = try await server.createList(["purpose": "revocation", "id": "live"])
        let cached = try await server.request(.GET, "/status/\(list)", headers: [("Accept", "application/statuslist+jwt")]).text

        let rotated = try await server.admin(.POST, "/admin/keys/rotate", json: [String: String]())
        #expect(rotated.status == 200, "\(rotated.text)")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let info = try decoder.decode(ServiceKeysInfo.self, from: rotated.body)
        let newKeyID = try #require(info.keys.last { $0.signing && $0.algorithm == "ES256" }?.kid)
        #expect(try token.key(withID: newKeyID).algorithm == .es256)
        let files = try keyFiles(server.directory).filter { $0.hasSuffix(DataDirectory.keyReferenceSuffix) }
        #expect(files.count == 4, "\(files)")
        #expect(try keyFiles(server.directory).allSatisfy { !$0.hasSuffix(".jwk") })
        let resigned = try await eventually(timeout: .seconds(5)) {
            (try? await verifiedJWTKeyID(server, list: list)) == newKeyID
        }
        #expect(resigned)
        // The list a verifier cached before the rotation still verifies against the published keys.
        let cachedJWS = try CompactJWS(parsing: cached)
        let publishedAfter = try await jwks(server)
        try cachedJWS.verify(with: try publishedAfter.verificationKey(withID: try #require(cachedJWS.header.keyID)), expectedType: "statuslist+jwt")

        let created = try await server.admin(.POST, "/admin/identities", json: ["issuer": "uni", "kind": "hosted"])
        #expect(created.status == 201, "\(created.text)")
        let issuerKeys = try FileManager.default.contentsOfDirectory(atPath: data.issuerKeysPath)
        #expect(issuerKeys.count == 1 && issuerKeys.allSatisfy { $0.hasSuffix(DataDirectory.keyReferenceSuffix) }, "\(issuerKeys)")
        let issuerKeyID = try #require(issuerKeys.first?.replacingOccurrences(of: DataDirectory.keyReferenceSuffix, with: ""))
        #expect(try token.key(withID: issuerKeyID).algorithm == .es256)
        let owned = try await server.createList(["purpose": "revocation", "owner": "uni", "id": "uni-1"])
        let issuerSigned = try await eventually(timeout: .seconds(5)) {
            let body = try await server.request(.GET, "/status/\(owned)", headers: [("Accept", "application/statuslist+jwt")]).text
            return (try? CompactJWS(parsing: body).header.keyID) == issuerKeyID
        }
        #expect(issuerSigned)
        await server.stop()
    }

    @Test("a wrong PIN stops the start before anything is created, and the PIN is not in the message")
    func wrongPINRefused() async throws {
        let store = try SoftHSM.store()
        let pinFile = store.directory + "/wrong-\(UUID().uuidString).pin"
        try "not-the-pin-4321\n".write(toFile: pinFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: pinFile) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let message = try await refusal(directory, configure: try useToken("server-wrong-pin", pinFile: pinFile))
        #expect(message.contains("C_Login failed: CKR_PIN_INCORRECT"), "\(message)")
        #expect(!message.contains("not-the-pin"))
        #expect(DataDirectory(path: directory.path).survey().isEmpty)
    }

    @Test("standing init with the PKCS#11 flags makes the keys in the token; an incomplete set of flags is refused")
    func initCommand() async throws {
        let store = try SoftHSM.store()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let partial = try await runStanding(["init", "--data-dir", directory.path, "--pkcs11-module", store.modulePath])
        #expect(partial.status != 0)
        #expect(partial.stderr.contains("--pkcs11-token-label and --pkcs11-pin-file are missing"), "\(partial.stderr)")
        #expect(DataDirectory(path: directory.path).survey().isEmpty)

        let created = try await runStanding(
            [
                "init", "--data-dir", directory.path, "--pkcs11-module", store.modulePath, "--pkcs11-token-label", "cli-init",
                "--pkcs11-pin-file", store.pinFile,
            ],
            environment: ["SOFTHSM2_CONF": store.configurationFile])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(!(created.stdout + created.stderr).contains(SoftHSM.pin), "the PIN is never printed")
        let files = try keyFiles(directory)
        #expect(files.count == 2 && files.allSatisfy { $0.hasSuffix(DataDirectory.keyReferenceSuffix) }, "\(files)")
        let custody = PKCS11KeyCustody(
            directory: DataDirectory(path: directory.path),
            token: try PKCS11Token(modulePath: store.modulePath, tokenLabel: "cli-init", pinFile: store.pinFile))
        #expect(Set(try custody.keys(in: nil).map(\.key.algorithm)) == [.es256, .edDSA])
    }

    @Test("the PKCS#11 settings come from flags, environment and config file, all three or none")
    func settings() throws {
        let environment = [
            "STANDING_PKCS11_MODULE": "/usr/lib/softhsm/libsofthsm2.so", "STANDING_PKCS11_TOKEN_LABEL": "standing",
            "STANDING_PKCS11_PIN_FILE": "/run/credentials/pin",
        ]
        let fromEnvironment = try ServerConfiguration.resolved(.init(dataDirectory: "/nonexistent"), environment: environment)
        #expect(fromEnvironment.pkcs11Module == "/usr/lib/softhsm/libsofthsm2.so")
        #expect(fromEnvironment.pkcs11TokenLabel == "standing")
        #expect(fromEnvironment.pkcs11PinFile == "/run/credentials/pin")
        let flagged = try ServerConfiguration.resolved(
            .init(dataDirectory: "/nonexistent", pkcs11TokenLabel: "other"), environment: environment)
        #expect(flagged.pkcs11TokenLabel == "other")
        #expect(try ServerConfiguration.resolved(.init(dataDirectory: "/nonexistent"), environment: [:]).pkcs11Module == nil)

        do {
            _ = try ServerConfiguration.resolved(.init(dataDirectory: "/nonexistent", pkcs11Module: "/lib/x.so"), environment: [:])
            Issue.record("a module without label and PIN file was accepted")
        } catch let error as ServiceError {
            #expect(error.description.contains("--pkcs11-token-label and --pkcs11-pin-file are missing"), "\(error)")
            #expect(error.description.contains("give all three, or none"), "\(error)")
        }
        #expect(throws: ServiceError.self) {
            _ = try ServerConfiguration.resolved(
                .init(dataDirectory: "/nonexistent", pkcs11TokenLabel: String(repeating: "x", count: 33)),
                environment: environment)
        }
    }
}
