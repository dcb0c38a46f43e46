import CZlib
import WireEncoding

/// A list's compressed wire form kept as independently compressed segments, so that republishing after a change
/// recompresses only the segments the change touched.
///
/// The uncompressed wire bytes (MSB-first for W3C, LSB-first for IETF) are cut into segments of
/// ``segmentBytes`` bytes. Each segment is raw DEFLATE from a fresh compressor state ending on a full flush
/// (`Z_FULL_FLUSH`: byte-aligned, no reference to earlier data), and the last one ends the stream (`Z_FINISH`).
/// Their concatenation behind one GZIP (W3C) or ZLIB (IETF) header is a single standard stream; the trailer's
/// CRC-32 or Adler-32 is combined from the per-segment checksums (`crc32_combine` / `adler32_combine`), so a
/// change costs one segment's compression plus a copy of the compressed bytes, whatever the list's size.
///
/// A list that fits in one segment comes out byte for byte as ``Bitstring/w3cEncodedList(level:)`` and
/// ``Bitstring/ietfCompressed(level:)`` produce it. Larger lists cost a little size: each boundary restarts the
/// Huffman tables and the match window (measured in `Benchmarks/`: about 1-2 % at 32 KiB segments and 1 % set).
///
/// The caller says which segments changed: ``segment(containingEntry:)`` maps an entry to its segment.
public struct SegmentedCompressedList: Sendable {
    /// Which wire form: the container and the byte layout.
    public enum Format: Sendable, Hashable, CustomStringConvertible {
        /// W3C Bitstring Status List: GZIP over the MSB-first bytes.
        case w3c
        /// IETF Token Status List: ZLIB over the LSB-first bytes.
        case ietf

        var container: Deflate.Container {
            switch self {
            case .w3c: .gzip
            case .ietf: .zlib
            }
        }

        public var description: String {
            switch self {
            case .w3c: "W3C (GZIP, MSB-first)"
            case .ietf: "IETF (ZLIB, LSB-first)"
            }
        }
    }

    /// The default segment size: a change recompresses at most this many uncompressed bytes (262,144 1-bit entries).
    public static let defaultSegmentBytes = 32 * 1024
    /// The smallest segment size accepted; smaller segments cost more in size than they save in time.
    public static let minimumSegmentBytes = 1024

    /// One segment: its raw DEFLATE bytes and what the trailer needs to know of its uncompressed bytes.
    private struct Segment: Sendable {
        var deflated: [UInt8]
        var checksum: UInt32
        var uncompressedCount: Int
    }

    /// The wire form.
    public let format: Format
    /// zlib compression level 0...9 of every segment.
    public let level: Int
    /// Uncompressed bytes per segment (the last one may be shorter).
    public let segmentBytes: Int
    /// The entry width of the list.
    public let entrySize: StatusSize
    /// The uncompressed size of the list in bytes.
    public let byteCount: Int
    private var segments: [Segment]

    /// Compresses every segment of a list.
    /// - Parameters:
    ///   - bitstring: The list.
    ///   - format: W3C (GZIP) or IETF (ZLIB).
    ///   - level: zlib compression level 0...9.
    ///   - segmentBytes: Uncompressed bytes per segment, at least ``minimumSegmentBytes``.
    /// - Throws: ``StatusListError/Code/invalidArgument`` for a bad level or segment size;
    ///   ``StatusListError/Code/compressionFailed`` when zlib fails.
    public init(_ bitstring: Bitstring, format: Format, level: Int, segmentBytes: Int = Self.defaultSegmentBytes) throws {
        guard (0...9).contains(level) else {
            throw StatusListError(.invalidArgument, "compression level \(level) is outside 0...9")
        }
        guard segmentBytes >= Self.minimumSegmentBytes, segmentBytes <= Int(UInt32.max) else {
            throw StatusListError(
                .invalidArgument, "segment size \(segmentBytes) is outside \(Self.minimumSegmentBytes)...\(UInt32.max) bytes")
        }
        self.format = format
        self.level = level
        self.segmentBytes = segmentBytes
        self.entrySize = bitstring.entrySize
        self.byteCount = bitstring.byteCount
        let count = (bitstring.byteCount + segmentBytes - 1) / segmentBytes
        self.segments = Array(repeating: Segment(deflated: [], checksum: 0, uncompressedCount: 0), count: count)
        try recompress(segments: 0..<count, from: bitstring)
    }

    /// The number of segments.
    public var segmentCount: Int { segments.count }

    /// The segment that holds entry `index` (every entry lies within one byte, so within one segment).
    /// - Precondition: `index` is an entry of the list; out-of-range indices trap (callers pass validated indices).
    public func segment(containingEntry index: Int) -> Int {
        precondition(index >= 0 && index < byteCount * 8 / entrySize.bits, "entry \(index) is outside the list")
        return Self.segment(containingEntry: index, entrySize: entrySize, segmentBytes: segmentBytes)
    }

    /// The segment that holds entry `index` of any list with this entry size and segment size.
    public static func segment(containingEntry index: Int, entrySize: StatusSize, segmentBytes: Int) -> Int {
        index * entrySize.bits / 8 / segmentBytes
    }

    /// How many set bits a segment should hold on average before its boundary's cost stops mattering: each boundary
    /// starts a new DEFLATE block with its own Huffman tables (about 45 bytes) plus a 4-byte flush marker, against
    /// roughly 3 compressed bytes per set bit in a sparse list, so 600 set bits keep the overhead near 2 %.
    public static let targetSetBitsPerSegment = 600
    /// The largest multiple of the base segment size ``segmentBytes(for:base:)`` chooses.
    public static let maximumSegmentFactor = 8

    /// The segment size for a list: `base`, doubled (up to ``maximumSegmentFactor`` times `base`) while a segment
    /// would hold fewer than ``targetSetBitsPerSegment`` set bits on average. Sparse lists get fewer, larger segments
    /// (they compress fast, so a change still costs little); lists with 1 % or more set keep `base`.
    /// - Parameters:
    ///   - bitstring: The list as it is now.
    ///   - base: The smallest segment size, in uncompressed bytes.
    public static func segmentBytes(for bitstring: Bitstring, base: Int) -> Int {
        let setBits = bitstring.setBitCount
        var size = base
        while size < base * maximumSegmentFactor, setBits * size < targetSetBitsPerSegment * bitstring.byteCount {
            size *= 2
        }
        return size
    }

    /// Recompresses the given segments from the list's current entries; the others are kept as they are.
    /// - Parameters:
    ///   - changed: Indices of the segments whose entries changed (duplicates and any order are fine).
    ///   - bitstring: The list now; it must have the shape this value was created with.
    /// - Throws: ``StatusListError/Code/invalidArgument`` for a list of another shape or a segment index out of range;
    ///   ``StatusListError/Code/compressionFailed`` when zlib fails.
    public mutating func recompress(segments changed: some Sequence<Int>, from bitstring: Bitstring) throws {
        guard bitstring.entrySize == entrySize, bitstring.byteCount == byteCount else {
            throw StatusListError(
                .invalidArgument,
                "the list has \(bitstring.count) entries of \(bitstring.entrySize); expected \(byteCount * 8 / entrySize.bits) of \(entrySize)")
        }
        let indices = Set(changed)
        guard indices.allSatisfy({ segments.indices.contains($0) }) else {
            throw StatusListError(.invalidArgument, "segment index outside 0..<\(segments.count)")
        }
        guard !indices.isEmpty else { return }
        let compressor = try SegmentCompressor(level: level)
        let source = bitstring.msbFirstBytes
        var scratch: [UInt8] = []
        for index in indices.sorted() {
            let start = index * segmentBytes
            let end = min(start + segmentBytes, byteCount)
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: source[start..<end])
            if format == .ietf { Bitstring.reverseEntryOrderInBytes(&scratch, entrySize: entrySize) }
            let isLast = index == segments.count - 1
            segments[index] = Segment(
                deflated: try compressor.compress(scratch, finishing: isLast),
                checksum: checksum(of: scratch),
                uncompressedCount: scratch.count)
        }
    }

    /// The complete stream: header, every segment, and the trailer with the combined checksum.
    public var compressed: [UInt8] {
        let header = self.header
        var output: [UInt8] = []
        output.reserveCapacity(header.count + segments.reduce(0) { $0 + $1.deflated.count } + 8)
        output.append(contentsOf: header)
        for segment in segments { output.append(contentsOf: segment.deflated) }
        let combined = combinedChecksum
        switch format {
        case .w3c:
            // CRC-32 and ISIZE (length modulo 2^32), both little-endian.
            output.append(contentsOf: littleEndianBytes(combined))
            output.append(contentsOf: littleEndianBytes(UInt32(truncatingIfNeeded: byteCount)))
        case .ietf:
            // Adler-32, big-endian.
            output.append(contentsOf: littleEndianBytes(combined).reversed())
        }
        return output
    }

    /// The stream as the format's text: `u` + base64url for a W3C `encodedList`, base64url for an IETF JSON `lst`.
    public var encodedList: String {
        switch format {
        case .w3c: "u" + Base64URL.encode(compressed)
        case .ietf: Base64URL.encode(compressed)
        }
    }

    /// The total size of the compressed stream in bytes.
    public var compressedCount: Int {
        header.count + segments.reduce(0) { $0 + $1.deflated.count } + (format == .w3c ? 8 : 4)
    }

    /// The header zlib itself writes for this level, so a one-segment list matches a one-pass compression exactly.
    private var header: [UInt8] {
        switch format {
        case .w3c:
            // mtime 0, XFL as zlib sets it (2: slowest, 4: fastest), OS 3 (Unix).
            let extraFlags: UInt8 = level == 9 ? 2 : (level < 2 ? 4 : 0)
            return [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, extraFlags, 0x03]
        case .ietf:
            // CMF 0x78 (deflate, 32 KiB window); FLEVEL as zlib derives it from the level; FCHECK makes it a multiple of 31.
            let levelFlags: UInt16 = level < 2 ? 0 : (level < 6 ? 1 : (level == 6 ? 2 : 3))
            var header: UInt16 = 0x78 << 8 | levelFlags << 6
            header += 31 - header % 31
            return [UInt8(header >> 8), UInt8(header & 0xFF)]
        }
    }

    private func checksum(of bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            switch format {
            case .w3c: UInt32(truncatingIfNeeded: crc32(0, buffer.baseAddress, uInt(buffer.count)))
            case .ietf: UInt32(truncatingIfNeeded: adler32(1, buffer.baseAddress, uInt(buffer.count)))
            }
        }
    }

    private var combinedChecksum: UInt32 {
        var combined: UInt = format == .w3c ? 0 : 1
        for (position, segment) in segments.enumerated() {
            let value = UInt(segment.checksum)
            if position == 0 {
                combined = value
                continue
            }
            let length = Int64(segment.uncompressedCount)
            switch format {
            case .w3c: combined = czlib_crc32_combine(combined, value, length)
            case .ietf: combined = czlib_adler32_combine(combined, value, length)
            }
        }
        return UInt32(truncatingIfNeeded: combined)
    }

    private func littleEndianBytes(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
    }
}

/// One raw-DEFLATE compressor reused for several segments (`deflateReset` is much cheaper than a new state).
private final class SegmentCompressor {
    private let stream: UnsafeMutablePointer<z_stream>
    /// Room for the worst case, reused across segments; each segment keeps only the bytes it produced.
    private var scratch: [UInt8] = []

    init(level: Int) throws {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // Negative window bits: raw DEFLATE, no header or trailer (the list's stream has one of each, written apart).
        let status = czlib_deflate_init(stream, Int32(level), -15)
        guard status == Z_OK else {
            stream.deallocate()
            throw StatusListError(.compressionFailed, "deflateInit2 failed with status \(status)")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses one segment from a fresh state, ending with a full flush, or with the end of the stream.
    func compress(_ bytes: [UInt8], finishing: Bool) throws -> [UInt8] {
        guard deflateReset(stream) == Z_OK else {
            throw StatusListError(.compressionFailed, "deflateReset failed")
        }
        // The bound covers the data; a flush adds at most an empty stored block and a few bits, hence the margin.
        let capacity = Int(deflateBound(stream, uLong(bytes.count))) + 64
        if scratch.count < capacity { scratch = [UInt8](repeating: 0, count: capacity) }
        let (status, produced, leftIn, leftOut) = bytes.withUnsafeBufferPointer { input in
            scratch.withUnsafeMutableBufferPointer { out in
                stream.pointee.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0) }
                stream.pointee.avail_in = uInt(input.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(out.count)
                let status = deflate(stream, finishing ? Z_FINISH : Z_FULL_FLUSH)
                let leftOut = Int(stream.pointee.avail_out)
                return (status, out.count - leftOut, Int(stream.pointee.avail_in), leftOut)
            }
        }
        // A flush is complete when all input is consumed and output room remains; a finish when the stream ended.
        let complete = finishing ? status == Z_STREAM_END : (status == Z_OK && leftIn == 0 && leftOut > 0)
        guard complete else {
            throw StatusListError(.compressionFailed, "deflate did not complete the segment (status \(status))")
        }
        // A copy of exactly the produced bytes: trimming the worst-case buffer would keep its whole capacity
        // allocated for as long as the list lives.
        return Array(scratch[..<produced])
    }
}
