import Foundation
import Hummingbird
import StandingAPI
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

    @Sendable func create(request: Request, context: Context) async throws -> Response {
        _ = try context.require(.operator_)
        let body = try await request.decodeStrict(CreateTokenRequest.self, context: context)
        let principal = body.role == .operator_ ? (body.principal ?? "operator") : body.principal
        guard let principal else { throw ServiceError(.badRequest, "missing member 'principal' (the issuer or body id)") }
        // Counted as JSON Schema's maxLength counts (Unicode code points), so the document's bound is the server's.
        if let label = body.label, label.unicodeScalars.count > 200 { throw ServiceError(.invalidValue, "label is longer than 200 characters") }
        let issued = try await tokens.issue(role: body.role, principal: principal, label: body.label)
        return try jsonResponse(CreatedToken(token: TokenInfo(issued.record), secret: issued.secret), status: .created, headers: [.cacheControl: "no-store"])
    }

    @Sendable func list(request: Request, context: Context) async throws -> Response {
        _ = try context.require(.operator_)
        return try jsonResponse(TokensPage(tokens: try await tokens.all().map(TokenInfo.init)))
    }

    @Sendable func revoke(request: Request, context: Context) async throws -> Response {
        _ = try context.require(.operator_)
        let id = try context.parameters.require("token")
        try await tokens.revoke(id: id)
        return Response(status: .noContent)
    }
}

extension CreateTokenRequest: StrictRequestBody {}

extension TokenInfo {
    /// The listing of a stored token: everything but the secret's hash.
    init(_ record: TokenRecord) {
        self.init(
            id: record.id, role: record.role, principal: record.principal, label: record.label, createdAt: record.createdAt,
            revokedAt: record.revokedAt)
    }
}
