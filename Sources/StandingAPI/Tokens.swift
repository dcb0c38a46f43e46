import Foundation

/// `POST /admin/tokens` (operator): a new token for a principal.
public struct CreateTokenRequest: Codable, Sendable, Equatable {
    /// What the token may do.
    public var role: PrincipalRole
    /// The issuer or body id the token acts for; `operator` when left out for an operator token.
    public var principal: String?
    /// A note for listings (at most 200 characters).
    public var label: String?

    /// Creates a request.
    public init(role: PrincipalRole, principal: String? = nil, label: String? = nil) {
        self.role = role
        self.principal = principal
        self.label = label
    }
}

/// A token as listed: never the secret, never its hash.
public struct TokenInfo: Codable, Sendable, Equatable {
    /// The public token id (`tok_…`).
    public var id: String
    /// What the token may do.
    public var role: PrincipalRole
    /// The issuer or body id the token acts for (`operator` for the operator).
    public var principal: String
    /// The note given at creation.
    public var label: String?
    /// When the token was created.
    public var createdAt: Date
    /// When it was revoked; nil while it is valid.
    public var revokedAt: Date?

    /// Creates the description of a token.
    public init(id: String, role: PrincipalRole, principal: String, label: String?, createdAt: Date, revokedAt: Date?) {
        self.id = id
        self.role = role
        self.principal = principal
        self.label = label
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// The answer to a token creation: the only place the secret ever appears.
public struct CreatedToken: Codable, Sendable, Equatable {
    /// The token as listings show it.
    public var token: TokenInfo
    /// The secret, shown once (the service keeps only its hash).
    public var secret: String

    /// Creates the answer.
    public init(token: TokenInfo, secret: String) {
        self.token = token
        self.secret = secret
    }
}

/// `GET /admin/tokens`.
public struct TokensPage: Codable, Sendable, Equatable {
    /// Every token, revoked ones too.
    public var tokens: [TokenInfo]

    /// Creates the page.
    public init(tokens: [TokenInfo]) { self.tokens = tokens }
}
