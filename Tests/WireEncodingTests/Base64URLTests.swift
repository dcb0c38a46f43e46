import Foundation
import Testing
import WireEncoding

/// The one base64url implementation, against Foundation's base64 (with the URL-safe alphabet swapped in and the
/// padding dropped) as the reference.
@Suite struct WireBase64URLTests {
    /// Foundation's encoding, made unpadded base64url.
    static func reference(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Foundation's strict reading: the text re-padded and mapped back must decode, and encode back to itself
    /// (which rules out non-zero unused bits).
    static func referenceDecode(_ text: String) -> [UInt8]? {
        guard text.utf8.allSatisfy({ $0 < 0x80 }), !text.contains("="), !text.contains("+"), !text.contains("/"),
            text.utf8.count % 4 != 1
        else { return nil }
        let standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let padded = standard + String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: padded), reference(Array(data)) == text else { return nil }
        return Array(data)
    }

    /// Runs the strict pass over `text`.
    static func decode(_ text: String) -> (outcome: Base64URL.Outcome, bytes: [UInt8]?) {
        Array(text.utf8).withUnsafeBufferPointer { utf8 in
            guard let count = Base64URL.decodedCount(forLength: utf8.count) else { return (.impossibleLength, nil) }
            var bytes = [UInt8](repeating: 0, count: count)
            let outcome = bytes.withUnsafeMutableBytes { Base64URL.decode(utf8, into: $0) }
            return (outcome, outcome == .decoded ? bytes : nil)
        }
    }

    static func isValid(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBufferPointer { Base64URL.isValid($0) }
    }

    /// RFC 4648 §10's vectors, unpadded, and the two characters that differ from standard base64.
    static let vectors: [(String, String)] = [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ]

    @Test func knownVectors() {
        for (plain, encoded) in Self.vectors {
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
            #expect(Self.decode(encoded).bytes == Array(plain.utf8))
        }
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base64URL.encode([0xFB, 0xEF, 0xBE]) == "----")
        #expect(Base64URL.encode([0xFF, 0xFF, 0xFF]) == "____")
        #expect(Self.decode("-_8").bytes == [0xFB, 0xFF])
    }

    @Test func everyOneAndTwoByteInputEncodesAsFoundationAndDecodesBack() {
        for first in 0...255 {
            let one = [UInt8(first)]
            #expect(Base64URL.encode(one) == Self.reference(one))
            #expect(Self.decode(Base64URL.encode(one)).bytes == one)
            for second in 0...255 {
                let two = [UInt8(first), UInt8(second)]
                let encoded = Base64URL.encode(two)
                guard encoded == Self.reference(two), Self.decode(encoded).bytes == two else {
                    Issue.record("\(two) encodes as \(encoded)")
                    return
                }
            }
        }
    }

    @Test func randomInputsOfEveryLengthUpTo600() {
        var generator = SplitMix64(seed: 0x5EED)
        for length in 0...600 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Base64URL.encode(bytes)
            #expect(encoded == Self.reference(bytes), "length \(length)")
            #expect(encoded.utf8.count == Base64URL.encodedLength(of: length))
            #expect(Base64URL.decodedCount(forLength: encoded.utf8.count) == length)
            #expect(Self.decode(encoded).bytes == bytes, "length \(length)")
        }
    }

    @Test func anySequenceEncodesAsItsArray() {
        let bytes = (0..<100).map { UInt8($0 * 7 % 256) }
        #expect(Base64URL.encode(bytes.lazy.map { $0 }) == Base64URL.encode(bytes))
        #expect(Base64URL.encode(Data(bytes)) == Base64URL.encode(bytes))
        #expect(Base64URL.encode(bytes[10..<50]) == Base64URL.encode(Array(bytes[10..<50])))
    }

    @Test(arguments: [
        ("Zg=", Base64URL.Outcome.characterOutsideAlphabet), ("Zm9\n", .characterOutsideAlphabet), ("Zm+v", .characterOutsideAlphabet),
        ("Zm/v", .characterOutsideAlphabet), ("Zm 9", .characterOutsideAlphabet), ("Zh", .nonZeroUnusedBits),
        ("Zm9", .nonZeroUnusedBits), ("abcde", .impossibleLength), ("a", .impossibleLength), ("Zm9vYmFy", .decoded),
    ])
    func outcomes(text: String, expected: Base64URL.Outcome) {
        #expect(Self.decode(text).outcome == expected, "\(text.debugDescription)")
        #expect(Self.isValid(text) == (expected == .decoded))
    }

    /// Every two-character text and every byte in every position of a longer one: the pass, its validity check and
    /// the reference agree.
    @Test func everyByteValueIsJudgedLikeTheReference() {
        for first in 0...255 {
            for second in 0...255 {
                let text = String(decoding: [UInt8(first), UInt8(second)], as: UTF8.self)
                guard text.utf8.count == 2 else { continue }
                let expected = Self.referenceDecode(text)
                guard Self.decode(text).bytes == expected, Self.isValid(text) == (expected != nil) else {
                    Issue.record("\(text.debugDescription)")
                    return
                }
            }
        }
        let base = Array("QUJDREVGR0hJSktMTU5PUA".utf8)
        for position in base.indices {
            for value in 0...127 {
                var bytes = base
                bytes[position] = UInt8(value)
                let text = String(decoding: bytes, as: UTF8.self)
                #expect(Self.decode(text).bytes == Self.referenceDecode(text), "\(value) at \(position)")
                #expect(Self.isValid(text) == (Self.referenceDecode(text) != nil))
            }
        }
    }
}

/// A small deterministic generator, so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
