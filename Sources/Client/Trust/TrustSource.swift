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
    /// these pinned anchors. Lists without a chain (Data Integrity credentials) get no key from it.
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
