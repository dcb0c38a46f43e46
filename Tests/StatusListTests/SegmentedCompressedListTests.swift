import Foundation
import ProcessTestSupport
import Testing

@testable import StatusList

@Suite("Segmented compression: one standard stream, recompressed a segment at a time")
struct SegmentedCompressedListTests {
    static let formats: [SegmentedCompressedList.Format] = [.w3c, .ietf]

    /// A list with about `density` of its entries set to random non-zero values.
    static func list(count: Int, size: StatusSize, density: Double, seed: UInt64) throws -> Bitstring {
        var generator = SeededGenerator(seed: seed)
        var bitstring = try Bitstring(count: count, entrySize: size)
        for _ in 0..<Int(Double(count) * density) {
            try bitstring.set(UInt8.random(in: 1...size.maximumValue, using: &generator), at: Int.random(in: 0..<count, using: &generator))
        }
        return bitstring
    }

    /// Decodes the stream the way a verifier does (the hardened inflate checks the container, checksum and length).
    static func decode(_ compressed: SegmentedCompressedList, size: StatusSize) throws -> Bitstring {
        switch compressed.format {
        case .w3c: try Bitstring(w3cEncodedList: compressed.encodedList, statusSize: size)
        case .ietf: try Bitstring(ietfEncodedList: compressed.encodedList, bits: size)
        }
    }

    @Test("a list within one segment is byte for byte the one-pass encoding", arguments: formats, [0, 1, 5, 6, 9])
    func oneSegmentMatchesOnePass(format: SegmentedCompressedList.Format, level: Int) throws {
        let bitstring = try Self.list(count: 131_072, size: .two, density: 0.02, seed: 11)
        let segmented = try SegmentedCompressedList(bitstring, format: format, level: level, segmentBytes: bitstring.byteCount)
        #expect(segmented.segmentCount == 1)
        switch format {
        case .w3c: #expect(segmented.encodedList == (try bitstring.w3cEncodedList(level: level)))
        case .ietf: #expect(segmented.compressed == (try bitstring.ietfCompressed(level: level)))
        }
        #expect(segmented.compressedCount == segmented.compressed.count)
    }

    @Test("many segments decode to the list, for every entry size and format", arguments: formats, StatusSize.allCases)
    func manySegmentsRoundTrip(format: SegmentedCompressedList.Format, size: StatusSize) throws {
        // 3,000 bytes past a multiple of the segment size, so the last segment is short.
        let count = (8 * 1024 * 8 + 3_000 * 8) / size.bits
        let bitstring = try Self.list(count: count, size: size, density: 0.05, seed: 5)
        let segmented = try SegmentedCompressedList(bitstring, format: format, level: 6, segmentBytes: 1024)
        #expect(segmented.segmentCount == 11)
        #expect(try Self.decode(segmented, size: size) == bitstring)
        #expect(segmented.compressedCount == segmented.compressed.count)
    }

    @Test("after changes, recompressing the touched segments equals compressing from scratch", arguments: formats)
    func incrementalEqualsFromScratch(format: SegmentedCompressedList.Format) throws {
        var bitstring = try Self.list(count: 262_144, size: .one, density: 0.01, seed: 9)
        var segmented = try SegmentedCompressedList(bitstring, format: format, level: 9, segmentBytes: 4096)
        var generator = SeededGenerator(seed: 77)
        for round in 0..<6 {
            var touched: [Int] = []
            // Round 0 changes one entry; later rounds several, sometimes the same segment twice.
            for _ in 0..<(round == 0 ? 1 : round * 7) {
                let index = Int.random(in: 0..<bitstring.count, using: &generator)
                try bitstring.set(bitstring[index] ^ 1, at: index)
                touched.append(segmented.segment(containingEntry: index))
            }
            try segmented.recompress(segments: touched, from: bitstring)
            let fresh = try SegmentedCompressedList(bitstring, format: format, level: 9, segmentBytes: 4096)
            #expect(segmented.compressed == fresh.compressed, "round \(round)")
            #expect(try Self.decode(segmented, size: .one) == bitstring, "round \(round)")
        }
    }

    @Test("a change in the last entry touches the last segment", arguments: formats)
    func lastEntry(format: SegmentedCompressedList.Format) throws {
        var bitstring = try Bitstring(count: 131_072 + 80, entrySize: .one)
        var segmented = try SegmentedCompressedList(bitstring, format: format, level: 6, segmentBytes: 2048)
        let last = bitstring.count - 1
        #expect(segmented.segment(containingEntry: last) == segmented.segmentCount - 1)
        #expect(segmented.segment(containingEntry: 0) == 0)
        #expect(segmented.segment(containingEntry: 2048 * 8 - 1) == 0)
        #expect(segmented.segment(containingEntry: 2048 * 8) == 1)
        try bitstring.set(1, at: last)
        try segmented.recompress(segments: [segmented.segment(containingEntry: last)], from: bitstring)
        #expect(try Self.decode(segmented, size: .one)[last] == 1)
    }

    @Test("a segment left out of recompress stays as it was (the caller names what changed)")
    func untouchedSegmentsAreKept() throws {
        var bitstring = try Bitstring(count: 131_072, entrySize: .one)
        var segmented = try SegmentedCompressedList(bitstring, format: .w3c, level: 6, segmentBytes: 1024)
        try bitstring.set(1, at: 0)
        try bitstring.set(1, at: 131_071)
        try segmented.recompress(segments: [segmented.segment(containingEntry: 0)], from: bitstring)
        let decoded = try Self.decode(segmented, size: .one)
        #expect(decoded[0] == 1)
        #expect(decoded[131_071] == 0)
    }

    @Test("bad arguments are refused")
    func badArguments() throws {
        let bitstring = try Bitstring(count: 131_072, entrySize: .one)
        expectStatusListError(.invalidArgument) { _ = try SegmentedCompressedList(bitstring, format: .w3c, level: 10) }
        expectStatusListError(.invalidArgument) { _ = try SegmentedCompressedList(bitstring, format: .ietf, level: -1) }
        expectStatusListError(.invalidArgument) { _ = try SegmentedCompressedList(bitstring, format: .w3c, level: 6, segmentBytes: 512) }
        var segmented = try SegmentedCompressedList(bitstring, format: .w3c, level: 6, segmentBytes: 1024)
        expectStatusListError(.invalidArgument) { try segmented.recompress(segments: [16], from: bitstring) }
        expectStatusListError(.invalidArgument) { try segmented.recompress(segments: [-1], from: bitstring) }
        let other = try Bitstring(count: 131_072, entrySize: .two)
        expectStatusListError(.invalidArgument) { try segmented.recompress(segments: [0], from: other) }
        let longer = try Bitstring(count: 131_080, entrySize: .one)
        expectStatusListError(.invalidArgument) { try segmented.recompress(segments: [0], from: longer) }
    }

    @Test("the system's Python zlib and gzip read the segmented streams", arguments: formats)
    func pythonDecodes(format: SegmentedCompressedList.Format) async throws {
        let bitstring = try Self.list(count: 1_000_000, size: .one, density: 0.01, seed: 21)
        let segmented = try SegmentedCompressedList(bitstring, format: format, level: 9, segmentBytes: 8192)
        #expect(segmented.segmentCount == 16)
        let expected = format == .w3c ? bitstring.msbFirstBytes : bitstring.lsbFirstBytes
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-segments-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let streamURL = directory.appendingPathComponent("stream")
        let expectedURL = directory.appendingPathComponent("expected")
        try Data(segmented.compressed).write(to: streamURL)
        try Data(expected).write(to: expectedURL)
        // gzip.decompress / zlib.decompress check the trailer (CRC-32 and ISIZE / Adler-32) and the stream's end.
        let function = format == .w3c ? "gzip.decompress" : "zlib.decompress"
        let script = """
            import gzip, sys, zlib
            data = \(function)(open(sys.argv[1], 'rb').read())
            sys.exit(0 if data == open(sys.argv[2], 'rb').read() else 3)
            """
        let result = try await ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", "-c", script, streamURL.path, expectedURL.path])
        #expect(result.status == 0, "\(result.errorOutput)")
    }

    @Test("sparse lists get larger segments, up to 8x the base")
    func segmentSizeFollowsDensity() throws {
        let base = 32_768
        let empty = try Bitstring(count: 10_000_000, entrySize: .one)
        #expect(empty.setBitCount == 0)
        #expect(SegmentedCompressedList.segmentBytes(for: empty, base: base) == 8 * base)
        // 0.1 % of 10M: 10,000 set bits over 1.25 MB; 600 per segment needs about 75 KB, so 128 KiB (4x).
        let sparse = try Self.list(count: 10_000_000, size: .one, density: 0.001, seed: 3)
        #expect((9_900...10_000).contains(sparse.setBitCount))
        #expect(SegmentedCompressedList.segmentBytes(for: sparse, base: base) == 4 * base)
        // 1 % and more keep the base size.
        let common = try Self.list(count: 10_000_000, size: .one, density: 0.01, seed: 3)
        #expect(SegmentedCompressedList.segmentBytes(for: common, base: base) == base)
        // Set bits, not entries, count: a 2-bit entry with value 3 has two.
        var twoBit = try Bitstring(count: 131_072, entrySize: .two)
        try twoBit.set(3, at: 5)
        try twoBit.set(1, at: 131_071)
        #expect(twoBit.setBitCount == 3)
    }
}
