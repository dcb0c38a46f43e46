import Foundation
import Signing
import StatusList
import StatusListSecuring

/// Where the keys come from that a status list (and, for `standing verify`, a credential) must be signed with.
///
/// Resolution is the caller's trust decision made concrete: a JWKS or DID document is fetched over https (http only
/// for loopback hosts), cached in memory and, with a cache directory, on disk, so that offline checks can still
/// verify. Keys from X.509 chains (`x5c` to a pinned anchor) are not supported: the status list verifier has no chain
/// validation yet.
public indirect enum TrustSource: Sendable, CustomStringConvertible {
    /// Explicit keys.
    case keys(TrustedKeys)
    /// A JWK Set fetched from a URL; every key in it is trusted under its `kid`.
    case jwks(URL)
    /// A DID: `did:web` (its DID document is fetched; its `assertionMethod` keys are trusted) or `did:key` (decoded).
    case did(String)
    /// Every key of every source (for several `--trust` values); every source must resolve.
    case anyOf([TrustSource])

    /// A stable identity for sources whose keys the client resolves itself (DIDs, JWKS URLs), so a cached list
    /// authorised under one can answer the next check without comparing keys; nil for explicit keys.
    var cacheIdentity: String? {
        switch self {
        case .keys: return nil
        case .jwks(let url): return "jwks " + url.absoluteString
        case .did(let did): return "did " + did
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
        case .anyOf(let sources): sources.map(\.description).joined(separator: ", ")
        }
    }
}

/// A trust document (JWKS or DID document) as cached in memory.
struct TrustEntry: Sendable {
    let keys: TrustedKeys
    var stored: StoredResponse
    var freshUntil: Date
}

/// What a trust document is, for parsing and checking it.
enum TrustDocumentKind: Sendable {
    case jwks
    /// A DID document that must have this `id`.
    case didDocument(String)

    /// The keys a document grants.
    /// - Throws: ``StatusClientError/Code/trustUnavailable`` when the document is malformed or names another DID.
    func keys(from body: Data, url: String) throws(StatusClientError) -> TrustedKeys {
        do {
            switch self {
            case .jwks:
                let jwks = try JSONValue(parsing: body).decode(JWKSet.self)
                guard !jwks.keys.isEmpty else {
                    throw StatusClientError.verification(.trustUnavailable, "the JWKS at \(url) has no usable keys")
                }
                return try TrustedKeys(jwks: jwks)
            case .didDocument(let did):
                let document = try JSONValue(parsing: body).decode(DIDDocument.self)
                guard document.id == did else {
                    throw StatusClientError.verification(.trustUnavailable, "the DID document at \(url) is for '\(document.id)', not '\(did)'")
                }
                return try TrustedKeys(didDocument: document)
            }
        } catch let error as StatusClientError {
            throw error
        } catch {
            throw .verification(.trustUnavailable, "the trust document at \(url) is not usable: \(error)")
        }
    }
}

extension TrustedKeys {
    /// The keys of a `did:key`: the key under its verification method id and its multikey fragment.
    /// - Throws: ``StatusClientError/Code/invalidArgument`` for a malformed `did:key`.
    static func didKey(_ did: String) throws(StatusClientError) -> TrustedKeys {
        let decoded: DIDKey
        do {
            decoded = try DIDKey(did)
        } catch {
            throw StatusClientError(.invalidArgument, kind: .statusVerificationError, "'\(did.prefix(120))' is not a usable did:key: \(error.reason)")
        }
        var keys = TrustedKeys()
        keys.add(decoded.key, keyID: decoded.key.multikey, verificationMethod: decoded.verificationMethodID)
        return keys
    }
}
