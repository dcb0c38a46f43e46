import Foundation
import Logging
import PostgresNIO
import Store
import Synchronization

extension PostgreSQLStore {
    /// How often a transaction that failed with a serialisation failure or deadlock is run again.
    static let retriesOnContention = 4

    /// Runs `body` in one transaction (READ COMMITTED, PostgreSQL's default; the statements take the row locks they
    /// need), commits it, and maps errors. A throw rolls everything back.
    /// - Parameters:
    ///   - operation: What is being done, for messages.
    ///   - conflict: The message for a duplicate key.
    ///   - missingReference: What a violated foreign key means here (default: a referenced record does not exist).
    @discardableResult
    func writing<T>(
        _ operation: String,
        conflict: String? = nil,
        missingReference: StoreError? = nil,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await withConnection(operation) { connection in
                    try await connection.query("BEGIN", logger: self.logger)
                    do {
                        let result = try await body(connection)
                        try await connection.query("COMMIT", logger: self.logger)
                        return result
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: self.logger)
                        throw error
                    }
                }
            } catch let error as PSQLError where Self.isContention(error) && attempt < Self.retriesOnContention {
                attempt += 1
                logger.debug("retrying after contention: \(operation)")
            } catch {
                throw Self.storeError(error, operation: operation, conflict: conflict, missingReference: missingReference)
            }
        }
    }

    /// Runs `body` on a pooled connection outside any explicit transaction: each statement is its own transaction,
    /// committed when it returns. For reads, and for writes of one statement.
    func autocommitting<T>(_ operation: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await reading(operation, body)
    }

    /// Runs `body` on a pooled connection outside any explicit transaction (each statement is its own).
    func reading<T>(_ operation: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await withConnection(operation, body)
        } catch {
            throw Self.storeError(error, operation: operation)
        }
    }

    /// Leases a pooled connection for `body`, failing as unavailable when a whole connect timeout passes in which the
    /// pool hands out no connection to anyone (the pool retries a lost server without end; a caller must not wait
    /// without end). A busy pool that keeps handing out connections is waited for. Once leased, `body` runs to its end
    /// in the calling task: a long batch is never cut off half-way.
    ///
    /// A child task holds the lease and hands the connection over; a second child ends the hand-over when the pool made
    /// no progress for a whole period.
    private func withConnection<T>(_ operation: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let (connections, offer) = AsyncStream.makeStream(of: PostgresConnection.self, bufferingPolicy: .bufferingNewest(1))
        let (released, release) = AsyncStream.makeStream(of: Void.self)
        let client = self.client
        let seconds = settings.connectTimeoutSeconds
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { offer.finish() }
                do {
                    try await client.withConnection { connection in
                        self.leasesGranted.add(1, ordering: .relaxed)
                        offer.yield(connection)
                        for await _ in released {}
                    }
                } catch where Task.isCancelled {
                    // The deadline passed or the caller finished: nothing to report.
                }
            }
            group.addTask {
                var granted = self.leasesGranted.load(ordering: .relaxed)
                while true {
                    try? await Task.sleep(for: .seconds(seconds))
                    if Task.isCancelled { return }
                    let now = self.leasesGranted.load(ordering: .relaxed)
                    if now == granted { break }
                    granted = now
                }
                offer.finish()
            }
            defer {
                release.finish()
                group.cancelAll()
            }
            var handOver = connections.makeAsyncIterator()
            guard let connection = await handOver.next() else {
                try Task.checkCancellation()
                group.cancelAll()
                // The lease's own failure (the pool closed, say) when there was one, the deadline otherwise.
                for try await _ in group {}
                throw StoreError(.unavailable, "\(operation): no connection to \(self.settings) within \(seconds) s (the pool handed out no connection meanwhile)")
            }
            return try await body(connection)
        }
    }

    /// Runs `body`, failing as unavailable when it has not finished within `seconds`.
    static func withDeadline<T: Sendable>(seconds: Int, _ operation: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return nil
            }
            guard let first = try await group.next() else { throw CancellationError() }
            group.cancelAll()
            guard let value = first else {
                throw StoreError(.unavailable, "\(operation): no answer within \(seconds) s")
            }
            return value
        }
    }

    static func isContention(_ error: PSQLError) -> Bool {
        guard error.code == .server, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }

    /// Maps any error from a database access to what callers see: ``StoreError``, a caller's own validation error, or
    /// `CancellationError`. Never includes the SQL text or bound values (they may hold token hashes).
    static func storeError(
        _ error: any Error, operation: String, conflict: String? = nil, missingReference: StoreError? = nil
    ) -> any Error {
        if let passed = StoreError.passedThrough(error) { return passed }
        switch error {
        case let error as PSQLError:
            guard error.code == .server, let info = error.serverInfo else {
                return StoreError(.unavailable, "\(operation): \(describe(error))")
            }
            let message = info[.message] ?? "server error"
            switch info[.sqlState] ?? "" {
            case "23505":
                return StoreError(.conflict, conflict ?? "\(operation): the record exists already")
            case "23514", "23502", "22003", "22P02":
                return StoreError(.rejected, "\(operation): a value is out of range (\(message))")
            case "23503":
                return missingReference ?? StoreError(.notFound, "\(operation): a referenced record does not exist")
            default:
                return StoreError(.unavailable, "\(operation): \(message)")
            }
        case is PostgresDecodingError:
            return StoreError(.unavailable, "\(operation): a stored value has an unexpected type")
        default:
            return StoreError(.unavailable, "\(operation): \(error)")
        }
    }

    /// The client-side failure in words (PSQLError's own description hides everything, its debug description may quote
    /// the query).
    private static func describe(_ error: PSQLError) -> String {
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown: "the connection to the server was lost"
        case .connectionError: "cannot connect (\(error.underlying.map { "\($0)" } ?? "no detail"))"
        case .sslUnsupported: "the server does not offer TLS, which sslmode=require demands"
        case .authMechanismRequiresPassword: "the server asks for a password: give one with --database-password-file or PGPASSWORD"
        case .unsupportedAuthMechanism: "the server asks for an authentication method this client does not support"
        case .saslError: "the password authentication failed"
        case .poolClosed: "the store is closed"
        case .queryCancelled: "the query was cancelled"
        default: "\(error.code)"
        }
    }
}
