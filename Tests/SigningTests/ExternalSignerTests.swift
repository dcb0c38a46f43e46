import Foundation
import Testing

@testable import Signing

/// An external signer for tests: an in-memory key behind the protocol, counting the calls so a test can show that
/// signing went through it. `signature` overrides what it answers, to test the length check.
private final class CountingSigner: ExternalSigner, @unchecked Sendable {
    let inner: SigningKey
    private let lock = NSLock()
    private var count = 0
    let forcedSignature: Data?

    init(_ algorithm: SignatureAlgorithm, forcedSignature: Data? = nil) {
        inner = SigningKey.generate(algorithm)
        self.forcedSignature = forcedSignature
    }

    var algorithm: SignatureAlgorithm { inner.algorithm }
    var verificationKey: VerificationKey { inner.verificationKey }
    var calls: Int { lock.withLock { count } }

    func sign(_ message: Data) throws(SigningError) -> Data {
        lock.withLock { count += 1 }
        if let forcedSignature { return forcedSignature }
        return try inner.sign(message)
    }
}

/// A signer whose public key is for another algorithm than it declares.
private struct MismatchedSigner: ExternalSigner {
    let algorithm = SignatureAlgorithm.es256
    let verificationKey = SigningKey.generate(.edDSA).verificationKey
    func sign(_ message: Data) throws(SigningError) -> Data { Data() }
}

@Suite("External signers (HSM keys)")
struct ExternalSignerTests {
    @Test("a JWS and a COSE_Sign1 signed through an external key verify with the existing verifiers", arguments: [
        SignatureAlgorithm.es256, .es384, .edDSA,
    ])
    func signsJWSAndCOSE(algorithm: SignatureAlgorithm) throws {
        let signer = CountingSigner(algorithm)
        let key = try SigningKey(external: signer)
        #expect(key.isExternal)
        #expect(key.algorithm == algorithm)
        #expect(key.verificationKey == signer.verificationKey)

        let jws = try CompactJWS.sign(payload: Data(#"{"sub":"x"}"#.utf8), key: key, type: "statuslist+jwt", keyID: "k")
        try CompactJWS(parsing: jws).verify(with: key.verificationKey, expectedType: "statuslist+jwt")
        let cose = try COSESign1.sign(payload: Data([1, 2, 3]), key: key, typ: "application/statuslist+cwt")
        try COSESign1.parse(cose).verify(with: key.verificationKey)
        #expect(signer.calls == 2)
    }

    @Test("an external key cannot be exported as a private JWK")
    func exportFails() throws {
        let key = try SigningKey(external: CountingSigner(.es256))
        expectSigningError(.invalidKey) { _ = try key.jwk(keyID: "k") }
        expectSigningError(.invalidKey) { _ = try key.jwk }
        expectSigningError(.invalidKey) { _ = try key.privateKeyBytes }
        // The public part stays available.
        #expect(key.verificationKey.jwk(keyID: "k").d == nil)
        // An in-memory key still exports.
        #expect(try SigningKey.generate(.es256).jwk(keyID: "k").d != nil)
    }

    @Test("a certificate is self-signed through an external key's sign alone (its signature verifies under the key)")
    func certificateSignedThroughTheSigner() throws {
        let key = try SigningKey(external: CountingSigner(.es256))
        let certificate = try X509Certificate.selfSigned(
            name: CertificateName(commonName: "hsm"), key: key, validFrom: Date(), validUntil: Date() + 3600)
        #expect(try certificate.publicKey() == key.verificationKey)
        #expect(certificate.isSelfSigned)
    }

    @Test("a signer answering the wrong length, or with a key of another algorithm, is refused")
    func malformedSigners() throws {
        let short = try SigningKey(external: CountingSigner(.es256, forcedSignature: Data(repeating: 1, count: 70)))
        expectSigningError(.signingFailed) { _ = try short.sign(Data("m".utf8)) }
        expectSigningError(.invalidKey) { _ = try SigningKey(external: MismatchedSigner()) }
    }
}
