import Foundation
import Signing
import StatusList
import StatusListSecuring

/// Where the keys come from that a status list (and, for `standing verify`, a credential) must be signed with.
///
/// Resolution is the caller's trust decision made concrete: a JWKS or DID document is fetched over https (http only
/// for loopback hosts), cached in memory and, with a cache directory, on disk, so that offline checks can still
/// verify. With ``x5c(anchors:)`` the key comes from each list itself: the `x5c` (JWS) or `x5chain` (COSE) chain it
/// carries must validate to a pinned anchor (RFC 5280, at the time the list is checked for).
public indirect enum TrustSource: Sendable, CustomStringConvertible {
    /// Explicit keys.
    case keys(TrustedKeys)
    /// A JWK Set fetched from a URL; every key in it is trusted under its `kid`.
    case jwks(URL)
    /// A DID: `did:web` (its DID document is fetched; its `assertionMethod` keys are trusted) or `did:key` (decoded).
    case did(String)
    /// The leaf key of the certificate chain a list carries (`x5c` / `x5chain`), when the chain validates to one of
    /// these pinned anchors (``CertificateTrust``: RFC 5280, a leaf that is not self-signed, and the configuration's
    /// ``StandingClient/Configuration/Verification/statusSigningUsage`` when set). Lists without a chain (Data Integrity
    /// credentials) get no key from it. ``StandingClient/Configuration/Verification/trustAnchors`` adds anchors to every
    /// trust source.
    case x5c(anchors: [X509Certificate])
    /// Every key of every source (for several `--trust` values); every source must resolve.
    case anyOf([TrustSource])

    /// A stable identity for sources whose keys the client resolves itself (DIDs, JWKS URLs), so a cached list
    /// authorised under one can answer the next check without comparing keys; nil for explicit keys.
    var cacheIdentity: String? {
        switch self {
        case .keys: return nil
        case .jwks(let url): return "jwks " + url.absoluteString
        case .did(let did): return "did " + did
        case .x5c(let anchors): return "x5c " + anchors.map(\.sha256Thumbprint).joined(separator: ",")
        case .anyOf(let sources):
            var parts: [String] = []
            for source in sources {
                guard let identity = source.cacheIdentity else { return nil }
                parts.append(identity)
            }
            return "any [" + parts.joined(separator: "|") + "]"
        }
    }

    public var description: String {
        switch self {
        case .keys: "explicit keys"
        case .jwks(let url): "JWKS \(url.absoluteString)"
        case .did(let did): did
        case .x5c(let anchors): "x5c chain to \(anchors.count == 1 ? "a pinned anchor" : "one of \(anchors.count) pinned anchors")"
        case .anyOf(let sources): sources.map(\.description).joined(separator: ", ")
        }
    }
}

extension TrustedKeys {
    /// The keys of a `did:key`: the key under its verification method id and its multikey fragment, as a key of that DID.
    /// - Throws: ``StatusClientError/Code/invalidArgument`` for a malformed `did:key`.
    static func didKey(_ did: String) throws(StatusClientError) -> TrustedKeys {
        let decoded: DIDKey
        do {
            decoded = try DIDKey(did)
        } catch {
            throw StatusClientError(.invalidArgument, kind: .statusVerificationError, "'\(did.prefix(120))' is not a usable did:key: \(error.reason)")
        }
        return TrustedKeys(didKey: decoded)
    }
}
