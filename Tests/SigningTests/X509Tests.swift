import Foundation
import Testing

@testable import Signing

@Suite("X.509 certificates: generation, PEM/DER, chain validation")
struct X509Tests {
    static let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
    static let end = Date(timeIntervalSince1970: 1_893_456_000)  // 2030-01-01T00:00:00Z
    static let inside = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28

    static func selfSigned(_ name: String = "Example Registry", algorithm: SignatureAlgorithm = .es256) throws -> (SigningKey, X509Certificate) {
        let key = SigningKey.generate(algorithm)
        let certificate = try X509Certificate.selfSigned(
            name: CertificateName(commonName: name, organization: "Example", organizationalUnit: "Trust", country: "EU"),
            key: key,
            validFrom: start,
            validUntil: end
        )
        return (key, certificate)
    }

    @Test("a self-signed certificate carries the subject, period and key", arguments: SignatureAlgorithm.allCases)
    func selfSigned(algorithm: SignatureAlgorithm) throws {
        let (key, certificate) = try Self.selfSigned(algorithm: algorithm)
        #expect(try certificate.publicKey() == key.verificationKey)
        #expect(certificate.subject == "CN=Example Registry,OU=Trust,O=Example,C=EU")
        #expect(certificate.issuer == certificate.subject)
        #expect(certificate.notValidBefore == Self.start && certificate.notValidAfter == Self.end)
        #expect(Base64URL.encode(Data(repeating: 0, count: 32)).count == certificate.sha256Thumbprint.count)
        #expect(try X509Certificate(derEncoded: certificate.derEncoded) == certificate)
    }

    @Test("PEM round-trips, chains parse in order and junk around blocks is ignored")
    func pem() throws {
        let (_, first) = try Self.selfSigned("First")
        let (_, second) = try Self.selfSigned("Second")
        #expect(first.pemEncoded.hasPrefix("-----BEGIN CERTIFICATE-----\n") && first.pemEncoded.hasSuffix("-----END CERTIFICATE-----\n"))
        #expect(first.pemEncoded.split(separator: "\n").allSatisfy { $0.count <= 64 })
        #expect(try X509Certificate(pemEncoded: first.pemEncoded) == first)
        let bundle = "subject=First\n" + first.pemEncoded + "\r\n# comment\n" + second.pemEncoded
        #expect(try X509Certificate.parseChain(pem: bundle) == [first, second])
        expectSigningError(.malformed) { _ = try X509Certificate(pemEncoded: bundle) }
        #expect(try X509Certificate.parseChain(der: [first.derEncoded, second.derEncoded]) == [first, second])
    }

    @Test(
        "malformed PEM and DER are refused",
        arguments: [
            "", "no certificate here", "-----BEGIN CERTIFICATE-----\nAAAA\n", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "-----END CERTIFICATE-----\n",
        ]
    )
    func malformedPEM(text: String) {
        expectSigningError(.malformed) { _ = try X509Certificate.parseChain(pem: text) }
    }

    @Test("DER limits: empty, oversized, garbage, too long a chain")
    func malformedDER() throws {
        expectSigningError(.malformed) { _ = try X509Certificate(derEncoded: Data()) }
        expectSigningError(.malformed) { _ = try X509Certificate(derEncoded: Data(repeating: 0x30, count: X509Certificate.maximumDERLength + 1)) }
        expectSigningError(.malformed) { _ = try X509Certificate(derEncoded: Data([0x30, 0x03, 0x02, 0x01, 0x01])) }
        expectSigningError(.malformed) { _ = try X509Certificate.parseChain(der: []) }
        let (_, certificate) = try Self.selfSigned()
        expectSigningError(.malformed) {
            _ = try X509Certificate.parseChain(der: Array(repeating: certificate.derEncoded, count: X509Certificate.maximumChainLength + 1))
        }
    }

    @Test("generation refuses an empty period, a bad country and a foreign issuer key")
    func generationErrors() throws {
        let key = SigningKey.generate(.es256)
        expectSigningError(.malformed) {
            _ = try X509Certificate.selfSigned(name: CertificateName(commonName: "x"), key: key, validFrom: Self.end, validUntil: Self.start)
        }
        expectSigningError(.malformed) {
            _ = try X509Certificate.selfSigned(
                name: CertificateName(commonName: "x", country: "EUR"),
                key: key,
                validFrom: Self.start,
                validUntil: Self.end
            )
        }
        expectSigningError(.malformed) {
            _ = try X509Certificate.selfSigned(name: CertificateName(commonName: ""), key: key, validFrom: Self.start, validUntil: Self.end)
        }
        let (_, ca) = try Self.selfSigned("CA")
        expectSigningError(.invalidKey) {
            _ = try X509Certificate.issue(
                name: CertificateName(commonName: "leaf"),
                publicKey: key.verificationKey,
                issuer: ca,
                issuerKey: key,
                validFrom: Self.start,
                validUntil: Self.end
            )
        }
    }

    @Test("chains validate to a pinned anchor at a time, and only then")
    func validation() async throws {
        let (caKey, ca) = try Self.selfSigned("CA")
        let leafKey = SigningKey.generate(.es256)
        let leaf = try X509Certificate.issue(
            name: CertificateName(commonName: "Signer"),
            publicKey: leafKey.verificationKey,
            issuer: ca,
            issuerKey: caKey,
            validFrom: Self.start,
            validUntil: Self.end
        )
        #expect(try leaf.publicKey() == leafKey.verificationKey)
        #expect(try await CertificateChainVerification.validate(chain: [leaf, ca], anchors: [ca], at: Self.inside) == [leaf, ca])
        #expect(try await CertificateChainVerification.validate(chain: [leaf], anchors: [ca], at: Self.inside) == [leaf, ca])
        #expect(try await CertificateChainVerification.validate(chain: [ca], anchors: [ca], at: Self.inside) == [ca])

        let (_, other) = try Self.selfSigned("CA")
        await expectAsyncSigningError(.unknownKey) {
            _ = try await CertificateChainVerification.validate(chain: [leaf, ca], anchors: [other], at: Self.inside)
        }
        await expectAsyncSigningError(.unknownKey) {
            _ = try await CertificateChainVerification.validate(chain: [leaf, ca], anchors: [ca], at: Self.end.addingTimeInterval(1))
        }
        await expectAsyncSigningError(.unknownKey) {
            _ = try await CertificateChainVerification.validate(chain: [leaf, ca], anchors: [ca], at: Self.start.addingTimeInterval(-1))
        }
        // An end-entity certificate cannot issue.
        let grandchildKey = SigningKey.generate(.es256)
        let grandchild = try X509Certificate.issue(
            name: CertificateName(commonName: "Sub"),
            publicKey: grandchildKey.verificationKey,
            issuer: leaf,
            issuerKey: leafKey,
            validFrom: Self.start,
            validUntil: Self.end
        )
        await expectAsyncSigningError(.unknownKey) {
            _ = try await CertificateChainVerification.validate(chain: [grandchild, leaf, ca], anchors: [ca], at: Self.inside)
        }
        // An intermediate CA can.
        let intermediateKey = SigningKey.generate(.es384)
        let intermediate = try X509Certificate.issue(
            name: CertificateName(commonName: "Intermediate"),
            publicKey: intermediateKey.verificationKey,
            issuer: ca,
            issuerKey: caKey,
            validFrom: Self.start,
            validUntil: Self.end,
            isCertificateAuthority: true
        )
        let edKey = SigningKey.generate(.edDSA)
        let edLeaf = try X509Certificate.issue(
            name: CertificateName(commonName: "Ed signer"),
            publicKey: edKey.verificationKey,
            issuer: intermediate,
            issuerKey: intermediateKey,
            validFrom: Self.start,
            validUntil: Self.end
        )
        #expect(
            try await CertificateChainVerification.validate(chain: [edLeaf, intermediate], anchors: [ca], at: Self.inside) == [
                edLeaf, intermediate, ca,
            ]
        )
        #expect(try edLeaf.publicKey() == edKey.verificationKey)
        await expectAsyncSigningError(.malformed) { _ = try await CertificateChainVerification.validate(chain: [], anchors: [ca], at: Self.inside) }
        await expectAsyncSigningError(.malformed) { _ = try await CertificateChainVerification.validate(chain: [leaf], anchors: [], at: Self.inside) }
    }

    @Test("a JWS with x5c verifies with the validated leaf's key")
    func jwsWithX5C() async throws {
        let (key, certificate) = try Self.selfSigned()
        let compact = try CompactJWS.sign(json: ["hello": "world"], key: key, certificateChain: [certificate.derEncoded])
        let jws = try CompactJWS(parsing: compact)
        let chain = try X509Certificate.parseChain(der: try #require(jws.header.certificateChain))
        let path = try await CertificateChainVerification.validate(chain: chain, anchors: [certificate], at: Self.inside)
        try jws.verify(with: try path[0].publicKey())
    }
}

/// Expects an async `body` to throw a ``SigningError`` with `code`.
func expectAsyncSigningError(
    _ code: SigningError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected SigningError(\(code)), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as SigningError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected SigningError(\(code)), got \(error)", sourceLocation: sourceLocation)
    }
}
