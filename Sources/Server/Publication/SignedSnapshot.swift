import NIOCore
import StatusList

/// The signed wallet snapshot as served: the compact JWS's bytes, and the same bytes in the `gzip` content coding,
/// both made once per signing on the registry's background worker, so a read picks one and compresses nothing.
///
/// The JWS payload is already DEFLATE-compressed (`zip` `DEF`); gzip on top takes back most of base64url's third.
struct SignedSnapshot: Sendable {
    /// The compact JWS (`Content-Encoding` identity).
    let identity: ByteBuffer
    /// The compact JWS in the `gzip` content coding.
    let gzip: ByteBuffer
    /// The strong entity tag of ``identity``, quoted: the signed `seq` and the end of the signature.
    let identityETag: String
    /// The strong entity tag of ``gzip``: a different representation, so a different tag (RFC 9110 §8.8.3).
    let gzipETag: String

    /// Prepares both representations of `compact`, signed at state `seq`.
    /// - Throws: ``StatusListError`` if zlib fails.
    init(compact: String, seq: Int) throws {
        identity = ByteBuffer(string: compact)
        gzip = ByteBuffer(bytes: try WireCompression.compress(Array(compact.utf8), format: .gzip, level: 9))
        let fingerprint = "\(seq)-\(compact.suffix(16))"
        identityETag = "\"\(fingerprint)\""
        gzipETag = "\"\(fingerprint)-gzip\""
    }

    /// The compact JWS as text.
    var compact: String { String(buffer: identity) }
}
