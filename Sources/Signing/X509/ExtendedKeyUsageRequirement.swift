import SwiftASN1
import X509

/// What a chain's leaf must say about its extended key usage (RFC 5280 §4.2.1.12) for the use it is validated for.
public enum ExtendedKeyUsageRequirement: Sendable, Hashable {
    /// The use has no key purpose to check (for status lists: no status-signing OID is configured). A critical EKU
    /// extension is accepted as understood.
    case notChecked
    /// The leaf must carry an EKU extension that lists this key purpose (a dotted OID, e.g. the status-signing
    /// `id-kp-oauthStatusSigning`, still `{ id-kp TBD }` in draft-ietf-oauth-status-list §10).
    case required(String)

    /// Parses a dotted OID (`1.3.6.1.5.5.7.3.42`): two or more arcs, the first 0, 1 or 2.
    /// - Throws: ``SigningError/Code/malformed`` when the text is not one.
    public static func objectIdentifier(_ dotted: String) throws(SigningError) -> ASN1ObjectIdentifier {
        let arcs = dotted.split(separator: ".", omittingEmptySubsequences: false)
        guard arcs.count >= 2, arcs.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) && $0.count <= 18 }),
            let first = UInt(arcs[0]), first <= 2
        else {
            throw SigningError(.malformed, "'\(dotted.prefix(80))' is not a dotted object identifier (e.g. 1.3.6.1.5.5.7.3.42)")
        }
        do {
            return try ASN1ObjectIdentifier(dotRepresentation: dotted)
        } catch {
            throw SigningError(.malformed, "'\(dotted.prefix(80))' is not a valid object identifier: \(error)")
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// Enforces an ``ExtendedKeyUsageRequirement`` on the leaf during path validation, so that a critical EKU extension
/// counts as understood only where its key purposes are actually checked.
struct ExtendedKeyUsagePolicy: VerifierPolicy {
    let requiredUsage: ASN1ObjectIdentifier?

    var verifyingCriticalExtensions: [ASN1ObjectIdentifier] { [.X509ExtensionID.extendedKeyUsage] }

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        guard let requiredUsage else { return .meetsPolicy }
        let leaf = chain.leaf
        let usages: ExtendedKeyUsage?
        do {
            usages = try leaf.extensions.extendedKeyUsage
        } catch {
            return .failsToMeetPolicy(reason: "the leaf's extended key usage does not decode: \(error)")
        }
        guard let usages else {
            return .failsToMeetPolicy(reason: "the leaf has no extended key usage; \(requiredUsage) is required")
        }
        guard usages.contains(ExtendedKeyUsage.Usage(oid: requiredUsage)) else {
            return .failsToMeetPolicy(reason: "the leaf's extended key usage lacks \(requiredUsage) (it lists \(usages))")
        }
        return .meetsPolicy
    }
}

extension X509Certificate {
    /// Whether the certificate is self-signed: its issuer is its subject and its own key verifies its signature
    /// (a root, or a leaf that vouches for itself, which HAIP refuses for `x5c` signers).
    public var isSelfSigned: Bool {
        certificate.issuer == certificate.subject && certificate.publicKey.isValidSignature(certificate.signature, for: certificate)
    }
}
