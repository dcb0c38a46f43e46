import Foundation
import Signing
import StatusList

/// The X.509 trust a verifier places in the certificate chains status lists carry: the JWS `x5c` header of
/// `statuslist+jwt` and `vc+jwt`, the COSE `x5chain` header (33, RFC 9360) of `statuslist+cwt`.
///
/// A chain binds a list to whoever the anchor vouches for (draft-ietf-oauth-status-list §11.3: "the keys used for
/// the Status List Token may be cryptographically linked, e.g. by a Certificate Authority through an x.509 PKI",
/// the Status Issuer's certificate using the §10 extended key usage). A chain is accepted when it validates to one of
/// ``anchors`` under RFC 5280 (signatures, validity at the verification time, basic constraints), its leaf is not
/// self-signed (HAIP: a leaf that vouches for itself proves nothing), and, when ``statusSigningUsage`` is set, the
/// leaf's extended key usage lists it. The list's signature is then verified with the leaf's key only.
public struct CertificateTrust: Sendable, Hashable {
    /// The X.509 trust anchors (CA certificates) chains must validate to.
    public var anchors: [X509Certificate]
    /// The status-signing key purpose (`id-kp-oauthStatusSigning`, a dotted OID) the leaf must carry; nil checks no
    /// usage. The draft's OID is still `{ id-kp TBD }`, so it is a setting.
    public var statusSigningUsage: String?

    /// Creates the trust.
    /// - Parameters:
    ///   - anchors: The trust anchors.
    ///   - statusSigningUsage: The required extended key usage OID, dotted; nil for none.
    public init(anchors: [X509Certificate], statusSigningUsage: String? = nil) {
        self.anchors = anchors
        self.statusSigningUsage = statusSigningUsage
    }

    /// The longest chain read from a list (leaf, intermediates and optionally the anchor).
    public static let maximumChainLength = X509Certificate.maximumChainLength

    /// A chain a list carries, validated: its leaf key signs the list.
    public struct CertifiedSigner: Sendable, Hashable {
        /// The leaf certificate's key.
        public let key: VerificationKey
        /// The list's `kid`, if it names one.
        public let keyID: String?
        /// The validated path, leaf first, anchor last.
        public let path: [X509Certificate]

        /// The leaf certificate.
        public var leaf: X509Certificate { path[0] }
    }

    /// The DER certificates a secured list carries, leaf first, with its `kid`; nil when it carries none (and for
    /// Data Integrity credentials, which have no certificate header).
    /// - Throws: ``StatusVerificationError`` (STATUS_VERIFICATION_ERROR) when the header is there but malformed: not a
    ///   byte string or an array of byte strings, empty, or longer than ``maximumChainLength``.
    public static func chain(in body: Data, mediaType: String?) throws(StatusVerificationError) -> (der: [Data], keyID: String?)? {
        let der: [Data]
        let keyID: String?
        switch try StatusListVerifier.format(of: body, mediaType: mediaType) {
        case .w3cDataIntegrity:
            return nil
        case .w3cJWT, .ietfJWT:
            guard let text = String(data: body, encoding: .utf8) else { return nil }
            let header = try StatusVerificationError.classify {
                try CompactJWS(parsing: text.trimmingWhitespaceAndNewlines()).header
            }
            // JWSHeader has already refused an x5c that is not a non-empty array of base64 strings.
            guard let certificates = header.certificateChain else { return nil }
            (der, keyID) = (certificates, header.keyID)
        case .ietfCWT:
            let message = try StatusVerificationError.classify { try COSESign1.parse(body, tagPolicy: .required) }
            guard let value = message.headerValue(COSEHeaderParameter.x5chain) else { return nil }
            switch value {
            case .byteString(let certificate):
                der = [certificate]
            case .array(let items) where !items.isEmpty && items.allSatisfy({ $0.bytes != nil }):
                der = items.compactMap(\.bytes)
            default:
                throw StatusVerificationError(
                    .statusVerificationError,
                    "the CWT's x5chain (33) must be a certificate byte string or a non-empty array of them (RFC 9360)"
                )
            }
            keyID = message.kid.flatMap { String(data: $0, encoding: .utf8) }
        }
        guard der.count <= maximumChainLength else {
            throw StatusVerificationError(
                .statusVerificationError,
                "the list's certificate chain has \(der.count) certificates (1 to \(maximumChainLength) accepted)"
            )
        }
        return (der, keyID)
    }

    /// Validates the chain a list carries.
    /// - Parameters:
    ///   - body: The list as served.
    ///   - mediaType: Its `Content-Type`, if known.
    ///   - time: The instant the chain must be valid at (the list's verification time).
    /// - Returns: The leaf key and path, or nil when the list carries no chain.
    /// - Throws: ``StatusVerificationError`` (STATUS_VERIFICATION_ERROR) when a chain is present but malformed, its
    ///   leaf self-signed, it does not validate to an anchor, or its leaf lacks ``statusSigningUsage``.
    public func signer(of body: Data, mediaType: String?, at time: Date) async throws(StatusVerificationError) -> CertifiedSigner? {
        guard let (der, keyID) = try Self.chain(in: body, mediaType: mediaType) else { return nil }
        return try await signer(chain: der, keyID: keyID, at: time)
    }

    /// Validates a chain, leaf first (see ``signer(of:mediaType:at:)``).
    public func signer(chain der: [Data], keyID: String?, at time: Date) async throws(StatusVerificationError) -> CertifiedSigner {
        do throws(SigningError) {
            let certificates = try X509Certificate.parseChain(der: der)
            guard let leaf = certificates.first, !leaf.isSelfSigned else {
                throw SigningError(.unknownKey, "its leaf (\(certificates.first?.subject ?? "")) is self-signed, so nothing vouches for it")
            }
            let path = try await CertificateChainVerification.validate(
                chain: certificates,
                anchors: anchors,
                at: time,
                extendedKeyUsage: statusSigningUsage.map { .required($0) } ?? .notChecked
            )
            guard let validatedLeaf = path.first else { throw SigningError(.unknownKey, "the validated path is empty") }
            return CertifiedSigner(key: try validatedLeaf.publicKey(), keyID: keyID, path: path)
        } catch {
            throw StatusVerificationError(
                .statusVerificationError,
                "the list's x5c certificate chain is not trusted: \(error.reason)"
            )
        }
    }

    /// A short description for messages: how many anchors, and the usage checked.
    public var summary: String {
        let anchorText = anchors.count == 1 ? "the trust anchor \(anchors[0].subject)" : "one of \(anchors.count) trust anchors"
        return anchorText + (statusSigningUsage.map { " with the status-signing usage \($0)" } ?? " (no status-signing usage checked)")
    }
}
