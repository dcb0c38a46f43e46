import Foundation
import NIOHTTP1
import StandingTestSupport
import Testing

@testable import Server

/// `--publish-dir`: every publication's files hold exactly the bytes the server answers with, under the URL's path,
/// and a directory that cannot be written is a loud publication failure.
@Suite struct PublishDirectoryTests {
    static func withServer(_ body: (TestServer, URL) async throws -> Void) async throws {
        let publishDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-publish-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: publishDirectory) }
        let server = try await TestServer.start { $0.publishDirectory = publishDirectory.path }
        do {
            try await body(server, publishDirectory)
        } catch {
            await server.stopAndRemove()
            throw error
        }
        await server.stopAndRemove()
    }

    /// For every format, after the first publication and after a change: the file under the URL's path is the body the
    /// per-format URL serves, and the manifest names the ETag and Cache-Control the server sends.
    @Test func filesHoldTheServedBytesForEveryFormat() async throws {
        try await Self.withServer { server, directory in
            // A 1-bit revocation list is IETF-expressible, so all four representations exist.
            let list = try await server.createList(["purpose": "revocation"])
            let index = try #require(try await server.allocate(list).first)
            for round in 0..<2 {
                if round == 1 { try await server.setStatus(list, index, 1) }
                var served = 0
                for mediaType in StatusMediaType.allCases {
                    let response = try await server.request(.GET, "/status/\(list).\(mediaType.pathSuffix)")
                    guard response.status == 200 else { continue }
                    served += 1
                    let file = directory.appendingPathComponent("status/\(list).\(mediaType.pathSuffix)")
                    // Publication happens before the read can see it, and the file is written in the same step.
                    let written = try Data(contentsOf: file)
                    #expect(written == response.body, "round \(round): \(mediaType.rawValue)")
                    let manifest = try #require(
                        try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("manifest/\(list).json")))
                            as? [String: Any])
                    let entry = try #require((manifest["files"] as? [String: Any])?["\(list).\(mediaType.pathSuffix)"] as? [String: Any])
                    #expect(entry["etag"] as? String == response.header("ETag"))
                    #expect(entry["cacheControl"] as? String == response.header("Cache-Control"))
                    #expect(entry["mediaType"] as? String == response.header("Content-Type"))
                    let modified = try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date
                    #expect(modified.map { HTTPDate.format($0) } == response.header("Last-Modified"))
                }
                #expect(served == StatusMediaType.allCases.count, "round \(round)")
            }
            // Nothing half-written is left behind.
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("status").path)
                .filter { $0.hasPrefix(".tmp-") }
            #expect(leftovers.isEmpty)
        }
    }

    @Test(arguments: [".well-known/jwks.json", ".well-known/did.json"])
    func keyDocumentsHoldTheServedBytes(path: String) async throws {
        try await Self.withServer { server, directory in
            let response = try await server.request(.GET, "/\(path)")
            #expect(response.status == 200)
            #expect(try Data(contentsOf: directory.appendingPathComponent(path)) == response.body)
        }
    }

    /// A directory that cannot be written (its `status` folder replaced by a file: refused even to root) fails the
    /// publication: `/ready` answers 503 and names it, and once the folder is back the change is published into it.
    @Test func anUnwritableDirectoryIsAPublicationFailure() async throws {
        try await Self.withServer { server, directory in
            let list = try await server.createList()
            let index = try #require(try await server.allocate(list).first)
            let status = directory.appendingPathComponent("status")
            let saved = directory.appendingPathComponent("status-saved")
            try FileManager.default.moveItem(at: status, to: saved)
            try Data("not a folder".utf8).write(to: status)
            let change = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": index, "value": 1])
            #expect(change.status == 200)
            let unready = try await eventually {
                let ready = try await server.request(.GET, "/ready")
                return ready.status == 503 && ready.text.contains("publish directory")
            }
            #expect(unready)
            try FileManager.default.removeItem(at: status)
            try FileManager.default.moveItem(at: saved, to: status)
            let recovered = try await eventually(timeout: .seconds(10)) {
                guard try await server.request(.GET, "/ready").status == 200 else { return false }
                let served = try await server.request(.GET, "/status/\(list).vc.json")
                let file = try? Data(contentsOf: status.appendingPathComponent("\(list).vc.json"))
                return file == served.body
            }
            #expect(recovered)
        }
    }

    @Test func theSettingResolvesFromTheFlagAndTheEnvironment() throws {
        let fromEnvironment = try ServerConfiguration.resolved(.init(), environment: ["STANDING_PUBLISH_DIR": "/srv/standing"])
        #expect(fromEnvironment.publishDirectory == "/srv/standing")
        let fromFlag = try ServerConfiguration.resolved(
            .init(publishDirectory: "/srv/flag"), environment: ["STANDING_PUBLISH_DIR": "/srv/standing"])
        #expect(fromFlag.publishDirectory == "/srv/flag")
        #expect(try ServerConfiguration.resolved(.init(publishDirectory: ""), environment: [:]).publishDirectory == nil)
    }
}
