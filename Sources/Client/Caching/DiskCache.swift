import Foundation

/// A response as the caches keep it: the exact bytes plus what is needed to revalidate and to judge freshness.
///
/// Nothing here is trusted on load: the body is verified again with the caller's current trust before use.
struct StoredResponse: Codable, Sendable, Equatable {
    /// The cache key the entry belongs to (guards against file-name collisions).
    var key: String
    /// The URL that answered, after redirects.
    var finalURL: String
    /// The response's `Content-Type`.
    var mediaType: String?
    var etag: String?
    var lastModified: String?
    /// When the bytes were fetched or last revalidated.
    var fetchedAt: Date
    /// The `Cache-Control` freshness lifetime in seconds (`max-age`, 0 for `no-cache`), if given.
    var headerLifetime: Int?
    /// The list's `validUntil` / `exp` as last verified. Only used to explain a failure ("expired"), never to trust.
    var validUntilHint: Date?
    /// The body as served.
    var body: Data
}

/// The on-disk cache: one file per key (a 128-bit FNV-1a hash of the key as its name) in a namespace folder, written
/// atomically, bounded in count and bytes (the least recently written files go first).
///
/// The directory should belong to the user (it is created with mode 0700). Files that do not decode, are too large or
/// belong to another key are ignored and removed.
struct DiskCache: Sendable {
    let directory: URL
    let maximumEntries: Int
    let maximumBytes: Int
    /// Files larger than this are never read.
    let maximumFileBytes: Int

    /// The namespaces: status lists, and trust documents (JWKS, DID documents).
    enum Namespace: String, Sendable {
        case lists
        case trust
        /// Trust registry snapshots and their change feeds.
        case registry
    }

    private func folder(_ namespace: Namespace) -> URL {
        directory.appendingPathComponent(namespace.rawValue, isDirectory: true)
    }

    private func file(for key: String, in namespace: Namespace) -> URL {
        folder(namespace).appendingPathComponent(Self.fileName(for: key))
    }

    /// The file name of a key: 32 hex digits of FNV-1a-128 plus `.json`.
    static func fileName(for key: String) -> String {
        var hash: UInt128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d
        let prime: UInt128 = 0x0000_0000_0100_0000_0000_0000_0000_013B
        for byte in key.utf8 {
            hash ^= UInt128(byte)
            hash = hash &* prime
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 32 - hex.count) + hex + ".json"
    }

    /// The stored response for `key`, or nil.
    func load(_ key: String, in namespace: Namespace) -> StoredResponse? {
        let url = file(for: key, in: namespace)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
            let size = attributes[.size] as? Int, size <= maximumFileBytes,
            let data = try? Data(contentsOf: url)
        else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        guard let stored = try? decoder.decode(StoredResponse.self, from: data), stored.key == key else {
            try? FileManager.default.removeItem(at: url)
            return nil
        }
        return stored
    }

    /// Writes `response` (atomically) and trims the namespace to its bounds. Failures are ignored: the disk cache is
    /// an optimisation and offline fallback, never a requirement.
    func store(_ response: StoredResponse, in namespace: Namespace) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(response), data.count <= maximumFileBytes else { return }
        let folder = folder(namespace)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try data.write(to: file(for: response.key, in: namespace), options: .atomic)
        } catch {
            return
        }
        trim(folder)
    }

    /// Removes the entry for `key`, if any.
    func remove(_ key: String, in namespace: Namespace) {
        try? FileManager.default.removeItem(at: file(for: key, in: namespace))
    }

    /// Deletes the oldest files until the folder is within ``maximumEntries`` and ``maximumBytes``.
    private func trim(_ folder: URL) {
        let keys: [URLResourceKey] = [.contentModificationDateKey, .fileSizeKey]
        guard let files = try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: keys) else { return }
        var entries = files.compactMap { url -> (url: URL, date: Date, size: Int)? in
            guard url.pathExtension == "json", let values = try? url.resourceValues(forKeys: Set(keys)) else { return nil }
            return (url, values.contentModificationDate ?? .distantPast, values.fileSize ?? 0)
        }
        var total = entries.reduce(0) { $0 + $1.size }
        guard entries.count > maximumEntries || total > maximumBytes else { return }
        entries.sort { $0.date < $1.date }
        var count = entries.count
        for entry in entries where count > maximumEntries || total > maximumBytes {
            try? FileManager.default.removeItem(at: entry.url)
            count -= 1
            total -= entry.size
        }
    }
}
