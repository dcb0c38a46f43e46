import Foundation
import Signing
import StatusList
import TrustRegistry

extension RegistryClient {
    // MARK: Snapshot mode

    func local(_ query: AccreditationQuery, resources: [String]) async throws(StatusClientError) -> AccreditationResult {
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
    func current() async throws(StatusClientError) -> (registry: HeldRegistry, fromCache: Bool) {
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

    func synchronise(from start: HeldRegistry?) async throws(StatusClientError) -> HeldRegistry {
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
    func applyChanges(to start: HeldRegistry) async throws(StatusClientError) -> HeldRegistry? {
        let url = try endpoint("/registry/v1/changes?since=\(start.snapshot.seq)")
        let response = try await fetcher.get(
            url,
            headers: Self.jwtAccept,
            maximumBodyBytes: configuration.fetching.maximumResponseBytes,
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
    func fetchSnapshotCaughtUp() async throws(StatusClientError) -> HeldRegistry {
        let (fetched, head) = try await fetchSnapshot()
        guard let head, head > fetched.snapshot.seq else { return fetched }
        // The snapshot is verified and usable on its own; a feed that cannot be had now is asked for next time.
        return (try? await applyChanges(to: fetched)) ?? fetched
    }

    func fetchSnapshot() async throws(StatusClientError) -> (registry: HeldRegistry, head: Int?) {
        var keys = try await registryKeys(refresh: false)
        // The snapshot's JWS payload is already compressed; gzip on the wire takes back most of base64url's third.
        let response = try await fetcher.get(
            try endpoint("/registry/v1/snapshot"),
            headers: Self.jwtAccept + [(name: "Accept-Encoding", value: "gzip")],
            maximumBodyBytes: configuration.fetching.maximumResponseBytes,
            contentCodings: ["gzip"]
        )
        let compact = try Self.compactBody(try decodingContent(response, what: "snapshot"), what: "snapshot")
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
    func registryKeys(refresh: Bool) async throws(StatusClientError) -> RegistryKeys {
        if let pinned = configuration.registryKeys { return RegistryKeys(set: pinned, data: nil, pinned: true, fromCache: false) }
        if !refresh, let keys = held?.keys, !keys.pinned { return RegistryKeys(set: keys.set, data: keys.data, pinned: false, fromCache: true) }
        return try await fetchKeys()
    }

    func fetchKeys() async throws(StatusClientError) -> RegistryKeys {
        let response = try await fetcher.get(
            try endpoint("/.well-known/jwks.json"),
            headers: [(name: "Accept", value: "application/jwk-set+json, application/json")],
            maximumBodyBytes: min(configuration.fetching.maximumResponseBytes, 1 << 20)
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

    var cacheKey: String { "registry-snapshot " + base }

    /// The cached snapshot and feeds, re-verified (with the pinned keys, or the JWKS cached with them) and re-applied.
    func loadFromDisk() -> HeldRegistry? {
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

    func persist(_ registry: HeldRegistry) {
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

}
