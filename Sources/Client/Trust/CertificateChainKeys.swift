import Foundation
import Signing
import StatusList
import StatusListSecuring

/// The keys a list may be verified with, and the validated certificate chain they came from, if any.
struct ListKeys: Sendable {
    var keys: TrustedKeys
    /// The list's `x5c` / `x5chain` signer, validated to an anchor; ``keys`` then holds its leaf key only.
    var signer: CertificateTrust.CertifiedSigner?
}

/// Keys from the certificate chain a list carries.
enum CertificateChainKeys {
    /// The leaf key of the list's `x5c` / `x5chain`, alone, when the chain validates under `trust` at `time`; nil when
    /// the list carries no chain. A list with a chain is verified with its leaf only, never with another trusted key
    /// under the same `kid`.
    /// - Throws: ``StatusClientError/Code/verificationFailed`` when a chain is present but not trusted (no path to an
    ///   anchor, a self-signed leaf, a missing status-signing usage, a malformed header).
    static func keys(in body: Data, mediaType: String?, trust: CertificateTrust, at time: Date) async throws(StatusClientError) -> ListKeys? {
        let chain: (der: [Data], keyID: String?)?
        do {
            chain = try CertificateTrust.chain(in: body, mediaType: mediaType)
        } catch  where error.kind != .statusVerificationError || error.detail.hasPrefix("malformed secured status list") {
            // Unparseable artefacts fail in the verifier with their precise error.
            return nil
        } catch {
            throw StatusClientError(error)
        }
        guard let chain else { return nil }
        let signer: CertificateTrust.CertifiedSigner
        do {
            signer = try await trust.signer(chain: chain.der, keyID: chain.keyID, at: time)
        } catch {
            throw .verification(.verificationFailed, error.detail)
        }
        var keys = TrustedKeys()
        keys.add(signer.key, keyID: chain.keyID ?? "x5c")
        return ListKeys(keys: keys, signer: signer)
    }
}
