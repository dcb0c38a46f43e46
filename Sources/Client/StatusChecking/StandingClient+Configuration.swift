import Foundation
import Logging
import Signing
import StatusList

extension StandingClient {
    /// Settings, by concern: how to fetch (``fetching``), which lists to accept (``verification``), and how long and
    /// how much to keep (``caching``).
    ///
    /// ```swift
    /// var configuration = StandingClient.Configuration(cacheDirectory: StandingClient.defaultCacheDirectory())
    /// configuration.fetching.timeout = .seconds(5)
    /// configuration.caching.maximumMemoryEntries = 1024
    /// ```
    public struct Configuration: Sendable {
        /// Which lists are accepted: the checks made beyond the signature, and the decompression caps.
        public struct Verification: Sendable {
            /// Clock skew tolerated for `validFrom` / `iat` in the future.
            public var clockSkew: TimeInterval = 300
            /// The W3C minimum number of entries (validation step 1); lower only where an ecosystem sets a lower bound.
            public var minimumW3CEntries = Bitstring.w3cMinimumEntries
            /// Whether a W3C list's credential `id` must equal the referenced `statusListCredential` (REC §2.2 allows
            /// them to differ; requiring it stops one list of an issuer being passed off as another).
            public var requiresW3CListIDMatch = true
            /// The largest decompressed list accepted.
            public var maximumDecodedBytes = Bitstring.defaultMaximumDecodedBytes
            /// The largest ratio of decompressed list bytes to response bytes, applied above
            /// ``expansionAllowanceBytes``. DEFLATE cannot exceed about 1032:1, so the default only stops the most
            /// extreme bodies; lower it to bound memory per response byte more tightly.
            public var maximumExpansionRatio = 1024
            /// Decompressed sizes up to this many bytes are always accepted regardless of the ratio.
            public var expansionAllowanceBytes = 1 << 20
            /// X.509 trust anchors (CA certificates) for the chains lists carry (JWS `x5c`, COSE `x5chain` header
            /// 33): a list with a chain is verified with the chain's leaf key alone once the chain validates to one of
            /// them (RFC 5280 at the check's time, leaf not self-signed), which binds it to the credential's issuer
            /// (``IssuerBinding/certificate(leaf:anchor:usage:)``). Empty: chains are ignored (unless the trust
            /// source is ``TrustSource/x5c(anchors:)``). `standing verify --trust-anchor`.
            public var trustAnchors: [X509Certificate] = []
            /// The status-signing extended key usage (a dotted OID, `id-kp-oauthStatusSigning`, still `{ id-kp TBD }`
            /// in draft-ietf-oauth-status-list §10) the leaf of a list's chain must carry; nil checks no usage.
            /// `standing verify --status-signing-eku`.
            public var statusSigningUsage: String?
            /// When a credential's lists must be bound to its issuer (``IssuerBinding``); by default only when no trust
            /// source is given (the issuer's own DID is resolved). `standing verify --require-issuer-binding`: always.
            public var issuerBinding = IssuerBindingRequirement.withoutExplicitTrust

            /// The defaults.
            public init() {}
        }

        /// How long copies stay fresh, and how many lists and bytes are kept in memory and on disk.
        public struct Caching: Sendable {
            /// Where the on-disk cache lives; `nil` keeps the cache in memory only.
            public var directory: URL?
            /// The longest freshness honoured, whatever `ttl`, `max-age` or `exp` say (IETF §11.5).
            public var maximumTTLSeconds = 7 * 86_400
            /// Freshness of a list that states no `ttl`, no `validUntil`/`exp` and comes without `max-age`.
            public var defaultLifetimeSeconds = 300
            /// Freshness of a JWKS or DID document served without `max-age`.
            public var trustDocumentLifetimeSeconds = 300
            /// The longest freshness honoured for a JWKS or DID document.
            public var maximumTrustDocumentLifetimeSeconds = 86_400
            /// The most lists kept in memory (least recently used lists go first).
            public var maximumMemoryEntries = 256
            /// The most bytes (bodies plus decoded lists) kept in memory.
            public var maximumMemoryBytes = 64 << 20
            /// The most files in each on-disk namespace (lists, trust documents); the oldest go first.
            public var maximumDiskEntries = 512
            /// The most bytes in each on-disk namespace.
            public var maximumDiskBytes = 128 << 20

            /// The defaults, optionally with a cache directory.
            public init(directory: URL? = nil) {
                self.directory = directory
            }
        }

        /// How lists and trust documents are fetched (the response cap covers both).
        public var fetching = FetchSettings(maximumResponseBytes: 8 << 20)
        /// Which lists are accepted.
        public var verification = Verification()
        /// What is kept, where, and for how long.
        public var caching: Caching
        /// The clock (tests move it to exercise staleness and expiry).
        public var now: @Sendable () -> Date = { Date() }
        /// Where fetches and cache decisions are logged (debug level).
        public var logger = Logger(label: "standing.client")

        /// The defaults, optionally with a cache directory.
        public init(cacheDirectory: URL? = nil) {
            self.caching = Caching(directory: cacheDirectory)
        }

        /// Settings from their groups.
        public init(fetching: FetchSettings = FetchSettings(), verification: Verification = Verification(), caching: Caching = Caching()) {
            self.fetching = fetching
            self.verification = verification
            self.caching = caching
        }
    }
}
