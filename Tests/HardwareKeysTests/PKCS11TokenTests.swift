import CPKCS11
import Foundation
import SoftHSMTestSupport
import Testing

@testable import HardwareKeys
@testable import Signing

/// Opens one of the SoftHSM2 test tokens.
private func openToken(_ label: String = "hardware-keys") throws -> PKCS11Token {
    let store = try SoftHSM.store()
    return try PKCS11Token(modulePath: store.modulePath, tokenLabel: label, pinFile: store.pinFile)
}

/// Expects `body` to throw a ``PKCS11Error`` with `code`, and returns it for further checks.
@discardableResult
private func expectPKCS11Error(
    _ code: PKCS11Error.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> PKCS11Error? {
    do {
        try body()
        Issue.record("expected PKCS11Error(\(code)), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as PKCS11Error {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected PKCS11Error(\(code)), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

@Suite("PKCS#11 keys on SoftHSM2", .enabled(if: SoftHSM.isInstalled, Comment(rawValue: SoftHSM.missingMessage)))
struct PKCS11TokenTests {
    @Test("a key generated on the token signs, and VerificationKey verifies the raw signature", arguments: [
        SignatureAlgorithm.es256, .es384, .edDSA,
    ])
    func generatesAndSigns(algorithm: SignatureAlgorithm) throws {
        let token = try openToken()
        guard token.supports(algorithm) else {
            // Only Ed25519 may be missing (SoftHSM2 built without EdDSA): the refusal must say so.
            #expect(algorithm == .edDSA, "token lacks \(algorithm.rawValue); mechanisms: \(token.signatureMechanismNames)")
            let error = expectPKCS11Error(.unsupportedMechanism) { _ = try token.generateKey(algorithm) }
            #expect(error?.message.contains("does not support Ed25519") == true)
            return
        }
        let key = try token.generateKey(algorithm)
        #expect(key.algorithm == algorithm)
        #expect(key.keyID == key.verificationKey.thumbprint)
        let message = Data("the list's signing input".utf8)
        let signature = try key.sign(message)
        #expect(signature.count == algorithm.signatureLength)
        #expect(key.verificationKey.isValidSignature(signature, for: message))
        #expect(!key.verificationKey.isValidSignature(signature, for: Data("another message".utf8)))
    }

    @Test("the token offers P-256 and reports the mechanisms it lists")
    func mechanisms() throws {
        let token = try openToken()
        #expect(token.supports(.es256))
        #expect(token.signatureMechanismNames.contains("CKM_ECDSA"))
        #expect(token.signatureMechanismNames.contains("CKM_EC_KEY_PAIR_GEN"))
    }

    @Test("a JWS and a COSE_Sign1 signed through SigningKey(external:) verify with the existing verifiers", arguments: [
        SignatureAlgorithm.es256, .edDSA,
    ])
    func securesWithTokenKey(algorithm: SignatureAlgorithm) throws {
        let token = try openToken()
        guard token.supports(algorithm) else { return }
        let key = try token.generateKey(algorithm).signingKey
        #expect(key.isExternal)
        let jws = try CompactJWS.sign(payload: Data(#"{"sub":"https://example.com/1"}"#.utf8), key: key, type: "statuslist+jwt", keyID: "k")
        try CompactJWS(parsing: jws).verify(with: key.verificationKey, expectedType: "statuslist+jwt")
        let cose = try COSESign1.sign(payload: Data([0xA1, 0x01, 0x02]), key: key, typ: "application/statuslist+cwt")
        try COSESign1.parse(cose).verify(with: key.verificationKey)
    }

    @Test("the private key is sensitive and not extractable: CKA_VALUE cannot be read, and no JWK is made")
    func notExtractable() throws {
        let token = try openToken()
        let key = try token.generateKey(.es256)
        do {
            let value = try token.attribute(of: key.handle, CK_ATTRIBUTE_TYPE(CKA_VALUE))
            Issue.record("read \(value.count) bytes of CKA_VALUE of a private key")
        } catch let error as PKCS11Error {
            #expect(error.returnValue == "CKR_ATTRIBUTE_SENSITIVE", "\(error)")
            #expect(error.message.contains("C_GetAttributeValue"))
        }
        #expect(try token.attribute(of: key.handle, CK_ATTRIBUTE_TYPE(CKA_EXTRACTABLE)) == [0])
        #expect(try token.attribute(of: key.handle, CK_ATTRIBUTE_TYPE(CKA_SENSITIVE)) == [1])
        #expect(try token.attribute(of: key.handle, CK_ATTRIBUTE_TYPE(CKA_TOKEN)) == [1])
        #expect(throws: SigningError(.invalidKey)) { _ = try key.signingKey.jwk(keyID: key.keyID) }
    }

    @Test("a key is found again by its id through another session, with the same public key")
    func findsByID() throws {
        let generated = try openToken().generateKey(.es256)
        let reopened = try openToken()
        let found = try reopened.key(withID: generated.keyID)
        #expect(found.algorithm == .es256)
        #expect(found.verificationKey == generated.verificationKey)
        let message = Data("m".utf8)
        #expect(generated.verificationKey.isValidSignature(try found.sign(message), for: message))

        let missing = expectPKCS11Error(.keyNotFound) { _ = try reopened.key(withID: "no-such-key") }
        #expect(missing?.message.contains("no-such-key") == true)
        let taken = expectPKCS11Error(.keyExists) { _ = try reopened.generateKey(.es256, keyID: generated.keyID) }
        #expect(taken?.message.contains(generated.keyID) == true)
    }

    @Test("signing from many tasks at once through one session gives only valid signatures")
    func concurrentSigning() async throws {
        let key = try openToken().generateKey(.es256)
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<32 {
                group.addTask {
                    let message = Data("message \(index)".utf8)
                    return key.verificationKey.isValidSignature(try key.sign(message), for: message)
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 32)
        #expect(results.allSatisfy { $0 })
    }

    @Test("a wrong PIN fails at login with the call and CKR_PIN_INCORRECT, never the PIN")
    func wrongPIN() throws {
        let store = try SoftHSM.store()
        let module = try PKCS11Module.load(store.modulePath)
        let error = expectPKCS11Error(.callFailed) {
            _ = try PKCS11Token(module: module, tokenLabel: "hardware-wrong-pin", pin: "not-the-pin-1234")
        }
        #expect(error?.returnValue == "CKR_PIN_INCORRECT")
        #expect(error?.message == "PKCS#11 C_Login failed: CKR_PIN_INCORRECT (token \"hardware-wrong-pin\")")
        #expect(error?.message.contains("not-the-pin") == false)
    }

    @Test("an unknown token label names the label and the tokens present")
    func unknownLabel() throws {
        let store = try SoftHSM.store()
        let error = expectPKCS11Error(.tokenNotFound) {
            _ = try PKCS11Token(modulePath: store.modulePath, tokenLabel: "no-such-token", pinFile: store.pinFile)
        }
        #expect(error?.message.contains("no token labelled \"no-such-token\"") == true)
        #expect(error?.message.contains("\"hardware-keys\"") == true)
    }

    @Test("the PIN file loses one trailing newline; a missing or empty file is refused without its content")
    func pinFiles() throws {
        let store = try SoftHSM.store()
        let folder = store.directory + "/pins-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (name, text) in [("plain", SoftHSM.pin), ("crlf", SoftHSM.pin + "\r\n")] {
            try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
            #expect(try PKCS11Token.readPIN(from: folder + "/" + name) == SoftHSM.pin)
        }
        try (SoftHSM.pin + "\n\n").write(toFile: folder + "/two", atomically: true, encoding: .utf8)
        #expect(try PKCS11Token.readPIN(from: folder + "/two") == SoftHSM.pin + "\n")
        _ = try PKCS11Token(modulePath: store.modulePath, tokenLabel: "hardware-pin-file", pinFile: folder + "/crlf")

        try "\n".write(toFile: folder + "/empty", atomically: true, encoding: .utf8)
        expectPKCS11Error(.pinUnreadable) { _ = try PKCS11Token.readPIN(from: folder + "/empty") }
        let missing = expectPKCS11Error(.pinUnreadable) { _ = try PKCS11Token.readPIN(from: folder + "/missing") }
        #expect(missing?.message.contains(folder + "/missing") == true)
    }

    @Test("a module that is not there, or not a PKCS#11 module, is refused with the path")
    func badModule() throws {
        let missing = expectPKCS11Error(.moduleUnavailable) { _ = try PKCS11Module.load("/nonexistent/libpkcs11.so") }
        #expect(missing?.message.contains("/nonexistent/libpkcs11.so") == true)
        // A real shared library without C_GetFunctionList.
        let libc = ["/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/aarch64-linux-gnu/libz.so.1"]
        if let library = libc.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            let error = expectPKCS11Error(.moduleUnavailable) { _ = try PKCS11Module.load(library) }
            #expect(error?.message.contains("no C_GetFunctionList") == true)
        }
    }

    @Test("CK_RV values are named as the standard names them")
    func returnValueNames() {
        #expect(PKCS11Error.name(of: CK_RV(CKR_PIN_INCORRECT)) == "CKR_PIN_INCORRECT")
        #expect(PKCS11Error.name(of: CK_RV(CKR_ATTRIBUTE_SENSITIVE)) == "CKR_ATTRIBUTE_SENSITIVE")
        #expect(PKCS11Error.name(of: 0x8000_0001) == "CKR_0x80000001")
    }
}
