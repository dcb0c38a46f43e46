import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Server
import ServiceLifecycle
import Store

/// A real Standing server on a free loopback port with a fresh data directory, run in-process.
public final class TestServer: Sendable {
    public let baseURL: String
    public let port: Int
    public let directory: URL
    public let operatorToken: String
    /// The trust registry, for tests that hold its background signer.
    public let registry: RegistryService
    /// The publisher, for tests that look at its health (publication lag) directly.
    public let publisher: Publisher
    /// The database, for tests that take it away.
    public let store: any StatusStore & RegistryStore & IdentityStore
    private let task: Task<Void, any Error>
    private let group: ServiceGroup

    private init(
        baseURL: String, port: Int, directory: URL, operatorToken: String, registry: RegistryService, publisher: Publisher,
        store: any StatusStore & RegistryStore & IdentityStore, group: ServiceGroup, task: Task<Void, any Error>
    ) {
        self.store = store
        self.baseURL = baseURL
        self.registry = registry
        self.publisher = publisher
        self.port = port
        self.directory = directory
        self.operatorToken = operatorToken
        self.group = group
        self.task = task
    }

    /// Starts a server; `configure` may adjust the configuration (data directory and port are set already).
    ///
    /// The port comes from ``freePort()``, which has to release it before the server binds it (the base URL, signed
    /// into every list, names the port before the server is built): in that window another test's server, or an
    /// outgoing connection picking an ephemeral port, can take it. A start that fails because the address is in use
    /// is therefore retried on a fresh port; any other failure to start is thrown.
    /// - Parameters:
    ///   - directory: The data directory; a fresh one when nil.
    ///   - configure: Adjusts the configuration.
    ///   - nextPort: Where ports come from (``freePort()``; tests of the retry hand out a taken one first).
    public static func start(
        directory: URL? = nil,
        configure: (inout ServerConfiguration) -> Void = { _ in },
        nextPort: () async throws -> Int = { try await freePort() }
    ) async throws -> TestServer {
        // The plain build: it opens whichever database the configuration names (SQLite, or PostgreSQL with `database`).
        try await start(directory: directory, configure: configure, nextPort: nextPort) { configuration, logger, onRunning in
            try await buildApplication(configuration: configuration, logger: logger, onServerRunning: onRunning)
        }
    }

    /// Starts a server whose status lists are kept in `statusStore(sqlite)`, e.g. a test double that injects faults.
    public static func start<Repository: StatusStore>(
        directory: URL? = nil,
        statusStore: (SQLiteStore) -> Repository,
        configure: (inout ServerConfiguration) -> Void = { _ in },
        nextPort: () async throws -> Int = { try await freePort() }
    ) async throws -> TestServer {
        try await start(directory: directory, configure: configure, nextPort: nextPort) { configuration, logger, onRunning in
            try await buildApplication(configuration: configuration, logger: logger, statusStore: statusStore, onServerRunning: onRunning)
        }
    }

    private static func start(
        directory: URL?,
        configure: (inout ServerConfiguration) -> Void,
        nextPort: () async throws -> Int,
        build: (ServerConfiguration, Logger, @escaping @Sendable (any Channel) async -> Void) async throws -> StandingServer<StandingApplication>
    ) async throws -> TestServer {
        let directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("standing-test-\(UUID().uuidString)")
        var attempt = 1
        while true {
            do {
                return try await startOnce(directory: directory, port: try await nextPort(), configure: configure, build: build)
            } catch let error as IOError where error.errnoCode == EADDRINUSE && attempt < 5 {
                attempt += 1
            }
        }
    }

    private static func startOnce(
        directory: URL, port: Int, configure: (inout ServerConfiguration) -> Void,
        build: (ServerConfiguration, Logger, @escaping @Sendable (any Channel) async -> Void) async throws -> StandingServer<StandingApplication>
    ) async throws -> TestServer {
        var configuration = ServerConfiguration()
        configuration.dataDirectory = directory.path
        configuration.port = port
        configuration.publicationWindowMilliseconds = 0
        // Hundreds of servers share this process and its CPU with the test runner: a nice 19 lane would wait behind
        // all of them. The lane has its own tests (WriteLaneTests, and every `standing serve` the CLI tests start).
        configuration.lowPriorityWrites = false
        configure(&configuration)
        var logger = Logger(label: "standing-test")
        logger.logLevel = .warning
        let (running, continuation) = AsyncStream.makeStream(of: Void.self)
        let server = try await build(configuration, logger) { _ in continuation.yield() }
        let group = ServiceGroup(configuration: .init(services: [server.application], logger: logger))
        // The stream also ends when the group does, so a server that fails to start (its port taken) is an error here,
        // not a wait for a "running" that never comes.
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var started = false
        for await _ in running {
            started = true
            break
        }
        guard started else {
            try await task.value
            throw TestFailure("the server stopped before it was running")
        }
        let token =
            try server.initialOperatorToken
            ?? String(contentsOf: directory.appendingPathComponent("operator-token"), encoding: .utf8)
        return TestServer(
            baseURL: configuration.effectiveBaseURL, port: configuration.port, directory: directory,
            operatorToken: token.trimmingCharacters(in: .whitespacesAndNewlines), registry: server.registry,
            publisher: server.publisher, store: server.store, group: group, task: task)
    }

    /// Stops the server (graceful: in-flight requests finish, pending publications are flushed).
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Stops the server and deletes its data directory.
    public func stopAndRemove() async {
        await stop()
        try? FileManager.default.removeItem(at: directory)
    }

    public static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }
}

/// A response as the tests look at it.
public struct TestResponse: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: Data

    public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    public var text: String { String(decoding: body, as: UTF8.self) }
    public func header(_ name: String) -> String? { headers.first(name: name) }
}

extension TestServer {
    /// Sends a request to the server.
    public func request(
        _ method: HTTPMethod,
        _ path: String,
        token: String? = nil,
        json: Any? = nil,
        body: Data? = nil,
        headers: [(String, String)] = []
    ) async throws -> TestResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        } else if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return TestResponse(status: Int(response.status.code), headers: response.headers, body: Data(bytes.readableBytesView))
    }

    /// Operator shortcut.
    public func admin(_ method: HTTPMethod, _ path: String, json: Any? = nil) async throws -> TestResponse {
        try await request(method, path, token: operatorToken, json: json)
    }

    /// Creates a list and returns its id.
    public func createList(_ parameters: [String: Any] = ["purpose": "revocation"], token: String? = nil) async throws -> String {
        let response = try await request(.POST, "/admin/lists", token: token ?? operatorToken, json: parameters)
        guard response.status == 201, let id = response.json["id"] as? String else {
            throw TestFailure("creating a list failed: \(response.status) \(response.text)")
        }
        return id
    }

    /// Allocates entries in a list and returns their indices.
    public func allocate(_ list: String, count: Int = 1, token: String? = nil) async throws -> [Int] {
        let response = try await request(.POST, "/admin/lists/\(list)/entries", token: token ?? operatorToken, json: ["count": count])
        guard response.status == 201, let entries = response.json["entries"] as? [[String: Any]] else {
            throw TestFailure("allocation failed: \(response.status) \(response.text)")
        }
        return entries.compactMap { $0["index"] as? Int }
    }

    /// Issues a token for a role and principal and returns the secret.
    public func issueToken(role: String, principal: String) async throws -> String {
        let response = try await admin(.POST, "/admin/tokens", json: ["role": role, "principal": principal])
        guard response.status == 201, let secret = response.json["secret"] as? String else {
            throw TestFailure("token creation failed: \(response.status) \(response.text)")
        }
        return secret
    }
}

/// Polls `condition` until it holds or `timeout` passes; publication is asynchronous (within the window).
public func eventually(timeout: Duration = .seconds(3), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

extension TestServer {
    /// Sets one entry and waits until the change is published.
    @discardableResult
    public func setStatus(_ list: String, _ index: Int, _ value: Int, token: String? = nil) async throws -> TestResponse {
        let before = try await request(.GET, "/admin/lists/\(list)", token: token ?? operatorToken).json["publishedVersion"] as? Int ?? 0
        let response = try await request(.POST, "/admin/lists/\(list)/status", token: token ?? operatorToken, json: ["index": index, "value": value])
        if response.status == 200, (response.json["applied"] as? Int ?? 0) > 0 {
            let published = try await eventually {
                let version = try await self.request(.GET, "/admin/lists/\(list)", token: token ?? self.operatorToken).json["publishedVersion"] as? Int ?? 0
                return version > before
            }
            guard published else { throw TestFailure("change to \(list)[\(index)] was not published within 3 s") }
        }
        return response
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension TestServer {
    /// Allocates entries and returns them as the service hands them out (`credentialStatus`, and `status` for
    /// IETF-expressible lists).
    public func allocateEntries(_ list: String, count: Int = 1) async throws -> [[String: Any]] {
        let response = try await request(.POST, "/admin/lists/\(list)/entries", token: operatorToken, json: ["count": count])
        guard response.status == 201, let entries = response.json["entries"] as? [[String: Any]] else {
            throw TestFailure("allocation failed: \(response.status) \(response.text)")
        }
        return entries
    }

    /// The service's DID (`did:web:127.0.0.1%3APORT`).
    public var did: String { "did:web:127.0.0.1%3A\(port)" }
}
