import Foundation
import Logging
import Signing
import StatusList
import StatusListSecuring

extension StandingClient {
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

    /// Empties the in-memory caches (lists and trust documents); the disk cache stays.
    public func clearMemoryCache() {
        lists.removeAll()
        trustDocuments.removeAll()
        memoryBytes = 0
    }

    /// Until when a copy is fresh: the list's `ttl` if stated (claims take priority over HTTP headers), else the
    /// header lifetime, else until `validUntil`, else the default; always bounded by the maximum and, for current lists,
    /// by `validUntil`.
    func freshUntil(_ stored: StoredResponse, ttlSeconds: Int?, validUntil: Date?, historical: Bool) -> Date {
        let maximum = TimeInterval(configuration.caching.maximumTTLSeconds)
        let lifetime: TimeInterval
        if let ttlSeconds {
            lifetime = TimeInterval(ttlSeconds)
        } else if let headerLifetime = stored.headerLifetime {
            lifetime = TimeInterval(headerLifetime)
        } else if let validUntil {
            lifetime = validUntil.timeIntervalSince(stored.fetchedAt)
        } else {
            lifetime = TimeInterval(configuration.caching.defaultLifetimeSeconds)
        }
        let until = stored.fetchedAt.addingTimeInterval(min(max(0, lifetime), maximum))
        guard !historical, let validUntil else { return until }
        return min(until, validUntil)
    }

    /// Stores an entry in memory (most recently used) and evicts the least recently used beyond the bounds.
    func put(_ entry: ListEntry, for key: ListCacheKey) {
        var entry = entry
        useTick &+= 1
        entry.lastUsed = useTick
        if let previous = lists[key] { memoryBytes -= previous.cost }
        lists[key] = entry
        memoryBytes += entry.cost
        while lists.count > 1, lists.count > configuration.caching.maximumMemoryEntries || memoryBytes > configuration.caching.maximumMemoryBytes {
            guard let oldest = lists.min(by: { $0.value.lastUsed < $1.value.lastUsed }), oldest.key != key else { break }
            memoryBytes -= oldest.value.cost
            lists[oldest.key] = nil
        }
    }

    func persist(_ entry: ListEntry, key: ListCacheKey) {
        guard let disk, !entry.noStore else { return }
        disk.store(entry.stored, in: .lists)
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
