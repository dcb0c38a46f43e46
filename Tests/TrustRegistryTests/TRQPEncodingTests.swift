import Foundation
import Testing

@testable import TrustRegistry

/// The hand-written TRQP response encoding (``TRQPAuthorizationResponse/sortedJSON()``) against `JSONEncoder` with the
/// server's options, which it replaces on the hot path: the same bytes for every shape of answer.
@Suite("TRQP response encoding")
struct TRQPEncodingTests {
    /// The members that vary: `time_requested`, `context`, and strings that need escaping or are not ASCII.
    static let cases: [(name: String, timeRequested: String?, context: [String: String]?, entity: String, message: String)] = [
        ("no context", nil, nil, "did:web:uni.example.es", "accreditation a1 (TI) of did:web:uni.example.es by did:web:aneca.example active at 2026-06-01T00:00:00Z (seq 7)"),
        ("empty context", nil, [:], "did:web:uni.example.es", "no accreditation (seq 1)"),
        ("one member", nil, ["eqfLevel": "http://data.europa.eu/snb/eqf/5"], "did:web:issuer1.bench.example", "denied (seq 3)"),
        (
            "every known member, with time", "2026-06-01T00:00:00Z",
            ["time": "2026-06-01T00:00:00Z", "eqfLevel": "5", "jurisdiction": "ESP", "iscedF": "0613"], "did:web:a.example", "m"
        ),
        ("unknown members in mixed case, digits, punctuation", nil, ["b": "1", "B": "2", "a10": "3", "a9": "4", "Zeta": "5", "_x": "6", "": "7"], "e", "m"),
        ("escapes", nil, ["q\"uote": "back\\slash/slash", "ctl": "\u{01}\u{1F}\t\n\r\u{08}\u{0C}\u{7F}"], "did:web:\"odd\"", "line\nbreak"),
        ("non-ASCII values", "2026-01-01T00:00:00Z", ["jurisdiction": "España 😀\u{2028}"], "did:web:españa.example", "é"),
        ("non-ASCII member names", nil, ["é": "1", "e": "2", "z": "3"], "did:web:x.example", "m"),
    ]

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    @Test(arguments: 0..<cases.count, [true, false])
    func authorizationMatchesJSONEncoder(_ index: Int, authorized: Bool) throws {
        let item = Self.cases[index]
        let response = TRQPAuthorizationResponse(
            entityID: item.entity, authorityID: "did:web:registry.example.eu", action: "issue", resource: "MicroCredential",
            authorized: authorized, timeRequested: item.timeRequested, timeEvaluated: "2026-06-01T12:00:00Z", message: item.message,
            context: item.context)
        let expected = try Self.encoder().encode(response)
        #expect(String(decoding: try response.sortedJSON(), as: UTF8.self) == String(decoding: expected, as: UTF8.self), "\(item.name)")
    }

    @Test(arguments: 0..<cases.count, [true, false])
    func recognitionMatchesJSONEncoder(_ index: Int, recognized: Bool) throws {
        let item = Self.cases[index]
        let response = TRQPRecognitionResponse(
            entityID: item.entity, authorityID: "did:web:registry.example.eu", action: "recognize", resource: "accreditation-decisions",
            recognized: recognized, timeRequested: item.timeRequested, timeEvaluated: "2026-06-01T12:00:00Z", message: item.message,
            context: item.context)
        let expected = try Self.encoder().encode(response)
        #expect(String(decoding: try response.sortedJSON(), as: UTF8.self) == String(decoding: expected, as: UTF8.self), "\(item.name)")
    }
}
