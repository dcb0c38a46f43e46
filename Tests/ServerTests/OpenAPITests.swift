import Foundation
import NIOHTTP1
import StandingTestSupport
import Testing

/// Checks the served OpenAPI document against the running server: every documented operation is routed, every
/// registered route is documented, security and media types match what the server does.
@Suite struct OpenAPITests {
    /// The routes the server registers, copied from the controllers (`StatusReadController.endpoints` under
    /// `/status`, `AdminController.endpoints` and `TokensController.endpoints` under `/admin`,
    /// `SystemController.addRoutes`, `RegistryController.addRoutes`), in Hummingbird's path syntax. A route added to a controller must be added here
    /// and to the document.
    static let registeredRoutes: Set<String> = [
        "GET /status/:list",
        "HEAD /status/:list",
        "GET /status/:list/:index",
        "POST /status/lookup",
        // StatusAggregationReads.endpoints under /status, StatusAggregationMetadata.addRoute at the root.
        "GET /status/aggregation",
        "GET /status/aggregation/:issuer",
        "GET /.well-known/oauth-authorization-server",
        "POST /admin/lists",
        "GET /admin/lists",
        "GET /admin/lists/:list",
        "POST /admin/lists/:list/entries",
        "POST /admin/entries",
        "POST /admin/lists/:list/status",
        "GET /admin/audit",
        "POST /admin/tokens",
        "GET /admin/tokens",
        "DELETE /admin/tokens/:token",
        // CredentialStatusController.endpoints under /credentials: the VC-API status calls (DCC, Sphereon).
        "POST /credentials/status/allocate",
        "POST /credentials/status",
        "GET /health",
        "GET /ready",
        "GET /metrics",
        "GET /.well-known/jwks.json",
        "GET /.well-known/did.json",
        "GET /openapi.json",
        // RegistryController.addRoutes: the trust registry's public views and its statement endpoint under /admin.
        "GET /trusted-issuers-registry/v5/issuers",
        "GET /trusted-issuers-registry/v5/issuers/:did",
        "GET /trusted-issuers-registry/v5/issuers/:did/attributes",
        "GET /trusted-issuers-registry/v5/issuers/:did/attributes/:id",
        "GET /trusted-issuers-registry/v5/issuers/:did/attributes/:id/revisions",
        "GET /trusted-issuers-registry/v5/issuers/:did/attributes/:id/revisions/:revision",
        "GET /trusted-issuers-registry/v5/issuers/:did/revisions",
        "GET /trusted-issuers-registry/v5/issuers/:did/revisions/:revision",
        "POST /trqp/authorization",
        "POST /trqp/recognition",
        "GET /trqp/metadata",
        "GET /lote",
        "GET /registry/v1/snapshot",
        "GET /registry/v1/changes",
        "GET /registry/v1/log",
        "POST /admin/registry/statements",
        // FederationController.addRoutes (from RegistryController.addRoutes): the OpenID Federation Trust Anchor.
        "GET /.well-known/openid-federation",
        "GET /federation/fetch",
        "GET /federation/list",
        "GET /federation/trust-mark",
        "GET /federation/trust-mark-list",
        "POST /federation/trust-mark-status",
        // IdentitiesController.addRoutes: hosted issuer DID documents at the root, identities and rotation under /admin.
        "GET /issuers/:issuer/did.json",
        "POST /admin/identities",
        "GET /admin/identities",
        "GET /admin/identities/:issuer",
        "POST /admin/identities/:issuer/activate",
        "POST /admin/identities/:issuer/chain",
        "GET /admin/identities/:issuer/csr",
        "POST /admin/keys/rotate",
    ]

    static let operationKeys = ["get", "head", "post", "put", "delete", "patch", "options", "trace"]

    /// One documented operation.
    struct Operation: CustomStringConvertible {
        let method: String
        let path: String
        let object: [String: Any]

        var description: String { "\(method) \(path)" }

        /// The route in Hummingbird syntax: `{list}` and `{list}.{suffix}` (one path segment, split by the handler)
        /// both become `:list`.
        var route: String {
            let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
                guard segment.hasPrefix("{"), let close = segment.firstIndex(of: "}") else { return String(segment) }
                return ":" + segment[segment.index(after: segment.startIndex)..<close]
            }
            return "\(method) \(segments.joined(separator: "/"))"
        }

        var needsBearerToken: Bool {
            guard let security = object["security"] as? [[String: Any]] else { return false }
            return security.contains { $0["bearerAuth"] != nil }
        }
    }

    /// Fetches and parses the document the server serves.
    static func document(_ server: TestServer) async throws -> [String: Any] {
        let response = try await server.request(.GET, "/openapi.json")
        try #require(response.status == 200, "GET /openapi.json: \(response.status)")
        #expect(response.header("Content-Type") == "application/json")
        let object = try JSONSerialization.jsonObject(with: response.body)
        return try #require(object as? [String: Any], "the document is not a JSON object")
    }

    static func operations(_ document: [String: Any]) throws -> [Operation] {
        let paths = try #require(document["paths"] as? [String: Any], "the document has no paths")
        var operations: [Operation] = []
        for (path, item) in paths {
            let item = try #require(item as? [String: Any], "path item \(path) is not an object")
            for key in operationKeys {
                guard let object = item[key] else { continue }
                operations.append(Operation(method: key.uppercased(), path: path, object: try #require(object as? [String: Any])))
            }
        }
        return operations.sorted { ($0.path, $0.method) < ($1.path, $1.method) }
    }

    /// Whether a response is the router's answer for an unknown route (a path or method nobody registered):
    /// Hummingbird throws `HTTPError(.notFound)`, which the problem middleware turns into type `about:blank`. A
    /// handler's own 404 (unknown list, token...) has a `urn:standing:problem:` or W3C type, or is an OpenID Federation
    /// error object.
    static func isRouteNotFound(_ response: TestResponse, method: String) -> Bool {
        guard response.status == 404 else { return false }
        // A HEAD answer has no body to tell the two apart; with real parameter values any 404 is suspect.
        if method == "HEAD" { return true }
        // The OpenID Federation endpoints answer the specification's error objects (`error`), not problem details.
        if response.json["error"] is String { return false }
        return (response.json["type"] as? String ?? "about:blank") == "about:blank"
    }

    /// Every `$ref` in `value`.
    static func references(in value: Any) -> [String] {
        switch value {
        case let object as [String: Any]:
            let own = (object["$ref"] as? String).map { [$0] } ?? []
            return own + object.values.flatMap(references)
        case let array as [Any]:
            return array.flatMap(references)
        default:
            return []
        }
    }

    @Test func documentIsOpenAPI31AndDescribesExactlyTheRegisteredRoutes() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let document = try await Self.document(server)
        #expect((document["openapi"] as? String)?.hasPrefix("3.1.") == true, "openapi: \(document["openapi"] ?? "missing")")
        let info = try #require(document["info"] as? [String: Any])
        #expect(info["title"] as? String == "Standing")
        #expect(info["version"] as? String == "0.1.0")
        let servers = try #require(document["servers"] as? [[String: Any]])
        #expect(servers.first?["url"] as? String == "http://127.0.0.1:8080")

        let documented = Set(try Self.operations(document).map(\.route))
        for route in Self.registeredRoutes.subtracting(documented).sorted() {
            Issue.record("registered route \(route) is not documented")
        }
        for route in documented.subtracting(Self.registeredRoutes).sorted() {
            Issue.record("documented route \(route) is not registered")
        }

        // Every local reference resolves.
        for reference in Set(Self.references(in: document)).sorted() {
            #expect(reference.hasPrefix("#/"), "non-local reference \(reference)")
            var node: Any? = document
            for key in reference.dropFirst(2).split(separator: "/") {
                node = (node as? [String: Any])?[String(key)]
            }
            #expect(node != nil, "unresolved reference \(reference)")
        }

        // Errors are RFC 9457 problems with the members ProblemDetails encodes.
        let components = try #require(document["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: Any])
        let problem = try #require(schemas["Problem"] as? [String: Any])
        #expect(Set((problem["properties"] as? [String: Any])?.keys.map { $0 } ?? []) == ["type", "title", "status", "detail"])
        let schemes = try #require(components["securitySchemes"] as? [String: Any])
        #expect((schemes["bearerAuth"] as? [String: Any])?["scheme"] as? String == "bearer")
    }

    @Test func everyDocumentedOperationIsRoutedAndProtectedAsDocumented() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let operations = try Self.operations(try await Self.document(server))
        try #require(!operations.isEmpty)

        // Real values for the path parameters, so that a handler answers 2xx or a problem of its own.
        let list = try await server.createList()
        let index = try #require(try await server.allocate(list).first)
        let issued = try await server.admin(.POST, "/admin/tokens", json: ["role": "issuer", "principal": "openapi-test"])
        let tokenId = try #require((issued.json["token"] as? [String: Any])?["id"] as? String, "\(issued.text)")
        let values = [
            "list": list, "index": String(index), "suffix": "jwt", "token": tokenId, "did": "did:web:nobody.example", "id": "no-such-attribute", "revision": "no-such-revision",
            "issuer": "did:web:nobody.example",
        ]

        // The detector itself must see an unknown path as not routed; an undocumented method on a documented path is
        // a 405 (which the loop below refuses for documented operations).
        #expect(Self.isRouteNotFound(try await server.request(.GET, "/openapi-test/not/a/route"), method: "GET"))
        #expect(try await server.request(.PUT, "/health").status == 405)
        #expect(!Self.isRouteNotFound(try await server.request(.GET, "/status/no-such-list"), method: "GET"))

        for operation in operations {
            var path = operation.path
            for (name, value) in values { path = path.replacingOccurrences(of: "{\(name)}", with: value) }
            guard !path.contains("{") else {
                Issue.record("\(operation): no test value for a parameter of \(path)")
                continue
            }
            let method = HTTPMethod(rawValue: operation.method)
            let json: Any? = operation.method == "POST" ? [String: Any]() : nil
            let token = operation.needsBearerToken ? server.operatorToken : nil
            let response = try await server.request(method, path, token: token, json: json)
            #expect(!Self.isRouteNotFound(response, method: operation.method), "\(operation) (\(path)) is not routed: \(response.text)")
            #expect(response.status != 405 && response.status < 500, "\(operation) (\(path)): \(response.status) \(response.text)")

            // The documented security matches: admin operations refuse a request without a token, public ones don't.
            // (The DELETE above revoked the issuer token, not the operator's.)
            let anonymous = try await server.request(method, path, json: json)
            if operation.needsBearerToken {
                #expect(anonymous.status == 401, "\(operation) is documented as needing a token but answered \(anonymous.status)")
            } else {
                #expect(anonymous.status != 401, "\(operation) is documented as public but answered 401")
            }
        }
    }

    /// Every object schema reachable from the request body schemas that `decodeStrict` reads, following local
    /// references.
    static func requestObjectSchemas(_ document: [String: Any]) throws -> [(name: String, schema: [String: Any])] {
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        var seen: Set<String> = []
        var found: [(name: String, schema: [String: Any])] = []
        func visit(_ value: Any, name: String) {
            switch value {
            case let object as [String: Any]:
                if let reference = object["$ref"] as? String {
                    let target = String(reference.split(separator: "/").last ?? "")
                    guard seen.insert(target).inserted, let schema = schemas[target] else { return }
                    visit(schema, name: target)
                    return
                }
                if object["properties"] != nil { found.append((name, object)) }
                // `if`/`then`/`else` only constrain members the enclosing object already declares (role and principal
                // of CreateTokenRequest); they add none.
                for (key, child) in object where !["examples", "example", "if", "then", "else"].contains(key) { visit(child, name: name) }
            case let array as [Any]:
                for child in array { visit(child, name: name) }
            default:
                return
            }
        }
        // TRQP queries are not Standing's own bodies: TRQPQuery.parse reads them, and their `context` is an open map. Nor is
        // the unsigned credential given to /credentials/status/allocate: the issuer's own document, answered as given.
        for operation in try operations(document) where !operation.path.hasPrefix("/trqp/") && operation.path != "/credentials/status/allocate" {
            guard let body = operation.object["requestBody"] as? [String: Any] else { continue }
            visit(body, name: operation.description)
        }
        return found
    }

    @Test func requestSchemasRefuseUnknownMembersAtEveryLevelAsTheServerDoes() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let document = try await Self.document(server)
        let objects = try Self.requestObjectSchemas(document)
        #expect(Set(objects.map(\.name)).isSuperset(of: ["SetStatusRequest", "StatusChange", "StatusMessage", "LookupItem"]))
        for (name, schema) in objects {
            #expect(schema["additionalProperties"] as? Bool == false, "request schema \(name) must refuse other members")
            #expect((schema["description"] as? String)?.contains("ignored") != true, "\(name) still says other members are ignored")
        }
    }

    @Test func statusChangeAnswerMatchesItsSchema() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let document = try await Self.document(server)
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let result = try #require(schemas["StatusChangeResult"] as? [String: Any])
        let documented = Set(try #require(result["properties"] as? [String: Any]).keys)
        let required = Set(try #require(result["required"] as? [String]))
        let operation = try #require(try Self.operations(document).first { $0.description == "POST /admin/lists/{list}/status" })
        let parameters = try #require(operation.object["parameters"] as? [[String: Any]])
        #expect(parameters.contains { $0["name"] as? String == "details" && $0["in"] as? String == "query" })

        let list = try await server.createList()
        let indices = try await server.allocate(list, count: 3)
        let single = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": indices[0], "value": 1])
        let batch = try await server.admin(
            .POST, "/admin/lists/\(list)/status", json: ["changes": indices.map { ["index": $0, "value": 1] }])
        for answer in [single, batch] {
            try #require(answer.status == 200, "\(answer.text)")
            let keys = Set(answer.json.keys)
            #expect(keys.isSubset(of: documented), "undocumented members \(keys.subtracting(documented).sorted())")
            #expect(required.isSubset(of: keys), "missing required members \(required.subtracting(keys).sorted())")
        }
        #expect(Set(single.json.keys) == documented, "one change answers every documented member")
        #expect(batch.json["records"] == nil && batch.json["applied"] as? Int == 2 && batch.json["unchanged"] as? Int == 1)
    }

    @Test func everyDocumentedStatusListMediaTypeIsServed() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let operations = try Self.operations(try await Self.document(server))
        let get = try #require(operations.first { $0.description == "GET /status/{list}" })
        let responses = try #require(get.object["responses"] as? [String: Any])
        let ok = try #require(responses["200"] as? [String: Any])
        let mediaTypes = try #require(ok["content"] as? [String: Any]).keys.sorted()
        #expect(
            Set(mediaTypes) == [
                "application/vc", "application/vc+ld+json", "application/ld+json", "application/json", "application/vc+jwt",
                "application/statuslist+jwt", "application/statuslist+cwt",
            ]
        )
        // A 1-bit revocation list is published in every format.
        let list = try await server.createList()
        for mediaType in mediaTypes {
            let response = try await server.request(.GET, "/status/\(list)", headers: [("Accept", mediaType)])
            #expect(response.status == 200, "\(mediaType): \(response.status)")
            #expect(response.header("Content-Type") == mediaType)
        }
        let documentedHeaders = Set((ok["headers"] as? [String: Any])?.keys.map { $0 } ?? [])
        #expect(documentedHeaders.isSuperset(of: ["ETag", "Cache-Control", "Last-Modified", "Vary"]))
        let response = try await server.request(.GET, "/status/\(list)")
        for header in documentedHeaders {
            #expect(response.header(header) != nil, "documented header \(header) is missing")
        }
        // The 304: exactly the documented fields, besides the server's own `Date` and `Server`.
        let notModified = try #require(responses["304"] as? [String: Any])
        let documented304 = Set((notModified["headers"] as? [String: Any])?.keys.map { $0.lowercased() } ?? [])
        let revalidated = try await server.request(.GET, "/status/\(list)", headers: [("If-None-Match", try #require(response.header("ETag")))])
        #expect(revalidated.status == 304)
        let sent = Set(revalidated.headers.map { $0.name.lowercased() }).subtracting(["date", "server"])
        #expect(sent == documented304, "sent \(sent.sorted()), documented \(documented304.sorted())")
    }
}
