import Foundation
import Logging
import Signing
import StatusList
import StatusListSecuring

extension StandingClient {
    // MARK: Lists

    /// Answers from a verified cached entry, revalidating it when policy and freshness require.
    func answer(
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
    func revalidate(
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
    func download(context: RequestContext, trust: TrustSource, resolved: ResolvedTrust) async throws(StatusClientError) -> CachedList {
        let response = try await coalescedGet(context.requestURL, headers: [(name: "Accept", value: Self.accept(context.format))])
        guard response.status != 304 else {
            throw .retrieval(.httpStatus, "\(response.finalURL.absoluteString) answered 304 to an unconditional request")
        }
        return try await process(response, context: context, trust: trust, resolved: resolved)
    }

    /// Verifies a freshly downloaded list, caches it and returns it. When the keys came from a cached trust document
    /// and verification fails, the document is fetched again once: the issuer may have rotated its keys.
    func process(
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
            var refreshed = try await resolve(trust, policy: context.policy, forceRefresh: true)
            refreshed.listSignerPolicy = resolved.listSignerPolicy
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

    /// One GET per URL and header set at a time: concurrent identical requests share the response.
    func coalescedGet(
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
            let cap = maximumBodyBytes ?? configuration.fetching.maximumResponseBytes
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
