import Crypto
import Foundation
import SwiftASN1
import X509

extension SigningKey {
    /// A PKCS#10 certificate signing request (RFC 2986) for this key, DER-encoded: what an issuer's CA certifies to
    /// make a status-signing certificate.
    ///
    /// The CertificationRequestInfo is signed through ``sign(_:)`` only, so a key that can sign but never be exported
    /// (an HSM key) can request a certificate too. No attributes are requested: the CA decides the extensions (the
    /// status-signing extended key usage among them).
    /// - Parameter subject: The requested subject name (`CN`, optionally `O`, `OU`, `C`).
    /// - Returns: The DER `CertificationRequest`.
    /// - Throws: ``SigningError/Code/malformed`` for an empty common name or a country that is not two letters;
    ///   ``SigningError/Code/signingFailed`` when signing fails or the result does not verify under this key.
    public func certificateSigningRequest(subject: CertificateName) throws(SigningError) -> Data {
        let placeholder: CertificateSigningRequest
        let placeholderDER: [UInt8]
        do {
            placeholder = try CertificateSigningRequest(
                version: .v1,
                subject: try subject.distinguishedName(),
                publicKey: verificationKey.certificatePublicKey,
                attributes: CertificateSigningRequest.Attributes(),
                signatureAlgorithm: algorithm.certificateSignatureAlgorithm,
                signature: try X509Signing.placeholderSignature(for: algorithm)
            )
            placeholderDER = try X509Signing.derBytes(of: placeholder)
        } catch let error as SigningError {
            throw error
        } catch {
            throw SigningError(.malformed, "certificate signing request does not encode: \(error)")
        }
        let signed = try X509Signing.replacingSignature(of: placeholderDER, signingWith: self)
        // A signer that returns a wrong signature (a faulty token) must not yield a request every CA rejects.
        let request = try VerifiedCertificateSigningRequest(derEncoded: Data(signed))
        guard request.publicKey == verificationKey else {
            throw SigningError(.signingFailed, "certificate signing request carries another key")
        }
        return Data(signed)
    }

    /// The request of ``certificateSigningRequest(subject:)`` as a PEM `CERTIFICATE REQUEST` block (64-character
    /// lines, trailing newline), as `openssl req` and CAs read it.
    /// - Parameter subject: The requested subject name.
    /// - Throws: As ``certificateSigningRequest(subject:)``.
    public func certificateSigningRequestPEM(subject: CertificateName) throws(SigningError) -> String {
        PEMBlock.encode(try certificateSigningRequest(subject: subject), label: "CERTIFICATE REQUEST")
    }
}

/// A PKCS#10 certificate signing request whose signature has been checked: the requested subject and the key it
/// proves possession of, as a CA (or a test acting as one) reads them before issuing a certificate.
public struct VerifiedCertificateSigningRequest: Sendable {
    /// The requested subject in RFC 4514 form, e.g. `CN=Status signer,O=Universidad,C=ES`.
    public let subject: String
    /// The key to certify.
    public let publicKey: VerificationKey
    /// The parsed request (swift-certificates).
    public let request: CertificateSigningRequest

    /// Parses a DER request and checks its self-signature.
    /// - Parameter derEncoded: The DER `CertificationRequest`.
    /// - Throws: ``SigningError/Code/malformed`` when it does not parse; ``SigningError/Code/unsupportedAlgorithm``
    ///   for keys other than P-256, P-384 and Ed25519; ``SigningError/Code/badSignature`` when its signature does not
    ///   verify under its own key.
    public init(derEncoded: Data) throws(SigningError) {
        guard !derEncoded.isEmpty, derEncoded.count <= X509Certificate.maximumDERLength else {
            throw SigningError(.malformed, "a DER certificate signing request must be 1 to \(X509Certificate.maximumDERLength) bytes")
        }
        do {
            request = try CertificateSigningRequest(derEncoded: Array(derEncoded))
        } catch {
            throw SigningError(.malformed, "not a DER PKCS#10 certificate signing request: \(error)")
        }
        publicKey = try VerificationKey(certificatePublicKey: request.publicKey)
        guard request.publicKey.isValidSignature(request.signature, for: request) else {
            throw SigningError(.badSignature, "the certificate signing request's signature does not verify under its key")
        }
        subject = String(describing: request.subject)
    }

    /// Parses one PEM `CERTIFICATE REQUEST` block (also accepting the older `NEW CERTIFICATE REQUEST` label).
    /// - Parameter pemEncoded: The PEM text.
    /// - Throws: As ``init(derEncoded:)``, and ``SigningError/Code/malformed`` when the text holds no such block.
    public init(pemEncoded: String) throws(SigningError) {
        let der = try PEMBlock.decode(pemEncoded, labels: ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"])
        try self.init(derEncoded: der)
    }
}

/// PEM (RFC 7468) blocks of one DER structure.
enum PEMBlock {
    /// `-----BEGIN label-----`, the base64 in 64-character lines, `-----END label-----`, trailing newline.
    static func encode(_ der: Data, label: String) -> String {
        let base64 = der.base64EncodedString()
        var lines = ["-----BEGIN \(label)-----"]
        var index = base64.startIndex
        while index < base64.endIndex {
            let end = base64.index(index, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<end]))
            index = end
        }
        lines.append("-----END \(label)-----")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The DER of the one block in `text` labelled with one of `labels`; text outside it is ignored.
    static func decode(_ text: String, labels: Set<String>) throws(SigningError) -> Data {
        guard text.utf8.count <= 4 * X509Certificate.maximumDERLength else { throw SigningError(.malformed, "PEM text is too long") }
        var blocks = [Data]()
        var body: [Substring]?
        var label = ""
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("-----BEGIN ") && line.hasSuffix("-----") {
                guard body == nil else { throw SigningError(.malformed, "PEM block opens inside another block") }
                label = String(line.dropFirst("-----BEGIN ".count).dropLast(5))
                guard labels.contains(label) else { throw SigningError(.malformed, "PEM block \(label) is not a \(labels.sorted().joined(separator: " or "))") }
                body = []
            } else if line.hasPrefix("-----END ") {
                guard let lines = body, line == "-----END \(label)-----" else {
                    throw SigningError(.malformed, "PEM END line without a matching BEGIN line")
                }
                guard let der = Data(base64Encoded: lines.joined()) else { throw SigningError(.malformed, "PEM \(label) body is not base64") }
                blocks.append(der)
                body = nil
            } else if body != nil {
                body?.append(Substring(line))
            }
        }
        guard body == nil else { throw SigningError(.malformed, "PEM block is not closed") }
        guard blocks.count == 1, let only = blocks.first else {
            throw SigningError(.malformed, "expected one PEM \(labels.sorted().joined(separator: " or ")) block, found \(blocks.count)")
        }
        return only
    }
}

extension VerificationKey {
    /// Converts a swift-certificates public key.
    /// - Throws: ``SigningError/Code/unsupportedAlgorithm`` for keys other than P-256, P-384 and Ed25519.
    init(certificatePublicKey key: Certificate.PublicKey) throws(SigningError) {
        if let p256 = P256.Signing.PublicKey(key) {
            self.init(storage: .p256(p256))
        } else if let p384 = P384.Signing.PublicKey(key) {
            self.init(storage: .p384(p384))
        } else if let ed25519 = Curve25519.Signing.PublicKey(key) {
            self.init(storage: .ed25519(ed25519))
        } else {
            throw SigningError(.unsupportedAlgorithm, "key \(key) is not P-256, P-384 or Ed25519")
        }
    }
}
