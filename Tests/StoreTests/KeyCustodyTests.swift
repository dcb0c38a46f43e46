import Foundation
import Signing
import Store
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Key references (`keys/<kid>.pkcs11.json`) without a token: the file custody refuses them with what to do, and a
/// resolver (a test double for a token here) is checked against the recorded public key.
@Suite("Signing key custody and key references")
struct KeyCustodyTests {
    /// A reference to `key`, as the PKCS#11 custody writes it.
    private func reference(to key: SigningKey, keyID: String, token: String = "hsm") -> HardwareKeyReference {
        HardwareKeyReference(
            keyID: keyID, algorithm: key.algorithm, tokenLabel: token, objectID: keyID,
            publicKey: key.verificationKey.jwk(keyID: keyID))
    }

    @Test("a reference is counted as a key file, holds no secret, and the file custody refuses it naming the settings")
    func fileCustodyRefusesReferences() async throws {
        try await withTemporaryDirectory { root in
            let directory = DataDirectory(path: root.appendingPathComponent("data").path)
            let custody = FileKeyCustody(directory: directory)
            let fileKey = try custody.generate(.edDSA, in: nil)
            let tokenKey = SigningKey.generate(.es256)
            try directory.writeKeyReference(reference(to: tokenKey, keyID: "token-key"))
            #expect(throws: StoreError.self) { try directory.writeKeyReference(reference(to: tokenKey, keyID: "token-key")) }

            #expect(directory.survey().keyFiles == [fileKey.keyID + ".jwk", "token-key.pkcs11.json"].sorted())
            let text = try String(contentsOfFile: directory.keysPath + "/token-key.pkcs11.json", encoding: .utf8)
            #expect(!text.contains("\"d\""))
            // A reference readable by others is no leak: only private key files are refused for their mode.
            #expect(chmod(directory.keysPath + "/token-key.pkcs11.json", 0o644) == 0)
            #expect(try directory.enforcePrivateModes().isEmpty)

            do {
                _ = try custody.keys(in: nil)
                Issue.record("the file custody loaded a reference to a token key")
            } catch let error as DataDirectoryError {
                #expect(error.problem.contains("token-key.pkcs11.json refers to a key held in the PKCS#11 token \"hsm\""))
                #expect(error.remedy.contains("--pkcs11-module") && error.remedy.contains("STANDING_PKCS11_PIN_FILE"))
            }
            #expect(custody.recordFileName(forKeyID: "k") == "k.jwk")
        }
    }

    @Test("references resolve through the resolver, oldest first with key files; a different public key is refused")
    func resolvesReferences() async throws {
        try await withTemporaryDirectory { root in
            let directory = DataDirectory(path: root.appendingPathComponent("data").path)
            let first = try directory.generateSigningKey(.es256)
            // The rotation order is the files' age: make the key file clearly the older one.
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: directory.keysPath + "/" + first.keyID + ".jwk")
            let tokenKey = SigningKey.generate(.es256)
            try directory.writeKeyReference(reference(to: tokenKey, keyID: "token-key"))

            let keys = try directory.signingKeys { reference in
                #expect(reference.objectID == "token-key")
                return tokenKey
            }
            #expect(keys.map(\.keyID) == [first.keyID, "token-key"])
            #expect(keys.last?.key.verificationKey == tokenKey.verificationKey)

            do {
                _ = try directory.signingKeys { _ in SigningKey.generate(.es256) }
                Issue.record("a token answering another key was accepted")
            } catch let error as DataDirectoryError {
                #expect(error.problem.contains("is not the ES256 public key recorded in"), "\(error)")
            }
            struct Missing: Error, CustomStringConvertible { var description: String { "no such key on the token" } }
            do {
                _ = try directory.signingKeys { _ in throw Missing() }
                Issue.record("an unresolvable reference was accepted")
            } catch let error as DataDirectoryError {
                #expect(error.problem.contains("token-key") && error.problem.contains("no such key on the token"), "\(error)")
                #expect(error.remedy.contains("does not replace a missing key"))
            }
        }
    }
}
