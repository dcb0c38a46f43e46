/// DEFLATE for wire formats outside the status lists: a JOSE payload compressed as `zip` `DEF` (raw RFC 1951, as
/// JWE defines it in RFC 7516 §4.1.3) and the HTTP `gzip` content coding (RFC 1952). The same hardened zlib calls as
/// the status lists' own: decompression checks the stream's end, rejects trailing bytes and stops past a maximum size.
public enum WireCompression {
    /// The compressed format.
    public enum Format: Sendable, Hashable {
        /// Raw DEFLATE (RFC 1951), no header or checksum: JOSE `zip` `DEF`.
        case deflate
        /// GZIP (RFC 1952): the HTTP `gzip` content coding.
        case gzip

        var container: Deflate.Container {
            switch self {
            case .deflate: return .raw
            case .gzip: return .gzip
            }
        }
    }

    /// Compresses bytes in one pass.
    /// - Parameters:
    ///   - bytes: The uncompressed bytes.
    ///   - format: Raw DEFLATE or GZIP.
    ///   - level: zlib compression level 0...9 (9: built once, served many times).
    /// - Returns: The compressed bytes.
    /// - Throws: ``StatusListError`` `invalidArgument` or `compressionFailed`.
    public static func compress(_ bytes: [UInt8], format: Format, level: Int = 9) throws(StatusListError) -> [UInt8] {
        do {
            return try Deflate.compress(bytes, container: format.container, level: level)
        } catch let error as StatusListError {
            throw error
        } catch {
            throw StatusListError(.compressionFailed, "\(error)")
        }
    }

    /// Decompresses a complete stream.
    /// - Parameters:
    ///   - bytes: The compressed bytes; nothing may follow the end of the stream.
    ///   - format: The only format accepted.
    ///   - maximumSize: The largest decompressed size accepted, in bytes.
    /// - Returns: The decompressed bytes.
    /// - Throws: ``StatusListError`` `corruptData`, `truncated`, `trailingData`, `sizeLimitExceeded`,
    ///   `wrongCompressionFormat` or `invalidArgument`.
    public static func decompress(_ bytes: [UInt8], format: Format, maximumSize: Int) throws(StatusListError) -> [UInt8] {
        do {
            return try Deflate.decompress(bytes, container: format.container, maximumSize: maximumSize)
        } catch let error as StatusListError {
            throw error
        } catch {
            throw StatusListError(.corruptData, "\(error)")
        }
    }
}
