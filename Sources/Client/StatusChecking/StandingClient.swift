import Foundation
import Logging
import Signing
import StatusList
import StatusListSecuring

/// Fetches, verifies, caches and reads status lists: W3C Bitstring Status List credentials (Data Integrity or
/// `vc+jwt`) and IETF Status List Tokens (JWT or CWT).
///
/// ```swift
/// let client = StandingClient(configuration: .init(cacheDirectory: StandingClient.defaultCacheDirectory()))
/// let entry = try JSONDecoder().decode(BitstringStatusListEntry.self, from: credentialStatusJSON)
/// let check = try await client.checkStatus(entry, trust: .did("did:web:issuer.example"))
/// if !check.valid { print("\(check.purpose ?? "status") set: \(check.message ?? "")") }
/// // Offline, from what an earlier online check cached (refused once the list is past validUntil/exp):
/// let offline = try await client.checkStatus(entry, trust: .did("did:web:issuer.example"), options: .init(policy: .offline))
/// print(offline.fromCache, offline.staleness)
/// ```
///
/// **Verification.** Every list is verified before use with the keys of the caller's ``TrustSource``: signature,
/// `typ`, validity period (with clock skew), IETF `sub` equal to the referenced `uri` and W3C credential `id` equal to
/// the referenced `statusListCredential` (both compared with the URL as referenced, not the URL after redirects), the
/// W3C purpose, minimum length and index range, the IETF index range.
///
/// **Caching.** Verified lists stay in memory (decoded; a repeated check is a dictionary lookup and a bit read) and,
/// with a ``Configuration/cacheDirectory``, on disk as the bytes served (re-verified with the caller's current trust
/// when loaded, never trusted blindly). A copy is fresh for the list's `ttl` (W3C milliseconds and IETF seconds, the
/// claims taking priority over HTTP headers as IETF §8.2 requires), else `Cache-Control: max-age`, else until
/// `validUntil`/`exp`, always bounded by ``Configuration/maximumTTLSeconds`` and by `validUntil`/`exp`. A stale copy
/// is revalidated with `If-None-Match` (304 keeps it). ``CachePolicy/offline`` answers from the caches with the
/// staleness and refuses lists past their validity.
///
/// **Hardening.** https only (http for loopback hosts when allowed), redirects followed by hand up to
/// ``Configuration/maximumRedirects`` with every hop's URL checked, one timeout for the whole chain, a response size
/// cap, a decompressed-size cap and an expansion-ratio cap (decompression bombs), zlib's Adler-32/CRC-32 checks, and
/// concurrent identical requests coalesced. Every failure is a ``StatusClientError`` carrying the W3C error kind.
///
/// **Trust registry.** Whether an issuer is accredited is a separate question; see ``IssuerAccreditationChecking``.
public actor StandingClient {
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

    /// The configuration in use.
    public nonisolated let configuration: Configuration
    private let fetcher: HardenedFetcher
    private let urlPolicy: URLPolicy
    private let disk: DiskCache?

    private var lists: [ListCacheKey: ListEntry] = [:]
    private var memoryBytes = 0
    private var useTick: UInt64 = 0
    private var trustDocuments: [String: TrustEntry] = [:]
    /// Bumped whenever a trust document is (re)loaded, so list authorisations made under older keys are re-checked.
    private var trustGeneration = 0
    /// `did:web` → DID document URL, computed once.
    private var didDocumentURLs: [String: URL] = [:]
    private var inFlight: [String: Task<FetchedResponse, any Error>] = [:]
    private static let maximumTrustDocuments = 64

    /// Creates a client.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.urlPolicy = URLPolicy(allowsLoopbackHTTP: configuration.allowsLoopbackHTTP)
        self.fetcher = HardenedFetcher(
            transport: configuration.transport,
            policy: urlPolicy,
            maximumRedirects: max(0, configuration.maximumRedirects),
            timeout: configuration.timeout
        )
        self.disk = configuration.cacheDirectory.map {
            DiskCache(
                directory: $0,
                maximumEntries: max(1, configuration.maximumDiskEntries),
                maximumBytes: configuration.maximumDiskBytes,
                maximumFileBytes: configuration.maximumResponseBytes * 2 + 64 * 1024
            )
        }
    }

    /// The user's cache directory for Standing: `$STANDING_CACHE_DIR`, else `$XDG_CACHE_HOME/standing`, else
    /// `~/Library/Caches/standing` on macOS and `~/.cache/standing` elsewhere.
    public static func defaultCacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let explicit = environment["STANDING_CACHE_DIR"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit, isDirectory: true)
        }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("standing", isDirectory: true)
        }
        let home = FileManager.default.homeDirectoryForCurrentUser
        #if os(macOS)
        return home.appendingPathComponent("Library/Caches/standing", isDirectory: true)
        #else
        return home.appendingPathComponent(".cache/standing", isDirectory: true)
        #endif
    }

    // MARK: Public API

    /// Checks a W3C `BitstringStatusListEntry`: fetches (or reuses) and verifies its list, then reads the entry.
    /// - Parameters:
    ///   - entry: The credential's `credentialStatus` entry.
    ///   - trust: The keys the list must be signed with.
    ///   - options: Cache policy, historical time, preferred securing form (default `application/vc`).
    /// - Returns: The entry's status, purpose and message, with the list's metadata and cache facts.
    /// - Throws: ``StatusClientError``.
    public func checkStatus(
        _ entry: BitstringStatusListEntry,
        trust: TrustSource,
        options: FetchOptions = FetchOptions()
    ) async throws(StatusClientError) -> StatusCheck {
        let size: StatusSize
        do {
            size = try entry.entrySize()
        } catch {
            throw StatusClientError(
                .unsupported,
                kind: .malformedValueError,
                "statusSize \(entry.effectiveStatusSize) is not supported (1, 2, 4 or 8)"
            )
        }
        let format = options.preferredFormat.flatMap { $0.isW3C ? $0 : nil } ?? .w3cDataIntegrity
        let list = try await fetchList(url: entry.statusListCredential, preferring: format, statusSize: size, trust: trust, options: options)
        return try list.check(entry)
    }

    /// Checks an IETF Referenced Token's `status_list` reference.
    /// - Parameters:
    ///   - reference: The `status.status_list` claim (`idx`, `uri`).
    ///   - trust: The keys the Status List Token must be signed with.
    ///   - options: Cache policy, historical time, preferred form (default `application/statuslist+jwt`).
    /// - Returns: The entry's status (the IETF status type's name as ``StatusCheck/message``).
    /// - Throws: ``StatusClientError``.
    public func checkStatus(
        _ reference: StatusListReference,
        trust: TrustSource,
        options: FetchOptions = FetchOptions()
    ) async throws(StatusClientError) -> StatusCheck {
        let format = options.preferredFormat.flatMap { $0.isW3C ? nil : $0 } ?? .ietfJWT
        let list = try await fetchList(url: reference.uri, preferring: format, trust: trust, options: options)
        return try list.check(reference)
    }

    /// Fetches (or reuses) and verifies a list.
    /// - Parameters:
    ///   - url: The list URL as referenced; the list's W3C `id` / IETF `sub` must equal it.
    ///   - format: The securing form to ask for first; its specification (W3C or IETF) is the one accepted.
    ///   - statusSize: For W3C lists, the entry size to read the list with (W3C lists do not state it).
    ///   - trust: The keys the list must be signed with.
    ///   - options: Cache policy and historical time (``FetchOptions/preferredFormat`` is ignored here).
    /// - Returns: The verified list with its metadata, for synchronous checks.
    /// - Throws: ``StatusClientError``.
    public func fetchList(
        url: String,
        preferring format: VerifiedStatusList.Format,
        statusSize: StatusSize = .one,
        trust: TrustSource,
        options: FetchOptions = FetchOptions()
    ) async throws(StatusClientError) -> CachedList {
        let sizeKey = format.isW3C ? statusSize.bits : 0
        let key = ListCacheKey(url: options.at.map { "\(url) @\($0.timeIntervalSince1970)" } ?? url, w3c: format.isW3C)
        let now = configuration.now()
        let identity = trust.cacheIdentity
        // Fast path: a fresh list already authorised for this trust source (and no trust document changed since). No URL
        // parsing, no trust resolution, no key comparison: a dictionary lookup and the snapshot.
        if options.policy == .useFresh, let identity, let entry = lists[key], now < entry.freshUntil,
            entry.authorizedTrust == identity, entry.authorizedGeneration == trustGeneration, let verified = entry.verified[sizeKey]
        {
            useTick &+= 1
            lists[key]?.lastUsed = useTick
            return Self.snapshot(
                verified,
                entry: entry,
                expectedURL: url,
                source: .memory,
                staleness: 0,
                checkedAt: options.at ?? now,
                minimumEntries: configuration.minimumW3CEntries
            )
        }

        let listURL = try urlPolicy.parse(url)
        let requestURL =
            try options.at.map { time throws(StatusClientError) in try Self.historicalURL(listURL, at: time, w3c: format.isW3C) } ?? listURL
        let resolved = try await resolve(trust, policy: options.policy, forceRefresh: false)
        let context = RequestContext(
            expectedURL: url,
            requestURL: requestURL,
            key: key,
            format: format,
            statusSize: statusSize,
            historical: options.at != nil,
            evaluationTime: options.at ?? now,
            policy: options.policy,
            trustIdentity: identity,
            trustGeneration: trustGeneration
        )

        var cached: (entry: ListEntry, source: ListSource)?
        if let entry = lists[context.key] {
            do {
                let keys = try await keys(for: entry.stored, resolved: resolved, at: context.evaluationTime)
                cached = (try authorize(entry, keys: keys, context: context), .memory)
            } catch where options.policy != .offline {
                configuration.logger.debug("cached list no longer verifies, refetching", metadata: ["url": "\(url)", "error": "\(error)"])
            }
        }
        if cached == nil, let disk, let stored = disk.load(context.key.diskKey, in: .lists) {
            do {
                let keys = try await keys(for: stored, resolved: resolved, at: context.evaluationTime)
                cached = (try entry(from: stored, keys: keys, context: context), .disk)
            } catch where options.policy != .offline {
                configuration.logger.debug("disk copy does not verify, refetching", metadata: ["url": "\(url)", "error": "\(error)"])
            }
        }
        if let cached {
            put(cached.entry, for: context.key)
            return try await answer(from: cached.entry, source: cached.source, context: context, trust: trust, resolved: resolved)
        }
        guard options.policy != .offline else {
            throw .retrieval(.notCached, "offline, and no cached copy of \(context.requestURL.absoluteString)")
        }
        return try await download(context: context, trust: trust, resolved: resolved)
    }

    /// The keys a trust source stands for, resolving (and caching) JWKS and DID documents. ``TrustSource/x5c(anchors:)``
    /// contributes no keys here: its key comes from each list's own certificate chain.
    /// - Parameters:
    ///   - trust: The source.
    ///   - policy: ``CachePolicy/offline`` uses cached documents only, whatever their age.
    /// - Throws: ``StatusClientError`` (`trustUnavailable`, `notCached`, `invalidArgument`, `insecureURL`).
    public func trustedKeys(for trust: TrustSource, policy: CachePolicy = .useFresh) async throws(StatusClientError) -> TrustedKeys {
        try await resolve(trust, policy: policy, forceRefresh: false).keys
    }

    /// Empties the in-memory caches (lists and trust documents); the disk cache stays.
    public func clearMemoryCache() {
        lists.removeAll()
        trustDocuments.removeAll()
        memoryBytes = 0
    }

    // MARK: Lists

    /// Answers from a verified cached entry, revalidating it when policy and freshness require.
    private func answer(
        from entry: ListEntry,
        source: ListSource,
        context: RequestContext,
        trust: TrustSource,
        resolved: ResolvedTrust
    ) async throws(StatusClientError) -> CachedList {
        let now = configuration.now()
        switch context.policy {
        case .useFresh where now < entry.freshUntil:
            return try snapshot(entry, source: source, staleness: 0, context: context)
        case .offline:
            if let validUntil = entry.validUntil, validUntil <= context.evaluationTime {
                throw .verification(
                    .expired,
                    "the cached copy of \(context.expectedURL) expired at \(XMLDateTime.format(validUntil)); offline, no newer copy"
                )
            }
            return try snapshot(entry, source: source, staleness: max(0, now.timeIntervalSince(entry.freshUntil)), context: context)
        default:
            return try await revalidate(entry, context: context, trust: trust, resolved: resolved)
        }
    }

    /// Sends a conditional request for a cached entry.
    private func revalidate(
        _ entry: ListEntry,
        context: RequestContext,
        trust: TrustSource,
        resolved: ResolvedTrust
    ) async throws(StatusClientError) -> CachedList {
        var headers = [(name: "Accept", value: Self.accept(context.format))]
        if let etag = entry.stored.etag {
            headers.append((name: "If-None-Match", value: etag))
        } else if let lastModified = entry.stored.lastModified {
            headers.append((name: "If-Modified-Since", value: lastModified))
        }
        let response = try await coalescedGet(context.requestURL, headers: headers)
        let now = configuration.now()
        guard response.status == 304 || response.body == entry.stored.body else {
            return try await process(response, context: context, trust: trust, resolved: resolved)
        }
        // Not modified (or the same bytes again): keep the verified entry, restart its freshness.
        var updated = entry
        updated.stored.fetchedAt = now
        updated.stored.finalURL = response.finalURL.absoluteString
        let cacheControl = CacheControl(response.header("Cache-Control"))
        if let lifetime = cacheControl.lifetime { updated.stored.headerLifetime = lifetime }
        if let etag = response.header("ETag") { updated.stored.etag = etag }
        updated.noStore = cacheControl.noStore
        updated.freshUntil = freshUntil(
            updated.stored,
            ttlSeconds: updated.ttlSeconds,
            validUntil: updated.validUntil,
            historical: context.historical
        )
        if !context.historical, let validUntil = updated.validUntil, validUntil <= now {
            lists[context.key] = nil
            throw .verification(.expired, "\(context.expectedURL) still serves a list that expired at \(XMLDateTime.format(validUntil))")
        }
        put(updated, for: context.key)
        persist(updated, key: context.key)
        return try snapshot(updated, source: response.status == 304 ? .revalidated : .network, staleness: 0, context: context)
    }

    /// Fetches a list without a cached copy.
    private func download(context: RequestContext, trust: TrustSource, resolved: ResolvedTrust) async throws(StatusClientError) -> CachedList {
        let response = try await coalescedGet(context.requestURL, headers: [(name: "Accept", value: Self.accept(context.format))])
        guard response.status != 304 else {
            throw .retrieval(.httpStatus, "\(response.finalURL.absoluteString) answered 304 to an unconditional request")
        }
        return try await process(response, context: context, trust: trust, resolved: resolved)
    }

    /// Verifies a freshly downloaded list, caches it and returns it. When the keys came from a cached trust document
    /// and verification fails, the document is fetched again once: the issuer may have rotated its keys.
    private func process(
        _ response: FetchedResponse,
        context: RequestContext,
        trust: TrustSource,
        resolved: ResolvedTrust
    ) async throws(StatusClientError) -> CachedList {
        let cacheControl = CacheControl(response.header("Cache-Control"))
        let stored = StoredResponse(
            key: context.key.diskKey,
            finalURL: response.finalURL.absoluteString,
            mediaType: response.header("Content-Type"),
            etag: response.header("ETag"),
            lastModified: response.header("Last-Modified"),
            fetchedAt: configuration.now(),
            headerLifetime: cacheControl.lifetime,
            validUntilHint: nil,
            body: response.body
        )
        var entry: ListEntry
        do throws(StatusClientError) {
            entry = try self.entry(from: stored, keys: try await keys(for: stored, resolved: resolved, at: context.evaluationTime), context: context)
        } catch where error.code == .verificationFailed && resolved.fromCache && context.policy != .offline {
            configuration.logger.debug("verification failed with cached trust; refreshing it", metadata: ["url": "\(context.requestURL)"])
            let refreshed = try await resolve(trust, policy: context.policy, forceRefresh: true)
            entry = try self.entry(from: stored, keys: try await keys(for: stored, resolved: refreshed, at: context.evaluationTime), context: context)
        }
        entry.noStore = cacheControl.noStore
        put(entry, for: context.key)
        persist(entry, key: context.key)
        configuration.logger.debug(
            "fetched status list",
            metadata: ["url": "\(context.requestURL)", "bytes": "\(response.body.count)", "format": "\(entry.stored.mediaType ?? "?")"]
        )
        return try snapshot(entry, source: .network, staleness: 0, context: context)
    }

    /// Builds a cache entry from stored bytes by verifying them under `keys`.
    private func entry(from stored: StoredResponse, keys: TrustedKeys, context: RequestContext) throws(StatusClientError) -> ListEntry {
        let (verified, signingKey) = try verify(stored, keys: keys, context: context)
        var stored = stored
        stored.validUntilHint = verified.validUntil
        let entry = ListEntry(
            stored: stored,
            verified: [context.sizeKey: verified],
            verifyingKey: signingKey,
            keyID: verified.keyID,
            validUntil: verified.validUntil,
            ttlSeconds: verified.ttlSeconds,
            freshUntil: freshUntil(stored, ttlSeconds: verified.ttlSeconds, validUntil: verified.validUntil, historical: context.historical),
            noStore: false,
            lastUsed: 0,
            authorizedTrust: context.trustIdentity,
            authorizedGeneration: context.trustGeneration
        )
        return entry
    }

    /// Makes sure a cached entry may answer this request: verified by a key the caller trusts now, and decoded at the
    /// requested entry size. The cached bytes are verified again when either is not the case (no network).
    private func authorize(_ entry: ListEntry, keys: TrustedKeys, context: RequestContext) throws(StatusClientError) -> ListEntry {
        var updated = entry
        updated.authorizedTrust = context.trustIdentity
        updated.authorizedGeneration = context.trustGeneration
        if entry.verified[context.sizeKey] != nil, keys.key(keyID: entry.keyID) == entry.verifyingKey {
            return updated
        }
        let (verified, signingKey) = try verify(entry.stored, keys: keys, context: context)
        if signingKey != entry.verifyingKey || verified.keyID != entry.keyID {
            updated.verified = [:]
            updated.verifyingKey = signingKey
            updated.keyID = verified.keyID
        }
        updated.verified[context.sizeKey] = verified
        return updated
    }

    /// Verifies stored bytes as a list of the referenced specification, with the size caps and URL checks.
    private func verify(
        _ stored: StoredResponse,
        keys: TrustedKeys,
        context: RequestContext
    ) throws(StatusClientError) -> (VerifiedStatusList, VerificationKey) {
        let format: VerifiedStatusList.Format
        do {
            format = try StatusListVerifier.format(of: stored.body, mediaType: stored.mediaType)
        } catch {
            throw StatusClientError(error)
        }
        guard format.isW3C == context.format.isW3C else {
            let referenced = context.format.isW3C ? "a W3C status list credential" : "an IETF Status List Token"
            throw .retrieval(.unrecognisedFormat, "\(context.expectedURL) served \(format.rawValue), but the reference is to \(referenced)")
        }
        var limits = StatusListVerifier.Limits()
        limits.maximumDecodedBytes = decodedByteCap(forResponseBytes: stored.body.count)
        limits.clockSkew = configuration.clockSkew
        limits.maximumTTLSeconds = configuration.maximumTTLSeconds
        let verified: VerifiedStatusList
        do {
            verified = try StatusListVerifier.verify(
                stored.body,
                mediaType: stored.mediaType,
                expectedURL: context.expectedURL,
                trustedKeys: keys,
                statusSize: context.statusSize,
                at: context.evaluationTime,
                limits: limits
            )
        } catch {
            if error.kind == .statusVerificationError, let hint = stored.validUntilHint, hint <= context.evaluationTime {
                throw .verification(.expired, "\(context.expectedURL) expired at \(XMLDateTime.format(hint)): \(error.detail)")
            }
            throw StatusClientError(error)
        }
        if verified.format.isW3C, configuration.requiresW3CListIDMatch, verified.url != context.expectedURL {
            throw .verification(.subjectMismatch, "the status list credential's id '\(verified.url)' is not the referenced '\(context.expectedURL)'")
        }
        if context.historical, verified.validUntil == nil {
            throw .verification(
                .verificationFailed,
                "the list states no validUntil/exp, so it cannot be shown to have been in force at \(XMLDateTime.format(context.evaluationTime))"
            )
        }
        guard let signingKey = keys.key(keyID: verified.keyID) else {
            throw .verification(.verificationFailed, "the key that verified the list (\(verified.keyID ?? "no kid")) is not among the trusted keys")
        }
        return (verified, signingKey)
    }

    /// The largest decompressed list accepted for a response of `bytes` bytes.
    private func decodedByteCap(forResponseBytes bytes: Int) -> Int {
        let (byRatio, overflow) = bytes.multipliedReportingOverflow(by: max(1, configuration.maximumExpansionRatio))
        let allowed = max(configuration.expansionAllowanceBytes, overflow ? Int.max : byRatio)
        return min(configuration.maximumDecodedBytes, allowed)
    }

    /// Until when a copy is fresh: the list's `ttl` if stated (claims take priority over HTTP headers), else the
    /// header lifetime, else until `validUntil`, else the default; always bounded by the maximum and, for current lists,
    /// by `validUntil`.
    private func freshUntil(_ stored: StoredResponse, ttlSeconds: Int?, validUntil: Date?, historical: Bool) -> Date {
        let maximum = TimeInterval(configuration.maximumTTLSeconds)
        let lifetime: TimeInterval
        if let ttlSeconds {
            lifetime = TimeInterval(ttlSeconds)
        } else if let headerLifetime = stored.headerLifetime {
            lifetime = TimeInterval(headerLifetime)
        } else if let validUntil {
            lifetime = validUntil.timeIntervalSince(stored.fetchedAt)
        } else {
            lifetime = TimeInterval(configuration.defaultLifetimeSeconds)
        }
        let until = stored.fetchedAt.addingTimeInterval(min(max(0, lifetime), maximum))
        guard !historical, let validUntil else { return until }
        return min(until, validUntil)
    }

    private func snapshot(
        _ entry: ListEntry,
        source: ListSource,
        staleness: TimeInterval,
        context: RequestContext
    ) throws(StatusClientError) -> CachedList {
        guard let verified = entry.verified[context.sizeKey] else {
            throw .verification(.verificationFailed, "internal: the list was not decoded at the requested entry size")
        }
        return Self.snapshot(
            verified,
            entry: entry,
            expectedURL: context.expectedURL,
            source: source,
            staleness: staleness,
            checkedAt: context.evaluationTime,
            minimumEntries: configuration.minimumW3CEntries
        )
    }

    private static func snapshot(
        _ verified: VerifiedStatusList,
        entry: ListEntry,
        expectedURL: String,
        source: ListSource,
        staleness: TimeInterval,
        checkedAt: Date,
        minimumEntries: Int
    ) -> CachedList {
        let metadata = ListMetadata(
            url: expectedURL,
            retrievedFrom: entry.stored.finalURL,
            mediaType: verified.format.rawValue,
            issuer: verified.issuer,
            keyID: verified.keyID,
            issuedAt: verified.issuedAt,
            validUntil: verified.validUntil,
            ttlSeconds: verified.ttlSeconds,
            etag: entry.stored.etag,
            fetchedAt: entry.stored.fetchedAt,
            freshUntil: entry.freshUntil,
            entryCount: verified.bitstring.count,
            bitsPerEntry: verified.bitstring.entrySize.bits
        )
        return CachedList(
            list: verified,
            metadata: metadata,
            source: source,
            staleness: staleness,
            checkedAt: checkedAt,
            minimumEntries: minimumEntries
        )
    }

    /// Stores an entry in memory (most recently used) and evicts the least recently used beyond the bounds.
    private func put(_ entry: ListEntry, for key: ListCacheKey) {
        var entry = entry
        useTick &+= 1
        entry.lastUsed = useTick
        if let previous = lists[key] { memoryBytes -= previous.cost }
        lists[key] = entry
        memoryBytes += entry.cost
        while lists.count > 1, lists.count > configuration.maximumMemoryEntries || memoryBytes > configuration.maximumMemoryBytes {
            guard let oldest = lists.min(by: { $0.value.lastUsed < $1.value.lastUsed }), oldest.key != key else { break }
            memoryBytes -= oldest.value.cost
            lists[oldest.key] = nil
        }
    }

    private func persist(_ entry: ListEntry, key: ListCacheKey) {
        guard let disk, !entry.noStore else { return }
        disk.store(entry.stored, in: .lists)
    }

    /// One GET per URL and header set at a time: concurrent identical requests share the response.
    private func coalescedGet(
        _ url: URL,
        headers: [(name: String, value: String)],
        maximumBodyBytes: Int? = nil
    ) async throws(StatusClientError) -> FetchedResponse {
        let key = ([url.absoluteString] + headers.map { "\($0.name): \($0.value)" }).joined(separator: "\n")
        let task: Task<FetchedResponse, any Error>
        if let running = inFlight[key] {
            task = running
        } else {
            let fetcher = fetcher
            let cap = maximumBodyBytes ?? configuration.maximumResponseBytes
            task = Task { try await fetcher.get(url, headers: headers, maximumBodyBytes: cap) }
            inFlight[key] = task
        }
        defer {
            if inFlight[key] == task { inFlight[key] = nil }
        }
        do {
            return try await task.value
        } catch let error as StatusClientError {
            throw error
        } catch {
            throw .retrieval(.unreachable, "fetching \(url.absoluteString) failed: \(error)")
        }
    }

    /// The `Accept` header for a preferred form: it first, the other form of the same specification next.
    static func accept(_ format: VerifiedStatusList.Format) -> String {
        switch format {
        case .w3cDataIntegrity:
            "application/vc, application/vc+ld+json;q=0.9, application/vc+jwt;q=0.8, application/ld+json;q=0.5, application/json;q=0.4"
        case .w3cJWT:
            "application/vc+jwt, application/vc;q=0.9, application/vc+ld+json;q=0.8, application/ld+json;q=0.5, application/json;q=0.4"
        case .ietfJWT:
            "application/statuslist+jwt, application/statuslist+cwt;q=0.9"
        case .ietfCWT:
            "application/statuslist+cwt, application/statuslist+jwt;q=0.9"
        }
    }

    /// The historical-resolution URL: W3C `?timestamp=<dateTimeStamp>`, IETF `?time=<unix seconds>`.
    static func historicalURL(_ url: URL, at time: Date, w3c: Bool) throws(StatusClientError) -> URL {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            throw StatusClientError(.invalidArgument, kind: .statusRetrievalError, "cannot add a time query to \(url.absoluteString)")
        }
        let item =
            w3c
            ? URLQueryItem(name: "timestamp", value: XMLDateTime.format(time))
            : URLQueryItem(name: "time", value: String(Int64(time.timeIntervalSince1970.rounded(.down))))
        components.queryItems = (components.queryItems ?? []) + [item]
        // `+` in a query reads as a space to many servers; a dateTimeStamp offset must survive.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let historical = components.url else {
            throw StatusClientError(.invalidArgument, kind: .statusRetrievalError, "cannot add a time query to \(url.absoluteString)")
        }
        return historical
    }

    // MARK: Trust

    private struct ResolvedTrust: Sendable {
        var keys: TrustedKeys
        /// Whether any part came from a cached document (a verification failure may then mean rotated keys).
        var fromCache: Bool
        /// Pinned anchors for the chains lists carry (``TrustSource/x5c(anchors:)``).
        var anchors: [X509Certificate] = []
    }

    /// The keys that may verify `stored`: the resolved ones, plus the leaf key of the chain the list carries when
    /// anchors are pinned.
    private func keys(for stored: StoredResponse, resolved: ResolvedTrust, at time: Date) async throws(StatusClientError) -> TrustedKeys {
        guard !resolved.anchors.isEmpty else { return resolved.keys }
        var keys = try await CertificateChainKeys.keys(in: stored.body, mediaType: stored.mediaType, anchors: resolved.anchors, at: time)
        keys.merge(resolved.keys)
        return keys
    }

    private func resolve(_ trust: TrustSource, policy: CachePolicy, forceRefresh: Bool) async throws(StatusClientError) -> ResolvedTrust {
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
    private func didWebDocumentURL(_ did: String) throws(StatusClientError) -> URL {
        var url: URL
        do {
            url = try DIDWeb.documentURL(for: did)
        } catch {
            throw StatusClientError(.invalidArgument, kind: .statusVerificationError, "'\(did.prefix(120))' is not a valid did:web: \(error.reason)")
        }
        if configuration.allowsLoopbackHTTP, let host = url.host, URLPolicy.isLoopback(host),
            var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        {
            components.scheme = "http"
            url = components.url ?? url
        }
        try urlPolicy.check(url)
        return url
    }

    /// A JWKS or DID document: from memory when fresh (or offline), else disk when fresh (or offline), else fetched.
    private func trustDocument(
        url: URL,
        kind: TrustDocumentKind,
        policy: CachePolicy,
        forceRefresh: Bool
    ) async throws(StatusClientError) -> ResolvedTrust {
        let key = url.absoluteString
        let now = configuration.now()
        let offline = policy == .offline
        if !forceRefresh, let entry = trustDocuments[key], offline || now < entry.freshUntil {
            return ResolvedTrust(keys: entry.keys, fromCache: true)
        }
        let onDisk = disk?.load(key, in: .trust)
        if !forceRefresh, trustDocuments[key] == nil, let onDisk {
            let freshUntil = trustFreshUntil(onDisk)
            if offline || now < freshUntil {
                let keys = try kind.keys(from: onDisk.body, url: key)
                remember(TrustEntry(keys: keys, stored: onDisk, freshUntil: freshUntil), for: key)
                return ResolvedTrust(keys: keys, fromCache: true)
            }
        }
        guard !offline else {
            throw .retrieval(.notCached, "offline, and no cached copy of the trust document \(key)")
        }
        let previous = trustDocuments[key]?.stored ?? onDisk
        var headers = [(name: "Accept", value: "application/json, application/did+json, application/jwk-set+json")]
        if let etag = previous?.etag { headers.append((name: "If-None-Match", value: etag)) }
        let response: FetchedResponse
        do {
            response = try await coalescedGet(url, headers: headers, maximumBodyBytes: min(configuration.maximumResponseBytes, 1 << 20))
        } catch {
            // Stale if error: keys are only needed to verify lists, and a list that cannot be fetched either fails on its
            // own; one that can (another host, or cached) still verifies against the last keys seen.
            if error.kind == .statusRetrievalError, let previous, let keys = try? kind.keys(from: previous.body, url: key) {
                configuration.logger.debug("trust document unreachable, using the cached copy", metadata: ["url": "\(key)"])
                remember(TrustEntry(keys: keys, stored: previous, freshUntil: trustFreshUntil(previous)), for: key)
                return ResolvedTrust(keys: keys, fromCache: true)
            }
            throw .verification(.trustUnavailable, "cannot obtain the trust document \(key): \(error.reason)")
        }
        var stored: StoredResponse
        if response.status == 304, let previous {
            stored = previous
        } else if response.status == 304 {
            throw .verification(.trustUnavailable, "\(key) answered 304 to an unconditional request")
        } else {
            stored = StoredResponse(
                key: key,
                finalURL: response.finalURL.absoluteString,
                mediaType: response.header("Content-Type"),
                etag: response.header("ETag"),
                lastModified: response.header("Last-Modified"),
                fetchedAt: now,
                headerLifetime: nil,
                validUntilHint: nil,
                body: response.body
            )
        }
        stored.fetchedAt = configuration.now()
        stored.headerLifetime = CacheControl(response.header("Cache-Control")).lifetime
        let keys = try kind.keys(from: stored.body, url: key)
        remember(TrustEntry(keys: keys, stored: stored, freshUntil: trustFreshUntil(stored)), for: key)
        disk?.store(stored, in: .trust)
        return ResolvedTrust(keys: keys, fromCache: false)
    }

    private func trustFreshUntil(_ stored: StoredResponse) -> Date {
        let lifetime = stored.headerLifetime ?? configuration.trustDocumentLifetimeSeconds
        return stored.fetchedAt.addingTimeInterval(TimeInterval(min(max(0, lifetime), configuration.maximumTrustDocumentLifetimeSeconds)))
    }

    private func remember(_ entry: TrustEntry, for key: String) {
        trustGeneration &+= 1
        trustDocuments[key] = entry
        if trustDocuments.count > Self.maximumTrustDocuments,
            let oldest = trustDocuments.min(by: { $0.value.stored.fetchedAt < $1.value.stored.fetchedAt })
        {
            trustDocuments[oldest.key] = nil
        }
    }
}

/// Identifies a cached list: the URL requested (with any historical query) and the specification asked for.
struct ListCacheKey: Hashable, Sendable {
    let url: String
    let w3c: Bool

    var diskKey: String { (w3c ? "w3c " : "ietf ") + url }
}

/// A verified list in the memory cache.
struct ListEntry: Sendable {
    var stored: StoredResponse
    /// The verified list per entry size (W3C lists are read at the entry's `statusSize`; IETF lists under 0).
    var verified: [Int: VerifiedStatusList]
    /// The key that verified the bytes; a later caller must trust it too.
    var verifyingKey: VerificationKey
    var keyID: String?
    var validUntil: Date?
    var ttlSeconds: Int?
    var freshUntil: Date
    /// `Cache-Control: no-store`: kept in memory, never written to disk.
    var noStore: Bool
    var lastUsed: UInt64
    /// The trust source (``TrustSource/cacheIdentity``) and trust generation the entry was last authorised under.
    var authorizedTrust: String?
    var authorizedGeneration: Int

    /// Bytes held: the body and every decoded bitstring.
    var cost: Int { stored.body.count + verified.values.reduce(0) { $0 + $1.bitstring.byteCount } }
}

/// One request's parameters.
struct RequestContext: Sendable {
    let expectedURL: String
    let requestURL: URL
    let key: ListCacheKey
    let format: VerifiedStatusList.Format
    let statusSize: StatusSize
    let historical: Bool
    /// The time validity is checked at: now, or the historical time.
    let evaluationTime: Date
    let policy: CachePolicy
    let trustIdentity: String?
    let trustGeneration: Int

    var sizeKey: Int { format.isW3C ? statusSize.bits : 0 }
}
