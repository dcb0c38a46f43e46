import Foundation
import Signing
import StatusList
import TrustRegistry

/// Answers "was this issuer accredited for this credential when it was issued?" from a Standing trust registry, with
/// the evidence (the deciding accreditation's id and the registry's sequence number).
///
/// Two modes (``AccreditationResult/Mode``):
/// - **snapshot** (the default, works offline): the registry's wallet snapshot (`GET /registry/v1/snapshot`) is
///   fetched once and kept current with the change feed (`GET /registry/v1/changes?since=SEQ`); both are verified with
///   the registry's service keys (``Configuration/registryKeys`` when pinned, else `/.well-known/jwks.json`, trusted on
///   first use and cached). The snapshot and the feeds applied since are cached on disk as served and re-verified when
///   loaded. On `410 Gone` (the feed no longer reaches back to the cached sequence number), `400` (the registry is
///   behind the cache, e.g. reset) or a feed that does not fit, the snapshot is fetched again. The decision is made
///   locally with the registry's own rules: an accreditation of the issuer with role `TI` whose scope permits the
///   resource (credential type or schema id) at the EQF level, jurisdiction and ISCED-F field asked, in force at the
///   instant (`validFrom <= T < validUntil`, status history `active` at `T`), with every accreditation up its chain to
///   the root authorisation in force at `T` too.
/// - **trqp**: a TRQP v2 authorization query per resource (`POST /trqp/authorization`, `action` `issue`,
///   `authority_id` the root authority from `GET /trqp/metadata`). TRQP answers are not signed: the mode trusts the
///   TLS connection to the registry.
///
/// ```swift
/// let registry = try RegistryClient(configuration: .init(registryURL: URL(string: "https://registry.example.eu")!,
///                                                        cacheDirectory: StandingClient.defaultCacheDirectory()))
/// let result = try await registry.accreditation(for: AccreditationQuery(
///     issuer: "did:web:uni.example.es", credentialTypes: ["MicroCredential"],
///     eqfLevel: "6", jurisdiction: "ESP", time: issuedAt))
/// print(result.summary)   // yes (accreditation 3f…, seq 12, snapshot)
/// ```
public actor RegistryClient: IssuerAccreditationChecking {
    /// Settings.
    public struct Configuration: Sendable {
        /// The registry's base URL (the server's public base URL).
        public var registryURL: URL
        /// How to consult the registry.
        public var mode: AccreditationResult.Mode
        /// `useFresh`: answer from a snapshot synchronised less than ``maximumAge`` ago, else ask the change feed;
        /// `revalidate`: always ask the change feed first; `offline`: answer from the cache only (snapshot mode).
        public var policy: CachePolicy = .useFresh
        /// The keys snapshots and change feeds must be signed with; `nil` fetches the registry's JWKS.
        public var registryKeys: JWKSet?
        /// The TRQP `authority_id`; `nil` reads it from `GET /trqp/metadata`.
        public var rootAuthority: String?
        /// How long a synchronised snapshot answers without asking the change feed (the server's `max-age` is 60 s).
        public var maximumAge: TimeInterval = 60
        /// The most change feeds applied on top of one cached snapshot before a fresh snapshot is fetched instead.
        public var maximumFeedsKept = 64
        /// Where the snapshot is cached (a `registry` folder inside); `nil` keeps it in memory only.
        public var cacheDirectory: URL?
        /// How the registry is fetched; the response cap covers the snapshot, a change feed, the JWKS and a TRQP
        /// answer, and TRQP POSTs are never redirected.
        public var fetching = FetchSettings(maximumResponseBytes: 16 << 20)
        /// The clock.
        public var now: @Sendable () -> Date = { Date() }

        /// Creates a configuration.
        /// - Parameters:
        ///   - registryURL: The registry's base URL.
        ///   - mode: Snapshot (default) or TRQP.
        ///   - cacheDirectory: The cache directory, if any.
        public init(registryURL: URL, mode: AccreditationResult.Mode = .snapshot, cacheDirectory: URL? = nil) {
            self.registryURL = registryURL
            self.mode = mode
            self.cacheDirectory = cacheDirectory
        }
    }

    /// What the client holds of the registry in snapshot mode.
    public struct SnapshotInfo: Sendable, Hashable {
        /// The sequence number the held snapshot reflects.
        public let seq: Int
        /// The log head hash at ``seq``.
        public let head: String
        /// The root authority.
        public let rootAuthority: String
        /// When the held data was last confirmed with the registry.
        public let synchronisedAt: Date
        /// Change feeds applied on top of the cached snapshot.
        public let feedsApplied: Int
    }

    // The state is internal rather than private: the snapshot (RegistrySnapshotSync.swift) and TRQP
    // (RegistryTRQP.swift) extensions work on it.

    /// The configuration in use.
    public nonisolated let configuration: Configuration
    let base: String
    let fetcher: HardenedFetcher
    let urlPolicy: URLPolicy
    let disk: DiskCache?
    var held: HeldRegistry?
    var synchronising: Task<HeldRegistry, any Error>?
    var trqpAuthority: String?

    /// Creates a client.
    /// - Throws: ``StatusClientError/Code/insecureURL`` when the registry URL is not https (or loopback http).
    public init(configuration: Configuration) throws(StatusClientError) {
        self.configuration = configuration
        let policy = configuration.fetching.urlPolicy
        try policy.check(configuration.registryURL)
        var base = configuration.registryURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
        self.urlPolicy = policy
        self.fetcher = HardenedFetcher(configuration.fetching)
        self.disk = configuration.cacheDirectory.map {
            DiskCache(
                directory: $0,
                maximumEntries: 16,
                maximumBytes: configuration.fetching.maximumResponseBytes * 8,
                maximumFileBytes: configuration.fetching.maximumResponseBytes * 4 + (1 << 20)
            )
        }
        self.trqpAuthority = configuration.rootAuthority
    }

    // MARK: Public API

    /// Answers ``IssuerAccreditationChecking`` without scope constraints.
    /// - Parameters:
    ///   - issuer: The issuer's DID.
    ///   - credentialTypes: The credential's types.
    ///   - time: The instant.
    /// - Returns: The answer.
    /// - Throws: ``StatusClientError``.
    public func accreditation(of issuer: String, credentialTypes: [String], at time: Date) async throws(StatusClientError) -> AccreditationResult {
        try await accreditation(for: AccreditationQuery(issuer: issuer, credentialTypes: credentialTypes, time: time))
    }

    /// Answers a query: authorized when any of its ``AccreditationQuery/resources`` is.
    /// - Parameter query: The query.
    /// - Returns: The answer with its evidence; a denial is an answer, not an error.
    /// - Throws: ``StatusClientError``: `invalidArgument` (nothing to ask about, TRQP offline), retrieval errors,
    ///   `notCached` (offline without a cached snapshot), `verificationFailed` (a snapshot or feed that does not
    ///   verify), `malformed`.
    public func accreditation(for query: AccreditationQuery) async throws(StatusClientError) -> AccreditationResult {
        let resources = query.resources
        guard !resources.isEmpty else {
            throw StatusClientError(.invalidArgument, kind: .malformedValueError, "the credential has no type or schema id to ask the registry about")
        }
        switch configuration.mode {
        case .trqp: return try await trqp(query, resources: resources)
        case .snapshot: return try await local(query, resources: resources)
        }
    }

    /// Brings the held snapshot up to date (per ``Configuration/policy``) and describes it.
    /// - Returns: What is held.
    /// - Throws: As ``accreditation(for:)``.
    public func synchronise() async throws(StatusClientError) -> SnapshotInfo {
        let registry = try await current().registry
        return registry.info
    }

    // MARK: Helpers

    func endpoint(_ path: String) throws(StatusClientError) -> URL {
        guard let url = URL(string: base + path) else {
            throw StatusClientError(.invalidArgument, kind: .statusRetrievalError, "cannot build \(base)\(path)")
        }
        try urlPolicy.check(url)
        return url
    }

    static let jwtAccept = [(name: "Accept", value: "application/jwt")]

    static func compactBody(_ response: FetchedResponse, what: String) throws(StatusClientError) -> String {
        guard let text = String(data: response.body, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty,
            // Bytes, not Characters: grapheme breaking over a multi-megabyte snapshot costs more than verifying it.
            text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else {
            throw StatusClientError.retrieval(
                .unrecognisedFormat,
                "the registry's \(what) at \(response.finalURL.absoluteString) is not a compact JWS"
            )
        }
        return text
    }

    /// The response with its body inflated when it came in the `gzip` content coding, up to the configured response
    /// size (the inflated size counts, so a small compressed body cannot expand past the cap).
    func decodingContent(_ response: FetchedResponse, what: String) throws(StatusClientError) -> FetchedResponse {
        guard response.header("Content-Encoding")?.trimmingCharacters(in: .whitespaces).lowercased() == "gzip" else { return response }
        let inflated: [UInt8]
        do {
            inflated = try WireCompression.decompress(
                [UInt8](response.body), format: .gzip, maximumSize: max(1, configuration.fetching.maximumResponseBytes))
        } catch {
            let detail = "the registry's \(what) at \(response.finalURL.absoluteString) does not inflate as gzip: \(error.reason)"
            if error.code == .sizeLimitExceeded { throw .retrieval(.responseTooLarge, detail) }
            throw StatusClientError(.malformed, kind: .malformedValueError, detail)
        }
        var decoded = response.response
        decoded.body = Data(inflated)
        return FetchedResponse(status: response.status, finalURL: response.finalURL, response: decoded)
    }

    static func verifySnapshot(_ compact: String, keys: JWKSet) throws(StatusClientError) -> WalletSnapshot {
        do {
            return try WalletSigning.verifySnapshot(compact, keys: keys)
        } catch {
            throw clientError(error, "snapshot")
        }
    }

    static func verifyFeed(_ compact: String, keys: JWKSet) throws(StatusClientError) -> ChangeFeed {
        do {
            return try WalletSigning.verifyChangeFeed(compact, keys: keys)
        } catch {
            throw clientError(error, "change feed")
        }
    }

    static func clientError(_ error: RegistryError, _ what: String) -> StatusClientError {
        if error.code == .malformed {
            return StatusClientError(.malformed, kind: .malformedValueError, "the registry's \(what) is malformed: \(error.reason)")
        }
        return .verification(.verificationFailed, "the registry's \(what) does not verify with its keys: \(error.reason)")
    }
}
