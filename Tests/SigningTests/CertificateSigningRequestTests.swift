import Foundation
import SwiftASN1
import Testing
import X509

@testable import Signing

/// PKCS#10 requests (RFC 2986) and certificates signed through ``SigningKey/sign(_:)`` alone, read back with
/// swift-certificates independently of the code that made them.
@Suite("Certificate signing requests and certificates signed through SigningKey.sign")
struct CertificateSigningRequestTests {
    static let subject = CertificateName(commonName: "Status signer for uni.example.es", organization: "Universidad de Ejemplo", country: "ES")

    @Test("a CSR parses with swift-certificates, its signature verifies and it carries the key and subject", arguments: SignatureAlgorithm.allCases)
    func requestReadsBack(algorithm: SignatureAlgorithm) throws {
        let key = SigningKey.generate(algorithm)
        let der = try key.certificateSigningRequest(subject: Self.subject)
        let request = try CertificateSigningRequest(derEncoded: Array(der))
        #expect(request.publicKey.isValidSignature(request.signature, for: request))
        #expect(request.publicKey == key.verificationKey.certificatePublicKey)
        #expect(request.version == .v1)
        #expect(String(describing: request.subject) == "CN=Status signer for uni.example.es,O=Universidad de Ejemplo,C=ES")
        let expectedAlgorithm: Certificate.SignatureAlgorithm = switch algorithm {
        case .es256: .ecdsaWithSHA256
        case .es384: .ecdsaWithSHA384
        case .edDSA: .ed25519
        }
        #expect(request.signatureAlgorithm == expectedAlgorithm)
        // Re-serialising the parsed request gives the same bytes: nothing non-canonical was written.
        #expect(try X509Signing.derBytes(of: request) == Array(der))

        let verified = try VerifiedCertificateSigningRequest(derEncoded: der)
        #expect(verified.publicKey == key.verificationKey)
        #expect(verified.subject == String(describing: request.subject))
    }

    @Test("the PEM form is one CERTIFICATE REQUEST block of 64-character lines, read back by swift-certificates")
    func requestPEM() throws {
        let key = SigningKey.generate(.es256)
        let pem = try key.certificateSigningRequestPEM(subject: CertificateName(commonName: "Signer"))
        let lines = pem.split(separator: "\n")
        #expect(lines.first == "-----BEGIN CERTIFICATE REQUEST-----")
        #expect(lines.last == "-----END CERTIFICATE REQUEST-----")
        #expect(lines.dropFirst().dropLast().allSatisfy { $0.count <= 64 })
        let request = try CertificateSigningRequest(pemEncoded: pem)
        #expect(request.publicKey.isValidSignature(request.signature, for: request))
        #expect(try VerifiedCertificateSigningRequest(pemEncoded: pem).publicKey == key.verificationKey)
        #expect(String(describing: request.subject) == "CN=Signer")
    }

    @Test("a tampered CSR, a foreign PEM block and bad subjects are refused")
    func refusals() throws {
        let key = SigningKey.generate(.es256)
        var der = try key.certificateSigningRequest(subject: CertificateName(commonName: "Signer"))
        // Flip a byte inside the common name: still parses, no longer verifies.
        let index = try #require(der.firstRange(of: Data("Signer".utf8))).lowerBound
        der[index] ^= 0x20
        expectSigningError(.badSignature) { _ = try VerifiedCertificateSigningRequest(derEncoded: der) }
        expectSigningError(.malformed) { _ = try VerifiedCertificateSigningRequest(derEncoded: Data([0x30, 0x00])) }
        let (_, certificate) = try X509Tests.selfSigned()
        expectSigningError(.malformed) { _ = try VerifiedCertificateSigningRequest(pemEncoded: certificate.pemEncoded) }
        expectSigningError(.malformed) { _ = try key.certificateSigningRequest(subject: CertificateName(commonName: "")) }
        expectSigningError(.malformed) { _ = try key.certificateSigningRequest(subject: CertificateName(commonName: "x", country: "ESP")) }
    }

    @Test("certificates are signed through SigningKey.sign: swift-certificates verifies them under the issuer key", arguments: SignatureAlgorithm.allCases)
    func certificatesVerify(algorithm: SignatureAlgorithm) throws {
        let (caKey, ca) = try X509Tests.selfSigned("CA", algorithm: algorithm)
        #expect(ca.certificate.publicKey.isValidSignature(ca.certificate.signature, for: ca.certificate))
        let leafKey = SigningKey.generate(.es256)
        let leaf = try X509Certificate.issue(
            name: CertificateName(commonName: "Signer"), publicKey: leafKey.verificationKey, issuer: ca, issuerKey: caKey,
            validFrom: X509Tests.start, validUntil: X509Tests.end, extendedKeyUsages: ["1.3.6.1.5.5.7.3.99"])
        #expect(ca.certificate.publicKey.isValidSignature(leaf.certificate.signature, for: leaf.certificate))
        #expect(!leafKey.verificationKey.certificatePublicKey.isValidSignature(leaf.certificate.signature, for: leaf.certificate))
        #expect(leaf.certificate.signatureAlgorithm == ca.certificate.signatureAlgorithm)
        let usages = try #require(try leaf.certificate.extensions.extendedKeyUsage)
        #expect(Array(usages) == [ExtendedKeyUsage.Usage(oid: [1, 3, 6, 1, 5, 5, 7, 3, 99])])
        // Re-serialising the parsed certificate gives the same bytes.
        #expect(try X509Signing.derBytes(of: leaf.certificate) == Array(leaf.derEncoded))
    }

    @Test("a signature is replaced only in a three-part DER SEQUENCE")
    func replacingSignatureNeedsStructure() {
        let key = SigningKey.generate(.es256)
        expectSigningError(.malformed) { _ = try X509Signing.replacingSignature(of: [0x02, 0x01, 0x01], signingWith: key) }
        expectSigningError(.malformed) { _ = try X509Signing.replacingSignature(of: [0x30, 0x03, 0x02, 0x01, 0x01], signingWith: key) }
        expectSigningError(.malformed) { _ = try X509Signing.replacingSignature(of: [0x30, 0x05, 0x02], signingWith: key) }
    }
}
