import Foundation
import Testing
import WireEncoding

@testable import StatusList

@Suite("Strict base64url")
struct Base64URLTests {
    @Test("round trip against Foundation's base64 for every length up to 64")
    func roundTrip() throws {
        var generator = SeededGenerator(seed: 11)
        for length in 0...64 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Base64URL.encode(bytes)
            let foundation = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(encoded == foundation)
            #expect(try Base64URL.decode(Substring(encoded), what: "test") == bytes)
        }
    }

    @Test(
        "rejects padding, the standard alphabet, other characters, impossible lengths and non-zero unused bits",
        arguments: ["eNo=", "eNo76fITAAPfAgc=", "ab==", "a+b-", "a/b_", "ab c", "ab\nc", "abcd!", "abcde", "é", "AB", "ABC"]
    )
    func rejects(text: String) {
        expectStatusListError(.malformedEncoding) { _ = try Base64URL.decode(Substring(text), what: "test") }
    }

    @Test("accepts canonical short forms")
    func shortForms() throws {
        #expect(try Base64URL.decode("AA", what: "t") == [0])
        #expect(try Base64URL.decode("AAA", what: "t") == [0, 0])
        #expect(try Base64URL.decode("_-8", what: "t") == [0xFF, 0xEF])
        #expect(try Base64URL.decode("", what: "t") == [])
    }

    @Test("the error names the offending character")
    func messages() {
        let padding = expectStatusListError(.malformedEncoding) { _ = try Base64URL.decode("eNo=", what: "lst") }
        #expect(padding?.reason.contains("padding") == true)
        let plus = expectStatusListError(.malformedEncoding) { _ = try Base64URL.decode("e+No", what: "lst") }
        #expect(plus?.reason.contains("'+'") == true)
    }

    @Test("random valid and damaged texts: decode and validate agree with the reference and with each other")
    func randomAgainstReference() {
        var generator = SeededGenerator(seed: 0xB64)
        var accepted = 0
        for round in 0..<4_000 {
            let length = round < 3_000 ? Int.random(in: 0...40, using: &generator) : Int.random(in: 0...2_000, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Self.damaged(Base64URL.encode(bytes), using: &generator)
            let expected = Self.referenceDecode(text)
            var decodeError: StatusListError?
            var decoded: [UInt8]?
            do { decoded = try Base64URL.decode(Substring(text), what: "t") } catch { decodeError = error as? StatusListError }
            #expect(decoded == expected, "\(text.debugDescription)")
            var validateError: StatusListError?
            do { try Base64URL.validate(Substring(text), what: "t") } catch { validateError = error as? StatusListError }
            #expect(validateError?.reason == decodeError?.reason)
            if let decoded {
                accepted += 1
                #expect(validateError == nil)
                if text == Base64URL.encode(bytes) { #expect(decoded == bytes) }
            } else {
                #expect(decodeError?.code == .malformedEncoding)
                #expect(decodeError?.reason.contains(Self.expectedProblem(text)) == true, "\(decodeError?.reason ?? "")")
            }
        }
        #expect(accepted > 1_000 && accepted < 3_000, "\(accepted) of 4000 accepted")
    }

    @Test("every byte value in every position of a quantum is judged like the reference")
    func everyByteEverywhere() throws {
        let base = Array("QUJDREVGR0hJSktMTU5P".utf8)
        for position in [0, 1, 2, 3, 9, 15, 16, 19] {
            for value in 0...255 {
                var bytes = base
                bytes[position] = UInt8(value)
                let text = String(decoding: bytes, as: UTF8.self)
                #expect((try? Base64URL.decode(Substring(text), what: "t")) == Self.referenceDecode(text), "byte \(value) at \(position)")
            }
        }
    }

    // MARK: Reference behaviour

    static let alphabetBytes = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Strict unpadded base64url as the previous decoder implemented it, on Foundation's base64: URL-safe alphabet
    /// only, no impossible length, and the text must be the canonical encoding of what it decodes to.
    static func referenceDecode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 4 != 1, utf8.allSatisfy({ alphabetBytes.contains($0) }) else { return nil }
        let standard =
            text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            + String(repeating: "=", count: (4 - utf8.count % 4) % 4)
        guard let decoded = Data(base64Encoded: standard), decoded.base64EncodedString() == standard else { return nil }
        return Array(decoded)
    }

    /// The part of the error message the previous decoder gave first: the first offending character, else the
    /// length, else the unused bits.
    static func expectedProblem(_ text: String) -> String {
        if let offset = Array(text.utf8).firstIndex(where: { !alphabetBytes.contains($0) }) {
            return "at offset \(offset) is not base64url"
        }
        return text.utf8.count % 4 == 1 ? "is impossible" : "non-zero unused bits"
    }

    static let damage: [String] = ["=", "+", "/", " ", "\n", ".", "~", "\u{0}", "\u{7F}", "é", "\u{301}", "€"]

    /// Leaves the text alone a third of the time; otherwise damages it in one of several ways.
    static func damaged(_ text: String, using generator: inout SeededGenerator) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var characters = Array(text)
        switch Int.random(in: 0..<9, using: &generator) {
        case 0, 1, 2:
            break
        case 3 where !characters.isEmpty:
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
