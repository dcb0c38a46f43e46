import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import StandingTestSupport
import Testing

@testable import Server

/// Malformed or oversize bodies are the client's fault: 4xx problems, never a 500.
@Suite struct HTTPConformanceTests {
    /// Every route that reads a body, and whether it needs the operator token to get as far as reading it.
    static let bodyRoutes: [(path: String, needsToken: Bool)] = [
        ("/trqp/authorization", false), ("/trqp/recognition", false), ("/status/lookup", false), ("/admin/lists", true),
        ("/admin/entries", true), ("/admin/tokens", true), ("/admin/registry/statements", true),
    ]

    /// Chunked framings NIO's parser refuses, and the headers that announce them.
    static let malformedFramings: [(name: String, headers: String, body: String)] = [
        ("xchunked", "Transfer-Encoding: xchunked", "5\r\nhello\r\n0\r\n\r\n"),
        ("size zz", "Transfer-Encoding: chunked", "zz\r\nhello\r\n0\r\n\r\n"),
        ("size -5", "Transfer-Encoding: chunked", "-5\r\nhello\r\n0\r\n\r\n"),
        ("size FFFF…", "Transfer-Encoding: chunked", "FFFFFFFFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n"),
    ]

    @Test(arguments: 0..<malformedFramings.count)
    func malformedChunkedBodiesAreRefused400OnEveryBodyRoute(_ framing: Int) async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let (name, headers, body) = Self.malformedFramings[framing]
        for route in Self.bodyRoutes {
            let auth = route.needsToken ? "Authorization: Bearer \(server.operatorToken)\r\n" : ""
            let request = "POST \(route.path) HTTP/1.1\r\nHost: x\r\n\(auth)Content-Type: application/json\r\n\(headers)\r\n\r\n\(body)"
            let exchange = try await rawExchange(port: server.port, steps: [(.zero, request)], limit: .seconds(3))
            // NIO refuses some framings before the request reaches a route (a 400 and a close); the others reach the
            // route's body read, which must answer 400 too.
            #expect(exchange.statuses.first == 400, "\(name) to \(route.path): \(exchange.text)")
            #expect(exchange.statuses.allSatisfy { (400..<500).contains($0) }, "\(name) to \(route.path): \(exchange.statuses)")
        }
    }

    @Test func bodiesOverTheTRQPLimitAre413() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let body = Data(("{\"entity_id\":\"" + String(repeating: "x", count: 70 << 10) + "\"}").utf8)
        for path in ["/trqp/authorization", "/trqp/recognition"] {
            let response = try await server.request(.POST, path, body: body, headers: [("Content-Type", "application/json")])
            #expect(response.status == 413, "\(path): \(response.text)")
            #expect(response.header("Content-Type") == "application/problem+json")
            #expect(response.json["type"] as? String == "urn:standing:problem:payload-too-large")
        }
    }
}
