import Foundation
import Signing
import StatusList
import StatusListSecuring

/// How a status list is bound to the issuer of the credential it answers for: who may say that the credential is
/// revoked.
///
/// draft-ietf-oauth-status-list §11.3 leaves key resolution to ecosystems and describes three ways, which these are:
/// the Status Issuer is the credential's issuer, or "the Status Issuer may use the same web-based key resolution that
/// is used for the Referenced Token" (a key the issuer's DID document lists), or "the keys used for the Status List
/// Token may be cryptographically linked, e.g. by a Certificate Authority through an x.509 PKI", the Status Issuer's
/// certificate carrying the §10 extended key usage ("A certificate's issuer explicitly delegates Status List Token
/// signing authority by issuing a X.509 certificate containing the KeyPurposeId").
public enum IssuerBinding: Sendable, Hashable, CustomStringConvertible {
    /// (a) The list's issuer (IETF `iss`, W3C `issuer`) is the credential's issuer, and a key its DID document lists
    /// as an assertion method (or its `did:key`) signed the list.
    case issuer(String)
    /// (b) A delegated key: the list names another issuer (or none), but the key that signed it (found by the list's
    /// `kid` or verification method in a trusted document) is, as key material, an assertion method of the credential
    /// issuer's DID document. The issuer publishing the key in its own document is its authorisation to sign for it.
    case delegatedKey(credentialIssuer: String, listIssuer: String?)
    /// (c) The leaf of the list's `x5c` / `x5chain` chain, validated to a trust anchor, signed the list (with the
    /// status-signing usage when one is configured).
    case certificate(leaf: String, anchor: String, usage: String?)

    public var description: String {
        switch self {
        case .issuer(let did): "signed by its issuer \(did), the credential's issuer"
        case .delegatedKey(let issuer, let listIssuer):
            "signed by \(listIssuer ?? "an unnamed issuer") with a key \(issuer)'s DID document lists"
        case .certificate(let leaf, let anchor, let usage):
            "signed by the certificate \(leaf) chaining to the trust anchor \(anchor)"
                + (usage.map { " with the status-signing usage \($0)" } ?? " (no status-signing usage checked)")
        }
    }
}

/// When ``CredentialStatusVerifier`` requires the ``IssuerBinding`` of a credential's lists.
public enum IssuerBindingRequirement: String, Sendable, Hashable, CaseIterable {
    /// When the lists are verified with the issuer's own keys (no trust source given: its DID is resolved); a trust
    /// source the caller gives (`--trust`) names the keys it accepts for lists of any issuer, as before issuer binding.
    case withoutExplicitTrust
    /// Always: keys the caller trusts only verify signatures; the list must still be bound to the credential's issuer.
    case always
}

extension StandingClient {
    /// How `list` is bound to a credential issuer (``IssuerBinding``), resolving the issuer's DID document (`did:web`
    /// fetched and cached like any trust document, `did:key` decoded) when the trust source did not already list the
    /// key under that DID.
    /// - Parameters:
    ///   - list: A list this client verified.
    ///   - issuer: The credential's issuer.
    ///   - trust: The trust source the list was verified with.
    ///   - policy: How cached DID documents may be used.
    /// - Returns: The binding.
    /// - Throws: ``StatusClientError/Code/issuerNotBound`` (STATUS_VERIFICATION_ERROR), saying which bindings failed.
    public func issuerBinding(
        of list: CachedList,
        credentialIssuer issuer: String,
        trust: TrustSource,
        policy: CachePolicy = .useFresh
    ) async throws(StatusClientError) -> IssuerBinding {
        let listIssuer = list.list.issuer
        if let path = list.list.certificatePath, let leaf = path.first {
            return .certificate(leaf: leaf.subject, anchor: path.last?.subject ?? leaf.issuer, usage: configuration.verification.statusSigningUsage)
        }
        let key = list.verifyingKey
        let bound: IssuerBinding = listIssuer == issuer ? .issuer(issuer) : .delegatedKey(credentialIssuer: issuer, listIssuer: listIssuer)
        if try await resolve(trust, policy: policy, forceRefresh: false).keys.controllers(of: key).contains(issuer) { return bound }
        var documentProblem = ""
        if issuer.hasPrefix(DIDWeb.prefix) || issuer.hasPrefix(DIDKey.prefix) {
            do throws(StatusClientError) {
                if try await resolve(.did(issuer), policy: policy, forceRefresh: false).keys.controllers(of: key).contains(issuer) { return bound }
            } catch {
                documentProblem = " (its DID document is unavailable: \(error.reason))"
            }
        } else {
            documentProblem = " (it is not a did:web or did:key, so it has no DID document to list keys)"
        }
        throw .verification(
            .issuerNotBound,
            "status list issued by \(listIssuer ?? "an unnamed issuer"), credential issued by \(issuer); no key of \(issuer)'s DID document "
                + "signed it\(documentProblem) and no x5c chain to a trust anchor"
        )
    }

    /// How the verifier words a list that no trusted key signed (no key under its `kid` or method, or the one key tried
    /// does not verify it), as opposed to a signed list whose claims fail.
    static let signerFailures = [
        "no trusted key", "the list names no key", "JWS alg ", "COSE: the message is signed with", "Data Integrity proof does not verify",
    ]

    /// A list that failed to verify under the issuer's own keys, worded as the binding it failed.
    func bindingFailure(_ error: StatusClientError, credentialIssuer issuer: String) -> StatusClientError {
        guard error.code == .verificationFailed,
            Self.signerFailures.contains(where: { error.reason.hasPrefix($0) }) || error.reason.hasSuffix("signature does not verify")
        else { return error }
        return .verification(
            .issuerNotBound,
            "the status list is not bound to the credential's issuer \(issuer): no key of \(issuer)'s DID document signed it "
                + "(\(error.reason)) and no x5c chain to a trust anchor"
        )
    }
}
