import Foundation
import HTTPTypes
import NIOCore
import WireEncoding

/// One answer to a read of a published list, built once per publication and served as it is by both paths: the
/// router (``StatusReadController``) sends ``headers`` and ``body`` through Hummingbird, the event-loop fast path
/// (``StatusFastPathHandler``) writes ``okHead`` or ``notModifiedHead``, the per-second `Date`/`Server` tail and
/// ``body`` past NIO's encoder. Both therefore send the same fields, in the same order, with the same bytes.
///
/// A read never encodes, compresses, signs or touches the database: everything here is made when the list is
/// published (``PreparedStatusReads``). A class, so that picking one on the hot path retains one reference rather than
/// each of its buffers.
final class PreparedResponse: Sendable {
    /// Strong entity tag, quoted: the representation's fingerprint.
    let etag: String
    /// ``etag``'s bytes, compared with a request's `If-None-Match` bytes on the fast path.
    private let etagBytes: [UInt8]
    /// The fields of a 200 answer (and of HEAD), in the order the router sends them: `Content-Type` (the negotiated alias
    /// or the representation's own type), `ETag`, `Last-Modified`, `Cache-Control`, `Access-Control-Allow-Origin`, and on
    /// the negotiated URL `Vary: Accept`. The server adds `Content-Length`, `Date` and `Server`.
    let headers: HTTPFields
    /// The representation's bytes, shared with the publication.
    let body: ByteBuffer
    /// The same bytes in a file the fast path sends with `sendfile(2)`, for large bodies of current publications.
    let file: BodyFile?
    /// `HTTP/1.1 200 OK`, ``headers`` and `Content-Length` (also the answer to HEAD), without the head's end.
    let okHead: ByteBuffer
    /// The fields of a 304 answer: ``headers`` without the representation's metadata (`Content-Type`,
    /// `Last-Modified`). RFC 9110 §15.4.5 asks a 304 for the fields a cache updates (`ETag`, `Cache-Control`, `Vary`)
    /// and says a sender SHOULD NOT add other representation metadata when an `ETag` is there; the client keeps the
    /// stored ones. `Access-Control-Allow-Origin` stays: a script revalidating with `If-None-Match` reads the 304.
    let notModifiedHeaders: HTTPFields
    /// `HTTP/1.1 304 Not Modified` and ``notModifiedHeaders`` (no `Content-Length`: NIO drops it from a 304).
    let notModifiedHead: ByteBuffer
    /// The whole answer to a GET of a large body for one second (``wholeAnswerFile(second:tail:)``); nil without a
    /// ``file``.
    private let wholeAnswers: WholeAnswerFiles?

    /// Prepares the answer with `representation`.
    /// - Parameters:
    ///   - representation: The signed bytes.
    ///   - contentType: The media type of the chosen offer (an alias of the representation's own type, or it).
    ///   - negotiated: Whether this answers the negotiated URL (`Vary: Accept`) or a per-format URL.
    ///   - lastModified: `Last-Modified`, the publication time as an HTTP-date.
    ///   - cacheControl: `Cache-Control`, from the list's ttl.
    ///   - file: The representation's bytes as a file, if any (``BodyFile``).
    convenience init(
        _ representation: PublishedRepresentation, contentType: String, negotiated: Bool, lastModified: String, cacheControl: String,
        file: BodyFile? = nil
    ) {
        self.init(
            body: representation.body, fingerprint: representation.fingerprint, contentType: contentType, negotiated: negotiated,
            lastModified: lastModified, cacheControl: cacheControl, file: file)
    }

    /// Prepares an answer with `body`, named by `fingerprint` (the quoted `ETag`); the fields are those of
    /// ``init(_:contentType:negotiated:lastModified:cacheControl:)``, `Last-Modified` only when given.
    init(
        body: ByteBuffer, fingerprint: String, contentType: String, negotiated: Bool, lastModified: String?, cacheControl: String,
        file: BodyFile? = nil
    ) {
        self.file = file
        wholeAnswers = file.map { WholeAnswerFiles(directory: $0.directory) }
        etag = "\"" + fingerprint + "\""
        etagBytes = Array(etag.utf8)
        var headers: HTTPFields = [.contentType: contentType, .eTag: etag]
        if let lastModified { headers[.lastModified] = lastModified }
        headers[.cacheControl] = cacheControl
        headers[.accessControlAllowOrigin] = "*"
        if negotiated { headers[.vary] = "Accept" }
        self.headers = headers
        self.body = body
        okHead = HTTP1Head.serialise(statusLine: "HTTP/1.1 200 OK\r\n", fields: headers, contentLength: body.readableBytes)
        var notModifiedHeaders = headers
        notModifiedHeaders[.contentType] = nil
        notModifiedHeaders[.lastModified] = nil
        self.notModifiedHeaders = notModifiedHeaders
        notModifiedHead = HTTP1Head.serialise(statusLine: "HTTP/1.1 304 Not Modified\r\n", fields: notModifiedHeaders, contentLength: nil)
    }

    /// ``okHead``, the tail of the second `second` (`Date`, `Server`, blank line) and ``body`` in one file, so that the
    /// fast path answers a GET with a single `sendfile`: no head to write before the body, so no `TCP_CORK` around the
    /// two (the head write and the two `setsockopt` calls were 3-4 µs of a 250 KB answer's server CPU).
    ///
    /// Nil until the file for that second is there: the first request of a second asks for it to be made on NIO's
    /// blocking pool (a copy of the body to the data directory's page cache, about a tenth of a millisecond once a
    /// second, off the event loop) and is answered with the head and ``file`` as before, and so is every request until
    /// it is ready. A file never changes once written: the socket sends its pages by reference, so a rewrite could
    /// change bytes already promised. Nil as well for bodies without a ``file``.
    /// - Parameters:
    ///   - second: The current second (Unix time), the one `tail` is for.
    ///   - tail: That second's end of the head.
    func wholeAnswerFile(second: Int, tail: ByteBuffer) -> BodyFile? {
        wholeAnswers?.file(second: second, head: okHead, tail: tail, body: body)
    }

    /// Whether an `If-None-Match` value names this answer, so that it is answered 304.
    func isNotModified(ifNoneMatch: String) -> Bool {
        ifNoneMatch == etag || EntityTag.matches(ifNoneMatch, etag: etag)
    }

    /// ``isNotModified(ifNoneMatch:)`` for the value's bytes; the common case, the value is exactly the tag, needs no
    /// `String`.
    func isNotModified(ifNoneMatch: UnsafeRawBufferPointer) -> Bool {
        etagBytes.withUnsafeBytes { $0.hasSameBytes(as: ifNoneMatch) }
            || EntityTag.matches(String(decoding: ifNoneMatch, as: UTF8.self), etag: etag)
    }
}

/// Entity-tag comparison for conditional requests, shared by the status reads and the registry's signed artefacts.
enum EntityTag {
    /// RFC 9110 §13.1.2: `*` or a list of entity tags, compared weakly.
    static func matches(_ header: String, etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            var tag = candidate.drop { $0 == " " || $0 == "\t" }
            while tag.last == " " || tag.last == "\t" { tag = tag.dropLast() }
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            return tag == etag
        }
    }
}

/// HTTP/1.1 head serialisation as NIO's encoder writes it: `Name: value` lines with the fields' raw names.
enum HTTP1Head {
    /// The status line, `fields` and an optional `Content-Length`, without the blank line that ends the head.
    static func serialise(statusLine: StaticString, fields: HTTPFields, contentLength: Int?) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(320)
        buffer.writeStaticString(statusLine)
        for field in fields {
            buffer.writeString(field.name.rawName)
            buffer.writeStaticString(": ")
            buffer.writeString(field.value)
            buffer.writeStaticString("\r\n")
        }
        if let contentLength {
            buffer.writeString(HTTPField.Name.contentLength.rawName + ": " + String(contentLength) + "\r\n")
        }
        return buffer
    }
}

/// HTTP-date (RFC 9110 §5.6.7, IMF-fixdate) formatting without a locale-dependent formatter.
enum HTTPDate {
    /// Formats `date` as e.g. `Sun, 29 Nov 2026 01:59:32 GMT` (fractional seconds dropped).
    static func format(_ date: Date) -> String {
        CivilTime(secondsSinceEpoch: Int(date.timeIntervalSince1970.rounded(.down))).httpDate
    }
}
