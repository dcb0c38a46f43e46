import Foundation
import NIOHTTP1
import Server
import StandingTestSupport
import Testing
import TrustRegistry

/// The TRQP fast path (``TRQPFastPathHandler``) answers exactly as the router does: the same status, fields and bytes
/// for every kind of answer, problems from the router for bad queries, answers that follow writes and the clock, and
/// responses in request order on a pipelined connection.
@Suite struct TRQPFastPathTests {
    /// A query, by what it asks of the world set up in ``withWorld(_:)``.
    struct Query: Sendable, CustomStringConvertible {
        let description: String
        let path: String
        let body: @Sendable (Setup) -> String
    }

    /// The world the queries ask about: a university accredited by ANECA until `validUntil`.
    struct Setup: Sendable {
        let world: RegistryWorld
        let university: String
        let validUntil: Date
    }

    static func json(_ members: [String: Any]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: members, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }

    static func authorization(_ setup: Setup, entity: String? = nil, authority: String? = nil, action: String = "issue",
        resource: String = RegistryWorld.microCredential, time: Date? = nil) -> String
    {
        var context = ["eqfLevel": "5", "jurisdiction": "ESP"]
        if let time { context["time"] = RegistryTime.format(time) }
        return json([
            "entity_id": entity ?? setup.university, "authority_id": authority ?? setup.world.aneca.did, "action": action, "resource": resource,
            "context": context,
        ])
    }

    /// Answers of every kind (200s), each asked on both paths.
    static let answers: [Query] = [
        Query(description: "authorized now", path: "/trqp/authorization") { authorization($0) },
        Query(description: "authorized under the root", path: "/trqp/authorization") { authorization($0, authority: $0.world.root.did) },
        Query(description: "authorized a second before validUntil", path: "/trqp/authorization") {
            authorization($0, time: $0.validUntil.addingTimeInterval(-1))
        },
        Query(description: "lapsed at validUntil", path: "/trqp/authorization") { authorization($0, time: $0.validUntil) },
        Query(description: "lapsed after validUntil", path: "/trqp/authorization") { authorization($0, time: $0.validUntil.addingTimeInterval(86_400)) },
        Query(description: "not yet valid", path: "/trqp/authorization") { authorization($0, time: $0.validUntil.addingTimeInterval(-4 * 365 * 86_400)) },
        Query(description: "unknown entity", path: "/trqp/authorization") { authorization($0, entity: "did:web:nobody.example") },
        Query(description: "resource outside the scope", path: "/trqp/authorization") { authorization($0, resource: "Diploma") },
        Query(description: "outside the authority", path: "/trqp/authorization") { authorization($0, authority: $0.world.nvao.did) },
        Query(description: "undefined action", path: "/trqp/authorization") { authorization($0, action: "dance") },
        Query(description: "no context, unknown context members", path: "/trqp/authorization") {
            json(["entity_id": $0.university, "authority_id": $0.world.aneca.did, "action": "issue", "resource": RegistryWorld.microCredential,
                "context": ["vendor": "x\"y", "Zeta": "1"]])
        },
        Query(description: "recognition of a body", path: "/trqp/recognition") {
            json(["entity_id": $0.world.aneca.did, "authority_id": $0.world.root.did, "action": "accredit", "resource": RegistryAction.accreditationDecisions])
        },
        Query(description: "recognition denied", path: "/trqp/recognition") {
            json(["entity_id": $0.university, "authority_id": $0.world.root.did, "action": "recognize", "resource": RegistryWorld.microCredential])
        },
    ]

    /// Queries the router refuses with a problem; the fast path hands them on.
    static let problems: [(query: Query, status: Int)] = [
        (Query(description: "unknown authority", path: "/trqp/authorization") { authorization($0, authority: "did:web:nobody.example") }, 404),
        (Query(description: "not JSON", path: "/trqp/authorization") { _ in "not json" }, 400),
        (Query(description: "missing members", path: "/trqp/authorization") { _ in #"{"entity_id":"did:web:a.example"}"# }, 400),
        (Query(description: "bad context.time", path: "/trqp/recognition") { authorization($0, time: nil).replacingOccurrences(of: #""eqfLevel""#, with: #""time":"yesterday","eqfLevel""#) }, 400),
        (Query(description: "non-string context member", path: "/trqp/authorization") {
            json(["entity_id": "a", "authority_id": $0.world.aneca.did, "action": "issue", "resource": "r", "context": ["eqfLevel": 5]])
        }, 400),
        (Query(description: "empty body", path: "/trqp/authorization") { _ in "" }, 400),
    ]

    static func withWorld(_ body: (Setup) async throws -> Void) async throws {
        try await RegistryWorld.run { world in
            let university = RegistryParty(did: "did:web:uni.example.es", role: .issuer, name: "Universidad Ejemplo", country: "ES")
            let validUntil = RegistryWorld.now().addingTimeInterval(365 * 86_400)
            try await world.accredit(university, by: world.aneca, token: world.anecaToken, validUntil: validUntil)
            try await body(Setup(world: world, university: university.did, validUntil: validUntil))
        }
    }

    /// `body` as a request with `Content-Length` (which the fast path takes) or chunked (which it leaves to the router).
    static func request(_ path: String, _ body: String, chunked: Bool = false, close: Bool = false) -> String {
        let bytes = body.utf8.count
        let framing = chunked ? "Transfer-Encoding: chunked" : "Content-Length: \(bytes)"
        let payload = chunked ? (bytes > 0 ? String(bytes, radix: 16) + "\r\n" + body + "\r\n" : "") + "0\r\n\r\n" : body
        return "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\(framing)\r\n\(close ? "Connection: close\r\n" : "")\r\n\(payload)"
    }

    /// The requests pipelined on one connection, closed by the last; the responses in order.
    static func exchange(_ port: Int, _ requests: [String]) async throws -> [ParsedResponse] {
        let exchange = try await rawExchange(port: port, steps: [(.zero, requests.joined())], limit: .seconds(20))
        #expect(exchange.closed, "the last request closes the connection")
        return ParsedResponse.all(in: exchange.text)
    }

    /// How many responses the fast path has written (process-wide: other tests add to it too, never take away).
    static func fastPathCount(_ server: TestServer) async throws -> Int {
        let metrics = try await server.request(.GET, "/metrics").text
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("standing_trqp_fast_path_responses_total ") }
        return line.flatMap { Int(Double($0.split(separator: " ").last ?? "") ?? -1) } ?? 0
    }

    @Test(arguments: answers)
    func fastPathAnswersAsTheRouterDoes(_ query: Query) async throws {
        try await Self.withWorld { setup in
            let body = query.body(setup)
            let before = try await Self.fastPathCount(setup.world.server)
            // Fast path, router (chunked), router (Connection: close ends the exchange).
            let responses = try await Self.exchange(
                setup.world.server.port,
                [Self.request(query.path, body), Self.request(query.path, body, chunked: true), Self.request(query.path, body, close: true)])
            try #require(responses.count == 3, "\(responses)")
            let (fast, routed) = (responses[0], responses[1])
            #expect(fast.status == 200 && routed.status == 200, "\(fast.status) \(routed.status): \(fast.body)")
            #expect(fast.fieldNames == routed.fieldNames)
            for name in ["content-type", "cache-control", "access-control-allow-origin", "x-registry-seq", "server"] {
                #expect(fast.field(name) != nil && fast.field(name) == routed.field(name), "\(name)")
            }
            #expect(fast.field("content-type") == "application/json")
            #expect(fast.timeNormalisedBody == routed.timeNormalisedBody, "\(fast.body)\n\(routed.body)")
            #expect(try await Self.fastPathCount(setup.world.server) > before)
        }
    }

    @Test(arguments: zip(problems.map(\.query), problems.map(\.status)))
    func badQueriesGetTheRoutersProblem(_ query: Query, status: Int) async throws {
        try await Self.withWorld { setup in
            let body = query.body(setup)
            let good = Self.authorization(setup)
            // The refused query between two good ones: the router answers it, in order, on the same connection.
            let responses = try await Self.exchange(
                setup.world.server.port,
                [Self.request("/trqp/authorization", good), Self.request(query.path, body), Self.request(query.path, body, chunked: true),
                    Self.request("/trqp/authorization", good, close: true)])
            try #require(responses.count == 4, "\(responses)")
            #expect(responses.map(\.status) == [200, status, status, 200], "\(responses.map(\.body))")
            #expect(responses[1].field("content-type") == "application/problem+json")
            #expect(responses[1].body == responses[2].body)
        }
    }

    @Test func answersFollowWritesAndTheClock() async throws {
        try await RegistryWorld.run { world in
            let university = RegistryParty(did: "did:web:lapsing.example.es", role: .issuer, name: "Universidad Breve", country: "ES")
            // Long enough for the accreditation, a suspension and a reinstatement to be recorded on a loaded machine
            // (3 s was not, under PostgreSQL); the registry refuses changes to an ended period.
            let validUntil = RegistryWorld.now().addingTimeInterval(10)
            let id = try await world.accredit(university, by: world.aneca, token: world.anecaToken, validUntil: validUntil)
            #expect(try await world.authorized(university.did) == true)
            try await world.change(.suspend, id, subject: university.did, by: world.aneca, token: world.anecaToken)
            #expect(try await world.authorized(university.did) == false, "a suspension is answered at once")
            try await world.change(.reinstate, id, subject: university.did, by: world.aneca, token: world.anecaToken)
            #expect(try await world.authorized(university.did) == true)
            // No event marks the end of the period: the answer changes with the clock alone.
            while Date() < validUntil { try await Task.sleep(for: .milliseconds(100)) }
            #expect(try await world.authorized(university.did) == false, "no authorization past validUntil")
        }
    }
}

/// One HTTP/1.1 response parsed out of a raw exchange (`Content-Length` framing, as every response here has).
struct ParsedResponse: CustomStringConvertible {
    let status: Int
    let fields: [(name: String, value: String)]
    let body: String

    var description: String { "\(status) \(body)" }
    var fieldNames: [String] { fields.map { $0.name.lowercased() } }
    func field(_ name: String) -> String? { fields.first { $0.name.lowercased() == name }?.value }

    /// The body with the evaluation time (which differs between two requests a second apart) replaced by `T`.
    var timeNormalisedBody: String {
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let evaluated = json["time_evaluated"] as? String
        else { return body }
        return body.replacingOccurrences(of: evaluated, with: "T")
    }

    static func all(in text: String) -> [ParsedResponse] {
        var bytes = Substring(text).utf8[...]
        var responses: [ParsedResponse] = []
        let separator = Array("\r\n\r\n".utf8)
        while let end = bytes.firstRange(of: separator) {
            let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
            guard let statusLine = head.first, let status = Int(statusLine.dropFirst(9).prefix(3)) else { break }
            let fields = head.dropFirst().compactMap { line -> (String, String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            let length = fields.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
            let rest = bytes[end.upperBound...]
            let body = rest.prefix(length)
            responses.append(ParsedResponse(status: status, fields: fields.map { (name: $0.0, value: $0.1) }, body: String(decoding: body, as: UTF8.self)))
            bytes = rest.dropFirst(length)
        }
        return responses
    }
}
