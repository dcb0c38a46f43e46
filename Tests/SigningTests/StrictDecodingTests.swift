import Foundation
import Testing

@testable import Signing

/// The single-pass base64url decoder and the byte-wise compact JWS split against straightforward reference
/// implementations of the previous behaviour (alphabet check, decode, re-encode to prove the canonical form; split on
/// `Character`s): same accept/reject decisions and the same bytes on random valid and damaged inputs.
@Suite("Strict base64url decoding and JWS splitting against the reference behaviour")
struct StrictDecodingTests {
    /// Characters that damage a base64url text: padding, the standard alphabet, whitespace, the JWS separator, other
    /// ASCII, a control character, non-ASCII text and a combining mark.
    static let damage: [String] = ["=", "+", "/", " ", "\n", ".", "~", "!", "\u{0}", "\u{7F}", "é", "\u{301}", "\u{FFFD}", "€"]

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    static let alphabetBytes = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    @Test("random valid and damaged texts: same decisions and bytes as the reference decoder")
    func randomTexts() {
        var generator = SplitMix(seed: 0xB64)
        var accepted = 0
        for round in 0..<4_000 {
            let length = round < 3_000 ? Int.random(in: 0...40, using: &generator) : Int.random(in: 0...2_000, using: &generator)
            let text = Self.damaged(Self.randomEncoding(byteCount: length, using: &generator), using: &generator)
            let expected = Self.referenceDecode(text)
            let actual = try? Base64URL.decode(text)
            #expect(actual == expected, "\(text.debugDescription)")
            // A Substring takes the same path (cut by UTF-8 offsets: a leading combining mark would join the "@").
            let padded = "@" + text + "@"
            let inner = padded[padded.utf8.index(after: padded.startIndex)..<padded.utf8.index(before: padded.endIndex)]
            #expect((try? Base64URL.decode(inner)) == expected)
            if expected != nil { accepted += 1 }
        }
        // Both outcomes must be well represented for the comparison to mean anything.
        #expect(accepted > 1_000 && accepted < 3_000, "\(accepted) of 4000 accepted")
    }

    @Test("every length 0...13 with every last character: canonical trailing bits exactly")
    func trailingBitsExhaustive() throws {
        for length in 0...13 {
            let prefix = String(repeating: "Q", count: max(length - 1, 0))
            for last in Self.alphabet where length > 0 {
                let text = prefix + String(last)
                #expect((try? Base64URL.decode(text)) == Self.referenceDecode(text), "\(text)")
            }
        }
        #expect(try Base64URL.decode("") == Data())
    }

    @Test("every byte value in every position of a quantum is judged like the reference")
    func everyByteEverywhere() {
        let base = Array("QUJDREVGR0hJSktMTU5P".utf8)  // 20 characters: fast loop plus the last quantum
        for position in [0, 1, 2, 3, 9, 15, 16, 19] {
            for value in 0...255 {
                var bytes = base
                bytes[position] = UInt8(value)
                let text = String(decoding: bytes, as: UTF8.self)
                #expect((try? Base64URL.decode(text)) == Self.referenceDecode(text), "byte \(value) at \(position)")
            }
        }
    }

    @Test("random tokens and damaged tokens: the byte split accepts and decodes exactly what the Character split did")
    func randomTokens() throws {
        let key = SigningKey.generate(.es256)
        var generator = SplitMix(seed: 0x7E5)
        var accepted = 0
        for round in 0..<600 {
            let payload = Data((0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let token = try CompactJWS.sign(payload: payload, key: key, type: "statuslist+jwt", keyID: "k\(round)")
            let candidate = round % 4 == 0 ? token : Self.damaged(token, using: &generator)
            let expected = Self.referenceParse(candidate)
            let parsed = try? CompactJWS(parsing: candidate)
            #expect((parsed == nil) == (expected == nil), "\(candidate.debugDescription)")
            if let parsed, let expected {
                accepted += 1
                #expect(parsed.header.rawJSON == expected.header)
                #expect(parsed.payload == expected.payload)
                #expect(parsed.signature == expected.signature)
                // The signature covers the text in place: only the untouched token verifies.
                if candidate == token {
                    try parsed.verify(with: key.verificationKey, expectedType: "statuslist+jwt")
                } else {
                    #expect(throws: SigningError.self) { try parsed.verify(with: key.verificationKey) }
                }
            }
        }
        #expect(accepted >= 150 && accepted < 600)
    }

    @Test("part counts, empty parts and graphemes around the separator")
    func splitEdgeCases() throws {
        let key = SigningKey.generate(.edDSA)
        let token = try CompactJWS.sign(payload: Data("{}".utf8), key: key, type: "JWT")
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let cases = [
            "", ".", "..", "...", parts[0], parts[0] + "." + parts[1], token + ".", "." + token, token + "." + parts[2],
            "." + parts[1] + "." + parts[2], parts[0] + "." + parts[1] + ".",
            parts[0] + ".\u{301}" + parts[1] + "." + parts[2], parts[0] + "." + parts[1] + "\u{301}." + parts[2],
            parts[0] + "\r\n." + parts[1] + "." + parts[2], parts[0] + "." + parts[1] + "." + parts[2] + "\n",
        ]
        for candidate in cases {
            #expect((try? CompactJWS(parsing: candidate)) == nil, "\(candidate.debugDescription)")
            #expect(Self.referenceParse(candidate) == nil)
            expectSigningError(.malformed) { _ = try CompactJWS(parsing: candidate) }
        }
        // An empty payload is allowed.
        let empty = try CompactJWS(parsing: parts[0] + ".." + parts[2])
        #expect(empty.payload.isEmpty)
        let parsed = try CompactJWS(parsing: token)
        try parsed.verify(with: key.verificationKey, expectedType: "JWT")
        #expect(parsed.signingInput == Data((parts[0] + "." + parts[1]).utf8))
    }

    @Test("the signature is checked over the signing input in place: any change to it is caught")
    func signatureOverSigningInput() throws {
        let key = SigningKey.generate(.es256)
        let token = try CompactJWS.sign(payload: Data(repeating: 0x41, count: 5_000), key: key, type: "JWT")
        try CompactJWS(parsing: token).verify(with: key.verificationKey)
        var bytes = Array(token.utf8)
        bytes[3_000] = bytes[3_000] == UInt8(ascii: "Q") ? UInt8(ascii: "R") : UInt8(ascii: "Q")
        let altered = try CompactJWS(parsing: String(decoding: bytes, as: UTF8.self))
        #expect(throws: SigningError(.badSignature)) { try altered.verify(with: key.verificationKey) }
    }

    // MARK: Reference behaviour

    /// The decoder as it was: URL-safe alphabet only, no impossible length, then decode and re-encode, which must
    /// give the text back (non-zero unused bits would not). Foundation's base64 stands in for ExtrasBase64.
    static func referenceDecode(_ text: String) -> Data? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 4 != 1 else { return nil }
        guard utf8.allSatisfy({ alphabetBytes.contains($0) }) else { return nil }
        let standard =
            String(decoding: utf8, as: UTF8.self).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            + String(repeating: "=", count: (4 - utf8.count % 4) % 4)
        guard let decoded = Data(base64Encoded: standard), decoded.base64EncodedString() == standard else { return nil }
        return decoded
    }

    /// The parse as it was: split on `Character`s, three parts, non-empty header and signature, each part decoded,
    /// the header a valid JOSE header.
    static func referenceParse(_ compact: String) -> (header: Data, payload: Data, signature: Data)? {
        let parts = compact.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[2].isEmpty,
            let header = referenceDecode(String(parts[0])), let payload = referenceDecode(String(parts[1])),
            let signature = referenceDecode(String(parts[2])), (try? JWSHeader(rawJSON: header)) != nil
        else { return nil }
        return (header, payload, signature)
    }

    // MARK: Inputs

    static func randomEncoding(byteCount: Int, using generator: inout SplitMix) -> String {
        Base64URL.encode(Data((0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }

    /// Leaves the text alone a third of the time; otherwise damages it in one of several ways.
    static func damaged(_ text: String, using generator: inout SplitMix) -> String {
        var characters = Array(text)
        switch Int.random(in: 0..<9, using: &generator) {
        case 0, 1, 2:
            break
        case 3 where !characters.isEmpty:
            // Another alphabet character at the end: often non-zero unused bits.
            characters[characters.count - 1] = alphabet.randomElement(using: &generator) ?? "A"
        case 4 where !characters.isEmpty:
            characters[Int.random(in: 0..<characters.count, using: &generator)] = Character(damage.randomElement(using: &generator) ?? "=")
        case 5:
            characters.insert(Character(damage.randomElement(using: &generator) ?? "="), at: Int.random(in: 0...characters.count, using: &generator))
        case 6 where !characters.isEmpty:
            characters.remove(at: Int.random(in: 0..<characters.count, using: &generator))
        case 7:
            characters.append(contentsOf: ["=", "="].prefix(Int.random(in: 1...2, using: &generator)))
        default:
            characters.append(alphabet.randomElement(using: &generator) ?? "A")
        }
        return String(characters)
    }
}

/// A seeded generator (SplitMix64), so that a failure reproduces.
struct SplitMix: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
