import Foundation
import Testing

@testable import Signing

@Suite("Strict JSON parsing")
struct JSONParsingTests {
    @Test("parses every JSON type")
    func parsesAllTypes() throws {
        let value = try JSONValue(parsing: Data(#" {"a": [1, -2.5e3, true, false, null, "x\u00e9\ud83d\ude00\n"], "b": {}} "#.utf8))
        #expect(value == ["a": [1, -2500, true, false, nil, "xé😀\n"], "b": [:]])
        #expect(value["a"]?.arrayValue?.count == 6)
        #expect(value["missing"] == nil)
    }

    @Test("rejects duplicate member names, even at depth")
    func rejectsDuplicates() {
        expectSigningError(.malformed) { _ = try JSONValue(parsing: Data(#"{"a":1,"a":2}"#.utf8)) }
        expectSigningError(.malformed) { _ = try JSONValue(parsing: Data(#"{"x":[{"k":1,"k":1}]}"#.utf8)) }
        // An escape spelling the same name is still the same name.
        expectSigningError(.malformed) { _ = try JSONValue(parsing: Data(#"{"a":1,"\u0061":2}"#.utf8)) }
    }

    @Test("limits nesting depth")
    func limitsDepth() throws {
        let ok = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        _ = try JSONValue(parsing: Data(ok.utf8))
        let tooDeep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        expectSigningError(.malformed) { _ = try JSONValue(parsing: Data(tooDeep.utf8)) }
        let deepObjects = String(repeating: #"{"a":"#, count: 10) + "1" + String(repeating: "}", count: 10)
        expectSigningError(.malformed) { _ = try JSONValue(parsing: Data(deepObjects.utf8), maximumDepth: 9) }
        // Hostile depth is rejected without exhausting the stack.
        let hostile = String(repeating: "[", count: 100_000)
        expectSigningError(.malformed) { _ = try JSONValue(parsing: Data(hostile.utf8)) }
    }

    @Test(
        "rejects invalid JSON",
        arguments: [
            "", " ", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "NaN", "Infinity", "1e400", "-1e400",
            "tru", "nul", "\"abc", "\"\u{01}\"", "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "[1] [2]",
            "{'a':1}", "{\"a\" 1}", "\u{FEFF}{}", "\"\\u12\"",
        ]
    )
    func rejectsInvalid(text: String) {
        expectSigningError(.malformed) { _ = try JSONValue(parsing: Data(text.utf8)) }
    }

    @Test("rejects invalid UTF-8")
    func rejectsInvalidUTF8() {
        expectSigningError(.malformed) { _ = try JSONValue(parsing: Data([0x22, 0xff, 0x22])) }
        expectSigningError(.malformed) { _ = try JSONValue(parsing: Data([0x22, 0xed, 0xa0, 0x80, 0x22])) }
    }

    @Test("Codable round-trip through JSONEncoder/JSONDecoder")
    func codable() throws {
        let value: JSONValue = ["s": "x", "n": 1.5, "b": true, "z": nil, "a": [1, 2], "o": ["k": "v"]]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
        #expect(try JSONValue(parsing: data) == value)
        struct Claims: Codable, Equatable {
            var sub: String
            var iat: Int
        }
        let claims = Claims(sub: "https://example.com/1", iat: 1_686_920_170)
        let json = try JSONValue(encoding: claims)
        #expect(json == ["sub": "https://example.com/1", "iat": 1_686_920_170])
        #expect(try json.decode(Claims.self) == claims)
    }
}

@Suite("JCS (RFC 8785)")
struct JCSTests {
    /// RFC 8785 Appendix B: IEEE 754 bit patterns and their required serialisation.
    static let appendixB: [(UInt64, String)] = [
        (0x0000_0000_0000_0000, "0"), (0x8000_0000_0000_0000, "0"), (0x0000_0000_0000_0001, "5e-324"),
        (0x8000_0000_0000_0001, "-5e-324"), (0x7fef_ffff_ffff_ffff, "1.7976931348623157e+308"),
        (0xffef_ffff_ffff_ffff, "-1.7976931348623157e+308"), (0x4340_0000_0000_0000, "9007199254740992"),
        (0xc340_0000_0000_0000, "-9007199254740992"), (0x4430_0000_0000_0000, "295147905179352830000"),
        (0x44b5_2d02_c7e1_4af5, "9.999999999999997e+22"), (0x44b5_2d02_c7e1_4af6, "1e+23"),
        (0x44b5_2d02_c7e1_4af7, "1.0000000000000001e+23"), (0x444b_1ae4_d6e2_ef4e, "999999999999999700000"),
        (0x444b_1ae4_d6e2_ef4f, "999999999999999900000"), (0x444b_1ae4_d6e2_ef50, "1e+21"),
        (0x3eb0_c6f7_a0b5_ed8c, "9.999999999999997e-7"), (0x3eb0_c6f7_a0b5_ed8d, "0.000001"),
        (0x41b3_de43_5555_5553, "333333333.3333332"), (0x41b3_de43_5555_5554, "333333333.33333325"),
        (0x41b3_de43_5555_5555, "333333333.3333333"), (0x41b3_de43_5555_5556, "333333333.3333334"),
        (0x41b3_de43_5555_5557, "333333333.33333343"), (0xbecb_f647_612f_3696, "-0.0000033333333333333333"),
        (0x4314_3ff3_c1cb_0959, "1424953923781206.2"),
    ]

    @Test("numbers: RFC 8785 Appendix B", arguments: appendixB)
    func appendixBNumbers(bits: UInt64, expected: String) throws {
        #expect(try JSONValue.canonicalNumber(Double(bitPattern: bits)) == expected)
    }

    @Test(
        "numbers: ECMAScript formatting around the exponent thresholds",
        arguments: [
            (1e30, "1e+30"), (4.5, "4.5"), (0.002, "0.002"), (1e-7, "1e-7"), (1e-6, "0.000001"), (1.5e-7, "1.5e-7"),
            (1e21, "1e+21"), (1e20, "100000000000000000000"), (123e18, "123000000000000000000"), (1.0, "1"), (-1.0, "-1"),
            (100.0, "100"), (0.1, "0.1"), (-0.0, "0"), (1e-27, "1e-27"), (12.5e-10, "1.25e-9"), (2.5e25, "2.5e+25"),
        ]
    )
    func ecmaScriptNumbers(value: Double, expected: String) throws {
        #expect(try JSONValue.canonicalNumber(value) == expected)
    }

    @Test("numbers: NaN and infinities cannot be serialised")
    func nonFinite() {
        for value in [Double.nan, .infinity, -.infinity] {
            expectSigningError(.malformed) { _ = try JSONValue.number(value).canonicalData() }
        }
    }

    @Test("RFC 8785 §3.2.2 sample object")
    func sampleObject() throws {
        let input = #"""
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        #expect(try JSONValue(parsing: Data(input.utf8)).canonicalString() == expected)
    }

    @Test("RFC 8785 §3.2.3 sorting by UTF-16 code units")
    func sorting() throws {
        let input = #"""
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """#
        let expected =
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\","
            + "\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        #expect(try JSONValue(parsing: Data(input.utf8)).canonicalString() == expected)
    }

    @Test("string escaping is minimal")
    func escaping() throws {
        let value = JSONValue.string("\u{08}\u{09}\u{0A}\u{0C}\u{0D}\u{00}\u{1F}\u{7F}\"\\/<é")
        #expect(try value.canonicalString() == #""\b\t\n\f\r\u0000\u001f"# + "\u{7F}" + #"\"\\/<é""#)
    }

    @Test("canonical output re-parses to the same value and is stable")
    func idempotent() throws {
        let value = try vectorJSON("di-eddsa-jcs-2022-signed.json")
        let canonical = try value.canonicalData()
        #expect(try JSONValue(parsing: canonical) == value)
        #expect(try JSONValue(parsing: canonical).canonicalData() == canonical)
        #expect(!canonical.contains(UInt8(ascii: "\n")))
    }
}
