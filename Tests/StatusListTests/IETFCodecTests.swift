import Foundation
import Testing
import WireEncoding

@testable import StatusList

@Suite("IETF lst codec")
struct IETFCodecTests {
    @Test("the vector file loads with all six lists")
    func vectorsLoad() {
        #expect(IETFVectors.url() != nil)
        #expect(IETFVectors.lists.count == 6)
        #expect(Set(IETFVectors.lists.map(\.bits)) == [1, 2, 4, 8])
    }

    @Test("each draft list decodes to exactly the documented statuses", arguments: IETFVectors.lists)
    func decode(vector: IETFVectorList) throws {
        let bits = try StatusSize(bits: vector.bits)
        let list = try Bitstring(ietfEncodedList: vector.lst, bits: bits, expectedCount: vector.size)
        #expect(list.count == vector.size)
        for (index, value) in vector.listedStatuses {
            #expect(list[index] == value, "entry \(index)")
        }
        // Listed non-zero entries are the only non-zero ones: together with the checks above, every unlisted entry is 0.
        let listedNonZero = vector.listedStatuses.filter { $0.value != 0 }.count
        if vector.unlistedAreZero == true || vector.statuses.count == vector.size {
            #expect(list.nonZeroCount == listedNonZero)
        }
        if let hex = vector.byteArrayHex {
            #expect(Hex.encode(list.lsbFirstBytes) == hex)
        }
        if let hex = vector.compressedHex {
            #expect(Hex.encode(try Base64URL.decode(Substring(vector.lst), what: "lst")) == hex)
        }
        // Also through the JSON model.
        let json = #"{"bits":\#(vector.bits),"lst":"\#(vector.lst)"}"#
        let model = try JSONDecoder().decode(IETFStatusList.self, from: Data(json.utf8))
        #expect(try model.bitstring() == list)
    }

    @Test("our encoder's output decodes back identically", arguments: IETFVectors.lists)
    func reencode(vector: IETFVectorList) throws {
        let bits = try StatusSize(bits: vector.bits)
        let list = try Bitstring(ietfEncodedList: vector.lst, bits: bits)
        var built = try Bitstring(count: vector.size, entrySize: bits)
        for (index, value) in vector.listedStatuses { try built.set(value, at: index) }
        #expect(built == list)
        for level in [1, 6, 9] {
            let lst = try built.ietfEncodedList(level: level)
            #expect(try Bitstring(ietfEncodedList: lst, bits: bits) == list)
            #expect(try Bitstring(ietfCompressed: built.ietfCompressed(level: level), bits: bits) == list)
        }
        // With the system zlib (1.2.13, as the draft authors used) level 9 reproduces the draft's bytes exactly.
        #expect(try built.ietfEncodedList() == vector.lst)
    }

    @Test("random lists round trip", arguments: StatusSize.allCases, [0.0, 0.001, 0.05, 0.5])
    func randomRoundTrip(size: StatusSize, density: Double) throws {
        for (seed, count) in [(8, 1024), (9, density == 0.05 ? 131_072 : 16_384)] {
            let list = try randomBitstring(count: count, entrySize: size, density: density, seed: UInt64(seed))
            let decoded = try Bitstring(ietfEncodedList: list.ietfEncodedList(), bits: size, expectedCount: count)
            #expect(decoded == list)
            let model = try IETFStatusList(bitstring: list)
            let json = try JSONEncoder().encode(model)
            #expect(try JSONDecoder().decode(IETFStatusList.self, from: json).bitstring() == list)
        }
    }

    @Test("encoding rejections")
    func rejections() throws {
        let lst = "eNrbuRgAAhcBXQ"
        for text in [lst + "=", lst + "==", lst.replacingOccurrences(of: "R", with: "+"), "eNr/uRgAAhcBXQ", lst + "AAA", "eNrbuRgAAhcBXR"] {
            expectStatusListError(.malformedEncoding) { _ = try Bitstring(ietfEncodedList: text, bits: .one) }
        }
        // A multibase prefix is valid base64url, so it shows up as a bad zlib header.
        expectStatusListError(.corruptData) { _ = try Bitstring(ietfEncodedList: "u" + lst, bits: .one) }
    }

    @Test("gzip where zlib is expected, and the W3C text")
    func gzipInsteadOfZlib() throws {
        let list = try Bitstring(count: 1024)
        let gzip = try Deflate.compress(list.lsbFirstBytes, container: .gzip, level: 9)
        expectStatusListError(.wrongCompressionFormat) { _ = try Bitstring(ietfEncodedList: Base64URL.encode(gzip), bits: .one) }
        expectStatusListError(.wrongCompressionFormat) { _ = try Bitstring(ietfCompressed: gzip, bits: .one) }
        expectStatusListError(.wrongCompressionFormat) {
            _ = try Bitstring(ietfEncodedList: String(W3CVectors.specAllZero.dropFirst()), bits: .one)
        }
    }

    @Test("checksum, truncation, trailing bytes, bomb")
    func damage() throws {
        let compressed = Hex.decode("78dadbb918000217015d")
        var badAdler = compressed
        badAdler[compressed.count - 1] ^= 0x01
        expectStatusListError(.corruptData) { _ = try Bitstring(ietfCompressed: badAdler, bits: .one) }
        var badHeader = compressed
        badHeader[1] ^= 0x01
        expectStatusListError(.corruptData) { _ = try Bitstring(ietfCompressed: badHeader, bits: .one) }
        expectStatusListError(.truncated) { _ = try Bitstring(ietfCompressed: Array(compressed.dropLast()), bits: .one) }
        expectStatusListError(.truncated) { _ = try Bitstring(ietfEncodedList: "", bits: .one) }
        expectStatusListError(.trailingData) { _ = try Bitstring(ietfCompressed: compressed + [0x00], bits: .one) }
        let bomb = Bombs.zlib
        expectStatusListError(.sizeLimitExceeded) { _ = try Bitstring(ietfCompressed: bomb, bits: .one, maximumBytes: 1 << 20) }
        expectStatusListError(.lengthMismatch) { _ = try Bitstring(ietfCompressed: compressed, bits: .one, expectedCount: 24) }
    }
}
