import CZlib

/// DEFLATE compression in a ZLIB (RFC 1950) or GZIP (RFC 1952) container, over the system zlib.
///
/// Decompression is hardened for untrusted input: it accepts only the expected container (and names the other one
/// when it is given), lets zlib verify the Adler-32/CRC-32 trailer, rejects truncated streams and bytes after the
/// end of the stream, and stops as soon as the output would exceed a caller-chosen maximum. Output grows in bounded
/// chunks; sizes declared by the input (the GZIP ISIZE trailer) are never trusted.
enum Deflate {
    /// The container around the DEFLATE data.
    enum Container: Sendable, CustomStringConvertible {
        /// RFC 1950: 2-byte header, Adler-32 trailer. Used by IETF Token Status List.
        case zlib
        /// RFC 1952: 10-byte header, CRC-32 + ISIZE trailer. Used by W3C Bitstring Status List.
        case gzip
        /// RFC 1951 alone: no header or checksum (JOSE `zip` `DEF`, where the signature protects the bytes).
        case raw

        /// The zlib `windowBits` that selects exactly this container (no automatic detection).
        var windowBits: Int32 {
            switch self {
            case .zlib: return 15
            case .gzip: return 31
            case .raw: return -15
            }
        }

        var description: String {
            switch self {
            case .zlib: return "zlib (RFC 1950)"
            case .gzip: return "gzip (RFC 1952)"
            case .raw: return "raw DEFLATE (RFC 1951)"
            }
        }

        /// Which container the first bytes look like, if any.
        static func sniff(_ bytes: [UInt8]) -> Container? {
            guard bytes.count >= 2 else { return nil }
            if bytes[0] == 0x1F && bytes[1] == 0x8B { return .gzip }
            let header = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
            if bytes[0] & 0x0F == 8 && bytes[0] >> 4 <= 7 && header % 31 == 0 { return .zlib }
            return nil
        }
    }

    /// The output chunk handed to `inflate` per call; bounds the memory grabbed ahead of actual output.
    private static let chunkSize = 64 * 1024

    /// Compresses bytes in one pass.
    ///
    /// For GZIP, zlib writes mtime 0, no file name and OS byte 3, so level 6 reproduces the W3C specification's
    /// example byte for byte.
    /// - Parameters:
    ///   - bytes: The uncompressed data.
    ///   - container: ZLIB or GZIP.
    ///   - level: zlib compression level 0...9.
    /// - Returns: The complete compressed stream.
    /// - Throws: ``StatusListError/Code/invalidArgument`` for a bad level or an input over 4 GiB;
    ///   ``StatusListError/Code/compressionFailed`` when zlib fails.
    static func compress(_ bytes: [UInt8], container: Container, level: Int) throws -> [UInt8] {
        guard (0...9).contains(level) else {
            throw StatusListError(.invalidArgument, "compression level \(level) is outside 0...9")
        }
        guard bytes.count <= Int(UInt32.max) else {
            throw StatusListError(.invalidArgument, "cannot compress \(bytes.count) bytes in one pass (limit 4 GiB)")
        }
        // zlib keeps a back pointer to the stream and checks it on every call, so the stream needs a stable address.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let initStatus = czlib_deflate_init(stream, Int32(level), container.windowBits)
        guard initStatus == Z_OK else {
            throw StatusListError(.compressionFailed, "deflateInit2 failed with status \(initStatus)")
        }
        defer { deflateEnd(stream) }

        let bound = Int(deflateBound(stream, uLong(bytes.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let (status, produced) = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.pointee.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0) }
                stream.pointee.avail_in = uInt(input.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(out.count)
                let status = deflate(stream, Z_FINISH)
                return (status, out.count - Int(stream.pointee.avail_out))
            }
        }
        guard status == Z_STREAM_END else {
            throw StatusListError(.compressionFailed, "deflate did not finish (status \(status))")
        }
        output.removeSubrange(produced...)
        return output
    }

    /// Decompresses a complete stream in the expected container.
    /// - Parameters:
    ///   - bytes: The compressed stream; nothing may follow its end.
    ///   - container: The only container accepted.
    ///   - maximumSize: The largest decompressed size accepted, in bytes.
    /// - Returns: The decompressed bytes.
    /// - Throws: ``StatusListError`` with code `wrongCompressionFormat`, `corruptData`, `truncated`, `trailingData`,
    ///   `sizeLimitExceeded`, or `invalidArgument` for a non-positive maximum or an input over 4 GiB.
    static func decompress(_ bytes: [UInt8], container: Container, maximumSize: Int) throws -> [UInt8] {
        guard maximumSize > 0 else {
            throw StatusListError(.invalidArgument, "maximum decompressed size must be positive, got \(maximumSize)")
        }
        guard bytes.count <= Int(UInt32.max) else {
            throw StatusListError(.invalidArgument, "cannot decompress \(bytes.count) bytes in one pass (limit 4 GiB)")
        }
        // Raw DEFLATE has no header, so its first bytes may look like either container by chance.
        if container != .raw, let found = Container.sniff(bytes), found != container {
            throw StatusListError(.wrongCompressionFormat, "found \(found) data where \(container) was expected")
        }
        guard bytes.count >= 2 else {
            throw StatusListError(.truncated, "\(container) stream of \(bytes.count) byte(s) is too short for a header")
        }

        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let initStatus = czlib_inflate_init(stream, container.windowBits)
        guard initStatus == Z_OK else {
            throw StatusListError(.corruptData, "inflateInit2 failed with status \(initStatus)")
        }
        defer { inflateEnd(stream) }

        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: maximumSize < chunkSize ? maximumSize + 1 : chunkSize)
        try bytes.withUnsafeBufferPointer { input in
            stream.pointee.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0) }
            stream.pointee.avail_in = uInt(input.count)
            while true {
                // One byte more than the remaining allowance: producing it proves the limit is exceeded.
                let allowance = maximumSize - output.count
                let room = allowance < chunk.count ? allowance + 1 : chunk.count
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { out in
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = uInt(room)
                    let status = inflate(stream, Z_NO_FLUSH)
                    return (status, room - Int(stream.pointee.avail_out))
                }
                output.append(contentsOf: chunk[0..<produced])
                if output.count > maximumSize {
                    throw StatusListError(
                        .sizeLimitExceeded,
                        "decompressed data exceeds the maximum of \(maximumSize) bytes"
                    )
                }
                switch status {
                case Z_STREAM_END:
                    let remaining = Int(stream.pointee.avail_in)
                    guard remaining == 0 else {
                        throw StatusListError(
                            .trailingData,
                            "\(remaining) byte(s) follow the end of the \(container) stream"
                        )
                    }
                    return
                case Z_OK, Z_BUF_ERROR:
                    // No progress with input exhausted and output room left means the stream just stops.
                    if stream.pointee.avail_in == 0 && produced < room {
                        throw StatusListError(
                            .truncated,
                            "\(container) stream ends after \(bytes.count) bytes without its end marker and checksum"
                        )
                    }
                case Z_NEED_DICT:
                    throw StatusListError(.corruptData, "\(container) stream requires a preset dictionary")
                case Z_DATA_ERROR:
                    throw StatusListError(.corruptData, "invalid \(container) data: \(zlibMessage(stream))")
                default:
                    throw StatusListError(.corruptData, "inflate failed with status \(status): \(zlibMessage(stream))")
                }
            }
        }
        return output
    }

    private static func zlibMessage(_ stream: UnsafeMutablePointer<z_stream>) -> String {
        guard let message = stream.pointee.msg else { return "no detail" }
        return String(cString: message)
    }
}
