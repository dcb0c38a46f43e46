import Foundation
import Signing
import StatusList
import StatusListSecuring

/// How the client may use its caches for one request.
public enum CachePolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Answer from a fresh cached copy; revalidate a stale one with a conditional request (the default).
    case useFresh
    /// Revalidate the cached copy now with a conditional request (`If-None-Match`), even when it is still fresh.
    case revalidate
    /// Never touch the network: answer from the memory or disk cache and report how stale the answer is. A list past
    /// its `validUntil` / `exp` is refused (``StatusClientError/Code/expired``), never served as current.
    case offline
}

/// Where a list came from.
public enum ListSource: String, Sendable, Hashable, Codable {
    /// Fetched now.
    case network
    /// The cached copy, confirmed by the server now (304 Not Modified).
    case revalidated
    /// The in-memory cache, without a request.
    case memory
    /// The on-disk cache (re-verified on load), without a request.
    case disk

    /// Whether the bytes were not downloaded now.
    public var isCache: Bool { self != .network }
}

/// Options for one fetch or check.
public struct FetchOptions: Sendable, Hashable {
    /// How caches may be used.
    public var policy: CachePolicy
    /// Historical resolution: the list as it was at this time (W3C `?timestamp=`, IETF `?time=`); the list must have
    /// been valid then (`validFrom`/`iat` ≤ time ≤ `validUntil`/`exp`). `nil` checks the current list.
    public var at: Date?
    /// The securing form to ask for first (`Accept`); the other form of the same specification is accepted too.
    /// `nil` asks for `application/vc` (W3C) or `application/statuslist+jwt` (IETF).
    public var preferredFormat: VerifiedStatusList.Format?
    /// The issuer of the credential whose status is checked. When set, the list must be bound to it (``IssuerBinding``):
    /// signed by a key its DID document lists (the list's own issuer being that DID, or another one it delegated to),
    /// or by the leaf of an `x5c` chain to a trust anchor; otherwise the check fails with a STATUS_VERIFICATION_ERROR
    /// naming the bindings that failed. nil checks the signature against the trust source alone.
    public var credentialIssuer: String?

    /// Creates options.
    public init(
        policy: CachePolicy = .useFresh,
        at: Date? = nil,
        preferredFormat: VerifiedStatusList.Format? = nil,
        credentialIssuer: String? = nil
    ) {
        self.policy = policy
        self.at = at
        self.preferredFormat = preferredFormat
        self.credentialIssuer = credentialIssuer
    }
}

/// What is known about a verified list: what it says of itself and how it was obtained.
///
/// An immutable class rather than a struct: every ``StatusCheck`` carries it, and sharing one reference keeps a check
/// against a cached list to a single retain instead of one per string member.
public final class ListMetadata: Sendable, Hashable, Codable {
    /// The list URL as referenced (`statusListCredential`, `uri`), which the list's `id` / `sub` equals.
    public let url: String
    /// The URL that served it, after redirects (with the historical query, if any).
    public let retrievedFrom: String
    /// The securing form: `application/vc`, `application/vc+jwt`, `application/statuslist+jwt` or `+cwt`.
    public let mediaType: String
    /// The list's issuer (W3C `issuer`, IETF `iss`), when stated.
    public let issuer: String?
    /// The key that verified it: JWS/COSE `kid` or Data Integrity verification method.
    public let keyID: String?
    /// The list's version time: W3C `validFrom`, IETF `iat`.
    public let issuedAt: Date?
    /// The end of the list's validity: W3C `validUntil`, IETF `exp`.
    public let validUntil: Date?
    /// The list's `ttl` in seconds (bounded by the client's maximum).
    public let ttlSeconds: Int?
    /// The response's entity tag.
    public let etag: String?
    /// When the bytes were fetched or last revalidated.
    public let fetchedAt: Date
    /// Until when the copy may be used without revalidation.
    public let freshUntil: Date
    /// The number of entries (at the entry size it was read with).
    public let entryCount: Int
    /// The entry size in bits.
    public let bitsPerEntry: Int

    /// Creates the metadata.
    public init(
        url: String, retrievedFrom: String, mediaType: String, issuer: String?, keyID: String?, issuedAt: Date?, validUntil: Date?,
        ttlSeconds: Int?, etag: String?, fetchedAt: Date, freshUntil: Date, entryCount: Int, bitsPerEntry: Int
    ) {
        self.url = url
        self.retrievedFrom = retrievedFrom
        self.mediaType = mediaType
        self.issuer = issuer
        self.keyID = keyID
        self.issuedAt = issuedAt
        self.validUntil = validUntil
        self.ttlSeconds = ttlSeconds
        self.etag = etag
        self.fetchedAt = fetchedAt
        self.freshUntil = freshUntil
        self.entryCount = entryCount
        self.bitsPerEntry = bitsPerEntry
    }

    private var fields: [AnyHashable] {
        [url, retrievedFrom, mediaType, issuer, keyID, issuedAt, validUntil, ttlSeconds, etag, fetchedAt, freshUntil, entryCount, bitsPerEntry]
    }

    public static func == (lhs: ListMetadata, rhs: ListMetadata) -> Bool { lhs === rhs || lhs.fields == rhs.fields }
    public func hash(into hasher: inout Hasher) { hasher.combine(fields) }
}

/// The status of one credential's entry.
public struct StatusCheck: Sendable, Hashable, Codable {
    /// The entry's index (W3C `statusListIndex`, IETF `idx`).
    public let index: Int
    /// The raw status value.
    public let status: Int
    /// W3C: the value is 0; IETF: VALID.
    public let valid: Bool
    /// The W3C purpose (`revocation`, `suspension`, `message`...); nil for IETF lists.
    public let purpose: String?
    /// The entry's message for the value (W3C `statusMessage`, or "set"/"unset"), or the IETF status type's name.
    public let message: String?
    /// The list that answered.
    public let list: ListMetadata
    /// Where the list came from.
    public let source: ListSource
    /// Whether the answer came from a cached copy (memory, disk, or revalidated).
    public let fromCache: Bool
    /// Seconds past the copy's freshness at which the answer was given (offline answers); 0 when fresh.
    public let staleness: TimeInterval
    /// The time the status holds for: now, or the historical time asked for.
    public let checkedAt: Date
}

/// A verified list ready for checks: a value, so checks against it are synchronous and need no actor hop.
///
/// Obtained from ``StandingClient/fetchList(url:preferring:statusSize:trust:options:)``; check many entries of the same
/// list with it when the per-check cost matters (no lookup, no allocation beyond the result).
public struct CachedList: Sendable {
    /// The verified list.
    public let list: VerifiedStatusList
    /// What is known about it.
    public let metadata: ListMetadata
    /// Where it came from.
    public let source: ListSource
    /// Seconds past freshness (offline answers); 0 when fresh.
    public let staleness: TimeInterval
    /// The time the list was checked for.
    public let checkedAt: Date
    /// The W3C minimum number of entries applied.
    public let minimumEntries: Int
    /// The key that verified the list (for the issuer binding).
    let verifyingKey: VerificationKey

    /// Reads a W3C entry (validation §3.2 steps 3, 5-7).
    /// - Throws: ``StatusClientError``: `invalidArgument` for an entry of another list, `verificationFailed` for a
    ///   purpose the list does not serve or another entry size, `listTooShort`, `indexOutOfRange`.
    public func check(_ entry: BitstringStatusListEntry) throws(StatusClientError) -> StatusCheck {
        guard entry.statusListCredential == metadata.url else {
            throw StatusClientError(
                .invalidArgument,
                kind: .statusVerificationError,
                "the entry refers to \(entry.statusListCredential), not to this list (\(metadata.url))"
            )
        }
        let result: StatusCheckResult
        do {
            result = try list.check(entry, minimumEntries: minimumEntries)
        } catch {
            throw StatusClientError(error)
        }
        return make(result, index: entry.statusListIndex)
    }

    /// Reads an IETF Referenced Token's entry (§8.3 steps 5-8).
    /// - Throws: ``StatusClientError``: `verificationFailed` when `uri` is not the list's `sub`, `indexOutOfRange`.
    public func check(_ reference: StatusListReference) throws(StatusClientError) -> StatusCheck {
        let result: StatusCheckResult
        do {
            result = try list.check(reference)
        } catch {
            throw StatusClientError(error)
        }
        return make(result, index: reference.idx)
    }

    private func make(_ result: StatusCheckResult, index: Int) -> StatusCheck {
        StatusCheck(
            index: index,
            status: result.status,
            valid: result.valid,
            purpose: result.purpose,
            message: result.message,
            list: metadata,
            source: source,
            fromCache: source.isCache,
            staleness: staleness,
            checkedAt: checkedAt
        )
    }
}
