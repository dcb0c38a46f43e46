import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import StandingTestSupport
import Testing

@testable import Server

/// Malformed or oversize bodies, unknown methods and query values are the client's fault: 4xx problems, never a
/// 500, and never silently accepted.
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
            let exchange = try await rawExchange(port: server.port, steps: [(.zero, request)], limit: .seconds(10))
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

    @Test func unknownMethodsOnKnownPathsAre405WithAllow() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let trace = try await server.request(HTTPMethod(rawValue: "TRACE"), "/health")
        #expect(trace.status == 405)
        #expect(trace.header("Allow") == "GET, HEAD")
        #expect(trace.header("Content-Type") == "application/problem+json")
        let put = try await server.request(.PUT, "/status/some-list")
        #expect(put.status == 405 && put.header("Allow") == "GET, HEAD")
        let delete = try await server.request(.DELETE, "/admin/tokens", token: server.operatorToken)
        #expect(delete.status == 405 && delete.header("Allow") == "GET, HEAD, POST")
        // An unknown path stays 404.
        #expect(try await server.request(.PUT, "/no/such/path").status == 404)
    }

    @Test func headIsAnsweredWhereverGetIs() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        for path in ["/health", "/openapi.json", "/trqp/metadata", "/.well-known/jwks.json"] {
            let get = try await server.request(.GET, path)
            let head = try await server.request(.HEAD, path)
            #expect(head.status == get.status, "HEAD \(path): \(head.status), GET \(get.status)")
            #expect(head.body.isEmpty)
        }
        // No root authority yet: HEAD /lote answers what GET does (the handler's 404), not the router's.
        #expect(try await server.request(.HEAD, "/lote").status == (try await server.request(.GET, "/lote")).status)
    }

    @Test func nullForAnOptionalMemberIsRefused() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let response = try await server.request(.POST, "/admin/lists/\(list)/entries", token: server.operatorToken, body: Data(#"{"count":null}"#.utf8))
        #expect(response.status == 400)
        #expect(response.json["detail"] as? String == "count: null is not allowed; leave the member out instead")
    }

    @Test func junkVersionAndTimestampAreRefused() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList()
        let timestamp = try await server.request(.GET, "/status/\(list)?time=0&timestamp=junk")
        #expect(timestamp.status == 400, "\(timestamp.text)")
        let version = try await server.request(.GET, "/trusted-issuers-registry/v5/issuers/did:web:x.example?version=junk")
        #expect(version.status == 400, "\(version.text)")
        #expect((version.json["detail"] as? String)?.contains("version") == true)
    }
}
