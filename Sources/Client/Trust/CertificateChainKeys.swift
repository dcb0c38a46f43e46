import Foundation
import Signing
import StatusList
import StatusListSecuring

/// Keys from the certificate chain a list carries.
enum CertificateChainKeys {
    /// The most certificates read from one chain.
    static let maximumChainLength = 8

    /// The leaf key of the list's `x5c` / `x5chain`, under the list's `kid` (or `x5c` without one), when the chain
    /// validates to `anchors` at `time`; empty keys when the list carries no chain.
    /// - Throws: ``StatusClientError/Code/verificationFailed`` when a chain is present but does not validate.
    static func keys(in body: Data, mediaType: String?, anchors: [X509Certificate], at time: Date) async throws(StatusClientError) -> TrustedKeys {
        let chain: [Data]
        let keyID: String?
        do {
            switch try StatusListVerifier.format(of: body, mediaType: mediaType) {
            case .w3cDataIntegrity:
                return TrustedKeys()
            case .w3cJWT, .ietfJWT:
                guard let text = String(data: body, encoding: .utf8) else { return TrustedKeys() }
                let header = try CompactJWS(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines)).header
                guard let certificates = header.certificateChain else { return TrustedKeys() }
                (chain, keyID) = (certificates, header.keyID)
            case .ietfCWT:
                let message = try COSESign1.parse(body, tagPolicy: .required)
                guard let certificates = message.x5chain else { return TrustedKeys() }
                (chain, keyID) = (certificates, message.kid.flatMap { String(data: $0, encoding: .utf8) })
            }
        } catch {
            // Unparseable artefacts fail in the verifier with their precise error.
            return TrustedKeys()
        }
        guard !chain.isEmpty, chain.count <= maximumChainLength else {
            throw .verification(
                .verificationFailed,
                "the list's certificate chain has \(chain.count) certificates (1 to \(maximumChainLength) accepted)"
            )
        }
        let leafKey: VerificationKey
        do throws(SigningError) {
            let certificates = try chain.map { der throws(SigningError) in try X509Certificate(derEncoded: der) }
            let path = try await CertificateChainVerification.validate(chain: certificates, anchors: anchors, at: time)
            guard let leaf = path.first else { throw SigningError(.unknownKey, "the validated path is empty") }
            leafKey = try leaf.publicKey()
        } catch {
            throw .verification(.verificationFailed, "the list's certificate chain does not validate to a pinned anchor: \(error.reason)")
        }
        var keys = TrustedKeys()
        keys.add(leafKey, keyID: keyID ?? "x5c")
        return keys
    }
}
