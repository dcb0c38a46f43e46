import Foundation
import StatusList
import Store
import Testing

@testable import Server

/// Where the OpenAPI document states a pattern, the server must accept every value the pattern allows: schemathesis
/// generates values from the document and counts a 400 for one of them as a broken contract. These cases are the
/// edges where the two once disagreed.
@Suite struct DocumentedPatternsTests {
    static func pattern(_ path: [String]) throws -> NSRegularExpression {
        var node: Any? = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))
        for key in path { node = (node as? [String: Any])?[key] }
        let pattern = try #require(node as? String, "no pattern at \(path.joined(separator: "/"))")
        return try NSRegularExpression(pattern: pattern)
    }

    static func matches(_ expression: NSRegularExpression, _ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// C1 controls (U+0080-U+009F) are control characters too; the document's pattern and the server both refuse them.
    @Test(arguments: ["uni\u{80}x", "uni\u{85}x", "uni\u{9F}x", "a b", "a\u{7F}", "tab\tbed", "nbsp\u{A0}x", ""])
    func principalsWithSpacesOrControlCharactersAreRefused(principal: String) throws {
        #expect(!Tokens<SQLiteStore>.isValidPrincipalId(principal))
        if !principal.isEmpty {
            let documented = try Self.pattern(["components", "schemas", "CreateTokenRequest", "properties", "principal", "pattern"])
            #expect(!Self.matches(documented, principal))
        }
    }

    @Test(arguments: ["did:web:uni.example", "université-éire", "x", "operator", "大学"])
    func ordinaryPrincipalsAreAccepted(principal: String) throws {
        #expect(Tokens<SQLiteStore>.isValidPrincipalId(principal))
        let documented = try Self.pattern(["components", "schemas", "CreateTokenRequest", "properties", "principal", "pattern"])
        #expect(Self.matches(documented, principal))
    }

    /// Every timestamp the documented pattern allows is one the server reads (XML Schema dateTimeStamp).
    @Test(arguments: [
        "2026-11-29T02:23:40Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999+14:00", "2026-03-01T00:00:00-14:00",
        "2026-03-01T00:00:00+13:59", "0698-05-28T22:12:38.4292+09:46",
    ])
    func documentedTimestampsAreRead(timestamp: String) throws {
        let documented = try Self.pattern(["components", "parameters", "timestamp", "schema", "pattern"])
        #expect(Self.matches(documented, timestamp))
        #expect(throws: Never.self) { try XMLDateTime.parse(timestamp) }
    }

    /// Offsets beyond ±14:00, year 0000 and leap seconds are outside dateTimeStamp: the document says so too.
    @Test(arguments: ["0698-05-28T22:12:38.4292+16:46", "0156-05-08T13:15:24-21:57", "0000-01-01T00:00:00Z", "2026-06-30T23:59:60Z", "2026-03-01T00:00:00+14:01"])
    func timestampsOutsideDateTimeStampAreOutsideTheDocumentedPattern(timestamp: String) throws {
        let documented = try Self.pattern(["components", "parameters", "timestamp", "schema", "pattern"])
        #expect(!Self.matches(documented, timestamp))
        #expect(throws: (any Error).self) { try XMLDateTime.parse(timestamp) }
    }
}
