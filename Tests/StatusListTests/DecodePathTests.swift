import Foundation
import Testing

@testable import StatusList

/// The fast paths of IETF decoding: the in-place layout conversion (against the per-byte tables) and the decoded
/// `lst` that `IETFStatusList` keeps from validation (against decoding `lst` afresh).
@Suite("IETF decode path: in-place layout conversion and the decoded lst")
struct DecodePathTests {
    static let sizes: [StatusSize] = [.one, .two, .four, .eight]

    @Test("the in-place conversion matches the per-byte tables for every length, and is its own inverse", arguments: sizes)
    func inPlaceConversionMatchesTables(size: StatusSize) {
        var generator = SeededGenerator(seed: 0x1A70 &+ UInt64(size.bits))
        for length in Array(0...48) + [131_072, 131_077] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var converted = bytes
            Bitstring.reverseEntryOrderInBytes(&converted, entrySize: size)
            #expect(converted == ByteLayoutTables.convert(bytes, entrySize: size), "\(length) bytes")
            Bitstring.reverseEntryOrderInBytes(&converted, entrySize: size)
            #expect(converted == bytes)
        }
        // Every byte value, in a block and in the tail.
        var all = (0..<256).map { UInt8($0) } + (0..<7).map { UInt8($0 * 37) }
        let expected = ByteLayoutTables.convert(all, entrySize: size)
        Bitstring.reverseEntryOrderInBytes(&all, entrySize: size)
        #expect(all == expected)
    }

    @Test("IETF decoding and encoding agree with the table-based layout", arguments: sizes)
    func codecsAgreeWithTables(size: StatusSize) throws {
        var generator = SeededGenerator(seed: 0x1E7F &+ UInt64(size.bits))
        for byteCount in [1, 15, 16, 17, 4_099] {
            let lsbFirst = (0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = try Bitstring(lsbFirstBytes: lsbFirst, entrySize: size)
            let compressed = try Deflate.compress(lsbFirst, container: .zlib, level: 6)
            #expect(try Bitstring(ietfCompressed: compressed, bits: size) == expected)
            #expect(try Deflate.decompress(expected.ietfCompressed(level: 1), container: .zlib, maximumSize: 1 << 20) == lsbFirst)
            #expect(try Bitstring(ietfEncodedList: expected.ietfEncodedList(level: 1), bits: size) == expected)
        }
    }

    @Test("a decoded status_list equals and hashes like the one built from its members, and decodes to the same list")
    func decodedEqualsBuilt() throws {
        var list = try Bitstring(count: 4_096, entrySize: .two)
        for index in stride(from: 3, to: 4_096, by: 97) { try list.set(UInt8(index % 4), at: index) }
        let built = IETFStatusList(bits: .two, lst: try list.ietfEncodedList(), aggregationURI: "https://example.com/lists")
        let decoded = try JSONDecoder().decode(IETFStatusList.self, from: JSONEncoder().encode(built))
        #expect(decoded == built)
        #expect(decoded.hashValue == built.hashValue)
        #expect(Set([decoded, built]).count == 1)
        // Encoding writes the three members only (JSONEncoder's member order varies, so compare the objects).
        let encodedDecoded = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(decoded)) as? [String: Any])
        let encodedBuilt = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(built)) as? [String: Any])
        #expect(encodedDecoded.keys.sorted() == ["aggregation_uri", "bits", "lst"])
        #expect(NSDictionary(dictionary: encodedDecoded).isEqual(to: encodedBuilt))
        #expect(try decoded.bitstring() == list)
        #expect(try built.bitstring() == list)
        // The checks of bitstring() apply alike on both paths.
        for value in [decoded, built] {
            expectStatusListError(.lengthMismatch) { _ = try value.bitstring(expectedCount: 4_100) }
            expectStatusListError(.sizeLimitExceeded) { _ = try value.bitstring(maximumBytes: 100) }
            #expect(try value.bitstring(expectedCount: 4_096) == list)
        }
    }

    @Test("changing lst or bits of a decoded status_list is honoured by bitstring()")
    func mutationsAreHonoured() throws {
        var first = try Bitstring(count: 1_024, entrySize: .one)
        try first.set(1, at: 5)
        var second = try Bitstring(count: 2_048, entrySize: .one)
        try second.set(1, at: 2_000)
        let json = Data(#"{"bits":1,"lst":"\#(try first.ietfEncodedList())"}"#.utf8)

        var relisted = try JSONDecoder().decode(IETFStatusList.self, from: json)
        relisted.lst = try second.ietfEncodedList()
        #expect(try relisted.bitstring() == second)
        #expect(relisted == IETFStatusList(bits: .one, lst: try second.ietfEncodedList()))

        var damaged = try JSONDecoder().decode(IETFStatusList.self, from: json)
        damaged.lst += "="
        expectStatusListError(.malformedEncoding) { _ = try damaged.bitstring() }

        var widened = try JSONDecoder().decode(IETFStatusList.self, from: json)
        widened.bits = .two
        let expected = try Bitstring(ietfEncodedList: try first.ietfEncodedList(), bits: .two)
        #expect(try widened.bitstring() == expected)
        #expect(try widened.bitstring().count == 512)
    }
}
