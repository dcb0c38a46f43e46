import Foundation
import Hummingbird
import Store

/// Operator-only management of API tokens. The secret is in the creation response and nowhere else.
public struct TokensController<Repository: StatusStore>: Sendable {
    public typealias Context = StandingRequestContext
    let tokens: Tokens<Repository>

    /// Creates the controller.
    public init(tokens: Tokens<Repository>) {
        self.tokens = tokens
    }

    /// The routes, relative to `/admin`.
    public var endpoints: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.post("tokens", use: create)
        routes.get("tokens", use: list)
        routes.delete("tokens/:token", use: revoke)
        return routes
    }

    /// A token as listed: never the secret, never the hash.
    public struct TokenInfo: Codable, Sendable, Equatable {
        public var id: String
        public var role: PrincipalRole
        public var principal: String
        public var label: String?
        public var createdAt: Date
        public var revokedAt: Date?

        init(_ record: TokenRecord) {
            self.id = record.id
            self.role = record.role
            self.principal = record.principal
            self.label = record.label
            self.createdAt = record.createdAt
            self.revokedAt = record.revokedAt
        }
    }

    struct Create: StrictRequestBody {
        var role: PrincipalRole
        var principal: String?
        var label: String?
    }

    struct Created: Encodable {
        let token: TokenInfo
        /// The secret, shown once.
        let secret: String
    }

    @Sendable func create(request: Request, context: Context) async throws -> Response {
        _ = try context.require(.operator_)
        let body = try await request.decodeStrict(Create.self, context: context)
        let principal = body.role == .operator_ ? (body.principal ?? "operator") : body.principal
        guard let principal else { throw ServiceError(.badRequest, "missing member 'principal' (the issuer or body id)") }
        // Counted as JSON Schema's maxLength counts (Unicode code points), so the document's bound is the server's.
        if let label = body.label, label.unicodeScalars.count > 200 { throw ServiceError(.invalidValue, "label is longer than 200 characters") }
        let issued = try await tokens.issue(role: body.role, principal: principal, label: body.label)
        return try jsonResponse(Created(token: TokenInfo(issued.record), secret: issued.secret), status: .created, headers: [.cacheControl: "no-store"])
    }

    struct TokenPage: Encodable {
        let tokens: [TokenInfo]
    }

    @Sendable func list(request: Request, context: Context) async throws -> Response {
        _ = try context.require(.operator_)
        return try jsonResponse(TokenPage(tokens: try await tokens.store.tokens().map(TokenInfo.init)))
    }

    @Sendable func revoke(request: Request, context: Context) async throws -> Response {
        _ = try context.require(.operator_)
        let id = try context.parameters.require("token")
        let all = try await tokens.store.tokens()
        let activeOperators = all.filter { $0.role == .operator_ && $0.revokedAt == nil }
        if activeOperators.count == 1, activeOperators[0].id == id {
            throw ServiceError(.conflict, "'\(id)' is the last active operator token; create another operator token first")
        }
        do {
            try await tokens.store.revokeToken(id: id, at: Date())
        } catch let error as StoreError where error.code == .notFound {
            throw ServiceError(.notFound, "no token '\(id)'")
        }
        return Response(status: .noContent)
    }
}
