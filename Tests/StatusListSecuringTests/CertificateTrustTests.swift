import Crypto
import Foundation
import Signing
import StatusList
import StatusListSecuring
import SwiftASN1
import Testing
import X509

/// A test PKI built with swift-certificates: a root CA, an intermediate CA and status-signing leaves, with or without
/// an extended key usage.
struct TestPKI {
    /// A stand-in for `id-kp-oauthStatusSigning`, whose OID is still TBD in the draft (under a private arc).
    static let statusSigningOID = "1.3.6.1.4.1.55555.1.3"
    static let notBefore = Fixture.issuedAt.addingTimeInterval(-86_400)
    static let notAfter = Fixture.validUntil.addingTimeInterval(86_400)

    struct Party {
        let privateKey: P256.Signing.PrivateKey
        let signingKey: SigningKey
        let certificate: X509Certificate
    }

    let root: Party
    let intermediate: Party

    init(name: String = "Test") throws {
        root = try Self.party("\(name) Root CA", isCA: true, issuer: nil)
        intermediate = try Self.party("\(name) Intermediate CA", isCA: true, issuer: root)
    }

    /// A leaf issued by the intermediate CA, with `usages` as its extended key usage (nil: no EKU extension).
    func leaf(
        usages: [String]? = [TestPKI.statusSigningOID],
        notBefore: Date = TestPKI.notBefore,
        notAfter: Date = TestPKI.notAfter
    ) throws -> Party {
        try Self.party("Status signer", isCA: false, issuer: intermediate, usages: usages, notBefore: notBefore, notAfter: notAfter)
    }

    /// The chain a token carries: leaf, intermediate (the root is the verifier's anchor).
    func chain(_ leaf: Party) -> [Data] { [leaf.certificate.derEncoded, intermediate.certificate.derEncoded] }

    static func party(
        _ name: String,
        isCA: Bool,
        issuer: Party?,
        usages: [String]? = nil,
        notBefore: Date = notBefore,
        notAfter: Date = notAfter
    ) throws -> Party {
        let privateKey = P256.Signing.PrivateKey()
        var jwk = try VerificationKey(algorithm: .es256, rawRepresentation: privateKey.publicKey.x963Representation).jwk(keyID: nil)
        jwk.d = base64URL(privateKey.rawRepresentation)
        let signingKey = try SigningKey(jwk: jwk)
        var extensions = try Certificate.Extensions {
            Critical(isCA ? BasicConstraints.isCertificateAuthority(maxPathLength: nil) : BasicConstraints.notCertificateAuthority)
            Critical(isCA ? KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true) : KeyUsage(digitalSignature: true))
            SubjectKeyIdentifier(hash: Certificate.PublicKey(privateKey.publicKey))
        }
        if let usages {
            let eku = try ExtendedKeyUsage(usages.map { ExtendedKeyUsage.Usage(oid: try ASN1ObjectIdentifier(dotRepresentation: $0)) })
            try extensions.append(try eku.makeCertificateExtension())
        }
        let subject = try DistinguishedName { CommonName(name) }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(privateKey.publicKey),
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: issuer?.certificate.certificate.subject ?? subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(issuer?.privateKey ?? privateKey)
        )
        return Party(privateKey: privateKey, signingKey: signingKey, certificate: try X509Certificate(certificate))
    }

    /// An IETF token (JWT or CWT) of the fixture statement, signed by `key` and carrying `chain`.
    static func token(_ format: VerifiedStatusList.Format, key: SigningKey, chain: [Data], keyID: String? = nil) throws -> Data {
        let signer = StatusListSigningKey(key: key, keyID: keyID ?? "unused", verificationMethod: Fixture.verificationMethod)
        let unsigned = try Fixture.secured(Fixture.statement(), as: format, signer: signer)
        switch format {
        case .ietfJWT:
            let claims = payload(of: String(decoding: unsigned, as: UTF8.self))
            return Data(try CompactJWS.sign(payload: claims, key: key, type: "statuslist+jwt", keyID: keyID, certificateChain: chain).utf8)
        case .ietfCWT:
            let claims = try COSESign1.parse(unsigned, tagPolicy: .required).payload
            return try COSESign1.sign(
                payload: claims,
                key: key,
                typ: "application/statuslist+cwt",
                kid: keyID.map { Data($0.utf8) },
                x5chain: chain
            )
        default:
            Issue.record("only IETF tokens carry chains here")
            return unsigned
        }
    }
}

/// x5c (JWT) and x5chain (CWT, COSE header 33) chains: validated to the anchors, leaf not self-signed, the
/// status-signing usage when configured, and the signature verified with the leaf's key.
@Suite("CertificateTrust")
struct CertificateTrustTests {
    static let formats: [VerifiedStatusList.Format] = [.ietfJWT, .ietfCWT]

    static func verify(_ body: Data, _ format: VerifiedStatusList.Format, trust: CertificateTrust) async throws -> VerifiedStatusList {
        try await StatusListVerifier.verify(
            body,
            mediaType: format.rawValue,
            expectedURL: Fixture.url,
            trustedKeys: TrustedKeys(),
            certificates: trust,
            at: Fixture.verifyTime
        )
    }

    @Test("a chain to an anchor, with the required usage, verifies with the leaf's key", arguments: formats)
    func chainToAnchor(format: VerifiedStatusList.Format) async throws {
        let pki = try TestPKI()
        let leaf = try pki.leaf()
        let body = try TestPKI.token(format, key: leaf.signingKey, chain: pki.chain(leaf))
        let list = try await Self.verify(
            body,
            format,
            trust: CertificateTrust(anchors: [pki.root.certificate], statusSigningUsage: TestPKI.statusSigningOID)
        )
        #expect(list.certificatePath?.map(\.subject) == ["CN=Status signer", "CN=Test Intermediate CA", "CN=Test Root CA"])
        #expect(list.bitstring[Fixture.revokedIndices[0]] == 1)
        // Without a usage required, the same chain verifies too; and a single bstr x5chain (leaf only, anchored at the
        // intermediate) is read as well as an array.
        _ = try await Self.verify(body, format, trust: CertificateTrust(anchors: [pki.root.certificate]))
        let leafOnly = try TestPKI.token(format, key: leaf.signingKey, chain: [leaf.certificate.derEncoded])
        let anchoredLower = try await Self.verify(leafOnly, format, trust: CertificateTrust(anchors: [pki.intermediate.certificate]))
        #expect(anchoredLower.certificatePath?.count == 2)
    }

    @Test("a list with a chain is verified with the leaf only, never with a trusted key under its kid", arguments: formats)
    func leafOnly(format: VerifiedStatusList.Format) async throws {
        let pki = try TestPKI()
        let leaf = try pki.leaf()
        let other = SigningKey.generate(.es256)
        // Signed by a key the verifier trusts under the kid, but carrying a chain whose leaf did not sign it.
        let body = try TestPKI.token(format, key: other, chain: pki.chain(leaf), keyID: "k")
        var trusted = TrustedKeys()
        trusted.add(other.verificationKey, keyID: "k")
        await #expect(throws: StatusVerificationError.self) {
            try await StatusListVerifier.verify(
                body,
                mediaType: format.rawValue,
                expectedURL: Fixture.url,
                trustedKeys: trusted,
                certificates: CertificateTrust(anchors: [pki.root.certificate]),
                at: Fixture.verifyTime
            )
        }
        // Without certificate trust, the chain is ignored and the kid decides (the behaviour before x5c).
        let plain = try StatusListVerifier.verify(
            body,
            mediaType: format.rawValue,
            expectedURL: Fixture.url,
            trustedKeys: trusted,
            at: Fixture.verifyTime
        )
        #expect(plain.certificatePath == nil)
    }

    enum Failure: String, CaseIterable, CustomTestStringConvertible {
        case selfSignedLeaf, unknownAnchor, missingUsage, otherUsageOnly, tamperedLeaf, expiredLeaf, malformedCertificate
        var testDescription: String { rawValue }
    }

    @Test("untrusted chains fail with a STATUS_VERIFICATION_ERROR naming why", arguments: formats, Failure.allCases)
    func untrustedChains(format: VerifiedStatusList.Format, failure: Failure) async throws {
        let pki = try TestPKI()
        var trust = CertificateTrust(anchors: [pki.root.certificate], statusSigningUsage: TestPKI.statusSigningOID)
        let body: Data
        let expected: String
        switch failure {
        case .selfSignedLeaf:
            // Pinned as its own anchor, a self-signed leaf would validate: it must still be refused.
            let selfSigned = try TestPKI.party("Self-signed signer", isCA: false, issuer: nil, usages: [TestPKI.statusSigningOID])
            trust.anchors.append(selfSigned.certificate)
            body = try TestPKI.token(format, key: selfSigned.signingKey, chain: [selfSigned.certificate.derEncoded])
            expected = "self-signed"
        case .unknownAnchor:
            let leaf = try pki.leaf()
            body = try TestPKI.token(format, key: leaf.signingKey, chain: pki.chain(leaf))
            trust.anchors = [try TestPKI().root.certificate]
            expected = "does not validate"
        case .missingUsage:
            let leaf = try pki.leaf(usages: nil)
            body = try TestPKI.token(format, key: leaf.signingKey, chain: pki.chain(leaf))
            expected = "no extended key usage"
        case .otherUsageOnly:
            let leaf = try pki.leaf(usages: ["1.3.6.1.5.5.7.3.2"])
            body = try TestPKI.token(format, key: leaf.signingKey, chain: pki.chain(leaf))
            expected = "lacks \(TestPKI.statusSigningOID)"
        case .tamperedLeaf:
            // One byte of the leaf's subject changed: the intermediate's signature over it no longer verifies.
            let leaf = try pki.leaf()
            var der = leaf.certificate.derEncoded
            let name = Data("Status signer".utf8)
            let range = try #require(der.range(of: name))
            der[range.lowerBound] = UInt8(ascii: "X")
            body = try TestPKI.token(format, key: leaf.signingKey, chain: [der, pki.intermediate.certificate.derEncoded])
            expected = "does not validate"
        case .expiredLeaf:
            let leaf = try pki.leaf(notBefore: Fixture.issuedAt.addingTimeInterval(-7200), notAfter: Fixture.issuedAt)
            body = try TestPKI.token(format, key: leaf.signingKey, chain: pki.chain(leaf))
            expected = "does not validate"
        case .malformedCertificate:
            let leaf = try pki.leaf()
            body = try TestPKI.token(format, key: leaf.signingKey, chain: [Data([0x30, 0x03, 0x02, 0x01, 0x01])])
            expected = "not a DER X.509 certificate"
        }
        do {
            _ = try await Self.verify(body, format, trust: trust)
            Issue.record("\(failure) verified")
        } catch let error as StatusVerificationError {
            #expect(error.kind == .statusVerificationError)
            #expect(error.detail.contains("x5c certificate chain is not trusted") && error.detail.contains(expected), "\(error.detail)")
        }
    }

    @Test("a CWT x5chain that is neither a bstr nor an array of them is refused")
    func malformedX5chain() async throws {
        let pki = try TestPKI()
        let leaf = try pki.leaf()
        let unsigned = try Fixture.secured(Fixture.statement(), as: .ietfCWT, signer: Fixture.signer(.es256))
        let claims = try COSESign1.parse(unsigned, tagPolicy: .required).payload
        let body = try COSESign1.sign(
            payload: claims,
            key: leaf.signingKey,
            typ: "application/statuslist+cwt",
            protectedHeader: [(key: COSEHeaderParameter.x5chain, value: .array([.byteString(leaf.certificate.derEncoded), .textString("x")]))]
        )
        await #expect(throws: StatusVerificationError.self) {
            try await Self.verify(body, .ietfCWT, trust: CertificateTrust(anchors: [pki.root.certificate]))
        }
        #expect(throws: StatusVerificationError.self) { try CertificateTrust.chain(in: body, mediaType: nil) }
    }

    @Test("the status-signing usage must be a dotted OID", arguments: ["1.3.6.1.5.5.7.3.42", "2.999"], ["", "1", "3.1", "1..2", "1.2.x", "oid"])
    func objectIdentifiers(valid: String, invalid: String) throws {
        _ = try ExtendedKeyUsageRequirement.objectIdentifier(valid)
        #expect(throws: SigningError.self) { try ExtendedKeyUsageRequirement.objectIdentifier(invalid) }
    }
}
