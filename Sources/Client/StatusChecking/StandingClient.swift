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
/// with a cache directory (``Configuration/Caching/directory``), on disk as the bytes served (re-verified with the
/// caller's current trust when loaded, never trusted blindly). A copy is fresh for the list's `ttl` (W3C milliseconds
/// and IETF seconds, the claims taking priority over HTTP headers as IETF §8.2 requires), else `Cache-Control:
/// max-age`, else until `validUntil`/`exp`, always bounded by ``Configuration/Caching/maximumTTLSeconds`` and by
/// `validUntil`/`exp`. A stale copy is revalidated with `If-None-Match` (304 keeps it). ``CachePolicy/offline``
/// answers from the caches with the staleness and refuses lists past their validity.
///
/// **Hardening.** https only (http for loopback hosts when allowed), redirects followed by hand up to
/// ``FetchSettings/maximumRedirects`` with every hop's URL checked, one timeout for the whole chain, a response size
/// cap, a decompressed-size cap and an expansion-ratio cap (decompression bombs), zlib's Adler-32/CRC-32 checks, and
/// concurrent identical requests coalesced. Every failure is a ``StatusClientError`` carrying the W3C error kind.
///
/// **Trust registry.** Whether an issuer is accredited is a separate question; see ``IssuerAccreditationChecking``.
public actor StandingClient {
    // The settings are in StandingClient+Configuration.swift. The state is internal rather than private: the
    // extensions in StatusChecking/, Caching/ and Trust/ work on it.

    /// The configuration in use.
    public nonisolated let configuration: Configuration
    let fetcher: HardenedFetcher
    let urlPolicy: URLPolicy
    let disk: DiskCache?

    var lists: [ListCacheKey: ListEntry] = [:]
    var memoryBytes = 0
    var useTick: UInt64 = 0
    var trustDocuments: [String: TrustEntry] = [:]
    /// Bumped whenever a trust document is (re)loaded, so list authorisations made under older keys are re-checked.
    var trustGeneration = 0
    /// `did:web` → DID document URL, computed once.
    var didDocumentURLs: [String: URL] = [:]
    var inFlight: [String: Task<FetchedResponse, any Error>] = [:]
    static let maximumTrustDocuments = 64

    /// Creates a client.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.urlPolicy = configuration.fetching.urlPolicy
        self.fetcher = HardenedFetcher(configuration.fetching)
        self.disk = configuration.caching.directory.map {
            DiskCache(
                directory: $0,
                maximumEntries: max(1, configuration.caching.maximumDiskEntries),
                maximumBytes: configuration.caching.maximumDiskBytes,
                maximumFileBytes: configuration.fetching.maximumResponseBytes * 2 + 64 * 1024
            )
        }
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
    /// - Throws: ``StatusClientError``; with ``FetchOptions/credentialIssuer``, ``StatusClientError/Code/issuerNotBound``
    ///   for a list not bound to that issuer (``issuerBinding(of:credentialIssuer:trust:policy:)``).
    public func fetchList(
        url: String,
        preferring format: VerifiedStatusList.Format,
        statusSize: StatusSize = .one,
        trust: TrustSource,
        options: FetchOptions = FetchOptions()
    ) async throws(StatusClientError) -> CachedList {
        guard let issuer = options.credentialIssuer else {
            return try await verifiedList(url: url, preferring: format, statusSize: statusSize, trust: trust, options: options)
        }
        let list: CachedList
        do {
            list = try await verifiedList(url: url, preferring: format, statusSize: statusSize, trust: trust, options: options)
        } catch {
            // Verified with the issuer's own keys: a list no key of them signed failed the binding, say so.
            if case .did(let did) = trust, did == issuer { throw bindingFailure(error, credentialIssuer: issuer) }
            throw error
        }
        _ = try await issuerBinding(of: list, credentialIssuer: issuer, trust: trust, policy: options.policy)
        return list
    }

    /// ``fetchList(url:preferring:statusSize:trust:options:)`` without the issuer binding.
    private func verifiedList(
        url: String,
        preferring format: VerifiedStatusList.Format,
        statusSize: StatusSize,
        trust: TrustSource,
        options: FetchOptions
    ) async throws(StatusClientError) -> CachedList {
        let sizeKey = format.isW3C ? statusSize.bits : 0
        let key = ListCacheKey(url: options.at.map { "\(url) @\($0.timeIntervalSince1970)" } ?? url, w3c: format.isW3C)
        let now = configuration.now()
        // A list authorised with its own DID's keys (for the issuer binding) must not answer a request without it.
        let identity = options.credentialIssuer == nil ? trust.cacheIdentity : trust.cacheIdentity.map { $0 + " +list signer" }
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
                minimumEntries: configuration.verification.minimumW3CEntries
            )
        }

        let listURL = try urlPolicy.parse(url)
        let requestURL =
            try options.at.map { time throws(StatusClientError) in try Self.historicalURL(listURL, at: time, w3c: format.isW3C) } ?? listURL
        var resolved = try await resolve(trust, policy: options.policy, forceRefresh: false)
        if options.credentialIssuer != nil { resolved.listSignerPolicy = options.policy }
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
}
