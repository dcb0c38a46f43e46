import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing

@testable import PostgresStore
@testable import Store

/// The stores the store tests run against: every test of the protocols takes `arguments: StoreKind.allCases`.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// The environment variable naming the PostgreSQL database the tests may use (each test gets its own schema in it,
    /// dropped afterwards). `Tests/Probes/with-postgres.sh` starts a throw-away server and sets it, with PGPASSWORD.
    static let databaseURLVariable = "STANDING_TEST_DATABASE_URL"

    /// Whether the PostgreSQL cases run.
    static var postgresConfigured: Bool { !(ProcessInfo.processInfo.environment[databaseURLVariable] ?? "").isEmpty }
}

/// Says in the test report, once, why the PostgreSQL cases of the store tests do not run (each such case is cancelled,
/// which the console does not explain).
@Suite struct PostgreSQLTestDatabase {
    @Test(
        .enabled(
            if: StoreKind.postgresConfigured,
            "the PostgreSQL cases of the store tests are skipped: STANDING_TEST_DATABASE_URL is not set (CI sets it; locally run `Tests/Probes/with-postgres.sh swift test`)"
        ))
    func isReachableAndMigrates() async throws {
        try await withStore(.postgres) { store async throws -> Void in
            #expect(try await store.appliedMigrations() == PostgresSchema.migrationIdentifiers)
        }
    }
}

/// A store under test: both protocols, plus what the tests look at beyond them.
protocol StoreUnderTest: StatusStore, RegistryStore, IdentityStore {
    /// The number of stored entry rows of a list (only non-zero values have one).
    func storedEntryRowCount(listId: String) async throws -> Int
    /// The identifiers of the applied schema migrations.
    func appliedMigrations() async throws -> [String]
    /// Closes the connections; later calls fail with ``StoreError/Code/unavailable``.
    func shutDown() async throws
}

extension SQLiteStore: StoreUnderTest {
    func shutDown() async throws { try close() }
}

extension PostgreSQLStore: StoreUnderTest {
    func shutDown() async throws { await close() }
}

/// One database for one test: ``open()`` gives a new store instance on it (a new connection pool each time), so a test
/// can reopen it or run two instances side by side. Every store opened is closed and the database removed at the end.
final class StoreHarness: Sendable {
    let kind: StoreKind
    private let opener: @Sendable () async throws -> any StoreUnderTest
    private let opened = Mutex<[any StoreUnderTest]>([])

    fileprivate init(kind: StoreKind, opener: @escaping @Sendable () async throws -> any StoreUnderTest) {
        self.kind = kind
        self.opener = opener
    }

    /// Opens a new instance of the store on this test's database.
    func open() async throws -> any StoreUnderTest {
        let store = try await opener()
        opened.withLock { $0.append(store) }
        return store
    }

    fileprivate func closeAll() async {
        for store in opened.withLock({ $0 }) { try? await store.shutDown() }
    }
}

/// Runs `body` with a fresh database of `kind`: a new SQLite file in a temporary directory, or a new schema in the
/// PostgreSQL database of `STANDING_TEST_DATABASE_URL` (password from PGPASSWORD).
///
/// A PostgreSQL case is cancelled, which Swift Testing reports as skipped with the reason, when the variable is unset:
/// the README's `swift test` needs no PostgreSQL. CI always sets it (`.ci/run` runs the suite under
/// `Tests/Probes/with-postgres.sh`).
func withStoreHarness<T>(_ kind: StoreKind, _ body: (StoreHarness) async throws -> T) async throws -> T {
    switch kind {
    case .sqlite:
        return try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("standing.sqlite").path
            let harness = StoreHarness(kind: kind) { try SQLiteStore(path: path) }
            do {
                let result = try await body(harness)
                await harness.closeAll()
                return result
            } catch {
                await harness.closeAll()
                throw error
            }
        }
    case .postgres:
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment[StoreKind.databaseURLVariable], !url.isEmpty else {
            try Test.cancel(
                "PostgreSQL case skipped: \(StoreKind.databaseURLVariable) is not set (Tests/Probes/with-postgres.sh swift test sets it)")
        }
        var settings = try PostgresConnectionSettings(url: url)
        settings.schema = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        settings.maximumConnections = 4
        let password = environment["PGPASSWORD"]
        let harness = StoreHarness(kind: kind) { [settings] in
            try await PostgreSQLStore(settings: settings, password: password, logger: Logger(label: "test.postgres"))
        }
        do {
            let result = try await body(harness)
            await harness.closeAll()
            try await dropSchema(settings, password: password)
            return result
        } catch {
            await harness.closeAll()
            try? await dropSchema(settings, password: password)
            throw error
        }
    }
}

/// Runs `body` with one store on a fresh database of `kind` (see ``withStoreHarness(_:_:)``).
func withStore<T>(_ kind: StoreKind, _ body: (any StoreUnderTest) async throws -> T) async throws -> T {
    try await withStoreHarness(kind) { harness in try await body(try await harness.open()) }
}

private func dropSchema(_ settings: PostgresConnectionSettings, password: String?) async throws {
    guard let schema = settings.schema else { return }
    let configuration = PostgresConnection.Configuration(
        host: settings.host, port: settings.port, username: settings.user, password: password, database: settings.database,
        tls: .disable)
    let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test.postgres"))
    do {
        try await connection.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"), logger: Logger(label: "test.postgres"))
        try await connection.close()
    } catch {
        try? await connection.close()
        throw error
    }
}
