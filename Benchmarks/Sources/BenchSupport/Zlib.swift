import BenchZlib

/// zlib called directly, with nothing of Standing around it: the baseline every codec figure is divided by.
///
/// Each call does what the library's own codec must do at least once (initialise a stream, run it to the end,
/// free it, allocate the output), so the ratio isolates what Standing adds: checks, layout conversion, base64url,
/// JSON and signatures.
public enum ZlibBaseline {
    /// The container of a stream: zlib (RFC 1950, IETF `lst`) or gzip (RFC 1952, W3C `encodedList`).
    public enum Container: String, Sendable, Codable {
        case zlib
        case gzip

        var windowBits: Int32 { self == .zlib ? 15 : 31 }
    }

    /// A zlib call failed; the benchmark data is then unusable.
    public struct Failure: Error, CustomStringConvertible {
        /// What failed and with which zlib status.
        public let description: String

        /// Creates the error.
        public init(description: String) { self.description = description }
    }

    /// Compresses `bytes` in one `deflate(Z_FINISH)` call into a `deflateBound`-sized buffer.
    /// - Parameters:
    ///   - bytes: The uncompressed data.
    ///   - container: zlib or gzip framing.
    ///   - level: zlib level 0...9.
    /// - Returns: The complete compressed stream.
    /// - Throws: ``Failure`` when zlib reports an error.
    public static func deflate(_ bytes: [UInt8], container: Container, level: Int) throws -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let initStatus = benchzlib_deflate_init(stream, Int32(level), container.windowBits)
        guard initStatus == Z_OK else { throw Failure(description: "deflateInit2 returned \(initStatus)") }
        defer { deflateEnd(stream) }
        let bound = Int(deflateBound(stream, uLong(bytes.count)))
        var produced = 0
        var status: Int32 = Z_OK
        let output = [UInt8](unsafeUninitializedCapacity: bound) { out, initialized in
            bytes.withUnsafeBufferPointer { input in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.pointee.avail_in = uInt(input.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(bound)
                status = BenchZlib.deflate(stream, Z_FINISH)
                produced = bound - Int(stream.pointee.avail_out)
            }
            initialized = produced
        }
        guard status == Z_STREAM_END else { throw Failure(description: "deflate returned \(status)") }
        return output
    }

    /// Decompresses a whole stream of known decompressed size in one `inflate(Z_FINISH)` call.
    /// - Parameters:
    ///   - bytes: The compressed stream.
    ///   - container: zlib or gzip framing (zlib checks the trailer checksum either way).
    ///   - decompressedSize: The exact decompressed size (the output is allocated once, at this size).
    /// - Returns: The decompressed bytes.
    /// - Throws: ``Failure`` when zlib reports an error or the size differs.
    public static func inflate(_ bytes: [UInt8], container: Container, decompressedSize: Int) throws -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let initStatus = benchzlib_inflate_init(stream, container.windowBits)
        guard initStatus == Z_OK else { throw Failure(description: "inflateInit2 returned \(initStatus)") }
        defer { inflateEnd(stream) }
        var produced = 0
        var status: Int32 = Z_OK
        let output = [UInt8](unsafeUninitializedCapacity: decompressedSize) { out, initialized in
            bytes.withUnsafeBufferPointer { input in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.pointee.avail_in = uInt(input.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(decompressedSize)
                status = BenchZlib.inflate(stream, Z_FINISH)
                produced = decompressedSize - Int(stream.pointee.avail_out)
            }
            initialized = produced
        }
        guard status == Z_STREAM_END, produced == decompressedSize else {
            throw Failure(description: "inflate returned \(status) after \(produced) of \(decompressedSize) bytes")
        }
        return output
    }
}
