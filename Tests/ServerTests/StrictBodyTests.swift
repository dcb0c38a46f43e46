import Foundation
import NIOHTTP1
import StandingAPI
import StandingTestSupport
import Store
import Testing

@testable import Server

/// Strict request bodies: one parse, unknown members refused at every level with a detail that names the member and
/// where it is, the other malformed shapes with a precise detail.
@Suite struct StrictBodyTests {
    /// One body of one request body type, and the detail its decoding must fail with (nil: it must decode).
    struct Case: Sendable, CustomTestStringConvertible {
        let type: String
        let json: String
        let detail: String?
        let decode: @Sendable (Data) throws -> Void

        var testDescription: String { "\(type) \(json.prefix(80))" }
    }

    static func body<Body: StrictRequestBody>(_ type: Body.Type, _ name: String, _ json: String, _ detail: String?) -> Case {
        Case(type: name, json: json, detail: detail) { data in _ = try StrictJSON.decode(Body.self, from: data) }
    }

    typealias Admin = AdminController<SQLiteStore>

    /// Every request body type, each with an unknown member at every level it has, and a valid body.
    static let unknownMembers: [Case] = [
        body(CreateListRequest.self, "CreateList", #"{"purpose":"revocation","colour":"red"}"#, "unknown member 'colour'"),
        body(
            CreateListRequest.self,
            "CreateList",
            #"{"purpose":"message","statusSize":1,"statusMessages":[{"status":"0x0","message":"a"},{"status":"0x1","message":"b","lang":"en"}]}"#,
            "unknown member 'lang' in statusMessages[1]"
        ),
        body(
            CreateListRequest.self,
            "CreateList",
            #"{"purpose":"message","statusSize":1,"statusMessages":[{"status":"0x0","message":"a"},{"status":"0x1","message":"b"}]}"#,
            nil
        ),
        body(AllocateRequest.self, "Allocate", #"{"count":2,"cnt":3}"#, "unknown member 'cnt'"),
        body(AllocateRequest.self, "Allocate", #"{}"#, nil),
        body(AllocateByPurposeRequest.self, "AllocateByPurpose", #"{"purpose":"suspension","Count":1}"#, "unknown member 'Count'"),
        body(AllocateByPurposeRequest.self, "AllocateByPurpose", #"{"purpose":"suspension","count":1}"#, nil),
        body(SetStatusRequest.self, "SetStatus", #"{"index":1,"value":1,"reasn":"lost"}"#, "unknown member 'reasn'"),
        body(
            SetStatusRequest.self,
            "SetStatus",
            #"{"changes":[{"index":1,"value":1},{"index":2,"value":1},{"index":3,"value":1},{"index":4,"valu":1}]}"#,
            "unknown member 'valu' in changes[3]"
        ),
        body(SetStatusRequest.self, "SetStatus", #"{"changes":[{"index":1,"value":1,"b":0,"a":0}]}"#, "unknown members 'a', 'b' in changes[0]"),
        body(SetStatusRequest.self, "SetStatus", #"{"changes":[{"index":1,"value":1}],"reason":"batch"}"#, nil),
        body(
            CreateTokenRequest.self,
            "Tokens.Create",
            #"{"role":"issuer","principal":"uni","lable":"x"}"#,
            "unknown member 'lable'"
        ),
        body(CreateTokenRequest.self, "Tokens.Create", #"{"role":"issuer","principal":"uni","label":"x"}"#, nil),
        body(StatementSubmission.self, "Registry.Submission", #"{"statement":"eyJ","signed":true}"#, "unknown member 'signed'"),
        body(StatementSubmission.self, "Registry.Submission", #"{"statement":"eyJ"}"#, nil),
        body(StatusReadController.BatchLookup.self, "BatchLookup", #"{"entries":[],"all":true}"#, "unknown member 'all'"),
        body(
            StatusReadController.BatchLookup.self,
            "BatchLookup",
            #"{"entries":[{"list":"a","index":1},{"list":"a","idx":2,"index":2}]}"#,
            "unknown member 'idx' in entries[1]"
        ),
        body(StatusReadController.BatchLookup.self, "BatchLookup", #"{"entries":[{"list":"a","index":1}]}"#, nil),
    ]

    @Test(arguments: unknownMembers)
    func unknownMembersAreRefusedAtEveryLevel(_ example: Case) throws {
        let data = Data(example.json.utf8)
        guard let detail = example.detail else {
            try example.decode(data)
            return
        }
        let error = try #require(throws: ServiceError.self) { try example.decode(data) }
        #expect(error.code == .badRequest)
        #expect(error.detail == detail)
    }

    typealias SetStatus = SetStatusRequest

    /// Malformed bodies other than unknown members keep their precise details.
    static let malformed: [(json: String, detail: String)] = [
        ("", "the body is empty; expected a JSON object"),
        ("{\"index\":", "the body is not valid JSON"),
        ("  ", "the body is not valid JSON"),
        ("[1,2]", "the body must be a JSON object"),
        ("null", "the body must be a JSON object"),
        ("17", "the body must be a JSON object"),
        (#"{"changes":[1]}"#, "changes[0]: expected an object"),
        (#"{"changes":[null]}"#, "changes[0]: expected an object, found null"),
        (#"{"changes":{"index":1,"value":1}}"#, "changes: expected an array"),
        (#"{"changes":[{"index":"1","value":1}]}"#, "changes[0].index: expected an integer"),
        (#"{"changes":[{"index":1}]}"#, "changes[0]: missing member 'value'"),
        (#"{"changes":[{"index":1,"value":null}]}"#, "changes[0].value: expected an integer, found null"),
        (#"{"reason":7}"#, "reason: expected a string"),
        // No member is nullable: an optional member is left out, not null (it was read as absent).
        (#"{"index":1,"value":1,"reason":null}"#, "reason: null is not allowed; leave the member out instead"),
        (#"{"changes":null}"#, "changes: null is not allowed; leave the member out instead"),
        // An unknown member is the more useful answer than the member it probably misspells.
        (#"{"changes":[{"index":1,"valu":1}]}"#, "unknown member 'valu' in changes[0]"),
        (#"{"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1}"#, "unknown members 'a', 'b', 'c', 'd', 'e' and 2 more"),
        ("{\"\(String(repeating: "x", count: 100))\":1}", "unknown member '\(String(repeating: "x", count: 64))…'"),
    ]

    @Test(arguments: malformed)
    func malformedBodiesHavePreciseDetails(_ example: (json: String, detail: String)) throws {
        let error = try #require(throws: ServiceError.self) { try StrictJSON.decode(SetStatus.self, from: Data(example.json.utf8)) }
        #expect(error.code == .badRequest)
        if example.detail == "the body is not valid JSON" {
            #expect(error.detail.hasPrefix(example.detail), "\(error.detail)")
        } else {
            #expect(error.detail == example.detail)
        }
    }

    @Test func aStrictBodyDecodesEverythingItKnows() throws {
        let json = #"{"changes":[{"index":7,"value":1},{"index":9,"value":0}],"reason":"audit 2026"}"#
        let body = try StrictJSON.decode(SetStatus.self, from: Data(json.utf8))
        #expect(body.changes?.map(\.index) == [7, 9])
        #expect(body.changes?.map(\.value) == [1, 0])
        #expect(body.reason == "audit 2026")
        #expect(body.index == nil && body.value == nil)

        let messages = #"[{"status":"0x0","message":"valid"},{"status":"0x1","message":"invalid"}]"#
        let list = try StrictJSON.decode(
            CreateListRequest.self,
            from: Data(#"{"purpose":"message","statusSize":1,"statusMessages":\#(messages)}"#.utf8)
        )
        #expect(list.statusMessages?.map(\.value) == [0, 1])
        #expect(list.purpose == .message && list.statusSize == 1)
    }

    /// The HTTP answer for an unknown member: a 400 problem naming it, for every endpoint with a JSON body.
    @Test func everyJSONEndpointRefusesNestedUnknownMembers() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let index = try #require(try await server.allocate(list).first)
        let cases: [(path: String, json: [String: Any], detail: String)] = [
            (
                "/admin/lists", ["purpose": "message", "statusSize": 1, "statusMessages": [["status": "0x0", "message": "a", "x": 1]]],
                "unknown member 'x' in statusMessages[0]"
            ),
            ("/admin/lists/\(list)/entries", ["count": 1, "x": 1], "unknown member 'x'"),
            ("/admin/entries", ["purpose": "revocation", "x": 1], "unknown member 'x'"),
            (
                "/admin/lists/\(list)/status", ["changes": [["index": index, "value": 1], ["index": index, "value": 1, "x": 1]]],
                "unknown member 'x' in changes[1]"
            ),
            ("/admin/tokens", ["role": "issuer", "principal": "p", "x": 1], "unknown member 'x'"),
            ("/admin/registry/statements", ["statement": "e30", "x": 1], "unknown member 'x'"),
            ("/status/lookup", ["entries": [["list": list, "index": index, "x": 1]]], "unknown member 'x' in entries[0]"),
        ]
        for (path, json, detail) in cases {
            let response = try await server.request(.POST, path, token: server.operatorToken, json: json)
            #expect(response.status == 400, "\(path): \(response.text)")
            #expect(response.header("Content-Type") == "application/problem+json", "\(path)")
            #expect(response.json["type"] as? String == "urn:standing:problem:malformed-request", "\(path)")
            #expect(response.json["detail"] as? String == detail, "\(path)")
        }
        // Nothing was changed by the refused status request.
        #expect(try await server.request(.GET, "/status/\(list)/\(index)").json["status"] as? Int == 0)
    }
}
