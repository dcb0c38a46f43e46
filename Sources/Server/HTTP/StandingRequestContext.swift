import Hummingbird
import StandingAPI
import Store

/// The request context of every Standing route: Hummingbird's core storage plus the authenticated caller.
public struct StandingRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``BearerAuthenticator`` for admin routes.
    public var principal: Principal?
    /// Request bodies above this are refused with 413. Large enough for a batch of about 300,000 status changes.
    public var maxUploadSize: Int { 8 << 20 }

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    /// The caller, or a 401 problem.
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw ServiceError(.unauthorized, "an Authorization: Bearer token is required") }
        return principal
    }

    /// The caller if it acts in one of `roles`, or a 403 problem.
    public func require(_ roles: PrincipalRole...) throws -> Principal {
        let principal = try requirePrincipal()
        guard roles.contains(principal.role) else {
            throw ServiceError(.forbidden, "this needs a token of role \(roles.map(\.rawValue).joined(separator: " or ")), not '\(principal.role.rawValue)'")
        }
        return principal
    }
}
