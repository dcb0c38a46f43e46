import Foundation
import Logging
import Signing
import StatusList
import StatusListSecuring

extension StandingClient {
    struct ResolvedTrust: Sendable {
        var keys: TrustedKeys
        /// Whether any part came from a cached document (a verification failure may then mean rotated keys).
        var fromCache: Bool
        /// Pinned anchors for the chains lists carry (``TrustSource/x5c(anchors:)``).
        var anchors: [X509Certificate] = []
        /// When set, each list's own DID (its proof's method, its DID URL `kid`, else its `iss` / `issuer`) is resolved
        /// with this policy and its keys may verify the list: the issuer binding, checked afterwards, decides whether
        /// they speak for the credential's issuer.
        var listSignerPolicy: CachePolicy?
    }

    /// The keys that may verify `stored`: the leaf key of the chain the list carries when anchors are pinned (by the
    /// trust source or ``Configuration/Verification/trustAnchors``) and the list has one, else the resolved keys.
    func keys(for stored: StoredResponse, resolved: ResolvedTrust, at time: Date) async throws(StatusClientError) -> ListKeys {
        let anchors = resolved.anchors + configuration.verification.trustAnchors
        if !anchors.isEmpty {
            let trust = CertificateTrust(anchors: anchors, statusSigningUsage: configuration.verification.statusSigningUsage)
            if let chainKeys = try await CertificateChainKeys.keys(in: stored.body, mediaType: stored.mediaType, trust: trust, at: time) {
                return chainKeys
            }
        }
        var keys = resolved.keys
        if let policy = resolved.listSignerPolicy, let did = ListSigner.declaredDID(of: stored.body, mediaType: stored.mediaType) {
            // Unavailable: the list then fails to verify like any list of an unknown signer.
            if let listIssuer = try? await resolve(.did(did), policy: policy, forceRefresh: false) { keys.merge(listIssuer.keys) }
        }
        return ListKeys(keys: keys)
    }

    func resolve(_ trust: TrustSource, policy: CachePolicy, forceRefresh: Bool) async throws(StatusClientError) -> ResolvedTrust {
        switch trust {
        case .keys(let keys):
            return ResolvedTrust(keys: keys, fromCache: false)
        case .jwks(let url):
            try urlPolicy.check(url)
            return try await trustDocument(url: url, kind: .jwks, policy: policy, forceRefresh: forceRefresh)
        case .did(let did):
            let bare = String(did.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0])
            if bare.hasPrefix(DIDKey.prefix) {
                return ResolvedTrust(keys: try TrustedKeys.didKey(bare), fromCache: false)
            }
            guard bare.hasPrefix(DIDWeb.prefix) else {
                throw StatusClientError(
                    .invalidArgument,
                    kind: .statusVerificationError,
                    "only did:web and did:key are resolved, not '\(did.prefix(80))'"
                )
            }
            let url: URL
            if let known = didDocumentURLs[bare] {
                url = known
            } else {
                url = try didWebDocumentURL(bare)
                if didDocumentURLs.count >= Self.maximumTrustDocuments { didDocumentURLs.removeAll() }
                didDocumentURLs[bare] = url
            }
            return try await trustDocument(url: url, kind: .didDocument(bare), policy: policy, forceRefresh: forceRefresh)
        case .x5c(let anchors):
            guard !anchors.isEmpty else {
                throw StatusClientError(.invalidArgument, kind: .statusVerificationError, "x5c trust needs at least one pinned anchor")
            }
            return ResolvedTrust(keys: TrustedKeys(), fromCache: false, anchors: anchors)
        case .anyOf(let sources):
            var merged = ResolvedTrust(keys: TrustedKeys(), fromCache: false)
            for source in sources {
                let resolved = try await resolve(source, policy: policy, forceRefresh: forceRefresh)
                merged.keys.merge(resolved.keys)
                merged.fromCache = merged.fromCache || resolved.fromCache
                merged.anchors += resolved.anchors
            }
            return merged
        }
    }

    /// The DID document URL of a `did:web`; plain http for loopback hosts when allowed (did:web itself is https-only).
    func didWebDocumentURL(_ did: String) throws(StatusClientError) -> URL {
        var url: URL
        do {
            url = try DIDWeb.documentURL(for: did)
        } catch {
            throw StatusClientError(.invalidArgument, kind: .statusVerificationError, "'\(did.prefix(120))' is not a valid did:web: \(error.reason)")
        }
        if configuration.fetching.allowsLoopbackHTTP, let host = url.host, URLPolicy.isLoopback(host),
            var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        {
            components.scheme = "http"
            url = components.url ?? url
        }
        try urlPolicy.check(url)
        return url
    }
}
