import Foundation
import SwiftASN1
import X509

/// The checks an operator's status-signing certificate chain passes before Standing stores it for an identity and
/// sends it as `x5c` / `x5chain` with every Status List Token the identity signs.
///
/// The rules come from OpenID4VC HAIP 1.0 §6.1 (the Status List Token's `x5c` holds the key that validates its
/// signature, leaves the trust anchor out, and its signing certificate is not self-signed) and
/// draft-ietf-oauth-status-list §10 (a CA delegates status-signing by the `id-kp-oauthStatusSigning` extended key
/// usage, whose OID is still `{ id-kp TBD }`, so it is a setting). The check is pure: it never fetches anything.
public enum StatusSigningChain {
    /// Checks a PEM chain an operator imports for a key Standing holds.
    ///
    /// Refused, with a one-line reason: no certificate or more than ``X509Certificate/maximumChainLength``; a leaf
    /// whose key is not `heldKey`; a self-signed leaf; a trust anchor (self-signed last certificate) in the chain; a
    /// certificate not signed by the next one, or a next one that is not a CA (basicConstraints `cA`, `keyCertSign`
    /// when keyUsage is present, path length); a certificate not valid at `time`; a leaf whose keyUsage lacks
    /// `digitalSignature`; and, when `requiredExtendedKeyUsage` is set, a leaf without that extended key usage.
    /// The last certificate's own signature is not checked: its issuer is the verifier's trust anchor.
    /// - Parameters:
    ///   - pem: PEM `CERTIFICATE` blocks, leaf first.
    ///   - heldKey: The public key of the identity's signing key.
    ///   - requiredExtendedKeyUsage: The dotted OID the leaf must carry (the server's setting for
    ///     `id-kp-oauthStatusSigning`); `nil` checks no usage, which the result's ``StatusSigningChainImport/notes`` say.
    ///   - time: The instant every certificate must be valid at (now, for an import).
    /// - Returns: The chain to store and what to show the operator.
    /// - Throws: ``SigningError`` with ``SigningError/Code/malformed`` (PEM, count, OID setting),
    ///   ``SigningError/Code/invalidKey`` (another key), ``SigningError/Code/badSignature`` (order),
    ///   ``SigningError/Code/expired`` (validity) or ``SigningError/Code/invalidClaims`` (self-signed leaf, anchor
    ///   included, not a CA, key usage, missing extended key usage).
    public static func checkImport(
        pem: String,
        heldKey: VerificationKey,
        requiredExtendedKeyUsage: String?,
        at time: Date
    ) throws(SigningError) -> StatusSigningChainImport {
        try checkImport(
            certificates: try X509Certificate.parseChain(pem: pem), heldKey: heldKey, requiredExtendedKeyUsage: requiredExtendedKeyUsage, at: time)
    }

    /// Checks a parsed chain, leaf first; see ``checkImport(pem:heldKey:requiredExtendedKeyUsage:at:)``.
    public static func checkImport(
        certificates chain: [X509Certificate],
        heldKey: VerificationKey,
        requiredExtendedKeyUsage: String?,
        at time: Date
    ) throws(SigningError) -> StatusSigningChainImport {
        guard let leaf = chain.first, chain.count <= X509Certificate.maximumChainLength else {
            throw SigningError(.malformed, "a status-signing chain holds 1 to \(X509Certificate.maximumChainLength) certificates, leaf first; got \(chain.count)")
        }
        var requiredUsage: ASN1ObjectIdentifier?
        if let requiredExtendedKeyUsage { requiredUsage = try objectIdentifier(requiredExtendedKeyUsage) }
        func named(_ index: Int) -> String { "certificate \(index + 1) of \(chain.count) (\(chain[index].subject))" }

        let leafKey = try leaf.publicKey()
        guard leafKey == heldKey else {
            throw SigningError(
                .invalidKey,
                "the chain is for another key: the leaf (\(leaf.subject)) certifies a \(leafKey.algorithm.rawValue) key that is not this identity's \(heldKey.algorithm.rawValue) key; import the certificate issued for this identity's CSR")
        }
        guard !(try isSelfSigned(leaf)) else {
            throw SigningError(
                .invalidClaims, "the leaf (\(leaf.subject)) is self-signed; a status-signing certificate must be issued by a CA (OpenID4VC HAIP 1.0 §6.1)")
        }
        if chain.count > 1, let last = chain.last, try isSelfSigned(last) {
            throw SigningError(
                .invalidClaims,
                "\(named(chain.count - 1)) is a self-signed trust anchor, which x5c must not include (OpenID4VC HAIP 1.0 §6.1); remove it from the file")
        }
        for index in chain.indices.dropLast() {
            let (child, parent) = (chain[index], chain[index + 1])
            guard child.certificate.issuer == parent.certificate.subject,
                try parent.publicKey().certificatePublicKey.isValidSignature(child.certificate.signature, for: child.certificate)
            else {
                throw SigningError(.badSignature, "\(named(index)) is not signed by \(named(index + 1)): the chain must be in order, leaf first")
            }
            try checkIsCertificateAuthority(parent, name: named(index + 1), intermediatesBelow: index)
        }
        for index in chain.indices {
            let certificate = chain[index]
            guard certificate.notValidBefore <= time, time <= certificate.notValidAfter else {
                let period = "\(certificate.notValidBefore.ISO8601Format()) to \(certificate.notValidAfter.ISO8601Format())"
                throw SigningError(.expired, "\(named(index)) is valid from \(period), not at \(time.ISO8601Format())")
            }
        }
        let leafExtensions = leaf.certificate.extensions
        let keyUsage: KeyUsage?
        let extendedKeyUsage: ExtendedKeyUsage?
        do {
            keyUsage = try leafExtensions.keyUsage
            extendedKeyUsage = try leafExtensions.extendedKeyUsage
        } catch {
            throw SigningError(.malformed, "the leaf (\(leaf.subject)) has a malformed key usage extension: \(error)")
        }
        if let keyUsage, !keyUsage.digitalSignature {
            throw SigningError(.invalidClaims, "the leaf (\(leaf.subject)) has a key usage without digitalSignature, so it may not sign tokens")
        }
        var notes = [String]()
        if let requiredUsage, let requiredExtendedKeyUsage {
            guard let extendedKeyUsage, extendedKeyUsage.contains(ExtendedKeyUsage.Usage(oid: requiredUsage)) else {
                throw SigningError(
                    .invalidClaims,
                    "the leaf (\(leaf.subject)) lacks the status-signing extended key usage \(requiredExtendedKeyUsage) (id-kp-oauthStatusSigning)")
            }
        } else {
            notes.append(
                "no extended key usage was checked: the status-signing usage OID (id-kp-oauthStatusSigning, still TBD in draft-ietf-oauth-status-list §10) is not configured")
        }
        return StatusSigningChainImport(
            certificates: chain, checkedExtendedKeyUsage: requiredExtendedKeyUsage, notes: notes)
    }

    /// Parses a dotted OID such as `1.3.6.1.5.5.7.3.40`.
    /// - Throws: ``SigningError/Code/malformed`` unless it is digits separated by single dots, at least two arcs, the
    ///   first 0, 1 or 2.
    public static func objectIdentifier(_ dotted: String) throws(SigningError) -> ASN1ObjectIdentifier {
        try X509Signing.objectIdentifier(dotted)
    }

    /// Whether the certificate's signature verifies under its own key (RFC 5280 §6.1: self-signed).
    static func isSelfSigned(_ certificate: X509Certificate) throws(SigningError) -> Bool {
        try certificate.publicKey().certificatePublicKey.isValidSignature(certificate.certificate.signature, for: certificate.certificate)
    }

    private static func checkIsCertificateAuthority(_ certificate: X509Certificate, name: String, intermediatesBelow: Int) throws(SigningError) {
        let extensions = certificate.certificate.extensions
        let basicConstraints: BasicConstraints?
        let keyUsage: KeyUsage?
        do {
            basicConstraints = try extensions.basicConstraints
            keyUsage = try extensions.keyUsage
        } catch {
            throw SigningError(.malformed, "\(name) has a malformed basic constraints or key usage extension: \(error)")
        }
        guard case .isCertificateAuthority(let maxPathLength) = basicConstraints else {
            throw SigningError(.invalidClaims, "\(name) signs the certificate before it but is not a CA (basicConstraints cA)")
        }
        if let keyUsage, !keyUsage.keyCertSign {
            throw SigningError(.invalidClaims, "\(name) signs the certificate before it but its key usage lacks keyCertSign")
        }
        if let maxPathLength, intermediatesBelow > maxPathLength {
            throw SigningError(.invalidClaims, "\(name) allows \(maxPathLength) CA certificates below it (pathLenConstraint), the chain has \(intermediatesBelow)")
        }
    }
}

/// A status-signing chain that passed ``StatusSigningChain/checkImport(pem:heldKey:requiredExtendedKeyUsage:at:)``.
public struct StatusSigningChainImport: Sendable, Hashable {
    /// The certificates, leaf first.
    public let certificates: [X509Certificate]
    /// The extended key usage OID the leaf was checked to carry; `nil` when none was required.
    public let checkedExtendedKeyUsage: String?
    /// What the operator should know although the chain was accepted (e.g. that no usage was checked).
    public let notes: [String]

    /// The DER certificates, leaf first: what to store and put in `x5c` / `x5chain`.
    public var derChain: [Data] { certificates.map(\.derEncoded) }
    /// The leaf certificate.
    public var leaf: X509Certificate { certificates[0] }
    /// The leaf's subject in RFC 4514 form.
    public var leafSubject: String { leaf.subject }
    /// The leaf's issuer in RFC 4514 form.
    public var leafIssuer: String { leaf.issuer }
    /// The start of the leaf's validity.
    public var notValidBefore: Date { leaf.notValidBefore }
    /// The end of the leaf's validity: the identity must be re-certified before then.
    public var notValidAfter: Date { leaf.notValidAfter }
}
