import Foundation
import Testing

@testable import Signing

@Suite("base64url, base58btc, multibase, varint")
struct EncodingTests {
    @Test("base64url round-trips and omits padding")
    func base64URLRoundTrip() throws {
        for length in 0..<40 {
            let bytes = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) })
            let encoded = Base64URL.encode(bytes)
            #expect(!encoded.contains("="))
            #expect(!encoded.contains("+") && !encoded.contains("/"))
            #expect(try Base64URL.decode(encoded) == bytes)
        }
        #expect(Base64URL.encode(Data([0xfb, 0xff])) == "-_8")
    }

    @Test(
        "base64url rejects padding, foreign characters, impossible lengths and non-canonical bits",
        arguments: ["-_8=", "+/8", "ab c", "abcde", "-_9", "AB==", "é"]
    )
    func base64URLRejects(text: String) {
        expectSigningError(.malformed) { _ = try Base64URL.decode(text) }
    }

    @Test("base58btc known values")
    func base58Known() throws {
        #expect(Base58BTC.encode(Data("Hello World!".utf8)) == "2NEpo7TZRRrLZSi2U")
        #expect(Base58BTC.encode(Data([0, 0, 0x28, 0x7f, 0xb4, 0xcd])) == "11233QC4")
        #expect(Base58BTC.encode(Data()) == "")
        #expect(try Base58BTC.decode("11233QC4") == Data([0, 0, 0x28, 0x7f, 0xb4, 0xcd]))
        #expect(try Base58BTC.decode("2NEpo7TZRRrLZSi2U") == Data("Hello World!".utf8))
        #expect(try Base58BTC.decode("111") == Data([0, 0, 0]))
    }

    @Test("base58btc round-trips random bytes")
    func base58RoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for length in [1, 2, 31, 32, 33, 64, 100] {
            var bytes = Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
            bytes[0] = 0
            #expect(try Base58BTC.decode(Base58BTC.encode(bytes)) == bytes)
        }
    }

    @Test("base58btc rejects characters outside the Bitcoin alphabet", arguments: ["0", "O", "I", "l", "abc+", "z z", "é"])
    func base58Rejects(text: String) {
        expectSigningError(.malformed) { _ = try Base58BTC.decode(text) }
    }

    @Test("base58btc rejects overlong input")
    func base58Overlong() {
        expectSigningError(.malformed) { _ = try Base58BTC.decode(String(repeating: "2", count: Base58BTC.maximumEncodedLength + 1)) }
    }

    @Test("multibase accepts only base58btc")
    func multibase() throws {
        #expect(Multibase.encodeBase58BTC(Data("Hello World!".utf8)) == "z2NEpo7TZRRrLZSi2U")
        #expect(try Multibase.decodeBase58BTC("z2NEpo7TZRRrLZSi2U") == Data("Hello World!".utf8))
        expectSigningError(.unsupportedAlgorithm) { _ = try Multibase.decodeBase58BTC("uSGVsbG8") }
        expectSigningError(.malformed) { _ = try Multibase.decodeBase58BTC("") }
    }

    @Test("unsigned varint: multicodec prefixes, limits, minimality")
    func varint() throws {
        #expect(UnsignedVarint.encode(0xed) == [0xed, 0x01])
        #expect(UnsignedVarint.encode(0x1200) == [0x80, 0x24])
        #expect(UnsignedVarint.encode(0x1201) == [0x81, 0x24])
        #expect(UnsignedVarint.encode(0) == [0x00])
        #expect(UnsignedVarint.encode(127) == [0x7f])
        #expect(UnsignedVarint.encode(128) == [0x80, 0x01])
        let decoded = try UnsignedVarint.decode([0x80, 0x24, 0x02])
        #expect(decoded.value == 0x1200 && decoded.length == 2)
        for value: UInt64 in [0, 1, 300, 0xed, 1 << 20, (1 << 63) - 1] {
            let encoded = UnsignedVarint.encode(value)
            let roundTrip = try UnsignedVarint.decode(encoded)
            #expect(roundTrip.value == value && roundTrip.length == encoded.count)
        }
        expectSigningError(.malformed) { _ = try UnsignedVarint.decode([0x80]) }
        expectSigningError(.malformed) { _ = try UnsignedVarint.decode([0x80, 0x00]) }
        expectSigningError(.malformed) { _ = try UnsignedVarint.decode([UInt8](repeating: 0xff, count: 10)) }
        expectSigningError(.malformed) { _ = try UnsignedVarint.decode([UInt8]()) }
    }
}
