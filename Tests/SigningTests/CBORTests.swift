import Foundation
import Signing
import Testing

/// An encoded item and the value it stands for.
struct CBORVector: Sendable, CustomTestStringConvertible {
    let value: CBOR
    let hex: String
    var testDescription: String { "\(value) <-> \(hex)" }
}

/// A malformed input and a fragment of the reason the decoder must give.
struct MalformedCBORVector: Sendable, CustomTestStringConvertible {
    let hex: String
    let reason: String
    var testDescription: String { "\(hex.prefix(24)) (\(reason))" }
}

private func bytes(fromHex hex: String) -> Data {
    var data = Data()
    var index = hex.startIndex
    while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
        guard let byte = UInt8(hex[index..<next], radix: 16) else { break }
        data.append(byte)
        index = next
    }
    return data
}

private func hex(_ data: Data) -> String {
    data.map { String(format: "%02x", $0) }.joined()
}

@Suite("CBOR")
struct CBORTests {
    /// RFC 8949 Appendix A examples whose encoding is the preferred one, so they must round-trip both ways.
    static let appendixA: [CBORVector] = [
        CBORVector(value: 0, hex: "00"),
        CBORVector(value: 1, hex: "01"),
        CBORVector(value: 10, hex: "0a"),
        CBORVector(value: 23, hex: "17"),
        CBORVector(value: 24, hex: "1818"),
        CBORVector(value: 25, hex: "1819"),
        CBORVector(value: 100, hex: "1864"),
        CBORVector(value: 1000, hex: "1903e8"),
        CBORVector(value: 1_000_000, hex: "1a000f4240"),
        CBORVector(value: 1_000_000_000_000, hex: "1b000000e8d4a51000"),
        CBORVector(value: .unsignedInt(18_446_744_073_709_551_615), hex: "1bffffffffffffffff"),
        CBORVector(value: .negativeInt(18_446_744_073_709_551_615), hex: "3bffffffffffffffff"),
        CBORVector(value: -1, hex: "20"),
        CBORVector(value: -10, hex: "29"),
        CBORVector(value: -100, hex: "3863"),
        CBORVector(value: -1000, hex: "3903e7"),
        CBORVector(value: 0.0, hex: "f90000"),
        CBORVector(value: -0.0, hex: "f98000"),
        CBORVector(value: 1.0, hex: "f93c00"),
        CBORVector(value: 1.1, hex: "fb3ff199999999999a"),
        CBORVector(value: 1.5, hex: "f93e00"),
        CBORVector(value: 65504.0, hex: "f97bff"),
        CBORVector(value: 100_000.0, hex: "fa47c35000"),
        CBORVector(value: 3.4028234663852886e+38, hex: "fa7f7fffff"),
        CBORVector(value: 1.0e+300, hex: "fb7e37e43c8800759c"),
        CBORVector(value: 5.960464477539063e-8, hex: "f90001"),
        CBORVector(value: 0.00006103515625, hex: "f90400"),
        CBORVector(value: -4.0, hex: "f9c400"),
        CBORVector(value: -4.1, hex: "fbc010666666666666"),
        CBORVector(value: .float(.infinity), hex: "f97c00"),
        CBORVector(value: .float(.nan), hex: "f97e00"),
        CBORVector(value: .float(-.infinity), hex: "f9fc00"),
        CBORVector(value: false, hex: "f4"),
        CBORVector(value: true, hex: "f5"),
        CBORVector(value: .null, hex: "f6"),
        CBORVector(value: .undefined, hex: "f7"),
        CBORVector(value: .simple(CBOR.SimpleValue(rawValue: 16)!), hex: "f0"),
        CBORVector(value: .simple(CBOR.SimpleValue(rawValue: 255)!), hex: "f8ff"),
        CBORVector(value: .tagged(0, "2013-03-21T20:04:00Z"), hex: "c074323031332d30332d32315432303a30343a30305a"),
        CBORVector(value: .tagged(1, 1_363_896_240), hex: "c11a514b67b0"),
        CBORVector(value: .tagged(1, 1_363_896_240.5), hex: "c1fb41d452d9ec200000"),
        CBORVector(value: .tagged(23, .byteString(Data([1, 2, 3, 4]))), hex: "d74401020304"),
        CBORVector(value: .tagged(32, "http://www.example.com"), hex: "d82076687474703a2f2f7777772e6578616d706c652e636f6d"),
        CBORVector(value: .byteString(Data()), hex: "40"),
        CBORVector(value: .byteString(Data([1, 2, 3, 4])), hex: "4401020304"),
        CBORVector(value: "", hex: "60"),
        CBORVector(value: "a", hex: "6161"),
        CBORVector(value: "IETF", hex: "6449455446"),
        CBORVector(value: "\"\\", hex: "62225c"),
        CBORVector(value: "\u{00fc}", hex: "62c3bc"),
        CBORVector(value: "\u{6c34}", hex: "63e6b0b4"),
        CBORVector(value: "\u{10151}", hex: "64f0908591"),
        CBORVector(value: [], hex: "80"),
        CBORVector(value: [1, 2, 3], hex: "83010203"),
        CBORVector(value: [1, [2, 3], [4, 5]], hex: "8301820203820405"),
        CBORVector(value: .array((1...25).map { CBOR($0) }), hex: "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
        CBORVector(value: [:], hex: "a0"),
        CBORVector(value: [1: 2, 3: 4], hex: "a201020304"),
        CBORVector(value: ["a": 1, "b": [2, 3]], hex: "a26161016162820203"),
        CBORVector(value: ["a", ["b": "c"]], hex: "826161a161626163"),
        CBORVector(value: ["a": "A", "b": "B", "c": "C", "d": "D", "e": "E"], hex: "a56161614161626142616361436164614461656145"),
    ]

    @Test("RFC 8949 Appendix A: encodes to and decodes from the listed bytes", arguments: appendixA)
    func appendixARoundTrip(vector: CBORVector) throws {
        #expect(hex(vector.value.encoded()) == vector.hex)
        #expect(hex(vector.value.encoded(.coreDeterministic)) == vector.hex)
        #expect(try CBOR.decode(bytes(fromHex: vector.hex)) == vector.value)
    }

    @Test("Non-preferred encodings decode to the same value")
    func nonPreferredEncodingsDecode() throws {
        #expect(try CBOR.decode(bytes(fromHex: "fa7f800000")) == .float(.infinity))
        #expect(try CBOR.decode(bytes(fromHex: "fb7ff0000000000000")) == .float(.infinity))
        #expect(try CBOR.decode(bytes(fromHex: "fbfff0000000000000")) == .float(-.infinity))
        #expect(try CBOR.decode(bytes(fromHex: "fb3ff8000000000000")) == 1.5)
        #expect(try CBOR.decode(bytes(fromHex: "fa7fc00000")).double?.isNaN == true)
        #expect(try CBOR.decode(bytes(fromHex: "fb7ff8000000000000")).double?.isNaN == true)
        #expect(try CBOR.decode(bytes(fromHex: "1800")) == 0)
        #expect(try CBOR.decode(bytes(fromHex: "1b0000000000000001")) == 1)
    }

    @Test("Doubles encode in the shortest width that keeps their value")
    func shortestFloatWidth() {
        #expect(hex(CBOR.float(0.1).encoded()) == "fb3fb999999999999a")
        #expect(hex(CBOR.float(0.5).encoded()) == "f93800")
        #expect(hex(CBOR.float(65505.0).encoded()) == "fa477fe100")
        #expect(hex(CBOR.float(Double(Float.leastNonzeroMagnitude)).encoded()) == "fa00000001")
        #expect(hex(CBOR.float(2.9802322387695312e-08).encoded()) == "fa33000000")  // 2^-25: below half range
        #expect(hex(CBOR.float(-5.960464477539063e-8).encoded()) == "f98001")
        #expect(hex(CBOR.float(Double.greatestFiniteMagnitude).encoded()) == "fb7fefffffffffffff")
    }

    @Test("The IETF StatusList CBOR example decodes and re-encodes identically")
    func ietfStatusListExample() throws {
        let encoded = bytes(fromHex: "a2646269747301636c73744a78dadbb918000217015d")
        let statusList = try CBOR.decode(encoded)
        let expected: CBOR = ["bits": 1, "lst": .byteString(bytes(fromHex: "78dadbb918000217015d"))]
        #expect(statusList == expected)
        #expect(statusList["bits"]?.int == 1)
        #expect(statusList["lst"]?.bytes.map(hex) == "78dadbb918000217015d")
        #expect(statusList.encoded() == encoded)
        // The example lists "bits" first; RFC 8949 §4.2.1 would put "lst" first (its length head 0x63 sorts before
        // 0x64), so the example is reproduced only by keeping the given order.
        #expect(hex(statusList.encoded(.coreDeterministic)) == "a2636c73744a78dadbb918000217015d646269747301")
    }

    @Test("Core deterministic mode sorts map keys bytewise (RFC 8949 §4.2.1); preferred mode keeps the given order")
    func mapKeyOrder() throws {
        let shuffled: CBOR = [false: 8, [-1]: 7, "aa": 5, -1: 3, [100]: 6, "z": 4, 100: 2, 10: 1]
        let sorted = "a8" + "0a01" + "186402" + "2003" + "617a04" + "62616105" + "81186406" + "812007" + "f408"
        #expect(hex(shuffled.encoded(.coreDeterministic)) == sorted)
        #expect(hex(shuffled.encoded()) == "a8" + "f408" + "812007" + "62616105" + "2003" + "81186406" + "617a04" + "186402" + "0a01")
        // Sorting applies inside nested maps too.
        let nested: CBOR = [[2: 0, 1: 0]]
        #expect(hex(nested.encoded(.coreDeterministic)) == "81a201000200")
        // Decoding keeps the encoded order, so a decoded value re-encodes byte for byte.
        #expect(try CBOR.decode(shuffled.encoded()) == shuffled)
    }

    @Test("Accessors read the value they name and nothing else")
    func accessors() throws {
        let item: CBOR = [1: -7, "name": "value", 4: .byteString(Data("12".utf8)), 5: [1, 2], 6: true, 7: 2.5]
        #expect(item[1]?.int == -7)
        #expect(item[1]?.uint64 == nil)
        #expect(item["name"]?.string == "value")
        #expect(item[4]?.bytes == Data("12".utf8))
        #expect(item[5]?.array == [1, 2])
        #expect(item[6]?.bool == true)
        #expect(item[7]?.double == 2.5)
        #expect(item[8] == nil)
        #expect(item["1"] == nil)
        #expect(item.entries?.count == 6)
        #expect(CBOR.array([1])[0] == nil)
        #expect(CBOR.negativeInt(.max).int == nil)
        #expect(CBOR.unsignedInt(.max).int == nil)
        #expect(CBOR.unsignedInt(.max).uint64 == .max)
        #expect(CBOR(Int64.min) == .negativeInt(UInt64(Int64.max)))
        #expect(CBOR(Int64.min).int == Int(Int64.min))
        #expect(CBOR.tagged(18, [1]).tag == 18)
        #expect(CBOR.tagged(18, [1]).tagContent == [1])
        #expect(CBOR.SimpleValue(rawValue: 20) == nil)
        #expect(CBOR.SimpleValue(rawValue: 31) == nil)
        #expect(CBOR.SimpleValue(rawValue: 19) != nil)
    }

    @Test("Diagnostic notation")
    func diagnosticNotation() {
        let item: CBOR = [1: -7, 4: .byteString(Data("12".utf8)), "a": [1.5, .null, .tagged(1, 0)]]
        #expect(item.description == "{1: -7, 4: h'3132', \"a\": [1.5, null, 1(0)]}")
        #expect(CBOR.negativeInt(.max).description == "-18446744073709551616")
    }

    @Test("Nested structures round-trip")
    func nestedRoundTrip() throws {
        let item: CBOR = [
            "list": [0, -1, .unsignedInt(.max), .negativeInt(.max), "text", .byteString(Data(repeating: 7, count: 300))],
            2: ["deep": [[[["x": .tagged(55_799, [:])]]]]],
            -3: [.float(1e-7), .float(-0.0), .undefined, .simple(CBOR.SimpleValue(rawValue: 99)!)],
            .byteString(Data([0])): .textString(String(repeating: "é", count: 70_000)),
        ]
        #expect(try CBOR.decode(item.encoded()) == item)
        let sorted = item.encoded(.coreDeterministic)
        #expect(try CBOR.decode(sorted).encoded() == sorted)
    }

    static let malformed: [MalformedCBORVector] = [
        MalformedCBORVector(hex: "", reason: "unexpected end"),
        MalformedCBORVector(hex: "1a000f42", reason: "argument needs 4 bytes"),
        MalformedCBORVector(hex: "8201", reason: "array of 2 elements exceeds the 1 remaining bytes"),
        MalformedCBORVector(hex: "821864", reason: "unexpected end"),
        MalformedCBORVector(hex: "c1", reason: "unexpected end"),
        MalformedCBORVector(hex: "a10102a1", reason: "trailing"),
        MalformedCBORVector(hex: "44010203", reason: "byte string of 4 bytes exceeds the 3 remaining"),
        MalformedCBORVector(hex: "5bffffffffffffffff0102", reason: "exceeds"),
        MalformedCBORVector(hex: "7bffffffffffffffff61", reason: "exceeds"),
        MalformedCBORVector(hex: "9bffffffffffffffff00", reason: "array of 18446744073709551615 elements"),
        MalformedCBORVector(hex: "9a0000000300", reason: "array of 3 elements exceeds"),
        MalformedCBORVector(hex: "bbffffffffffffffff0000", reason: "map of"),
        MalformedCBORVector(hex: "a2010203", reason: "map of 2 entries exceeds"),
        MalformedCBORVector(hex: "0000", reason: "1 trailing byte"),
        MalformedCBORVector(hex: "62c328", reason: "UTF-8"),
        MalformedCBORVector(hex: "61ff", reason: "UTF-8"),
        MalformedCBORVector(hex: "62c0af", reason: "UTF-8"),
        MalformedCBORVector(hex: "63eda080", reason: "UTF-8"),
        MalformedCBORVector(hex: "1c", reason: "reserved additional information 28"),
        MalformedCBORVector(hex: "3d", reason: "reserved additional information 29"),
        MalformedCBORVector(hex: "5e", reason: "reserved additional information 30"),
        MalformedCBORVector(hex: "9c", reason: "reserved"),
        MalformedCBORVector(hex: "dd00", reason: "reserved"),
        MalformedCBORVector(hex: "fe", reason: "reserved"),
        MalformedCBORVector(hex: "1f", reason: "indefinite-length"),
        MalformedCBORVector(hex: "5f42010243030405ff", reason: "indefinite-length"),
        MalformedCBORVector(hex: "7f657374726561646d696e67ff", reason: "indefinite-length"),
        MalformedCBORVector(hex: "9f018202039f0405ffff", reason: "indefinite-length"),
        MalformedCBORVector(hex: "bf61610161629f0203ffff", reason: "indefinite-length"),
        MalformedCBORVector(hex: "ff", reason: "unexpected break"),
        MalformedCBORVector(hex: "8301ff02", reason: "unexpected break"),
        MalformedCBORVector(hex: "f818", reason: "one-byte form"),
        MalformedCBORVector(hex: "f800", reason: "one-byte form"),
        MalformedCBORVector(hex: "a201020103", reason: "duplicate map key 1"),
        MalformedCBORVector(hex: "a2616101616102", reason: "duplicate map key"),
    ]

    @Test("Malformed input is rejected with a precise reason", arguments: malformed)
    func rejectsMalformedInput(vector: MalformedCBORVector) {
        let error = #expect(throws: SigningError(.malformed)) {
            try CBOR.decode(bytes(fromHex: vector.hex))
        }
        #expect(error?.reason.contains(vector.reason) == true, "reason was: \(error?.reason ?? "none")")
    }

    @Test("Nesting is limited to the maximum depth")
    func nestingDepth() throws {
        let limit = CBOR.defaultMaximumDepth
        let deepest = Data(repeating: 0x81, count: limit) + [0x00]
        var expected: CBOR = 0
        for _ in 0..<limit { expected = [expected] }
        #expect(try CBOR.decode(deepest) == expected)

        #expect(throws: SigningError(.malformed)) { try CBOR.decode(Data(repeating: 0x81, count: limit + 1) + [0x00]) }
        let error = #expect(throws: SigningError(.malformed)) {
            try CBOR.decode(Data(repeating: 0x81, count: 10_000) + [0x00])
        }
        #expect(error?.reason.contains("nesting deeper than 64") == true)
        // Maps and tags count as levels too.
        #expect(throws: SigningError(.malformed)) { try CBOR.decode(Data([UInt8]((0..<10_000).flatMap { _ in [0xa1, 0x00] }) + [0x00])) }
        #expect(throws: SigningError(.malformed)) { try CBOR.decode(Data(repeating: 0xc1, count: 10_000) + [0x00]) }
        // The limit is configurable.
        #expect(throws: SigningError(.malformed)) { try CBOR.decode(bytes(fromHex: "818100"), maximumDepth: 1) }
        #expect(try CBOR.decode(bytes(fromHex: "8100"), maximumDepth: 1) == [0])
    }
}
