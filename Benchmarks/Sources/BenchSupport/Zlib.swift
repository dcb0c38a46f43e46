import BenchZlib

/// zlib called directly, with nothing of Standing around it: the baseline every codec figure is divided by.
///
/// Each call does what the library's own codec must do at least once (initialise a stream, run it to the end,
/// free it, allocate the output), so the ratio isolates what Standing adds: checks, layout conversion, base64url,
/// JSON and signatures.
public enum ZlibBaseline {
    /// The container of a stream: zlib (RFC 1950, IETF `lst`) or gzip (RFC 1952, W3C `encodedList`).
    public enum Container: String, Sendable, Codable {
        /// RFC 1950 (windowBits 15).
        case zlib
        /// RFC 1952 (windowBits 31).
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

extension ZlibBaseline {
    /// Inflates a stream of unknown decompressed size straight into one uninitialised output array (no chunk copies,
    /// no zero fill), refusing more than `maximumSize` bytes: what a leaner hardened decoder could do. The first try
    /// allows 16× the input (sparse status lists compress 7-10×); a stream that needs more is inflated again with
    /// room for `maximumSize + 1` bytes.
    /// - Throws: ``Failure`` for a zlib error, a truncated stream, trailing data or output over the cap.
    public static func inflateGrowing(_ bytes: [UInt8], container: Container, maximumSize: Int) throws -> [UInt8] {
        let firstTry = min(maximumSize + 1, max(4096, bytes.count * 16))
        if let output = try inflateOnce(bytes, container: container, capacity: firstTry, maximumSize: maximumSize) {
            return output
        }
        guard firstTry <= maximumSize,
            let output = try inflateOnce(bytes, container: container, capacity: maximumSize + 1, maximumSize: maximumSize)
        else { throw Failure(description: "output over the size cap") }
        return output
    }

    /// One inflate into `capacity` bytes; nil when the room ran out before the end of the stream.
    private static func inflateOnce(_ bytes: [UInt8], container: Container, capacity: Int, maximumSize: Int) throws -> [UInt8]? {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        let initStatus = benchzlib_inflate_init(stream, container.windowBits)
        guard initStatus == Z_OK else { throw Failure(description: "inflateInit2 returned \(initStatus)") }
        defer { inflateEnd(stream) }
        var status: Int32 = Z_OK
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { out, initialized in
            bytes.withUnsafeBufferPointer { input in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.pointee.avail_in = uInt(input.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(capacity)
                status = BenchZlib.inflate(stream, Z_FINISH)
            }
            initialized = capacity - Int(stream.pointee.avail_out)
        }
        if status == Z_BUF_ERROR && stream.pointee.avail_out == 0 { return nil }
        guard status == Z_STREAM_END else { throw Failure(description: "inflate returned \(status) (corrupt or truncated)") }
        guard stream.pointee.avail_in == 0 else { throw Failure(description: "trailing data after the stream") }
        guard output.count <= maximumSize else { return nil }
        return output
    }
}
