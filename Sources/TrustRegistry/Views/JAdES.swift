import Foundation
import Signing

/// Compact JAdES baseline B-B (ETSI TS 119 182-1) signing and verification of LoTE documents.
///
/// Protected header: `alg` (from the key, ES256 for a P-256 signer), `x5c` (the signer certificate chain, leaf
/// first), `x5t#S256` (the leaf's SHA-256 thumbprint: the JAdES signing-certificate reference) and `iat` (the claimed
/// signing time as a NumericDate). No `crit`: every member is registered with IANA, so any RFC 7515 consumer processes
/// the header. No `typ` is set: TS 119 182-1 leaves it optional and LoTE consumers fetch the list as `application/jose`.
/// The payload is the LoTE JSON, serialised canonically (RFC 8785).
///
/// The signing time is `iat`, not JAdES's own `sigT`. TS 119 182-1 (V1.2.1) on `iat`: "Before 2025-05-15T00:00:00Z,
/// this header parameter should be incorporated in new JAdES signatures instead the sigT header parameter specified in
/// clause 5.2.1 of the present document. Starting at 2025-05-15T00:00:00Z, this header parameter shall be incorporated
/// in new JAdES signatures."; and on `sigT` (clause 5.2.1): "Starting at 2025-05-15T00:00:00Z this header parameter
/// shall not be incorporated in new JAdES signatures." A `sigT` had to be listed in `crit`, which generic JOSE
/// consumers refuse. Verification still accepts lists signed earlier with `sigT` (understood when critical).
public enum LoTESigning {
    /// The claimed-signing-time header parameter of new JAdES signatures (RFC 7519 `iat`, a NumericDate).
    public static let signingTimeHeader = "iat"
    /// JAdES's own claimed-signing-time header parameter (`YYYY-MM-DDThh:mm:ssZ`, critical), which signatures made
    /// since 2025-05-15 no longer carry; still read from older lists.
    public static let legacySigningTimeHeader = "sigT"

    /// Signs a LoTE document.
    /// - Parameters:
    ///   - document: The LoTE.
    ///   - key: The signer's private key (P-256 for ES256); must match the leaf certificate.
    ///   - certificateChain: The signer's chain, leaf first (a single self-signed certificate is fine).
    ///   - signingTime: `iat`.
    /// - Returns: The compact JAdES (serve as `application/jose`, or `application/jwt`).
    /// - Throws: ``RegistryError/Code/malformed`` when the chain is empty, the key does not match the leaf, or signing
    ///   fails.
    public static func sign(
        _ document: LoTEDocument,
        key: SigningKey,
        certificateChain: [X509Certificate],
        signingTime: Date
    ) throws(RegistryError) -> String {
        guard let leaf = certificateChain.first else { throw RegistryError(.malformed, "a JAdES signature needs the signer certificate") }
        guard (try? leaf.publicKey()) == key.verificationKey else {
            throw RegistryError(.malformed, "the signing key does not match the leaf certificate")
        }
        let payload = try JSONValue.registryEncoding(document)
        do {
            return try CompactJWS.sign(
                json: payload,
                key: key,
                certificateChain: certificateChain.map(\.derEncoded),
                additionalHeader: [
                    signingTimeHeader: .number(Double(RegistryTime.numericDate(signingTime))),
                    "x5t#S256": .string(leaf.sha256Thumbprint),
                ]
            )
        } catch {
            throw RegistryError(.malformed, "JAdES signing failed: \(error.reason)")
        }
    }

    /// What verification established.
    public struct Verified: Sendable {
        /// The LoTE.
        public let document: LoTEDocument
        /// The validated certificate path, leaf first, anchor last.
        public let certificatePath: [X509Certificate]
        /// The claimed signing time (`iat`, or `sigT` in lists signed before 2025-05-15).
        public let signingTime: Date
    }

    /// Verifies a compact JAdES LoTE as a consumer should: the `x5c` chain must validate to one of the pinned
    /// `trustAnchors` at `time`, the signature must verify with the leaf certificate's key, `x5t#S256` must match the
    /// leaf, the signing time (`iat`, or a legacy `sigT`) must be present, the list must not be past its `NextUpdate`, and its sequence number must not be
    /// lower than the last one seen.
    /// - Parameters:
    ///   - compact: The compact JAdES.
    ///   - trustAnchors: Pinned anchor certificates (the registry's certificate or its CA).
    ///   - time: The validation time (normally now).
    ///   - previousSequenceNumber: The last `LoTESequenceNumber` the consumer accepted, if any.
    /// - Returns: The document, the path and the signing time.
    /// - Throws: ``RegistryError/Code/malformed`` for a structural problem; ``RegistryError/Code/badSignature`` when the
    ///   chain does not validate or the signature does not verify; ``RegistryError/Code/expired`` past `NextUpdate`;
    ///   ``RegistryError/Code/conflict`` when the sequence number went backwards.
    public static func verify(
        _ compact: String,
        trustAnchors: [X509Certificate],
        at time: Date = Date(),
        previousSequenceNumber: Int? = nil
    ) async throws(RegistryError) -> Verified {
        let jws: CompactJWS
        do {
            jws = try CompactJWS(parsing: compact)
        } catch {
            throw RegistryError(.malformed, "LoTE is not a compact JWS: \(error.reason)")
        }
        guard let der = jws.header.certificateChain, !der.isEmpty else {
            throw RegistryError(.malformed, "LoTE JAdES header has no x5c")
        }
        let chain: [X509Certificate]
        let path: [X509Certificate]
        let leafKey: VerificationKey
        do {
            chain = try X509Certificate.parseChain(der: der)
            path = try await CertificateChainVerification.validate(chain: chain, anchors: trustAnchors, at: time)
            leafKey = try chain[0].publicKey()
        } catch {
            throw RegistryError(.badSignature, "LoTE signer certificate chain: \(error.reason)")
        }
        if let thumbprint = jws.header["x5t#S256"] {
            guard thumbprint.stringValue == chain[0].sha256Thumbprint else {
                throw RegistryError(.badSignature, "LoTE x5t#S256 does not match the x5c leaf")
            }
        }
        do {
            try jws.verify(with: leafKey, understoodCriticalHeaders: [legacySigningTimeHeader])
        } catch {
            throw RegistryError(.badSignature, "LoTE signature: \(error.reason)")
        }
        let signingTime: Date
        if let iat = jws.header[signingTimeHeader] {
            guard let seconds = iat.integerValue, seconds >= 0 else {
                throw RegistryError(.malformed, "LoTE JAdES iat is not a NumericDate")
            }
            signingTime = Date(timeIntervalSince1970: TimeInterval(seconds))
        } else if let legacy = jws.header[legacySigningTimeHeader]?.stringValue {
            signingTime = try RegistryTime.parse(legacy)
        } else {
            throw RegistryError(.malformed, "LoTE JAdES header has no signing time (iat)")
        }
        let document: LoTEDocument
        do {
            document = try jws.payloadJSON().decode(LoTEDocument.self)
        } catch {
            throw RegistryError(.malformed, "LoTE payload is not a LoTE document: \(error.reason)")
        }
        let information = document.LoTE.ListAndSchemeInformation
        let nextUpdate = try RegistryTime.parse(information.NextUpdate)
        guard time < nextUpdate else {
            throw RegistryError(.expired, "LoTE is past its NextUpdate \(information.NextUpdate)")
        }
        if let previousSequenceNumber, information.LoTESequenceNumber < previousSequenceNumber {
            throw RegistryError(
                .conflict,
                "LoTESequenceNumber went backwards: \(information.LoTESequenceNumber) after \(previousSequenceNumber)"
            )
        }
        return Verified(document: document, certificatePath: path, signingTime: signingTime)
    }
}
