import Foundation
import Signing
import Testing

@Suite("String.trimmingWhitespaceAndNewlines: Foundation's trimming, looked for at the ends only")
struct WhitespaceTrimmingTests {
    /// Every Unicode scalar of the Basic Multilingual Plane (surrogates excepted) and a sample of the others.
    static let scalars: [Unicode.Scalar] =
        (0..<0x1_0000).compactMap { Unicode.Scalar(UInt32($0)) } + stride(from: 0x1_0000, through: 0x10_FFFF, by: 0x3FF).compactMap { Unicode.Scalar(UInt32($0)) }

    @Test("the same text as trimmingCharacters(in: .whitespacesAndNewlines), for every scalar at either end, alone or inside")
    func equivalentToFoundation() {
        var mismatches: [String] = []
        for scalar in Self.scalars {
            let character = String(Character(scalar))
            for text in [character, character + "eyJ.x" + character, "eyJ" + character, character + "eyJ", "a" + character + "b", character + character] {
                let expected = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if text.trimmingWhitespaceAndNewlines() != expected {
                    mismatches.append("U+" + String(scalar.value, radix: 16, uppercase: true) + " in \(text.debugDescription)")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test("runs of mixed white space and newlines at both ends, and text with nothing to trim", arguments: [
        "", " ", "\r\n\t \u{0B}\u{0C}\u{85}\u{A0}\u{2028}\u{2029}\u{3000}", " \n eyJhbGciOiJFUzI1NiJ9.e30.c2ln \r\n",
        "eyJhbGciOiJFUzI1NiJ9.e30.c2ln", "\u{200B}x\u{200B}", "\u{FEFF}x", " \u{301}x ", "x\u{301} ",
    ])
    func mixedRuns(text: String) {
        #expect(text.trimmingWhitespaceAndNewlines() == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
