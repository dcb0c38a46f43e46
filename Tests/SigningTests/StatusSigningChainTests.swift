import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@testable import Signing

/// The import check of an operator's status-signing chain (OpenID4VC HAIP 1.0 §6.1, draft-ietf-oauth-status-list §10).
@Suite("Status-signing chain import checks")
struct StatusSigningChainTests {
    /// A placeholder for `id-kp-oauthStatusSigning` (`{ id-kp TBD }` in draft -21): the server setting's value.
    static let statusSigningUsage = "1.3.6.1.5.5.7.3.99"
    static let start = X509Tests.start
    static let end = X509Tests.end
    static let inside = X509Tests.inside

    /// Root CA → issuing CA → status-signing leaf for ``heldKey``.
    struct PKI {
        let heldKey = SigningKey.generate(.es256)
        let rootKey = SigningKey.generate(.es256)
        let issuingKey = SigningKey.generate(.es384)
        let root: X509Certificate
        let issuing: X509Certificate

        init() throws {
            root = try X509Certificate.selfSigned(
                name: CertificateName(commonName: "Universidad Root CA", country: "ES"), key: rootKey, validFrom: start, validUntil: end)
            issuing = try X509Certificate.issue(
                name: CertificateName(commonName: "Universidad Issuing CA"), publicKey: issuingKey.verificationKey, issuer: root, issuerKey: rootKey,
                validFrom: start, validUntil: end, isCertificateAuthority: true)
        }

        func leaf(
            for key: VerificationKey? = nil, usages: [String] = [statusSigningUsage], from: Date = start, until: Date = end
        ) throws -> X509Certificate {
            try X509Certificate.issue(
                name: CertificateName(commonName: "Status signer", organization: "Universidad"), publicKey: key ?? heldKey.verificationKey,
                issuer: issuing, issuerKey: issuingKey, validFrom: from, validUntil: until, extendedKeyUsages: usages)
        }

        func pem(_ certificates: [X509Certificate]) -> String { certificates.map(\.pemEncoded).joined() }
    }

    @Test("a CA-issued chain with the usage is accepted: DER chain to store, leaf facts to show, no notes")
    func accepted() throws {
        let pki = try PKI()
        let leaf = try pki.leaf()
        let result = try StatusSigningChain.checkImport(
            pem: pki.pem([leaf, pki.issuing]), heldKey: pki.heldKey.verificationKey, requiredExtendedKeyUsage: Self.statusSigningUsage, at: Self.inside)
        #expect(result.derChain == [leaf.derEncoded, pki.issuing.derEncoded])
        #expect(result.leafSubject == "CN=Status signer,O=Universidad")
        #expect(result.leafIssuer == "CN=Universidad Issuing CA")
        #expect(result.notValidBefore == Self.start && result.notValidAfter == Self.end)
        #expect(result.checkedExtendedKeyUsage == Self.statusSigningUsage)
        #expect(result.notes.isEmpty)
    }

    @Test("without a configured usage the chain is accepted with a note saying no usage was checked")
    func noUsageConfigured() throws {
        let pki = try PKI()
        let result = try StatusSigningChain.checkImport(
            pem: pki.pem([try pki.leaf(usages: []), pki.issuing]), heldKey: pki.heldKey.verificationKey, requiredExtendedKeyUsage: nil, at: Self.inside)
        #expect(result.checkedExtendedKeyUsage == nil)
        #expect(result.notes.count == 1)
        #expect(result.notes.first?.contains("no extended key usage was checked") == true)
    }

    @Test("a leaf issued by the anchor itself (a one-certificate chain) and an Ed25519 leaf are accepted")
    func shortChainAndEd25519() throws {
        let pki = try PKI()
        let edKey = SigningKey.generate(.edDSA)
        let direct = try X509Certificate.issue(
            name: CertificateName(commonName: "Direct signer"), publicKey: edKey.verificationKey, issuer: pki.root, issuerKey: pki.rootKey,
            validFrom: Self.start, validUntil: Self.end, extendedKeyUsages: [Self.statusSigningUsage])
        let result = try StatusSigningChain.checkImport(
            pem: direct.pemEncoded, heldKey: edKey.verificationKey, requiredExtendedKeyUsage: Self.statusSigningUsage, at: Self.inside)
        #expect(result.derChain == [direct.derEncoded])
    }

    /// Every way an import is refused, with the code and a phrase of the one-line reason.
    enum Refusal: String, CaseIterable, CustomTestStringConvertible {
        case noCertificate, tooManyCertificates, anotherKey, selfSignedLeaf, anchorIncluded, wrongOrder, issuerNotCA, pathTooLong
        case expiredLeaf, notYetValidIntermediate, usageMissing, otherUsageOnly, leafWithoutDigitalSignature, badUsageSetting

        var testDescription: String { rawValue }

        var expected: (code: SigningError.Code, phrase: String) {
            switch self {
            case .noCertificate: (.malformed, "no PEM certificate")
            case .tooManyCertificates: (.malformed, "1 to 8 certificates")
            case .anotherKey: (.invalidKey, "the chain is for another key")
            case .selfSignedLeaf: (.invalidClaims, "is self-signed")
            case .anchorIncluded: (.invalidClaims, "trust anchor")
            case .wrongOrder: (.badSignature, "leaf first")
            case .issuerNotCA: (.invalidClaims, "is not a CA")
            case .pathTooLong: (.invalidClaims, "pathLenConstraint")
            case .expiredLeaf: (.expired, "certificate 1 of 2")
            case .notYetValidIntermediate: (.expired, "certificate 2 of 2")
            case .usageMissing, .otherUsageOnly: (.invalidClaims, "lacks the status-signing extended key usage \(StatusSigningChainTests.statusSigningUsage)")
            case .leafWithoutDigitalSignature: (.invalidClaims, "digitalSignature")
            case .badUsageSetting: (.malformed, "not a dotted object identifier")
            }
        }
    }

    @Test("refusals name what is wrong", arguments: Refusal.allCases)
    func refused(_ refusal: Refusal) throws {
        let pki = try PKI()
        let held = pki.heldKey.verificationKey
        var usage: String? = Self.statusSigningUsage
        let pem: String
        switch refusal {
        case .noCertificate:
            pem = "the CA's e-mail, without its attachment\n"
        case .tooManyCertificates:
            pem = pki.pem(Array(repeating: try pki.leaf(), count: 9))
        case .anotherKey:
            pem = pki.pem([try pki.leaf(for: SigningKey.generate(.es256).verificationKey), pki.issuing])
        case .selfSignedLeaf:
            let selfSigned = try X509Certificate.selfSigned(
                name: CertificateName(commonName: "Status signer"), key: pki.heldKey, validFrom: Self.start, validUntil: Self.end)
            pem = selfSigned.pemEncoded
        case .anchorIncluded:
            pem = pki.pem([try pki.leaf(), pki.issuing, pki.root])
        case .wrongOrder:
            let other = try X509Certificate.issue(
                name: CertificateName(commonName: "Other CA"), publicKey: SigningKey.generate(.es256).verificationKey, issuer: pki.root,
                issuerKey: pki.rootKey, validFrom: Self.start, validUntil: Self.end, isCertificateAuthority: true)
            pem = pki.pem([try pki.leaf(), other, pki.issuing])
        case .issuerNotCA:
            let endEntityKey = SigningKey.generate(.es256)
            let endEntity = try X509Certificate.issue(
                name: CertificateName(commonName: "Not a CA"), publicKey: endEntityKey.verificationKey, issuer: pki.issuing, issuerKey: pki.issuingKey,
                validFrom: Self.start, validUntil: Self.end)
            let leaf = try X509Certificate.issue(
                name: CertificateName(commonName: "Status signer"), publicKey: held, issuer: endEntity, issuerKey: endEntityKey,
                validFrom: Self.start, validUntil: Self.end, extendedKeyUsages: [Self.statusSigningUsage])
            pem = pki.pem([leaf, endEntity, pki.issuing])
        case .pathTooLong:
            // root → constrained CA (pathLenConstraint 0) → sub-CA → leaf: one CA too many below the constrained CA.
            let (constrained, constrainedKey) = try Self.constrainedCA(issuer: pki.root, issuerKey: pki.rootKey)
            let subKey = SigningKey.generate(.es256)
            let sub = try X509Certificate.issue(
                name: CertificateName(commonName: "Sub CA"), publicKey: subKey.verificationKey, issuer: constrained, issuerKey: constrainedKey,
                validFrom: Self.start, validUntil: Self.end, isCertificateAuthority: true)
            let leaf = try X509Certificate.issue(
                name: CertificateName(commonName: "Status signer"), publicKey: held, issuer: sub, issuerKey: subKey,
                validFrom: Self.start, validUntil: Self.end, extendedKeyUsages: [Self.statusSigningUsage])
            pem = pki.pem([leaf, sub, constrained])
        case .expiredLeaf:
            pem = pki.pem([try pki.leaf(from: Self.start, until: Self.inside.addingTimeInterval(-1)), pki.issuing])
        case .notYetValidIntermediate:
            let lateKey = SigningKey.generate(.es256)
            let late = try X509Certificate.issue(
                name: CertificateName(commonName: "Late CA"), publicKey: lateKey.verificationKey, issuer: pki.root, issuerKey: pki.rootKey,
                validFrom: Self.inside.addingTimeInterval(1), validUntil: Self.end, isCertificateAuthority: true)
            let leaf = try X509Certificate.issue(
                name: CertificateName(commonName: "Status signer"), publicKey: held, issuer: late, issuerKey: lateKey,
                validFrom: Self.start, validUntil: Self.end, extendedKeyUsages: [Self.statusSigningUsage])
            pem = pki.pem([leaf, late])
        case .usageMissing:
            pem = pki.pem([try pki.leaf(usages: []), pki.issuing])
        case .otherUsageOnly:
            pem = pki.pem([try pki.leaf(usages: ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.9"]), pki.issuing])
        case .leafWithoutDigitalSignature:
            pem = pki.pem([try Self.keyEnciphermentLeaf(for: held, issuer: pki.issuing, issuerKey: pki.issuingKey), pki.issuing])
        case .badUsageSetting:
            pem = pki.pem([try pki.leaf(), pki.issuing])
            usage = "id-kp-oauthStatusSigning"
        }
        do {
            let accepted = try StatusSigningChain.checkImport(pem: pem, heldKey: held, requiredExtendedKeyUsage: usage, at: Self.inside)
            Issue.record("\(refusal) was accepted: \(accepted.leafSubject)")
        } catch {
            // checkImport throws SigningError only (typed throws).
            #expect(error.code == refusal.expected.code, "\(error)")
            #expect(error.reason.contains(refusal.expected.phrase), "\(error.reason)")
            #expect(!error.reason.contains("\n"), "one line for the CLI")
        }
    }

    @Test("dotted OIDs parse; anything else is refused", arguments: [
        ("1.3.6.1.5.5.7.3.99", true), ("2.5.29.37.0", true), ("0.9", true), ("3.1", false), ("1", false), ("1..2", false),
        ("1.2.", false), (" 1.2", false), ("1.2.x", false), ("", false), ("1.2.99999999999999999999", false),
    ])
    func objectIdentifiers(text: String, isValid: Bool) {
        let parsed = try? StatusSigningChain.objectIdentifier(text)
        #expect((parsed != nil) == isValid)
    }

    /// A CA certificate with pathLenConstraint 0, built with swift-certificates directly (Standing issues none).
    static func constrainedCA(issuer: X509Certificate, issuerKey: SigningKey) throws -> (X509Certificate, SigningKey) {
        let key = P256.Signing.PrivateKey()
        let issuerPrivate = Certificate.PrivateKey(try P256.Signing.PrivateKey(rawRepresentation: issuerKey.privateKeyBytes))
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: start, notValidAfter: end, issuer: issuer.certificate.subject,
            subject: try DistinguishedName { CommonName("Constrained CA") }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: issuerPrivate)
        let signingKey = try SigningKey(algorithm: .es256, privateKeyBytes: key.rawRepresentation)
        return (try X509Certificate(certificate), signingKey)
    }

    /// A leaf whose key usage is keyEncipherment only, built with swift-certificates directly.
    static func keyEnciphermentLeaf(for key: VerificationKey, issuer: X509Certificate, issuerKey: SigningKey) throws -> X509Certificate {
        let issuerPrivate = Certificate.PrivateKey(try P384.Signing.PrivateKey(rawRepresentation: issuerKey.privateKeyBytes))
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.certificatePublicKey,
            notValidBefore: start, notValidAfter: end, issuer: issuer.certificate.subject,
            subject: try DistinguishedName { CommonName("Status signer") }, signatureAlgorithm: .ecdsaWithSHA384,
            extensions: try Certificate.Extensions {
                Critical(KeyUsage(keyEncipherment: true))
                try ExtendedKeyUsage([ExtendedKeyUsage.Usage(oid: try ASN1ObjectIdentifier(dotRepresentation: statusSigningUsage))])
            },
            issuerPrivateKey: issuerPrivate)
        return try X509Certificate(certificate)
    }
}
