import HTTPTypes
import Hummingbird
import Logging
import Store

/// Resolves `Authorization: Bearer` tokens to a ``Principal``. A request without the header passes through
/// unauthenticated (routes decide whether they need a caller); a header with an unknown or revoked token is
/// refused with 401 at once.
public struct BearerAuthenticator<Repository: StatusStore>: RouterMiddleware {
    public typealias Context = StandingRequestContext
    let tokens: Tokens<Repository>

    /// Creates the middleware.
    public init(tokens: Tokens<Repository>) {
        self.tokens = tokens
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            return try await next(request, context)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw ServiceError(.unauthorized, "the Authorization header must be 'Bearer <token>'")
        }
        guard let principal = try await tokens.authenticate(String(parts[1])) else {
            throw ServiceError(.unauthorized, "the token is unknown or revoked")
        }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "principal"] = "\(principal.id)"
        return try await next(request, context)
    }
}
