import Foundation
import Store

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `--publish-dir` sink: every publication's per-format files, laid out like the URLs that serve them, so that
/// nginx, an object-store sync or a CDN origin can serve the exact bytes (ops/publish-dir.md has the mapping).
///
/// - `DIR/status/{id}.{suffix}`: each representation (`vc.json`, `vc.jwt`, `jwt`, `cwt`, see
///   ``StatusMediaType/pathSuffix``), the bytes `/status/{id}.{suffix}` answers with.
/// - `DIR/manifest/{id}.json`: per file its media type, entity tag (as the server sends it) and `Cache-Control`, with
///   the version and publication time, for sync tools that set headers or object metadata.
/// - `DIR/.well-known/jwks.json` and `DIR/.well-known/did.json`: the verification keys (``writeKeyDocuments(jwks:didDocument:)``).
///
/// Each file is replaced atomically (temporary file in the same folder, fsync, rename, fsync of the folder), so a
/// reader sees the old bytes or the new ones, never a mix; its modification time is the publication time, so
/// `Last-Modified` and nginx's own `ETag` (modification time and size) come out the same on every machine that writes
/// the same publication. A write that fails throws: the ``Publisher`` counts it as a failed publication (the list stays
/// due, is retried with back-off, and ``PublicationHealth`` reports it), never as something to skip.
public struct PublishDirectory: PublicationSink {
    /// The directory's root.
    public let root: URL

    /// Creates the sink, creating `path` and its `status`, `manifest` and `.well-known` folders when missing.
    /// - Throws: ``ServiceError`` `unavailable` when they cannot be created.
    public init(path: String) throws {
        root = URL(fileURLWithPath: path, isDirectory: true)
        for folder in ["status", "manifest", ".well-known"] {
            let url = root.appendingPathComponent(folder, isDirectory: true)
            do {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            } catch {
                throw ServiceError(.unavailable, "cannot create the publish directory \(url.path): \(error.localizedDescription)")
            }
        }
    }

    /// The file that holds the representation `mediaType` of list `listId`.
    public func file(listId: String, mediaType: StatusMediaType) -> URL {
        root.appendingPathComponent("status/\(listId).\(mediaType.pathSuffix)")
    }

    /// Writes every representation of `publication`, then its manifest (last, so a manifest never names bytes that
    /// are not there yet).
    public func replace(_ publication: PublishedList) throws {
        let modified = publication.publishedAt
        let cacheControl = "public, max-age=\(publication.definition.ttlSeconds)"
        var files: [String: ManifestFile] = [:]
        for (mediaType, representation) in publication.representations.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try Self.writeAtomically(representation.data, to: file(listId: publication.definition.id, mediaType: mediaType), modified: modified)
            files["\(publication.definition.id).\(mediaType.pathSuffix)"] = ManifestFile(
                mediaType: mediaType.rawValue, etag: "\"\(representation.fingerprint)\"", cacheControl: cacheControl)
        }
        let manifest = Manifest(
            list: publication.definition.id, version: publication.version,
            publishedAt: publication.publishedAt, validUntil: publication.validUntil, files: files)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        try Self.writeAtomically(
            try encoder.encode(manifest), to: root.appendingPathComponent("manifest/\(publication.definition.id).json"), modified: modified)
    }

    /// Writes the service's key documents, the bytes `/.well-known/jwks.json` and `/.well-known/did.json` answer with.
    public func writeKeyDocuments(jwks: Data, didDocument: Data) throws {
        let now = Date()
        try Self.writeAtomically(jwks, to: root.appendingPathComponent(".well-known/jwks.json"), modified: now)
        try Self.writeAtomically(didDocument, to: root.appendingPathComponent(".well-known/did.json"), modified: now)
    }

    /// Writes the DID document the service hosts for an issuer, at `issuers/NAME/did.json` as its did:web names it.
    public func writeHostedDocument(issuer: String, document: Data) throws {
        let folder = root.appendingPathComponent("issuers/\(issuer)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.writeAtomically(document, to: folder.appendingPathComponent("did.json"), modified: Date())
    }

    /// Replaces `file` with `contents` (mode 0644: these are public) so that readers see either file whole.
    static func writeAtomically(_ contents: Data, to file: URL, modified: Date) throws {
        let folder = file.deletingLastPathComponent().path
        let temporary = folder + "/.tmp-" + UUID().uuidString
        func failure(_ step: String) -> ServiceError {
            ServiceError(.unavailable, "publish directory: cannot \(step) \(file.path): \(String(cString: strerror(errno)))")
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("create a temporary file for") }
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        do {
            defer { close(descriptor) }
            if let code = contents.withUnsafeBytes({ DurableWrites.writeAll($0, to: descriptor) }) {
                errno = code
                throw failure("write")
            }
            // The umask may have narrowed the mode; these files are for a web server running as another user.
            guard fchmod(descriptor, 0o644) == 0, fsync(descriptor) == 0 else { throw failure("write") }
        }
        // Whole seconds, as HTTP dates have them; set before the rename, so the file never appears with another time.
        do {
            let seconds = modified.timeIntervalSince1970.rounded(.down)
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSince1970: seconds)], ofItemAtPath: temporary)
        } catch {
            throw ServiceError(.unavailable, "publish directory: cannot set the time of \(file.path): \(error.localizedDescription)")
        }
        guard rename(temporary, file.path) == 0 else { throw failure("replace") }
        renamed = true
        if let code = DurableWrites.syncDirectory(folder) {
            errno = code
            throw failure("make durable the new entry of")
        }
    }

    private struct Manifest: Encodable {
        let list: String
        let version: Int
        let publishedAt: Date
        let validUntil: Date
        let files: [String: ManifestFile]
    }

    private struct ManifestFile: Encodable {
        let mediaType: String
        let etag: String
        let cacheControl: String
    }
}
