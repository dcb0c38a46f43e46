import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Signing
import StatusList
import StatusListSecuring
import Synchronization
import Testing
import StandingTestSupport

/// Kills the real server process with SIGKILL in the middle of a stream of acknowledged changes, restarts it, and
/// checks that every acknowledged change is there and published, and that no index was handed out twice.
@Suite struct DurabilityTests {
    static func send(_ method: HTTPMethod, _ url: String, token: String?, json: Any? = nil) async throws -> (Int, [String: Any]) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
        return (Int(response.status.code), object)
    }

    @Test func killDuringAStreamOfUpdatesLosesNothingAcknowledged() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-kill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try await ServerProcess.start(dataDirectory: directory, extraArguments: ["--publication-window-ms", "50"])
        let token = try String(contentsOf: directory.appendingPathComponent("operator-token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let (created, list) = try await Self.send(.POST, first.baseURL + "/admin/lists", token: token, json: ["purpose": "revocation"])
        try #require(created == 201)
        let listId = try #require(list["id"] as? String)

        // Workers allocate one entry and revoke it, over and over; every acknowledged step is recorded.
        let acknowledgedAllocations = Acknowledged()
        let acknowledgedRevocations = Acknowledged()
        let base = first.baseURL
        let workers = Task {
            await withTaskGroup(of: Void.self) { [acknowledgedAllocations, acknowledgedRevocations] group in
                for _ in 0..<4 {
                    group.addTask {
                        while !Task.isCancelled {
                            guard let (status, body) = try? await Self.send(.POST, "\(base)/admin/lists/\(listId)/entries", token: token, json: ["count": 1]),
                                status == 201, let index = (body["entries"] as? [[String: Any]])?.first?["index"] as? Int
                            else { return }
                            acknowledgedAllocations.append(index)
                            guard let (revoked, _) = try? await Self.send(.POST, "\(base)/admin/lists/\(listId)/status", token: token, json: ["index": index, "value": 1]),
                                revoked == 200
                            else { return }
                            acknowledgedRevocations.append(index)
                        }
                    }
                }
            }
        }
        // Let the stream run, then kill the server mid-flight.
        while acknowledgedRevocations.values.count < 150 { try await Task.sleep(for: .milliseconds(20)) }
        await first.kill()
        workers.cancel()
        await workers.value
        let allocated = acknowledgedAllocations.values
        let revoked = acknowledgedRevocations.values
        #expect(Set(allocated).count == allocated.count, "no index handed out twice before the kill")

        // On the same port: the list URL (and the tokens' `sub`) is the first run's. When the kill came after the last
        // change was published, the restart has nothing to republish and serves the list signed for that URL.
        let second = try await ServerProcess.start(dataDirectory: directory, port: first.port)
        do {
            let (status, info) = try await Self.send(.GET, second.baseURL + "/admin/lists/\(listId)", token: token)
            #expect(status == 200)
            #expect((info["allocated"] as? Int ?? 0) >= allocated.count, "every acknowledged allocation is counted")

            // Every acknowledged revocation is in the published, signed list after the restart.
            var request = HTTPClientRequest(url: second.baseURL + "/status/\(listId)")
            request.headers.add(name: "Accept", value: "application/statuslist+jwt")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let body = Data(try await response.body.collect(upTo: 16 << 20).readableBytesView)
            var jwksRequest = HTTPClientRequest(url: second.baseURL + "/.well-known/jwks.json")
            jwksRequest.method = .GET
            let jwksBody = try await HTTPClient.shared.execute(jwksRequest, timeout: .seconds(10)).body.collect(upTo: 1 << 20)
            let keys = try TrustedKeys(jwks: try JSONDecoder().decode(JWKSet.self, from: Data(jwksBody.readableBytesView)))
            let verified = try StatusListVerifier.verify(
                body, mediaType: "application/statuslist+jwt", expectedURL: "\(second.baseURL)/status/\(listId)", trustedKeys: keys)
            let missing = revoked.filter { verified.bitstring[$0] != 1 }
            #expect(missing.isEmpty, "acknowledged revocations missing after the crash: \(missing)")

            // New allocations never repeat an index handed out before the crash.
            let (allocatedAgain, more) = try await Self.send(.POST, second.baseURL + "/admin/lists/\(listId)/entries", token: token, json: ["count": 100])
            #expect(allocatedAgain == 201)
            let fresh = ((more["entries"] as? [[String: Any]]) ?? []).compactMap { $0["index"] as? Int }
            #expect(fresh.count == 100 && Set(fresh).isDisjoint(with: allocated))
        } catch {
            await second.terminate()
            throw error
        }
        await second.terminate()
    }
}

/// Indices acknowledged by the server, appended from several tasks.
final class Acknowledged: Sendable {
    private let storage = Mutex<[Int]>([])
    func append(_ index: Int) { storage.withLock { $0.append(index) } }
    var values: [Int] { storage.withLock { $0 } }
}
