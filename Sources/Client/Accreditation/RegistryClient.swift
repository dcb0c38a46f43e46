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
        /// Sends the requests.
        public var transport: any StatusHTTPTransport = AsyncHTTPClientTransport.shared
        /// The largest response accepted (snapshot, feed, JWKS, TRQP answer).
        public var maximumResponseBytes = 16 << 20
        /// The longest one fetch may take.
        public var timeout: Duration = .seconds(15)
        /// Redirects followed per GET (TRQP POSTs are never redirected).
        public var maximumRedirects = 3
        /// Whether plain http is allowed for loopback hosts.
        public var allowsLoopbackHTTP = true
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

    /// The configuration in use.
    public nonisolated let configuration: Configuration
    private let base: String
    private let fetcher: HardenedFetcher
    private let urlPolicy: URLPolicy
    private let disk: DiskCache?
    private var held: HeldRegistry?
    private var synchronising: Task<HeldRegistry, any Error>?
    private var trqpAuthority: String?

    /// Creates a client.
    /// - Throws: ``StatusClientError/Code/insecureURL`` when the registry URL is not https (or loopback http).
    public init(configuration: Configuration) throws(StatusClientError) {
        self.configuration = configuration
        let policy = URLPolicy(allowsLoopbackHTTP: configuration.allowsLoopbackHTTP)
        try policy.check(configuration.registryURL)
        var base = configuration.registryURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
        self.urlPolicy = policy
        self.fetcher = HardenedFetcher(
            transport: configuration.transport,
            policy: policy,
            maximumRedirects: max(0, configuration.maximumRedirects),
            timeout: configuration.timeout
        )
        self.disk = configuration.cacheDirectory.map {
            DiskCache(
                directory: $0,
                maximumEntries: 16,
                maximumBytes: configuration.maximumResponseBytes * 8,
                maximumFileBytes: configuration.maximumResponseBytes * 4 + (1 << 20)
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

    // MARK: Snapshot mode

    private func local(_ query: AccreditationQuery, resources: [String]) async throws(StatusClientError) -> AccreditationResult {
        let (registry, fromCache) = try await current()
        let now = configuration.now()
        var result = registry.decide(query, resources: resources)
        result.registry = base
        result.synchronisedAt = registry.synchronisedAt
        if fromCache {
            let age = max(0, now.timeIntervalSince(registry.synchronisedAt))
            result.staleness = age
            var note =
                "answered from the cached snapshot (seq \(registry.snapshot.seq), synchronised \(RegistryTime.format(registry.synchronisedAt)), "
            note += "\(Int(age.rounded(.down))) s ago)"
            if now > registry.snapshot.nextUpdate { note += "; past its nextUpdate \(RegistryTime.format(registry.snapshot.nextUpdate))" }
            result.detail = [result.detail, note].compactMap { $0 }.joined(separator: "; ")
        }
        return result
    }

    /// The held registry, synchronised per the policy; `fromCache` when no request was made.
    private func current() async throws(StatusClientError) -> (registry: HeldRegistry, fromCache: Bool) {
        if held == nil, let loaded = loadFromDisk() { held = loaded }
        let now = configuration.now()
        switch configuration.policy {
        case .offline:
            guard let held else {
                throw StatusClientError.retrieval(.notCached, "offline: no snapshot of \(base) is cached; run once online first")
            }
            return (held, true)
        case .useFresh:
            if let held, now.timeIntervalSince(held.synchronisedAt) < configuration.maximumAge, now < held.snapshot.nextUpdate {
                return (held, true)
            }
        case .revalidate:
            break
        }
        // Concurrent checks share one synchronisation (the actor is reentrant across the awaits below).
        let task: Task<HeldRegistry, any Error>
        if let synchronising {
            task = synchronising
        } else {
            let start = held
            task = Task { try await self.synchronise(from: start) }
            synchronising = task
        }
        do {
            let result = try await task.value
            synchronising = nil
            return (result, false)
        } catch {
            synchronising = nil
            throw (error as? StatusClientError) ?? StatusClientError.retrieval(.unreachable, "\(error)")
        }
    }

    private func synchronise(from start: HeldRegistry?) async throws(StatusClientError) -> HeldRegistry {
        let next: HeldRegistry
        if let start, start.stored.feeds.count < max(0, configuration.maximumFeedsKept) {
            if let updated = try await applyChanges(to: start) {
                next = updated
            } else {
                next = try await fetchSnapshotCaughtUp()
            }
        } else {
            next = try await fetchSnapshotCaughtUp()
        }
        held = next
        persist(next)
        return next
    }

    /// Asks the change feed; `nil` when a full snapshot is needed instead (410, 400, a feed that does not fit).
    private func applyChanges(to start: HeldRegistry) async throws(StatusClientError) -> HeldRegistry? {
        let url = try endpoint("/registry/v1/changes?since=\(start.snapshot.seq)")
        let response = try await fetcher.get(
            url,
            headers: Self.jwtAccept,
            maximumBodyBytes: configuration.maximumResponseBytes,
            accepting: [400, 410]
        )
        guard response.status == 200 else { return nil }
        let compact = try Self.compactBody(response, what: "change feed")
        var keys = start.keys
        let feed: ChangeFeed
        do {
            feed = try Self.verifyFeed(compact, keys: keys.set)
        } catch {
            // The registry may have rotated its key since the cached JWKS was fetched: fetch it once more.
            guard !keys.pinned, let fresh = try? await fetchKeys(), fresh.set != keys.set else { throw error }
            keys = fresh
            feed = try Self.verifyFeed(compact, keys: keys.set)
        }
        let now = configuration.now()
        var stored = start.stored
        stored.synchronisedAt = now
        stored.jwks = keys.data
        if feed.toSeq == start.snapshot.seq, feed.events.isEmpty {
            return HeldRegistry(stored: stored, snapshot: start.snapshot, keys: keys)
        }
        let validity = max(0, start.snapshot.nextUpdate.timeIntervalSince(start.snapshot.issuedAt))
        guard let updated = try? start.snapshot.applying(feed, issuedAt: feed.issuedAt, nextUpdate: feed.issuedAt.addingTimeInterval(validity)) else {
            return nil
        }
        stored.feeds.append(compact)
        return HeldRegistry(stored: stored, snapshot: updated, keys: keys)
    }

    /// The signed snapshot, brought up to the registry's head with the change feed when it lags behind (the registry
    /// signs snapshots off its write path, so a snapshot may trail the newest writes by a few seq; `X-Registry-Seq`
    /// names the head).
    private func fetchSnapshotCaughtUp() async throws(StatusClientError) -> HeldRegistry {
        let (fetched, head) = try await fetchSnapshot()
        guard let head, head > fetched.snapshot.seq else { return fetched }
        // The snapshot is verified and usable on its own; a feed that cannot be had now is asked for next time.
        return (try? await applyChanges(to: fetched)) ?? fetched
    }

    private func fetchSnapshot() async throws(StatusClientError) -> (registry: HeldRegistry, head: Int?) {
        var keys = try await registryKeys(refresh: false)
        let response = try await fetcher.get(
            try endpoint("/registry/v1/snapshot"),
            headers: Self.jwtAccept,
            maximumBodyBytes: configuration.maximumResponseBytes
        )
        let compact = try Self.compactBody(response, what: "snapshot")
        let snapshot: WalletSnapshot
        do {
            snapshot = try Self.verifySnapshot(compact, keys: keys.set)
        } catch {
            guard !keys.pinned, keys.fromCache, let fresh = try? await fetchKeys(), fresh.set != keys.set else { throw error }
            keys = fresh
            snapshot = try Self.verifySnapshot(compact, keys: keys.set)
        }
        let stored = StoredRegistry(registryURL: base, snapshot: compact, feeds: [], jwks: keys.data, synchronisedAt: configuration.now())
        let head = response.header("X-Registry-Seq").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return (HeldRegistry(stored: stored, snapshot: snapshot, keys: keys), head)
    }

    /// The keys to verify with: pinned, else those held, else fetched.
    private func registryKeys(refresh: Bool) async throws(StatusClientError) -> RegistryKeys {
        if let pinned = configuration.registryKeys { return RegistryKeys(set: pinned, data: nil, pinned: true, fromCache: false) }
        if !refresh, let keys = held?.keys, !keys.pinned { return RegistryKeys(set: keys.set, data: keys.data, pinned: false, fromCache: true) }
        return try await fetchKeys()
    }

    private func fetchKeys() async throws(StatusClientError) -> RegistryKeys {
        let response = try await fetcher.get(
            try endpoint("/.well-known/jwks.json"),
            headers: [(name: "Accept", value: "application/jwk-set+json, application/json")],
            maximumBodyBytes: min(configuration.maximumResponseBytes, 1 << 20)
        )
        do {
            let set = try JSONValue(parsing: response.body).decode(JWKSet.self)
            return RegistryKeys(set: set, data: response.body, pinned: false, fromCache: false)
        } catch {
            throw StatusClientError.verification(
                .trustUnavailable,
                "the registry's JWKS at \(base)/.well-known/jwks.json is not a JWK set: \(error.reason)"
            )
        }
    }

    // MARK: Disk cache

    private var cacheKey: String { "registry-snapshot " + base }

    /// The cached snapshot and feeds, re-verified (with the pinned keys, or the JWKS cached with them) and re-applied.
    private func loadFromDisk() -> HeldRegistry? {
        guard let disk, let entry = disk.load(cacheKey, in: .registry) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        guard let stored = try? decoder.decode(StoredRegistry.self, from: entry.body), stored.registryURL == base else { return nil }
        let keys: RegistryKeys
        if let pinned = configuration.registryKeys {
            keys = RegistryKeys(set: pinned, data: nil, pinned: true, fromCache: false)
        } else if let data = stored.jwks, let set = try? JSONValue(parsing: data).decode(JWKSet.self) {
            keys = RegistryKeys(set: set, data: data, pinned: false, fromCache: true)
        } else {
            return nil
        }
        guard var snapshot = try? Self.verifySnapshot(stored.snapshot, keys: keys.set) else {
            disk.remove(cacheKey, in: .registry)
            return nil
        }
        for compact in stored.feeds {
            guard let feed = try? Self.verifyFeed(compact, keys: keys.set) else {
                disk.remove(cacheKey, in: .registry)
                return nil
            }
            let validity = max(0, snapshot.nextUpdate.timeIntervalSince(snapshot.issuedAt))
            guard let next = try? snapshot.applying(feed, issuedAt: feed.issuedAt, nextUpdate: feed.issuedAt.addingTimeInterval(validity)) else {
                disk.remove(cacheKey, in: .registry)
                return nil
            }
            snapshot = next
        }
        return HeldRegistry(stored: stored, snapshot: snapshot, keys: keys)
    }

    private func persist(_ registry: HeldRegistry) {
        guard let disk else { return }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        guard let body = try? encoder.encode(registry.stored) else { return }
        disk.store(
            StoredResponse(
                key: cacheKey,
                finalURL: base + "/registry/v1/snapshot",
                mediaType: "application/json",
                etag: nil,
                lastModified: nil,
                fetchedAt: registry.synchronisedAt,
                headerLifetime: nil,
                validUntilHint: registry.snapshot.nextUpdate,
                body: body
            ),
            in: .registry
        )
    }

    // MARK: TRQP mode

    private func trqp(_ query: AccreditationQuery, resources: [String]) async throws(StatusClientError) -> AccreditationResult {
        guard configuration.policy != .offline else {
            throw StatusClientError(.invalidArgument, kind: .statusRetrievalError, "TRQP queries need the network; use the snapshot mode offline")
        }
        let authority = try await rootAuthority()
        var context = ["time": RegistryTime.format(query.time)]
        if let eqfLevel = query.eqfLevel { context["eqfLevel"] = eqfLevel }
        if let jurisdiction = query.jurisdiction { context["jurisdiction"] = jurisdiction }
        if let iscedF = query.iscedF { context["iscedF"] = iscedF }
        var denial: AccreditationResult?
        for resource in resources {
            let request = TRQPQuery(
                entityID: query.issuer,
                authorityID: authority,
                action: RegistryAction.issue,
                resource: resource,
                context: context
            )
            let (answer, seq) = try await post(request)
            var result = AccreditationResult(
                accredited: answer.authorized,
                registry: base,
                detail: answer.message,
                accreditationId: Self.accreditationID(in: answer.message),
                seq: seq ?? Self.sequenceNumber(in: answer.message),
                mode: .trqp,
                resource: resource,
                evaluatedAt: RegistryTime.truncated(query.time)
            )
            if answer.authorized { return result }
            // The most telling denial names an accreditation (suspended, revoked, out of period) rather than none.
            if denial == nil || (denial?.accreditationId == nil && result.accreditationId != nil) {
                result.resource = resource
                denial = result
            }
        }
        return denial ?? AccreditationResult(accredited: false, registry: base, mode: .trqp)
    }

    private func rootAuthority() async throws(StatusClientError) -> String {
        if let trqpAuthority { return trqpAuthority }
        let response = try await fetcher.get(
            try endpoint("/trqp/metadata"),
            headers: [(name: "Accept", value: "application/json")],
            maximumBodyBytes: 1 << 20
        )
        guard let metadata = try? JSONValue(parsing: response.body), let id = metadata["id"]?.stringValue, !id.isEmpty else {
            throw StatusClientError(.malformed, kind: .malformedValueError, "\(base)/trqp/metadata has no authority id")
        }
        trqpAuthority = id
        return id
    }

    private func post(_ query: TRQPQuery) async throws(StatusClientError) -> (TRQPAuthorizationResponse, Int?) {
        let url = try endpoint("/trqp/authorization")
        let body: Data
        do {
            body = try JSONEncoder().encode(query)
        } catch {
            throw StatusClientError(.malformed, kind: .malformedValueError, "cannot encode the TRQP query: \(error)")
        }
        let response = try await configuration.transport.send(
            TransportRequest(
                url: url,
                headers: [(name: "Content-Type", value: "application/json"), (name: "Accept", value: "application/json")],
                timeout: configuration.timeout,
                maximumBodyBytes: 1 << 20,
                method: "POST",
                body: body
            ),
            before: .now + configuration.timeout,
            timeout: configuration.timeout
        )
        guard response.status == 200 else {
            let detail = (try? JSONValue(parsing: response.body))?["detail"]?.stringValue.map { ": " + $0.prefix(300) } ?? ""
            throw StatusClientError.retrieval(.httpStatus, "\(url.absoluteString) answered \(response.status)\(detail)")
        }
        let answer: TRQPAuthorizationResponse
        do {
            answer = try JSONDecoder().decode(TRQPAuthorizationResponse.self, from: response.body)
        } catch {
            throw StatusClientError(
                .malformed,
                kind: .malformedValueError,
                "the TRQP answer of \(base) is not a TRQP authorization response: \(error)"
            )
        }
        guard answer.entityID == query.entityID, answer.resource == query.resource, answer.action == query.action else {
            throw StatusClientError(.malformed, kind: .malformedValueError, "the TRQP answer of \(base) is about another question")
        }
        return (answer, response.header("X-Registry-Seq").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) })
    }

    // MARK: Helpers

    private func endpoint(_ path: String) throws(StatusClientError) -> URL {
        guard let url = URL(string: base + path) else {
            throw StatusClientError(.invalidArgument, kind: .statusRetrievalError, "cannot build \(base)\(path)")
        }
        try urlPolicy.check(url)
        return url
    }

    private static let jwtAccept = [(name: "Accept", value: "application/jwt")]

    private static func compactBody(_ response: FetchedResponse, what: String) throws(StatusClientError) -> String {
        guard let text = String(data: response.body, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty,
            text.allSatisfy({ $0.isASCII && !$0.isWhitespace })
        else {
            throw StatusClientError.retrieval(
                .unrecognisedFormat,
                "the registry's \(what) at \(response.finalURL.absoluteString) is not a compact JWS"
            )
        }
        return text
    }

    private static func verifySnapshot(_ compact: String, keys: JWKSet) throws(StatusClientError) -> WalletSnapshot {
        do {
            return try WalletSigning.verifySnapshot(compact, keys: keys)
        } catch {
            throw clientError(error, "snapshot")
        }
    }

    private static func verifyFeed(_ compact: String, keys: JWKSet) throws(StatusClientError) -> ChangeFeed {
        do {
            return try WalletSigning.verifyChangeFeed(compact, keys: keys)
        } catch {
            throw clientError(error, "change feed")
        }
    }

    private static func clientError(_ error: RegistryError, _ what: String) -> StatusClientError {
        if error.code == .malformed {
            return StatusClientError(.malformed, kind: .malformedValueError, "the registry's \(what) is malformed: \(error.reason)")
        }
        return .verification(.verificationFailed, "the registry's \(what) does not verify with its keys: \(error.reason)")
    }

    /// The 64-hex-digit id following the word `accreditation` in a TRQP message.
    static func accreditationID(in message: String) -> String? {
        let words = message.split(separator: " ")
        for (index, word) in words.enumerated() where word == "accreditation" && index + 1 < words.count {
            let candidate = words[index + 1]
            if candidate.count == 64, candidate.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) { return String(candidate) }
        }
        return nil
    }

    /// `N` of the last `(seq N)` in a TRQP message.
    static func sequenceNumber(in message: String) -> Int? {
        guard let range = message.range(of: "(seq ", options: .backwards) else { return nil }
        return Int(message[range.upperBound...].prefix { $0.isNumber })
    }
}

// MARK: Held state

/// What the disk cache holds: the snapshot and the feeds applied since, as served, and the JWKS they verified with.
struct StoredRegistry: Codable, Sendable {
    var registryURL: String
    var snapshot: String
    var feeds: [String]
    var jwks: Data?
    var synchronisedAt: Date
}

/// The registry's verification keys and where they came from.
struct RegistryKeys: Sendable {
    let set: JWKSet
    /// The JWKS as served (to cache), `nil` when pinned.
    let data: Data?
    let pinned: Bool
    let fromCache: Bool
}

/// A verified snapshot brought up to date, with what it was built from.
struct HeldRegistry: Sendable {
    var stored: StoredRegistry
    let snapshot: WalletSnapshot
    let keys: RegistryKeys
    let recordsByID: [String: CanonicalAccreditation]

    init(stored: StoredRegistry, snapshot: WalletSnapshot, keys: RegistryKeys) {
        self.stored = stored
        self.snapshot = snapshot
        self.keys = keys
        // Ids are unique in a snapshot; a duplicate (which would be malformed) keeps the first.
        self.recordsByID = Dictionary(snapshot.records.map { ($0.accreditationId, $0) }, uniquingKeysWith: { first, _ in first })
    }

    var synchronisedAt: Date { stored.synchronisedAt }

    var info: RegistryClient.SnapshotInfo {
        RegistryClient.SnapshotInfo(
            seq: snapshot.seq,
            head: snapshot.head,
            rootAuthority: snapshot.rootAuthority,
            synchronisedAt: stored.synchronisedAt,
            feedsApplied: stored.feeds.count
        )
    }

    /// The registry's authorization rule for `issue`, under the root authority, evaluated on the snapshot.
    func decide(_ query: AccreditationQuery, resources: [String]) -> AccreditationResult {
        // The registry's own normalisation of bare codes (`6`, `ESP`, `0613`) to the vocabulary URIs.
        let context = QueryContext(time: query.time, eqfLevel: query.eqfLevel, jurisdiction: query.jurisdiction, iscedF: query.iscedF)
        let time = RegistryTime.truncated(query.time)
        let seq = snapshot.seq
        let candidates = snapshot.records.filter { $0.subject == query.issuer && $0.role == .ti }
        var inactive: (record: CanonicalAccreditation, problem: String, resource: String)?
        for resource in resources {
            for record in candidates
            where record.scope.contains(where: {
                $0.permits(resource: resource, eqfLevel: context.eqfLevel, jurisdiction: context.jurisdiction, iscedF: context.iscedF)
            }) {
                guard let problem = chainProblem(from: record, at: time) else {
                    let message =
                        "accreditation \(record.accreditationId) (\(record.role.rawValue)) of \(query.issuer) by \(record.accreditedBy.did) "
                        + "for \(describe(resource, context)) active at \(RegistryTime.format(time)) (seq \(seq))"
                    return result(true, record.accreditationId, message, resource, time)
                }
                if inactive == nil { inactive = (record, problem, resource) }
            }
        }
        if let inactive {
            return result(false, inactive.record.accreditationId, "\(inactive.problem) (seq \(seq))", inactive.resource, time)
        }
        guard !candidates.isEmpty else {
            return result(false, nil, "\(query.issuer) is not accredited in this registry (seq \(seq))", resources.last, time)
        }
        let asked = resources.map { describe($0, context) }.joined(separator: "; ")
        return result(false, nil, "no accreditation of \(query.issuer) covers issue of \(asked) (seq \(seq))", resources.last, time)
    }

    private func result(_ accredited: Bool, _ id: String?, _ message: String, _ resource: String?, _ time: Date) -> AccreditationResult {
        AccreditationResult(
            accredited: accredited,
            registry: "",
            detail: message,
            accreditationId: id,
            seq: snapshot.seq,
            mode: .snapshot,
            resource: resource,
            evaluatedAt: time
        )
    }

    /// Why `record` or an accreditation up its chain is not in force at `time`, or `nil` when the chain holds up to
    /// the root authorisation.
    private func chainProblem(from record: CanonicalAccreditation, at time: Date) -> String? {
        var current = record
        for depth in 0..<32 {
            let status = current.status(at: time)
            if status != .active {
                let owner =
                    depth == 0 ? "accreditation \(current.accreditationId)" : "parent accreditation \(current.accreditationId) of \(current.subject)"
                return "\(owner) is \(describe(status, of: current, at: time))"
            }
            if current.role == .rootTAO {
                return current.subject == snapshot.rootAuthority ? nil : "the chain ends at \(current.subject), not the root authority"
            }
            guard let parent = recordsByID[current.accreditedBy.accreditationId] else {
                return "parent accreditation \(current.accreditedBy.accreditationId) is missing"
            }
            current = parent
        }
        return "accreditation chain of \(record.accreditationId) is deeper than 32 links"
    }

    private func describe(_ status: EffectiveStatus, of record: CanonicalAccreditation, at time: Date) -> String {
        switch status {
        case .notYetValid: return "not yet valid at \(RegistryTime.format(time)) (valid from \(RegistryTime.format(record.validFrom)))"
        case .expired: return "expired at \(RegistryTime.format(record.validUntil))"
        case .active: return "active at \(RegistryTime.format(time))"
        case .suspended, .revoked:
            let change = record.recordedChange(at: time)
            let since = change.map { " since \(RegistryTime.format($0.at))" } ?? ""
            let reason = change?.reason.map { " (\($0))" } ?? ""
            return "\(status.rawValue)\(since)\(reason)"
        }
    }

    private func describe(_ resource: String, _ context: QueryContext) -> String {
        var parts = [resource]
        if let level = context.eqfLevel { parts.append("EQF \(level)") }
        if let jurisdiction = context.jurisdiction { parts.append("in \(jurisdiction)") }
        if let field = context.iscedF { parts.append("field \(field)") }
        return parts.joined(separator: " ")
    }
}
