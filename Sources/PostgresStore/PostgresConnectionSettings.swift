import Foundation
import Store

/// Where a PostgreSQL database is, from a URL
/// `postgres://USER@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require][&schema=NAME]`.
///
/// The URL never carries the password: a URL with one is refused (URLs end up in shell history, process listings,
/// configuration files and logs). The password comes from a file or the environment, handed to
/// ``PostgreSQLStore/open(_:password:logger:)`` separately.
public struct PostgresConnectionSettings: Sendable, Hashable, CustomStringConvertible {
    /// How the connection is encrypted.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// Never: for a server on loopback or a Unix-socket-like private network.
        case disable
        /// When the server offers it (the default, as libpq's `sslmode=prefer`).
        case prefer
        /// Always, verifying the server's certificate against the system's trust roots.
        case require
    }

    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode
    /// The schema Standing's tables live in; nil: the role's default (`public`). Created when missing.
    public var schema: String?
    /// The most connections this process opens to the server.
    public var maximumConnections: Int
    /// How long an operation waits for a connection before failing as unavailable, seconds.
    public var connectTimeoutSeconds: Int

    /// Creates settings.
    public init(
        user: String, host: String, port: Int = 5432, database: String, tls: TLSMode = .prefer, schema: String? = nil,
        maximumConnections: Int = 10, connectTimeoutSeconds: Int = 10
    ) {
        self.user = user
        self.host = host
        self.port = port
        self.database = database
        self.tls = tls
        self.schema = schema
        self.maximumConnections = maximumConnections
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    /// Whether `text` names a PostgreSQL database (a `postgres://` or `postgresql://` URL) rather than a file path.
    public static func isPostgresURL(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    /// Parses a URL.
    /// - Throws: ``StoreError/Code/rejected`` with a one-line reason: not a postgres URL, a password in it, no user,
    ///   host or database, a bad port or an unknown parameter.
    public init(url text: String) throws {
        guard Self.isPostgresURL(text), let components = URLComponents(string: text) else {
            throw StoreError(.rejected, "the database must be a URL postgres://USER@HOST:PORT/DATABASE")
        }
        guard components.password == nil else {
            throw StoreError(
                .rejected,
                "the database URL must not contain a password: put it in a file given with --database-password-file "
                    + "(or STANDING_DATABASE_PASSWORD_FILE), or in the PGPASSWORD environment variable")
        }
        guard let user = components.user?.removingPercentEncoding, !user.isEmpty else {
            throw StoreError(.rejected, "the database URL names no user: postgres://USER@HOST:PORT/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else {
            throw StoreError(.rejected, "the database URL names no host: postgres://USER@HOST:PORT/DATABASE")
        }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else {
            throw StoreError(.rejected, "the database URL's port must be 1-65535, got \(port)")
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard let database = path.removingPercentEncoding, !database.isEmpty, !database.contains("/") else {
            throw StoreError(.rejected, "the database URL names no database: postgres://USER@HOST:PORT/DATABASE")
        }
        var tls = TLSMode.prefer
        var schema: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "schema":
                guard let name = item.value, PostgreSQLStore.isPlainIdentifier(name) else {
                    throw StoreError(.rejected, "the database URL's schema must be lower-case letters, digits and _")
                }
                schema = name
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw StoreError(.rejected, "the database URL's sslmode must be disable, prefer or require")
                }
                tls = mode
            default:
                throw StoreError(.rejected, "the database URL has an unknown parameter '\(item.name)' (only sslmode and schema are understood)")
            }
        }
        self.init(
            user: user, host: host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host, port: port, database: database, tls: tls,
            schema: schema)
    }

    /// The URL, without any secret: safe for logs and messages.
    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        var parameters: [String] = []
        if tls != .prefer { parameters.append("sslmode=\(tls.rawValue)") }
        if let schema { parameters.append("schema=\(schema)") }
        return "postgres://\(user)@\(hostPart):\(port)/\(database)" + (parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&"))
    }
}
