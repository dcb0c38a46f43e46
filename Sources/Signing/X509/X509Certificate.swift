import Crypto
import Foundation
import SwiftASN1
import X509

/// An X.509 certificate as Standing uses it: a signer certificate for JAdES `x5c` chains (ETSI LoTE), generated
/// self-signed on first start or loaded from an operator-provided PEM file.
///
/// A thin layer over swift-certificates: it keeps the exact DER bytes (what `x5c` carries), converts the subject
/// public key into a ``VerificationKey`` and creates ES256/ES384/EdDSA certificates from a ``SigningKey``.
public struct X509Certificate: Sendable, Hashable, CustomStringConvertible {
    /// The parsed certificate (swift-certificates).
    public let certificate: Certificate
    /// The exact DER encoding.
    public let derEncoded: Data

    /// The largest DER certificate accepted (64 KiB), a guard against unbounded input.
    public static let maximumDERLength = 64 << 10

    /// Parses a DER-encoded certificate.
    /// - Parameter derEncoded: The DER bytes.
    /// - Throws: ``SigningError/Code/malformed`` when the bytes are not one DER certificate.
    public init(derEncoded: Data) throws(SigningError) {
        guard !derEncoded.isEmpty, derEncoded.count <= Self.maximumDERLength else {
            throw SigningError(.malformed, "a DER certificate must be 1 to \(Self.maximumDERLength) bytes")
        }
        do {
            self.certificate = try Certificate(derEncoded: Array(derEncoded))
        } catch {
            throw SigningError(.malformed, "not a DER X.509 certificate: \(error)")
        }
        self.derEncoded = derEncoded
    }

    /// Wraps a swift-certificates certificate.
    /// - Parameter certificate: The certificate.
    /// - Throws: ``SigningError/Code/malformed`` if it does not serialise (not expected for parsed or built ones).
    public init(_ certificate: Certificate) throws(SigningError) {
        var serializer = DER.Serializer()
        do {
            try serializer.serialize(certificate)
        } catch {
            throw SigningError(.malformed, "certificate does not serialise as DER: \(error)")
        }
        self.certificate = certificate
        self.derEncoded = Data(serializer.serializedBytes)
    }

    /// Parses one PEM `CERTIFICATE` block.
    /// - Parameter pemEncoded: The PEM text.
    /// - Throws: ``SigningError/Code/malformed`` unless the text holds exactly one certificate.
    public init(pemEncoded: String) throws(SigningError) {
        let chain = try Self.parseChain(pem: pemEncoded)
        guard chain.count == 1, let only = chain.first else {
            throw SigningError(.malformed, "expected one PEM certificate, found \(chain.count)")
        }
        self = only
    }

    /// The certificate as a PEM `CERTIFICATE` block (64-character lines, trailing newline).
    public var pemEncoded: String {
        let base64 = derEncoded.base64EncodedString()
        var lines = ["-----BEGIN CERTIFICATE-----"]
        var index = base64.startIndex
        while index < base64.endIndex {
            let end = base64.index(index, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<end]))
            index = end
        }
        lines.append("-----END CERTIFICATE-----")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The subject distinguished name in RFC 4514 form, e.g. `CN=Example Registry,O=Example,C=EU`.
    public var subject: String { String(describing: certificate.subject) }
    /// The issuer distinguished name in RFC 4514 form.
    public var issuer: String { String(describing: certificate.issuer) }
    /// The start of the validity period.
    public var notValidBefore: Date { certificate.notValidBefore }
    /// The end of the validity period.
    public var notValidAfter: Date { certificate.notValidAfter }
    /// The SHA-256 of the DER bytes, as JOSE `x5t#S256` carries it (base64url).
    public var sha256Thumbprint: String { Base64URL.encode(Data(SHA256.hash(data: derEncoded))) }

    /// The subject public key as a ``VerificationKey``.
    /// - Throws: ``SigningError/Code/unsupportedAlgorithm`` for keys other than P-256, P-384 and Ed25519 (RSA, P-521).
    public func publicKey() throws(SigningError) -> VerificationKey {
        let key = certificate.publicKey
        if let p256 = P256.Signing.PublicKey(key) { return VerificationKey(storage: .p256(p256)) }
        if let p384 = P384.Signing.PublicKey(key) { return VerificationKey(storage: .p384(p384)) }
        if let ed25519 = Curve25519.Signing.PublicKey(key) { return VerificationKey(storage: .ed25519(ed25519)) }
        throw SigningError(.unsupportedAlgorithm, "certificate key \(key) is not P-256, P-384 or Ed25519")
    }

    /// A short description: subject, issuer and validity.
    public var description: String {
        "X509Certificate(subject: \(subject), issuer: \(issuer), valid: \(notValidBefore)...\(notValidAfter))"
    }

    /// Certificates are equal when their DER bytes are.
    public static func == (lhs: X509Certificate, rhs: X509Certificate) -> Bool { lhs.derEncoded == rhs.derEncoded }
    /// Hashes the DER bytes, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(derEncoded) }
}

/// The subject (or issuer) name of a certificate Standing creates.
public struct CertificateName: Sendable, Hashable {
    /// `CN`, required.
    public var commonName: String
    /// `O`.
    public var organization: String?
    /// `OU`.
    public var organizationalUnit: String?
    /// `C`: a two-letter country code (`EU` is accepted, as ETSI trusted lists use it).
    public var country: String?

    /// Creates a name.
    /// - Parameters:
    ///   - commonName: `CN`.
    ///   - organization: `O`.
    ///   - organizationalUnit: `OU`.
    ///   - country: `C`, two letters.
    public init(commonName: String, organization: String? = nil, organizationalUnit: String? = nil, country: String? = nil) {
        self.commonName = commonName
        self.organization = organization
        self.organizationalUnit = organizationalUnit
        self.country = country
    }

    func distinguishedName() throws(SigningError) -> DistinguishedName {
        guard !commonName.isEmpty else { throw SigningError(.malformed, "certificate common name is empty") }
        if let country, country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isLetter }) {
            throw SigningError(.malformed, "certificate country \"\(country)\" is not two letters")
        }
        do {
            var rdns = [RelativeDistinguishedName]()
            if let country { rdns.append(RelativeDistinguishedName(try .init(type: .RDNAttributeType.countryName, printableString: country))) }
            if let organization {
                rdns.append(RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: organization)))
            }
            if let organizationalUnit {
                rdns.append(
                    RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationalUnitName, utf8String: organizationalUnit))
                )
            }
            rdns.append(RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: commonName)))
            return DistinguishedName(rdns)
        } catch {
            throw SigningError(.malformed, "certificate name is not encodable: \(error)")
        }
    }
}

extension X509Certificate {
    /// Creates a self-signed certificate for `key`: the registry's signer certificate when the operator provides
    /// none. It is a CA certificate (`basicConstraints cA`, `keyCertSign`) that may also sign (`digitalSignature`),
    /// so it can serve both as a one-element `x5c` chain and as the pinned anchor of a longer chain.
    /// - Parameters:
    ///   - name: Subject and issuer name.
    ///   - key: The key that is certified and signs the certificate (ES256, ES384 or EdDSA).
    ///   - validFrom: `notBefore` (whole seconds).
    ///   - validUntil: `notAfter` (whole seconds).
    ///   - serialNumber: The serial number; random 20 bytes by default.
    /// - Returns: The certificate.
    /// - Throws: ``SigningError/Code/malformed`` for an empty period or bad name, ``SigningError/Code/signingFailed``
    ///   when signing fails.
    public static func selfSigned(
        name: CertificateName,
        key: SigningKey,
        validFrom: Date,
        validUntil: Date,
        serialNumber: [UInt8]? = nil
    ) throws(SigningError) -> X509Certificate {
        let distinguishedName = try name.distinguishedName()
        let publicKey = key.certificatePublicKey
        let extensions: Certificate.Extensions
        do {
            extensions = try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, nonRepudiation: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            }
        } catch {
            throw SigningError(.malformed, "certificate extensions do not encode: \(error)")
        }
        return try make(
            subject: distinguishedName,
            issuer: distinguishedName,
            publicKey: publicKey,
            issuerKey: key,
            validFrom: validFrom,
            validUntil: validUntil,
            serialNumber: serialNumber,
            extensions: extensions
        )
    }

    /// Issues a certificate for `publicKey` signed by `issuer`'s key: an end-entity signer certificate (or, with
    /// `isCertificateAuthority`, an intermediate CA).
    /// - Parameters:
    ///   - name: The subject name.
    ///   - publicKey: The certified key.
    ///   - issuer: The issuing CA certificate.
    ///   - issuerKey: The issuing CA's private key; must match `issuer`'s public key.
    ///   - validFrom: `notBefore`.
    ///   - validUntil: `notAfter`.
    ///   - isCertificateAuthority: Whether the new certificate may issue certificates.
    ///   - serialNumber: The serial number; random 20 bytes by default.
    /// - Returns: The certificate.
    /// - Throws: ``SigningError/Code/invalidKey`` when `issuerKey` does not belong to `issuer`; otherwise as
    ///   ``selfSigned(name:key:validFrom:validUntil:serialNumber:)``.
    public static func issue(
        name: CertificateName,
        publicKey: VerificationKey,
        issuer: X509Certificate,
        issuerKey: SigningKey,
        validFrom: Date,
        validUntil: Date,
        isCertificateAuthority: Bool = false,
        serialNumber: [UInt8]? = nil
    ) throws(SigningError) -> X509Certificate {
        guard try issuer.publicKey() == issuerKey.verificationKey else {
            throw SigningError(.invalidKey, "the issuer key does not belong to the issuer certificate")
        }
        let subjectKey = publicKey.certificatePublicKey
        let extensions: Certificate.Extensions
        do {
            let keyIdentifier = (try? issuer.certificate.extensions.subjectKeyIdentifier)?.keyIdentifier
            extensions = try Certificate.Extensions {
                if isCertificateAuthority {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                } else {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, nonRepudiation: true))
                }
                SubjectKeyIdentifier(hash: subjectKey)
                AuthorityKeyIdentifier(keyIdentifier: keyIdentifier)
            }
        } catch {
            throw SigningError(.malformed, "certificate extensions do not encode: \(error)")
        }
        return try make(
            subject: try name.distinguishedName(),
            issuer: issuer.certificate.subject,
            publicKey: subjectKey,
            issuerKey: issuerKey,
            validFrom: validFrom,
            validUntil: validUntil,
            serialNumber: serialNumber,
            extensions: extensions
        )
    }

    private static func make(
        subject: DistinguishedName,
        issuer: DistinguishedName,
        publicKey: Certificate.PublicKey,
        issuerKey: SigningKey,
        validFrom: Date,
        validUntil: Date,
        serialNumber: [UInt8]?,
        extensions: Certificate.Extensions
    ) throws(SigningError) -> X509Certificate {
        let notBefore = Date(timeIntervalSince1970: validFrom.timeIntervalSince1970.rounded(.down))
        let notAfter = Date(timeIntervalSince1970: validUntil.timeIntervalSince1970.rounded(.down))
        guard notBefore < notAfter else {
            throw SigningError(.malformed, "certificate validity period is empty")
        }
        if let serialNumber, serialNumber.isEmpty || serialNumber.count > 20 {
            throw SigningError(.malformed, "certificate serial number must be 1 to 20 bytes")
        }
        let issuerPrivateKey = try issuerKey.certificatePrivateKey
        let certificate: Certificate
        do {
            certificate = try Certificate(
                version: .v3,
                serialNumber: serialNumber.map { Certificate.SerialNumber(bytes: $0) } ?? Certificate.SerialNumber(),
                publicKey: publicKey,
                notValidBefore: notBefore,
                notValidAfter: notAfter,
                issuer: issuer,
                subject: subject,
                signatureAlgorithm: issuerKey.certificateSignatureAlgorithm,
                extensions: extensions,
                issuerPrivateKey: issuerPrivateKey
            )
        } catch {
            throw SigningError(.signingFailed, "certificate signing failed: \(error)")
        }
        return try X509Certificate(certificate)
    }

    /// Parses every PEM `CERTIFICATE` block in `pem`, in order (leaf first, as operators usually store chains).
    /// Text outside the blocks is ignored; other block types are refused.
    /// - Parameter pem: PEM text with one or more certificates.
    /// - Returns: The certificates.
    /// - Throws: ``SigningError/Code/malformed`` when there is no certificate, a block is not a certificate or its
    ///   base64 is invalid.
    public static func parseChain(pem: String) throws(SigningError) -> [X509Certificate] {
        guard pem.utf8.count <= 4 * maximumDERLength * 8 else {
            throw SigningError(.malformed, "PEM text is too long")
        }
        var certificates = [X509Certificate]()
        var body: [Substring]?
        for rawLine in pem.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("-----BEGIN ") {
                guard body == nil else { throw SigningError(.malformed, "PEM block opens inside another block") }
                guard line == "-----BEGIN CERTIFICATE-----" else {
                    throw SigningError(.malformed, "PEM block \(line) is not a CERTIFICATE")
                }
                body = []
            } else if line.hasPrefix("-----END ") {
                guard let lines = body, line == "-----END CERTIFICATE-----" else {
                    throw SigningError(.malformed, "PEM END line without a matching CERTIFICATE block")
                }
                guard let der = Data(base64Encoded: lines.joined()) else {
                    throw SigningError(.malformed, "PEM certificate body is not base64")
                }
                certificates.append(try X509Certificate(derEncoded: der))
                body = nil
            } else if body != nil {
                body?.append(Substring(line))
            }
        }
        guard body == nil else { throw SigningError(.malformed, "PEM certificate block is not closed") }
        guard !certificates.isEmpty else { throw SigningError(.malformed, "no PEM certificate found") }
        return certificates
    }

    /// Parses DER certificates, e.g. from a JWS `x5c` header (``JWSHeader/certificateChain``).
    /// - Parameter der: DER certificates, leaf first.
    /// - Returns: The certificates in the same order.
    /// - Throws: ``SigningError/Code/malformed`` for an empty list, more than ``maximumChainLength`` certificates or a
    ///   certificate that does not parse.
    public static func parseChain(der: [Data]) throws(SigningError) -> [X509Certificate] {
        guard !der.isEmpty, der.count <= maximumChainLength else {
            throw SigningError(.malformed, "a certificate chain must hold 1 to \(maximumChainLength) certificates")
        }
        var certificates = [X509Certificate]()
        for bytes in der { certificates.append(try X509Certificate(derEncoded: bytes)) }
        return certificates
    }

    /// The longest chain accepted (leaf, intermediates and optionally the anchor).
    public static let maximumChainLength = 8
}

extension SigningKey {
    /// The key as swift-certificates signs with it.
    /// - Throws: ``SigningError/Code/unsupportedAlgorithm`` for an external key: swift-certificates' `PrivateKey`
    ///   wraps in-memory keys only, so an HSM key cannot self-sign a certificate through this path.
    var certificatePrivateKey: Certificate.PrivateKey {
        get throws(SigningError) {
            switch storage {
            case .p256(let key): return Certificate.PrivateKey(key)
            case .p384(let key): return Certificate.PrivateKey(key)
            case .ed25519(let key): return Certificate.PrivateKey(key)
            case .external:
                throw SigningError(
                    .unsupportedAlgorithm,
                    "a certificate cannot be signed with a key held by an external signer (HSM) through swift-certificates; "
                        + "use a file key for this certificate")
            }
        }
    }

    var certificatePublicKey: Certificate.PublicKey { verificationKey.certificatePublicKey }

    var certificateSignatureAlgorithm: Certificate.SignatureAlgorithm {
        switch algorithm {
        case .es256: .ecdsaWithSHA256
        case .es384: .ecdsaWithSHA384
        case .edDSA: .ed25519
        }
    }
}

extension VerificationKey {
    var certificatePublicKey: Certificate.PublicKey {
        switch storage {
        case .p256(let key): Certificate.PublicKey(key)
        case .p384(let key): Certificate.PublicKey(key)
        case .ed25519(let key): Certificate.PublicKey(key)
        }
    }
}
