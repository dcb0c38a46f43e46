import Foundation
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

/// Validates `x5c`-style certificate chains against pinned trust anchors with the swift-certificates ``Verifier``
/// and its RFC 5280 policy (signatures, validity at a given time, basic constraints, name constraints).
public enum CertificateChainVerification {
    /// Validates a chain, leaf first, to one of `anchors` at `time`.
    ///
    /// The certificates after the leaf are only candidate intermediates: the verifier builds its own path from the
    /// leaf to an anchor, so an attacker-supplied "root" at the end of `x5c` is never trusted by itself. A pinned
    /// self-signed signer certificate (a CA certificate, as ``X509Certificate/selfSigned(name:key:validFrom:validUntil:serialNumber:)``
    /// makes) validates as a one-element chain; an end-entity certificate cannot be an anchor (RFC 5280), so for a
    /// CA-issued signer pin the CA.
    /// - Parameters:
    ///   - chain: The chain, leaf first (e.g. from ``X509Certificate/parseChain(der:)``).
    ///   - anchors: The pinned trust anchors.
    ///   - time: The instant at which every certificate of the path must be valid.
    ///   - extendedKeyUsage: What the leaf's extended key usage must allow; nil leaves EKU to the RFC 5280 policy alone
    ///     (a critical EKU is then refused as not understood).
    /// - Returns: The validated path, leaf first, anchor last.
    /// - Throws: ``SigningError/Code/malformed`` for an empty chain or no anchors; ``SigningError/Code/unknownKey``
    ///   when no valid path to an anchor exists (wrong anchor, bad signature, expired or not-yet-valid certificate,
    ///   a non-CA issuer, a leaf without the required key purpose), with the verifier's reason.
    public static func validate(
        chain: [X509Certificate],
        anchors: [X509Certificate],
        at time: Date,
        extendedKeyUsage: ExtendedKeyUsageRequirement? = nil
    ) async throws(SigningError) -> [X509Certificate] {
        guard let leaf = chain.first else { throw SigningError(.malformed, "certificate chain is empty") }
        guard !anchors.isEmpty else { throw SigningError(.malformed, "no trust anchor given") }
        var requiredUsage: ASN1ObjectIdentifier?
        if case .required(let dotted) = extendedKeyUsage { requiredUsage = try ExtendedKeyUsageRequirement.objectIdentifier(dotted) }
        let checksUsage = extendedKeyUsage != nil
        var verifier = Verifier(rootCertificates: CertificateStore(anchors.map(\.certificate))) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            if checksUsage { ExtendedKeyUsagePolicy(requiredUsage: requiredUsage) }
        }
        let result = await verifier.validate(leaf: leaf.certificate, intermediates: CertificateStore(chain.dropFirst().map(\.certificate)))
        switch result {
        case .validCertificate(let path):
            var validated = [X509Certificate]()
            for certificate in path { validated.append(try X509Certificate(certificate)) }
            return validated
        case .couldNotValidate(let failures):
            let reasons = failures.map { String(describing: $0.policyFailureReason) }
            let detail = reasons.isEmpty ? "no path from the leaf to a pinned anchor" : reasons.joined(separator: "; ")
            throw SigningError(.unknownKey, "certificate chain does not validate at \(time): \(detail)")
        }
    }
}
