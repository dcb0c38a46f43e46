import Foundation
import Testing

@testable import StatusList

/// REC §2.2's text still asks for `credentialSubject.statusSize` and `credentialSubject.statusMessages` on `message`
/// lists (w3c/vc-bitstring-status-list issue 175), although the entry carries them since 2024; the subject model reads
/// and writes both placements.
@Suite("W3C credentialSubject statusSize / statusMessages")
struct W3CSubjectMessageTableTests {
    static let table = """
        [{"status": "0x0", "message": "pending_review"}, {"status": "0x1", "message": "accepted"},
         {"status": "0x2", "message": "rejected"}, {"status": "0x3", "message": "undefined"}]
        """

    func subject(_ extra: String) throws -> BitstringStatusList {
        let json = """
            {"type": "BitstringStatusList", "statusPurpose": "message", "encodedList": "\(W3CVectors.specAllZero)"\(extra)}
            """
        return try JSONDecoder().decode(BitstringStatusList.self, from: Data(json.utf8))
    }

    @Test("the REC §2.2 spelling statusMessages and the entry's spelling statusMessage are both read")
    func bothSpellingsDecode() throws {
        for name in ["statusMessages", "statusMessage"] {
            let decoded = try subject(#", "statusSize": 2, "\#(name)": \#(Self.table)"#)
            #expect(decoded.statusSize == 2, "\(name)")
            #expect(decoded.statusMessages?.map(\.message) == ["pending_review", "accepted", "rejected", "undefined"], "\(name)")
        }
    }

    @Test("a subject without them, or with statusSize alone (as ACA-Py writes it), is still valid")
    func absentOrSizeAloneDecodes() throws {
        let plain = try subject("")
        #expect(plain.statusSize == nil && plain.statusMessages == nil)
        #expect(try subject(#", "statusSize": 2"#).statusSize == 2)
    }

    @Test(
        "a malformed subject table is a MALFORMED_VALUE_ERROR",
        arguments: [
            #", "statusSize": 0"#,
            #", "statusSize": 2, "statusMessages": [{"status": "0x0", "message": "a"}, {"status": "0x1", "message": "b"}]"#,
            #", "statusSize": 1, "statusMessages": [{"status": "0x0", "message": "a"}, {"status": "0x0", "message": "b"}]"#,
            #", "statusMessages": [{"status": "2", "message": "a"}]"#,
        ])
    func malformedTableIsRefused(extra: String) throws {
        #expect {
            _ = try subject(extra)
        } throws: { error in
            (error as? StatusListError)?.code == .malformedValue
        }
    }

    @Test("statusSize and statusMessages are written under the REC §2.2 names and read back")
    func encodesUnderTheRECNames() throws {
        let messages = try (0..<4).map { try StatusMessage(value: $0, message: "m\($0)") }
        let built = try BitstringStatusList(
            statusPurpose: .one(.message), encodedList: W3CVectors.specAllZero, statusSize: 2, statusMessages: messages)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try #require(JSONSerialization.jsonObject(with: encoder.encode(built)) as? [String: Any])
        #expect(json["statusSize"] as? Int == 2)
        #expect((json["statusMessages"] as? [[String: Any]])?.count == 4)
        #expect(json["statusMessage"] == nil)
        #expect(try JSONDecoder().decode(BitstringStatusList.self, from: encoder.encode(built)) == built)
        // Lists without a table encode as before: no new members.
        let plain = try BitstringStatusList(statusPurpose: .one(.revocation), encodedList: W3CVectors.specAllZero)
        let plainJSON = try #require(JSONSerialization.jsonObject(with: encoder.encode(plain)) as? [String: Any])
        #expect(Set(plainJSON.keys) == ["type", "statusPurpose", "encodedList"])
    }
}
