import Foundation
import NIOHTTP1
import StandingTestSupport
import StatusList
import Testing

@testable import Server

/// `POST /admin/lists/{id}/status` with large batches: atomic, answered with a summary, the audit records on request.
@Suite struct BatchStatusTests {
    /// Allocates `count` entries, 10,000 (the per-request limit) at a time.
    func allocate(_ server: TestServer, _ list: String, count: Int) async throws -> [Int] {
        var indices: [Int] = []
        while indices.count < count {
            indices += try await server.allocate(list, count: min(10_000, count - indices.count))
        }
        return indices
    }

    func batch(_ indices: some Sequence<Int>, value: Int) -> [[String: Any]] {
        indices.map { ["index": $0, "value": value] }
    }

    /// Posts `{"changes": [...]}` built as text (`JSONSerialization` of 20,000 dictionaries is slow in a debug build),
    /// with `item` (raw JSON) in place of the change at `position`.
    func postBatch(
        _ server: TestServer,
        _ list: String,
        _ indices: [Int],
        value: Int,
        replacing position: Int? = nil,
        with item: String = "",
        query: String = ""
    ) async throws -> TestResponse {
        var items = indices.map { "{\"index\":\($0),\"value\":\(value)}" }
        if let position { items[position] = item }
        let body = Data("{\"changes\":[\(items.joined(separator: ","))],\"reason\":\"bulk\"}".utf8)
        return try await server.request(
            .POST,
            "/admin/lists/\(list)/status\(query)",
            token: server.operatorToken,
            body: body,
            headers: [("Content-Type", "application/json")]
        )
    }

    @Test func aBatchOfTwentyThousandIsAppliedAtomicallyAndAnsweredWithASummary() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let indices = try await allocate(server, list, count: 20_002)
        let bulk = Array(indices[..<20_000])

        // One change that was never allocated, in the middle: nothing of the batch is written.
        var unallocated = 0
        while indices.contains(unallocated) { unallocated += 1 }
        let refused = try await postBatch(server, list, bulk, value: 1, replacing: 10_000, with: "{\"index\":\(unallocated),\"value\":1}")
        #expect(refused.status == 400, "\(refused.text)")
        #expect((refused.json["detail"] as? String)?.contains("not been allocated") == true)
        #expect((try await server.admin(.GET, "/admin/audit?list=\(list)").json["records"] as? [Any])?.isEmpty == true)

        let applied = try await postBatch(server, list, bulk, value: 1)
        try #require(applied.status == 200, "\(applied.text)")
        let summary = applied.json
        #expect(summary["list"] as? String == list)
        #expect(summary["applied"] as? Int == 20_000)
        #expect(summary["unchanged"] as? Int == 0)
        #expect(summary["records"] == nil, "a batch answers no records unless asked")
        let first = try #require(summary["firstAuditId"] as? Int)
        let last = try #require(summary["lastAuditId"] as? Int)
        #expect(last - first + 1 == 20_000)
        #expect(applied.body.count < 200, "the summary stays small: \(applied.body.count) bytes")

        // The audit ids name exactly this batch's records, in the order of the changes.
        let page = try await server.admin(.GET, "/admin/audit?list=\(list)&after=\(first - 1)&limit=10000")
        let records = try #require(page.json["records"] as? [[String: Any]])
        #expect(records.count == 10_000)
        #expect(records.map { $0["id"] as? Int } == (first..<(first + 10_000)).map { $0 })
        #expect(records.map { $0["index"] as? Int } == bulk[..<10_000].map { $0 })
        #expect(records.allSatisfy { $0["reason"] as? String == "bulk" && $0["oldValue"] as? Int == 0 && $0["newValue"] as? Int == 1 })
        let tail = try await server.admin(.GET, "/admin/audit?list=\(list)&after=\(last - 1)")
        #expect((tail.json["records"] as? [[String: Any]])?.map { $0["index"] as? Int } == [bulk.last])

        #expect(try await eventually { try await server.request(.GET, "/status/\(list)/\(bulk[19_999])").json["status"] as? Int == 1 })
        #expect(try await server.request(.GET, "/status/\(list)/\(bulk[0])").json["status"] as? Int == 1)
        #expect(try await server.request(.GET, "/status/\(list)/\(indices[20_000])").json["status"] as? Int == 0)

        // Again: every change is a no-op, nothing is recorded. With details=true the (empty) records are listed.
        let again = try await postBatch(server, list, bulk, value: 1, query: "?details=true")
        #expect(again.status == 200, "\(again.text)")
        #expect(again.json["applied"] as? Int == 0)
        #expect(again.json["unchanged"] as? Int == 20_000)
        #expect(again.json["firstAuditId"] == nil && again.json["lastAuditId"] == nil)
        #expect((again.json["records"] as? [Any])?.isEmpty == true)

        // details=true lists the records of a batch; details=false leaves out those of a single change.
        let detailed = try await server.admin(
            .POST,
            "/admin/lists/\(list)/status?details=true",
            json: ["changes": batch(indices[20_000...], value: 1), "reason": "two"]
        )
        let detailedRecords = try #require(detailed.json["records"] as? [[String: Any]], "\(detailed.text)")
        #expect(detailedRecords.map { $0["index"] as? Int } == indices[20_000...].map { $0 })
        #expect(detailedRecords.map { $0["id"] as? Int } == [detailed.json["firstAuditId"] as? Int, detailed.json["lastAuditId"] as? Int])
        #expect(detailedRecords.allSatisfy { $0["reason"] as? String == "two" && $0["actor"] as? String == "operator" })

        let suspensions = try await server.createList(["purpose": "suspension"])
        let entry = try #require(try await server.allocate(suspensions).first)
        let single = try await server.admin(.POST, "/admin/lists/\(suspensions)/status", json: ["index": entry, "value": 1])
        #expect((single.json["records"] as? [[String: Any]])?.first?["newValue"] as? Int == 1, "one change is answered with its record")
        let quiet = try await server.admin(.POST, "/admin/lists/\(suspensions)/status?details=false", json: ["index": entry, "value": 0])
        #expect(quiet.json["applied"] as? Int == 1 && quiet.json["records"] == nil)
        let bad = try await server.admin(.POST, "/admin/lists/\(suspensions)/status?details=yes", json: ["index": entry, "value": 1])
        #expect(bad.status == 400)
        #expect((bad.json["detail"] as? String)?.contains("details") == true)
    }

    @Test func anInvalidChangeInTheMiddleOfABatchWritesNothing() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let indices = try await allocate(server, list, count: 2_001)
        let revoked = indices[2_000]
        let revoke = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": revoked, "value": 1])
        try #require(revoke.status == 200)
        var unallocated = 0
        while indices.contains(unallocated) { unallocated += 1 }

        let middle = 1_000
        let cases: [(item: String, status: Int, detail: String)] = [
            ("{\"index\":131072,\"value\":1}", 400, "outside"),
            ("{\"index\":\(indices[middle]),\"value\":256}", 400, "0-255"),
            ("{\"index\":\(indices[middle]),\"value\":2}", 400, "1-bit"),
            ("{\"index\":\(unallocated),\"value\":1}", 400, "not been allocated"),
            ("{\"index\":\(indices[middle]),\"valu\":1}", 400, "unknown member 'valu' in changes[1000]"),
            ("{\"index\":\(indices[middle]),\"value\":\"1\"}", 400, "changes[1000].value: expected an integer"),
            ("{\"index\":\(revoked),\"value\":0}", 409, "final"),
        ]
        for (item, status, detail) in cases {
            let response = try await postBatch(server, list, Array(indices[..<2_000]), value: 1, replacing: middle, with: item)
            #expect(response.status == status, "\(item): \(response.text)")
            #expect(response.header("Content-Type") == "application/problem+json")
            #expect((response.json["detail"] as? String)?.contains(detail) == true, "\(item): \(response.json["detail"] ?? "")")
        }

        let audit = try await server.admin(.GET, "/admin/audit?list=\(list)")
        #expect((audit.json["records"] as? [[String: Any]])?.map { $0["index"] as? Int } == [revoked], "only the single revocation is recorded")
        for index in [indices[0], indices[999], indices[1_001], indices[1_999]] {
            #expect(try await server.request(.GET, "/status/\(list)/\(index)").json["status"] as? Int == 0)
        }
    }

    @Test func theCLIPrintsTheChangeOrThatNothingChanged() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let environment = ["STANDING_SERVER": server.baseURL, "STANDING_TOKEN": server.operatorToken]
        let list = try await server.createList(["purpose": "suspension"])
        let index = try #require(try await server.allocate(list).first)

        let suspended = try await runStanding(["suspend", list, String(index), "--reason", "inquiry"], environment: environment)
        #expect(suspended.status == 0, "\(suspended.stderr)")
        #expect(suspended.stdout.contains("\(list)[\(index)]: 0 -> 1 (audit #"), "\(suspended.stdout)")

        let again = try await runStanding(["suspend", list, String(index)], environment: environment)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("\(list)[\(index)] already has value 1; nothing changed"), "\(again.stdout)")

        let json = try await runStanding(["reinstate", list, String(index), "--json"], environment: environment)
        #expect(json.status == 0, "\(json.stderr)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(answer["applied"] as? Int == 1 && answer["unchanged"] as? Int == 0)
        #expect((answer["records"] as? [[String: Any]])?.first?["oldValue"] as? Int == 1)
    }
}
