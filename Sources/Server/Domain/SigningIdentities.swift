import Foundation
import Signing
import StandingAPI
import Store

/// The rules of issuers' signing identities, without I/O: which DID an identity names, which key signs, and when a
/// superseded key may leave the published documents.
public enum SigningIdentityRules {
    /// The issuer names a hosted DID can carry: one did:web path segment, plain letters, digits, `.`, `-`, `_`.
    public static func isHostableName(_ issuer: String) -> Bool {
        !issuer.isEmpty && issuer.count <= 64 && issuer != "." && issuer != ".."
            && issuer.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }

    /// The hosted DID of an issuer: `did:web:HOST:issuers:NAME` (the base URL's path segments kept), whose document is
    /// served at `BASE/issuers/NAME/did.json`.
    /// - Throws: ``ServiceError`` when the issuer's name cannot be a DID path segment or the base URL cannot name a did:web.
    public static func hostedDID(baseURL: String, issuer: String) throws -> String {
        guard isHostableName(issuer) else {
            throw ServiceError(
                .invalidValue,
                "issuer '\(issuer)' cannot name a hosted DID (letters, digits, '.', '-', '_', at most 64): give it its own DID with --kind did-web --did DID")
        }
        guard let url = URL(string: baseURL + "/issuers/" + issuer) else {
            throw ServiceError(.invalidValue, "base URL '\(baseURL)' is not a URL")
        }
        do {
            return try DIDWeb.did(forBaseURL: url)
        } catch {
            throw ServiceError(.invalidValue, "the base URL cannot name a did:web for issuer '\(issuer)': \(error.reason)")
        }
    }

    /// Where a hosted identity's DID document is served.
    public static func hostedDocumentURL(baseURL: String, issuer: String) -> String {
        baseURL + "/issuers/" + issuer + "/did.json"
    }

    /// The key that signs for an identity now: its newest active key (for `x509`, one with a certificate chain).
    public static func signingKey(of identity: SigningIdentityRecord) -> IdentityKeyRecord? {
        identity.keys.last { $0.state == .active && (identity.kind != .x509 || !($0.certificateChain ?? []).isEmpty) }
    }

    /// When a superseded key may leave the published documents: once everything it signed has expired.
    ///
    /// After a rotation every list is re-signed promptly, so the last artefact an old key signed was made at most
    /// `resignDelay` after `supersededAt` and is valid for at most `longestValidity`.
    public static func retirement(supersededAt: Date, longestValidity: TimeInterval, resignDelay: TimeInterval) -> Date {
        supersededAt.addingTimeInterval(longestValidity + resignDelay)
    }

    /// The state the published documents should show for a key at `now`.
    public static func effectiveState(
        of key: IdentityKeyRecord, at now: Date, longestValidity: TimeInterval, resignDelay: TimeInterval
    ) -> IdentityKeyState {
        guard key.state == .active, let supersededAt = key.supersededAt else { return key.state }
        let retiresAt = retirement(supersededAt: supersededAt, longestValidity: longestValidity, resignDelay: resignDelay)
        return now >= retiresAt ? .retired : .active
    }

    /// Makes `newKid` the identity's signing key: the key that signed before is marked superseded at `now`.
    public static func activate(_ newKid: String, in identity: inout SigningIdentityRecord, at now: Date) {
        let previous = signingKey(of: identity)?.kid
        for index in identity.keys.indices {
            if identity.keys[index].kid == newKid {
                identity.keys[index].state = .active
                identity.keys[index].activatedAt = now
                identity.keys[index].supersededAt = nil
            } else if identity.keys[index].kid == previous {
                identity.keys[index].supersededAt = now
            }
        }
    }
}
