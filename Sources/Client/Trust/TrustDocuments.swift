import Foundation
import Logging
import Signing
import StatusList
import StatusListSecuring

extension StandingClient {
    /// A JWKS or DID document: from memory when fresh (or offline), else disk when fresh (or offline), else fetched.
    func trustDocument(
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
            response = try await coalescedGet(url, headers: headers, maximumBodyBytes: min(configuration.fetching.maximumResponseBytes, 1 << 20))
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

    func trustFreshUntil(_ stored: StoredResponse) -> Date {
        let lifetime = stored.headerLifetime ?? configuration.caching.trustDocumentLifetimeSeconds
        return stored.fetchedAt.addingTimeInterval(TimeInterval(min(max(0, lifetime), configuration.caching.maximumTrustDocumentLifetimeSeconds)))
    }

    func remember(_ entry: TrustEntry, for key: String) {
        trustGeneration &+= 1
        trustDocuments[key] = entry
        if trustDocuments.count > Self.maximumTrustDocuments,
            let oldest = trustDocuments.min(by: { $0.value.stored.fetchedAt < $1.value.stored.fetchedAt })
        {
            trustDocuments[oldest.key] = nil
        }
    }
}

/// A trust document (JWKS or DID document) as cached in memory.
struct TrustEntry: Sendable {
    let keys: TrustedKeys
    var stored: StoredResponse
    var freshUntil: Date
}

/// What a trust document is, for parsing and checking it.
enum TrustDocumentKind: Sendable {
    case jwks
    /// A DID document that must have this `id`.
    case didDocument(String)

    /// The keys a document grants.
    /// - Throws: ``StatusClientError/Code/trustUnavailable`` when the document is malformed or names another DID.
    func keys(from body: Data, url: String) throws(StatusClientError) -> TrustedKeys {
        do {
            switch self {
            case .jwks:
                let jwks = try JSONValue(parsing: body).decode(JWKSet.self)
                guard !jwks.keys.isEmpty else {
                    throw StatusClientError.verification(.trustUnavailable, "the JWKS at \(url) has no usable keys")
                }
                return try TrustedKeys(jwks: jwks)
            case .didDocument(let did):
                let document = try JSONValue(parsing: body).decode(DIDDocument.self)
                guard document.id == did else {
                    throw StatusClientError.verification(.trustUnavailable, "the DID document at \(url) is for '\(document.id)', not '\(did)'")
                }
                return try TrustedKeys(didDocument: document)
            }
        } catch let error as StatusClientError {
            throw error
        } catch {
            throw .verification(.trustUnavailable, "the trust document at \(url) is not usable: \(error)")
        }
    }
}
