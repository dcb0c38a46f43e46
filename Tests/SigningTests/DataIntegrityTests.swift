import Foundation
import Testing

@testable import Signing

@Suite("Data Integrity (eddsa-jcs-2022, ecdsa-jcs-2019)")
struct DataIntegrityTests {
    static let vectors = ["di-eddsa-jcs-2022-signed.json", "di-ecdsa-jcs-2019-p256-signed.json", "di-ecdsa-jcs-2019-p384-signed.json"]
    /// After the vectors' `created` (2023-02-24) and well before any expiry.
    static let verificationTime = Date(timeIntervalSince1970: 1_700_000_000)

    private func verify(_ document: JSONValue, purpose: String = "assertionMethod") throws -> DataIntegrity.VerifiedProof {
        try DataIntegrity.verify(
            document: document,
            expectedPurpose: purpose,
            at: Self.verificationTime,
            resolveKey: DIDKey.resolveVerificationMethod
        )
    }

    @Test("W3C test vectors verify", arguments: vectors)
    func vectorsVerify(file: String) throws {
        let document = try vectorJSON(file)
        let verified = try verify(document)
        #expect(verified.verificationMethod == document["proof"]?["verificationMethod"]?.stringValue)
        #expect(verified.proofPurpose == "assertionMethod")
        #expect(verified.created == DataIntegrity.parseTimestamp("2023-02-24T23:36:38Z"))
        #expect(verified.unsecuredDocument["proof"] == nil)
        #expect(verified.unsecuredDocument["@context"] == document["@context"])
        let expectedSuite: DataIntegrity.Cryptosuite = file.contains("eddsa") ? .eddsaJCS2022 : .ecdsaJCS2019
        #expect(verified.cryptosuite == expectedSuite)
    }

    static let tamperings: [(String, [String], JSONValue)] = [
        ("document member", ["credentialSubject", "alumniOf"], "The School of Tampering"),
        ("added document member", ["extra"], "x"),
        ("document context", ["@context"], ["https://www.w3.org/ns/credentials/v2"]),
        ("proof created", ["proof", "created"], "2023-02-24T23:36:39Z"),
        ("proof added member", ["proof", "nonce"], "abc"),
    ]

    @Test("tampering with the document or the proof options breaks the signature", arguments: vectors)
    func tamperingFails(file: String) throws {
        let document = try vectorJSON(file)
        for (name, path, value) in Self.tamperings {
            let tampered = replacing(path, in: document, with: value)
            do {
                _ = try verify(tampered)
                Issue.record("tampered \(name) verified in \(file)")
            } catch let error as SigningError {
                #expect(error.code == .badSignature || error.code == .invalidClaims, "\(name): \(error)")
            }
        }
    }

    @Test("a changed proofValue fails", arguments: vectors)
    func proofValueTampering(file: String) throws {
        let document = try vectorJSON(file)
        let proofValue = try #require(document["proof"]?["proofValue"]?.stringValue)
        // Swap one base58 character for another: still decodable, no longer the signature.
        var characters = Array(proofValue)
        characters[10] = characters[10] == "2" ? "3" : "2"
        let tampered = replacing(["proof", "proofValue"], in: document, with: .string(String(characters)))
        expectSigningError(.badSignature) { _ = try verify(tampered) }
        let truncated = replacing(["proof", "proofValue"], in: document, with: .string(String(proofValue.dropLast(3))))
        expectSigningError(.badSignature) { _ = try verify(truncated) }
        let notMultibase = replacing(["proof", "proofValue"], in: document, with: .string("u" + proofValue.dropFirst()))
        expectSigningError(.malformed) { _ = try verify(notMultibase) }
        let badCharacter = replacing(["proof", "proofValue"], in: document, with: .string(proofValue + "0"))
        expectSigningError(.malformed) { _ = try verify(badCharacter) }
    }

    @Test("verification checks purpose, type, suite, method, times and key binding")
    func verificationChecks() throws {
        let document = try vectorJSON("di-eddsa-jcs-2022-signed.json")
        expectSigningError(.invalidClaims) { _ = try verify(document, purpose: "authentication") }
        expectSigningError(.unsupportedAlgorithm) { _ = try verify(replacing(["proof", "type"], in: document, with: "Ed25519Signature2020")) }
        expectSigningError(.unsupportedAlgorithm) {
            _ = try verify(replacing(["proof", "cryptosuite"], in: document, with: "eddsa-rdfc-2022"))
        }
        // The suite must fit the key: an ECDSA suite name on an Ed25519 key.
        expectSigningError(.unsupportedAlgorithm) {
            _ = try verify(replacing(["proof", "cryptosuite"], in: document, with: "ecdsa-jcs-2019"))
        }
        expectSigningError(.malformed) { _ = try verify(replacing(["proof", "proofPurpose"], in: document, with: nil)) }
        expectSigningError(.malformed) { _ = try verify(replacing(["proof", "created"], in: document, with: "yesterday")) }
        expectSigningError(.malformed) { _ = try verify(replacing(["proof"], in: document, with: [document["proof"] ?? nil])) }
        expectSigningError(.malformed) {
            _ = try verify(
                replacing(["proof"], in: document, with: nil).objectValue.map { members in
                    JSONValue.object(members.filter { $0.key != "proof" })
                } ?? nil
            )
        }
        expectSigningError(.malformed) { _ = try verify(["not", "an", "object"]) }
        // Proof context must be a prefix of the document context.
        expectSigningError(.invalidClaims) {
            _ = try verify(replacing(["@context"], in: document, with: ["https://www.w3.org/ns/credentials/v2"]))
        }
        // A different key for the same method id.
        let otherKey = SigningKey.generate(.edDSA).verificationKey
        expectSigningError(.badSignature) {
            _ = try DataIntegrity.verify(document: document, at: Self.verificationTime) { _ in otherKey }
        }
        // Resolver failures surface as unknownKey.
        struct NotFound: Error {}
        expectSigningError(.unknownKey) {
            _ = try DataIntegrity.verify(document: document, at: Self.verificationTime) { _ in throw NotFound() }
        }
        // Created far in the future relative to the verification time.
        expectSigningError(.invalidClaims) {
            _ = try DataIntegrity.verify(
                document: document,
                at: Date(timeIntervalSince1970: 1_600_000_000),
                resolveKey: DIDKey.resolveVerificationMethod
            )
        }
    }

    @Test("sign then verify round-trips with our keys", arguments: SignatureAlgorithm.allCases)
    func roundTrip(algorithm: SignatureAlgorithm) throws {
        let key = SigningKey.generate(algorithm)
        let method = key.verificationKey.didKey.verificationMethodID
        var unsecured = try vectorJSON("di-eddsa-jcs-2022-signed.json")
        unsecured = .object(unsecured.objectValue?.filter { $0.key != "proof" } ?? [:])
        let created = Date(timeIntervalSince1970: 1_690_000_000.75)
        let secured = try DataIntegrity.sign(document: unsecured, key: key, verificationMethod: method, created: created)
        let proof = try #require(secured["proof"])
        #expect(proof["type"] == "DataIntegrityProof")
        #expect(proof["cryptosuite"]?.stringValue == DataIntegrity.Cryptosuite(for: algorithm).rawValue)
        #expect(proof["created"] == "2023-07-22T04:26:40Z")
        #expect(proof["@context"] == unsecured["@context"])
        #expect(proof["proofValue"]?.stringValue?.hasPrefix("z") == true)

        let verified = try verify(secured)
        #expect(verified.key == key.verificationKey)
        #expect(verified.unsecuredDocument == unsecured)

        // Survives a trip through text.
        let reparsed = try JSONValue(parsing: try secured.canonicalData())
        _ = try verify(reparsed)

        let tampered = replacing(["name"], in: secured, with: "Other name")
        expectSigningError(.badSignature) { _ = try verify(tampered) }
        expectSigningError(.malformed) {
            _ = try DataIntegrity.sign(document: secured, key: key, verificationMethod: method, created: created)
        }
    }

    @Test("documents without @context and expiring proofs")
    func expiryAndNoContext() throws {
        let key = SigningKey.generate(.es256)
        let method = key.verificationKey.didKey.verificationMethodID
        let created = Date(timeIntervalSince1970: 1_699_000_000)
        let expires = Date(timeIntervalSince1970: 1_701_000_000)
        let secured = try DataIntegrity.sign(
            document: ["hello": "world"],
            key: key,
            verificationMethod: method,
            created: created,
            expires: expires
        )
        #expect(secured["proof"]?["@context"] == nil)
        #expect(secured["proof"]?["expires"] == "2023-11-26T12:00:00Z")
        _ = try verify(secured)
        expectSigningError(.expired) {
            _ = try DataIntegrity.verify(
                document: secured,
                at: Date(timeIntervalSince1970: 1_702_000_000),
                resolveKey: DIDKey.resolveVerificationMethod
            )
        }
        expectSigningError(.malformed) {
            _ = try DataIntegrity.sign(document: "text", key: key, verificationMethod: method, created: created)
        }
    }
}
