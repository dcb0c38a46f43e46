import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import Server

extension Standing {
    /// `standing serve`: runs the service until SIGINT/SIGTERM.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the status service.",
            discussion: """
                Settings come from flags, then STANDING_* environment variables, then a JSON config file \
                (--config, or DATA_DIR/config.json when present), then defaults. On first start with an empty data \
                directory the service creates its database and signing keys and writes a one-time operator token \
                to DATA_DIR/operator-token (mode 0600) (`standing init` does that without serving). A data directory \
                with missing parts (database, keys, LoTE certificate) is refused with what to do, and so is a second \
                process on the same directory.
                """
        )

        @OptionGroup var settings: ServerSettingsOptions

        func run() async throws {
            let configuration = try settings.resolvedConfiguration()
            // NIO sizes its event loop group from the machine's cores; under taskset or a cpuset the process may run on
            // fewer, and surplus loops only contend for them. This must happen before the group is first used.
            if let allowed = Self.allowedCPUCount(), allowed < System.coreCount {
                NIOSingletons.groupLoopCountSuggestion = allowed
            }
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = configuration.logLevel
                return handler
            }
            let logger = Logger(label: "standing")
            let server = try await buildApplication(configuration: configuration, logger: logger) { channel in
                let port = channel.localAddress?.port ?? configuration.port
                // One line on stdout so scripts and tests can find the bound port (also with --port 0).
                print("standing listening on http://\(configuration.host):\(port)")
                fflush(nil)
            }
            do {
                try await server.application.runService()
            } catch let error as IOError {
                throw CLIError(Self.listenFailure(error, host: configuration.host, port: configuration.port) ?? "\(error)")
            }
        }

        /// The user's words for a socket that cannot be bound, or nil for other failures.
        static func listenFailure(_ error: IOError, host: String, port: Int) -> String? {
            switch error.errnoCode {
            case EADDRINUSE:
                "port \(port) on \(host) is in use (another standing serve?): pass --port, or stop what listens there"
            case EACCES:
                "port \(port) on \(host) needs privileges this user does not have: pass a --port above 1023"
            case EADDRNOTAVAIL:
                "\(host) is not an address of this machine: pass --host 127.0.0.1 (or one of its addresses)"
            default:
                nil
            }
        }
    }
}

/// The settings `standing serve` and `standing init` share (flags > STANDING_* environment > config file > defaults).
struct ServerSettingsOptions: ParsableArguments {
    @Option(name: .long, help: "Data directory (database, keys). Default ./standing-data; env STANDING_DATA_DIR.")
    var dataDir: String?
    @Option(
        name: .long,
        help: "Database: postgres://USER@HOST:PORT/DB for PostgreSQL (no password in it). Default: SQLite in the data directory; env STANDING_DATABASE_URL.")
    var database: String?
    @Option(name: .long, help: "File whose first line is the PostgreSQL password (else PGPASSWORD); env STANDING_DATABASE_PASSWORD_FILE.")
    var databasePasswordFile: String?
    @Option(name: .long, help: "Address to listen on. Default 127.0.0.1; env STANDING_HOST.")
    var host: String?
    @Option(name: .long, help: "Port to listen on (0 picks a free one). Default 8080; env STANDING_PORT.")
    var port: Int?
    @Option(name: .long, help: "Public base URL of the service. Default http://HOST:PORT; env STANDING_BASE_URL.")
    var baseURL: String?
    @Option(name: .long, help: "JSON config file.")
    var config: String?
    @Option(name: .long, help: "Publication coalescing window in milliseconds (0-60000). Default 200.")
    var publicationWindowMs: Int?
    @Option(name: .long, help: "Answer GET /status/{id}/{index} and POST /status/lookup (true/false). Default true.")
    var directLookup: Bool?
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String?

    func resolvedConfiguration(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        let dataDirectory = dataDir ?? environment["STANDING_DATA_DIR"] ?? configuration.dataDirectory
        let defaultFile = URL(fileURLWithPath: dataDirectory).appendingPathComponent("config.json").path
        if let file = config ?? environment["STANDING_CONFIG"] {
            try configuration.applyFile(at: file)
        } else if FileManager.default.fileExists(atPath: defaultFile) {
            try configuration.applyFile(at: defaultFile)
        }
        try configuration.applyEnvironment(environment)
        if let dataDir { configuration.dataDirectory = dataDir }
        if let database { try configuration.apply("database", database, source: "--database") }
        if let databasePasswordFile { configuration.databasePasswordFile = databasePasswordFile }
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let baseURL { configuration.baseURL = baseURL }
        if let publicationWindowMs { configuration.publicationWindowMilliseconds = publicationWindowMs }
        if let directLookup { configuration.directLookup = directLookup }
        if let logLevel { try configuration.apply("logLevel", logLevel, source: "--log-level") }
        try configuration.validate()
        return configuration
    }
}

extension Standing.Serve {
    /// The number of CPUs this process may run on (`Cpus_allowed` in /proc/self/status), or nil where that is not known.
    static func allowedCPUCount() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
        else { return nil }
        let count = line.dropFirst("Cpus_allowed:".count).compactMap(\.hexDigitValue).reduce(0) { $0 + $1.nonzeroBitCount }
        return count > 0 ? count : nil
    }
}
