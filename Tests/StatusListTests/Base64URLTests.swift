import Foundation
import Testing

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
}
