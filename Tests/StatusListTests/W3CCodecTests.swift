import Foundation
import Testing
import WireEncoding

@testable import StatusList

@Suite("W3C encodedList codec")
struct W3CCodecTests {
    @Test("the specification's all-zero list decodes and re-encodes byte for byte at level 6")
    func specVector() throws {
        let list = try Bitstring(w3cEncodedList: W3CVectors.specAllZero)
        #expect(list.count == 131_072 && list.byteCount == 16_384 && list.entrySize == .one)
        #expect(list.nonZeroCount == 0)
        #expect(list.msbFirstBytes == [UInt8](repeating: 0, count: 16_384))
        try list.requireMinimumEntries()
        #expect(try list.w3cEncodedList() == W3CVectors.specAllZero)
        #expect(try list.w3cEncodedList(level: 9) == W3CVectors.specAllZeroLevel9)
        #expect(try Bitstring(w3cEncodedList: W3CVectors.specAllZeroLevel9) == list)
        // 51 gzip bytes, 69 characters.
        #expect(W3CVectors.specAllZero.count == 69)
    }

    @Test("VEC_A: 1-bit, indices 0, 94567, 131071")
    func vecA() throws {
        let list = try Bitstring(w3cEncodedList: W3CVectors.vecA, statusSize: .one)
        #expect(list.count == 131_072)
        #expect(list[0] == 1 && list[94_567] == 1 && list[131_071] == 1)
        #expect(list[1] == 0 && list[94_566] == 0 && list[94_568] == 0 && list[131_070] == 0)
        #expect(list.nonZeroCount == 3)
        let bytes = list.msbFirstBytes
        #expect(bytes[0] == 0x80 && bytes[11_820] == 0x01 && bytes[16_383] == 0x01)

        var built = try Bitstring()
        for index in [0, 94_567, 131_071] { try built.set(1, at: index) }
        #expect(built == list)
        for level in [1, 6, 9] {
            #expect(try Bitstring(w3cEncodedList: built.w3cEncodedList(level: level)) == list)
        }
    }

    @Test("VEC_B: 2-bit, entry 0 = 1, entry 1 = 2, entry 5 = 3, value MSB left-most")
    func vecB() throws {
        let list = try Bitstring(w3cEncodedList: W3CVectors.vecB, statusSize: .two)
        #expect(list.count == 131_072 && list.byteCount == 32_768)
        #expect(list[0] == 1 && list[1] == 2 && list[5] == 3)
        #expect(list[2] == 0 && list[3] == 0 && list[4] == 0 && list[6] == 0)
        #expect(list.nonZeroCount == 3)
        #expect(list.count(of: 1) == 1 && list.count(of: 2) == 1 && list.count(of: 3) == 1)
        #expect(list.msbFirstBytes[0] == 0x60 && list.msbFirstBytes[1] == 0x30)
        try list.requireMinimumEntries()

        var built = try Bitstring(count: 131_072, entrySize: .two)
        try built.set(1, at: 0)
        try built.set(2, at: 1)
        try built.set(3, at: 5)
        #expect(built == list)
        #expect(try Bitstring(w3cEncodedList: built.w3cEncodedList(), statusSize: .two) == list)

        // Read as 1-bit, the same bytes are twice as many entries.
        let asOneBit = try Bitstring(w3cEncodedList: W3CVectors.vecB, statusSize: .one)
        #expect(asOneBit.count == 262_144 && asOneBit[1] == 1 && asOneBit[2] == 1 && asOneBit[0] == 0)
    }

    @Test("random lists round trip", arguments: StatusSize.allCases, [0.0, 0.001, 0.05, 0.5])
    func randomRoundTrip(size: StatusSize, density: Double) throws {
        for (seed, count) in [(5, 1024), (6, density == 0.05 ? 131_072 : 16_384)] {
            let list = try randomBitstring(count: count, entrySize: size, density: density, seed: UInt64(seed))
            let encoded = try list.w3cEncodedList()
            #expect(encoded.hasPrefix("u"))
            let decoded = try Bitstring(w3cEncodedList: encoded, statusSize: size, expectedCount: count)
            #expect(decoded == list)
        }
    }

    @Test("missing or wrong multibase prefix")
    func prefix() {
        for text in [
            String(W3CVectors.specAllZero.dropFirst()), "U" + W3CVectors.specAllZero.dropFirst(), "z" + W3CVectors.specAllZero.dropFirst(), "",
        ] {
            expectStatusListError(.malformedEncoding) { _ = try Bitstring(w3cEncodedList: text) }
        }
    }

    @Test("padding and standard-alphabet characters are rejected")
    func alphabet() {
        let vector = W3CVectors.specAllZero
        #expect(vector.contains("-"))
        for text in [
            vector + "=", vector + "==", vector.replacingOccurrences(of: "-", with: "+"), vector.replacingOccurrences(of: "A", with: "/"),
            vector + " ",
        ] {
            expectStatusListError(.malformedEncoding) { _ = try Bitstring(w3cEncodedList: text) }
        }
    }

    func gzip(_ list: Bitstring) throws -> [UInt8] {
        try Deflate.compress(list.msbFirstBytes, container: .gzip, level: 6)
    }

    func encode(_ bytes: [UInt8]) -> String { "u" + Base64URL.encode(bytes) }

    @Test("zlib data where gzip is expected")
    func zlibInsteadOfGzip() throws {
        let list = try Bitstring()
        let zlib = try Deflate.compress(list.msbFirstBytes, container: .zlib, level: 6)
        let error = expectStatusListError(.wrongCompressionFormat) { _ = try Bitstring(w3cEncodedList: encode(zlib)) }
        #expect(error?.validationErrorKind == .malformedValueError)
        // The IETF encoding of the same list is also refused (no "u", then zlib).
        expectStatusListError(.wrongCompressionFormat) { _ = try Bitstring(w3cEncodedList: "u" + list.ietfEncodedList()) }
    }

    @Test("checksum, truncation and trailing bytes")
    func damage() throws {
        var list = try Bitstring()
        try list.set(1, at: 42)
        let compressed = try gzip(list)
        var badCRC = compressed
        badCRC[compressed.count - 6] ^= 0x80
        expectStatusListError(.corruptData) { _ = try Bitstring(w3cEncodedList: encode(badCRC)) }
        var badLength = compressed
        badLength[compressed.count - 1] ^= 0x01
        expectStatusListError(.corruptData) { _ = try Bitstring(w3cEncodedList: encode(badLength)) }
        expectStatusListError(.truncated) { _ = try Bitstring(w3cEncodedList: encode(Array(compressed.dropLast(3)))) }
        expectStatusListError(.truncated) { _ = try Bitstring(w3cEncodedList: encode(Array(compressed.prefix(12)))) }
        expectStatusListError(.truncated) { _ = try Bitstring(w3cEncodedList: "u") }
        expectStatusListError(.trailingData) { _ = try Bitstring(w3cEncodedList: encode(compressed + [0])) }
        expectStatusListError(.trailingData) { _ = try Bitstring(w3cEncodedList: encode(compressed + compressed)) }
    }

    @Test("size caps: absolute maximum, raised by an expected count")
    func caps() throws {
        let bomb = Bombs.gzip
        expectStatusListError(.sizeLimitExceeded) { _ = try Bitstring(w3cEncodedList: encode(bomb)) }
        expectStatusListError(.sizeLimitExceeded) { _ = try Bitstring(w3cEncodedList: encode(bomb), maximumBytes: 1 << 20) }

        let big = try Bitstring(count: 1 << 24)  // 2 MiB
        let encoded = try big.w3cEncodedList()
        expectStatusListError(.sizeLimitExceeded) { _ = try Bitstring(w3cEncodedList: encoded, maximumBytes: 1 << 20) }
        #expect(try Bitstring(w3cEncodedList: encoded, maximumBytes: 1 << 20, expectedCount: 1 << 24).count == 1 << 24)
        expectStatusListError(.lengthMismatch) { _ = try Bitstring(w3cEncodedList: encoded, expectedCount: 131_072) }
        expectStatusListError(.invalidArgument) { _ = try Bitstring(w3cEncodedList: encoded, expectedCount: 7) }
        expectStatusListError(.invalidArgument) { _ = try Bitstring(w3cEncodedList: encoded, maximumBytes: 0) }
    }

    @Test("an empty gzip stream is a length error")
    func empty() throws {
        let emptyStream = try Deflate.compress([], container: .gzip, level: 6)
        let error = expectStatusListError(.lengthMismatch) { _ = try Bitstring(w3cEncodedList: encode(emptyStream)) }
        #expect(error?.validationErrorKind == .statusListLengthError)
    }

    @Test("bad compression level")
    func level() throws {
        expectStatusListError(.invalidArgument) { _ = try Bitstring().w3cEncodedList(level: 11) }
    }
}
