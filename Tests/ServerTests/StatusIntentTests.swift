import Foundation
import NIOHTTP1
import StandingAPI
import StatusList
import Testing

@testable import Server
import StandingTestSupport

/// The server owns the status rules: an intent (`revoke`, `suspend`, `reinstate`) becomes the value the list's purpose
/// and message table give it, never a fixed number.
@Suite struct StatusIntentTests {
    static func messages(_ names: [String]) throws -> [StatusMessage] {
        try names.enumerated().map { try StatusMessage(value: $0.offset, message: $0.element) }
    }

    @Test(
        "an intent resolves to the list's own value",
        arguments: [
            (ListPurpose.revocation, 1, [String](), StatusIntent.revoke, UInt8?.some(1)),
            (.suspension, 1, [], .suspend, 1),
            (.suspension, 1, [], .reinstate, 0),
            (.message, 2, ["valid", "invalid", "suspended", "application_specific"], .suspend, 2),
            (.message, 2, ["valid", "invalid", "suspended", "application_specific"], .revoke, 1),
            // A custom table: "suspended" is value 3 here, and 2 means something else.
            (.message, 2, ["valid", "revoked", "under review", "Suspended"], .suspend, 3),
            (.message, 2, ["valid", "revoked", "under review", "Suspended"], .revoke, 1),
            (.message, 2, ["valid", "expired", "superseded", "withdrawn"], .suspend, nil),
            (.message, 2, ["valid", "expired", "superseded", "withdrawn"], .revoke, nil),
            (.revocation, 1, [], .suspend, nil),
            (.suspension, 1, [], .revoke, nil),
            (.refresh, 1, [], .revoke, nil),
            (.refresh, 1, [], .suspend, nil),
        ] as [(ListPurpose, Int, [String], StatusIntent, UInt8?)])
    func intentResolution(purpose: ListPurpose, statusSize: Int, names: [String], intent: StatusIntent, expected: UInt8?) throws {
        let rules = ListRules(purpose: purpose, statusSize: statusSize, statusMessages: try Self.messages(names))
        if let expected {
            #expect(try rules.value(for: intent, listId: "l") == expected)
        } else {
            let error = #expect(throws: ServiceError.self) { try rules.value(for: intent, listId: "l") }
            // Tests/Probes/run_schemathesis.py accepts these 400s to schema-valid requests by this phrase.
            #expect(error?.code == .invalidValue && error?.detail.contains("cannot express") == true, "\(String(describing: error))")
        }
    }

    @Test func suspendOnACustomMessageListWritesItsSuspendedValueNotTwo() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let messages = ["valid", "revoked", "under review", "suspended"].enumerated().map { ["status": "0x\($0.offset)", "message": $0.element] }
        let list = try await server.createList(["purpose": "message", "statusSize": 2, "statusMessages": messages])
        let index = try #require(try await server.allocate(list).first)

        let suspended = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": index, "intent": "suspend"])
        #expect(suspended.status == 200, "\(suspended.text)")
        #expect(suspended.json["value"] as? Int == 3)
        #expect((suspended.json["records"] as? [[String: Any]])?.first?["newValue"] as? Int == 3)

        let again = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": index, "intent": "suspend"])
        #expect(again.json["applied"] as? Int == 0 && again.json["value"] as? Int == 3, "\(again.text)")

        let both = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": index, "intent": "revoke", "value": 1])
        #expect(both.status == 400, "value and intent together are refused: \(both.text)")
        let unknown = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": index, "intent": "expire"])
        #expect(unknown.status == 400, "\(unknown.text)")
    }

    @Test func aListThatCannotExpressTheIntentIsRefusedAndUnchanged() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let messages = ["valid", "expired", "superseded", "withdrawn"].enumerated().map { ["status": "0x\($0.offset)", "message": $0.element] }
        let list = try await server.createList(["purpose": "message", "statusSize": 2, "statusMessages": messages])
        let index = try #require(try await server.allocate(list).first)
        let refused = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": index, "intent": "suspend"])
        #expect(refused.status == 400)
        #expect(refused.text.contains("cannot express suspension"), "\(refused.text)")
        let audit = try await server.admin(.GET, "/admin/audit?list=\(list)")
        #expect((audit.json["records"] as? [[String: Any]])?.isEmpty == true)
    }
}
