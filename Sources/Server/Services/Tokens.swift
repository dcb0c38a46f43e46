import Crypto
import Foundation
import StandingAPI
import Store
import WireEncoding

/// API tokens: random secrets shown once, stored only as SHA-256 hashes.
///
/// A fast hash is right here because the secrets are 256-bit random values, not passwords: there is nothing to
/// brute-force, and a lookup by hash keeps authentication to one indexed read.
public struct Tokens<Repository: StatusStore>: Sendable {
    public let store: Repository

    /// Creates the token service.
    public init(store: Repository) {
        self.store = store
    }

    /// A newly issued token: the record stored and the secret, which is never stored or shown again.
    public struct Issued: Sendable {
        public let record: TokenRecord
        public let secret: String
    }

    /// Issues a token for `principal` acting as `role`.
    public func issue(role: PrincipalRole, principal: String, label: String?, now: Date = Date()) async throws -> Issued {
        guard Self.isValidPrincipalId(principal) else {
            throw ServiceError(.invalidValue, "principal must be 1-128 characters without spaces or control characters, got '\(principal)'")
        }
        if role == .operator_ && principal != "operator" {
            throw ServiceError(.invalidValue, "operator tokens act for the principal 'operator'")
        }
        let secret = "stn_" + Self.randomBase64URL(bytes: 32)
        let record = TokenRecord(
            id: "tok_" + Self.randomBase64URL(bytes: 9),
            secretHash: Self.hash(secret),
            role: role,
            principal: principal,
            label: label,
            createdAt: now
        )
        try await store.createToken(record)
        return Issued(record: record, secret: secret)
    }

    /// Every token (revoked ones too), for the operator's listing.
    public func all() async throws -> [TokenRecord] {
        try await store.tokens()
    }

    /// Revokes a token; the last active operator token is kept, so the service never locks its operator out.
    /// - Throws: ``ServiceError`` `conflict` for the last active operator token, `notFound` for an unknown id.
    public func revoke(id: String, now: Date = Date()) async throws {
        let activeOperators = try await store.tokens().filter { $0.role == .operator_ && $0.revokedAt == nil }
        if activeOperators.count == 1, activeOperators[0].id == id {
            throw ServiceError(.conflict, "'\(id)' is the last active operator token; create another operator token first")
        }
        do {
            try await store.revokeToken(id: id, at: now)
        } catch let error as StoreError where error.code == .notFound {
            throw ServiceError(.notFound, "no token '\(id)'")
        }
    }

    /// The principal a presented secret stands for, or nil for an unknown or revoked token.
    public func authenticate(_ secret: String) async throws -> Principal? {
        guard secret.utf8.count <= 256, let record = try await store.token(secretHash: Self.hash(secret)), record.revokedAt == nil else {
            return nil
        }
        return Principal(id: record.principal, role: record.role)
    }

    /// SHA-256 of a secret, lowercase hex.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// 1-128 characters counted as JSON Schema's `maxLength` counts them (code points), so the OpenAPI bound is this.
    static func isValidPrincipalId(_ id: String) -> Bool {
        (1...128).contains(id.unicodeScalars.count) && id.unicodeScalars.allSatisfy { !$0.properties.isWhitespace && !(0x00...0x1F).contains($0.value) && !(0x7F...0x9F).contains($0.value) }
    }

    static func randomBase64URL(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Base64URL.encode(bytes)
    }
}
