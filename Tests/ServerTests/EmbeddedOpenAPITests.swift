import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import StandingTestSupport
import Testing

@testable import Server

/// The OpenAPI document is part of the binary: a binary copied alone still serves it.
@Suite struct EmbeddedOpenAPITests {
    @Test func theServedDocumentIsTheRepositoryFile() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Server/Resources/openapi.json")
        #expect(OpenAPIDocument.json == (try String(contentsOf: file, encoding: .utf8)))
    }

    @Test func aBinaryWithoutResourceBundlesServesTheDocument() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-alone-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = directory.appendingPathComponent("standing")
        try FileManager.default.copyItem(at: try standingExecutable(), to: binary)
        let process = try await ServerProcess.start(dataDirectory: directory.appendingPathComponent("data"), executable: binary)
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: process.baseURL + "/openapi.json"), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        await process.terminate()
        #expect(response.status.code == 200)
        #expect(String(buffer: body) == OpenAPIDocument.json)
    }
}
