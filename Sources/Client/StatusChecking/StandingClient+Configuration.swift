import Foundation
import Logging
import StatusList

extension StandingClient {
    /// Settings.
    public struct Configuration: Sendable {
        /// Sends the requests. Tests inject their own; see ``StatusHTTPTransport``.
        public var transport: any StatusHTTPTransport = AsyncHTTPClientTransport.shared
        /// Where the on-disk cache lives; `nil` keeps the cache in memory only.
        public var cacheDirectory: URL?
        /// The largest response body accepted (lists and trust documents).
        public var maximumResponseBytes = 8 << 20
        /// The largest decompressed list accepted.
        public var maximumDecodedBytes = Bitstring.defaultMaximumDecodedBytes
        /// The largest ratio of decompressed list bytes to response bytes, applied above
        /// ``expansionAllowanceBytes``. DEFLATE cannot exceed about 1032:1, so the default only stops the most
        /// extreme bodies; lower it to bound memory per response byte more tightly.
        public var maximumExpansionRatio = 1024
        /// Decompressed sizes up to this many bytes are always accepted regardless of the ratio.
        public var expansionAllowanceBytes = 1 << 20
        /// Redirects followed per fetch.
        public var maximumRedirects = 3
        /// The longest one fetch may take: connecting, every redirect, the headers and every byte of every body (a server
        /// dripping its body fails with a ``StatusClientError/Code/timeout`` retrieval error when it is up).
        public var timeout: Duration = .seconds(15)
        /// Whether plain http is allowed for `localhost`, `127.0.0.1` and `::1` (also for `did:web` on those hosts).
        public var allowsLoopbackHTTP = true
        /// Clock skew tolerated for `validFrom` / `iat` in the future.
        public var clockSkew: TimeInterval = 300
        /// The longest freshness honoured, whatever `ttl`, `max-age` or `exp` say (IETF §11.5).
        public var maximumTTLSeconds = 7 * 86_400
        /// Freshness of a list that states no `ttl`, no `validUntil`/`exp` and comes without `max-age`.
        public var defaultLifetimeSeconds = 300
        /// The W3C minimum number of entries (validation step 1); lower only where an ecosystem sets a lower bound.
        public var minimumW3CEntries = Bitstring.w3cMinimumEntries
        /// Whether a W3C list's credential `id` must equal the referenced `statusListCredential` (REC §2.2 allows them
        /// to differ; requiring it stops one list of an issuer being passed off as another).
        public var requiresW3CListIDMatch = true
        /// The most lists kept in memory (least recently used lists go first).
        public var maximumMemoryEntries = 256
        /// The most bytes (bodies plus decoded lists) kept in memory.
        public var maximumMemoryBytes = 64 << 20
        /// The most files in each on-disk namespace (lists, trust documents); the oldest go first.
        public var maximumDiskEntries = 512
        /// The most bytes in each on-disk namespace.
        public var maximumDiskBytes = 128 << 20
        /// Freshness of a JWKS or DID document served without `max-age`.
        public var trustDocumentLifetimeSeconds = 300
        /// The longest freshness honoured for a JWKS or DID document.
        public var maximumTrustDocumentLifetimeSeconds = 86_400
        /// The clock (tests move it to exercise staleness and expiry).
        public var now: @Sendable () -> Date = { Date() }
        /// Where fetches and cache decisions are logged (debug level).
        public var logger = Logger(label: "standing.client")

        /// The defaults, optionally with a cache directory.
        public init(cacheDirectory: URL? = nil) {
            self.cacheDirectory = cacheDirectory
        }
    }
}
