import Foundation
import Hummingbird
import Logging
import Signing
import NIOCore
import Store

/// A listening socket that could not be bound, in the user's words (``ServerConfiguration/listenFailure(_:)``).
public struct ListenFailure: Error, CustomStringConvertible, Sendable {
    /// What is wrong and what to do, in one line.
    public let description: String
}

/// Runs the service of `configuration` until SIGINT/SIGTERM, as `standing serve` does: the process's event loops
/// sized to the CPUs it may run on, its log to standard error at the configured level, then
/// ``buildApplication(configuration:logger:onServerRunning:)`` and the service lifecycle.
///
/// Call it once per process, before anything uses NIO's shared event loop group: it bootstraps the process-wide
/// logging system and sizes that group.
/// - Parameter announce: Receives "standing listening on http://HOST:PORT" once the socket is bound (with the bound
///   port, also when the configuration asks for port 0), for scripts and tests to read.
/// - Throws: ``ListenFailure`` when the port cannot be bound for a reason the user can fix; what
///   ``buildApplication(configuration:logger:onServerRunning:)`` throws for a refused data directory or database.
public func runServer(configuration: ServerConfiguration, announce: @escaping @Sendable (String) -> Void) async throws {
    // NIO sizes its event loop group from the machine's cores; under taskset or a cpuset the process may run on
    // fewer, and surplus loops only contend for them. This must happen before the group is first used.
    if let allowed = ServerConfiguration.allowedCPUCount(), allowed < System.coreCount {
        NIOSingletons.groupLoopCountSuggestion = allowed
    }
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = configuration.logLevel
        return handler
    }
    let server = try await buildApplication(configuration: configuration, logger: Logger(label: "standing")) { channel in
        announce("standing listening on http://\(configuration.host):\(channel.localAddress?.port ?? configuration.port)")
    }
    do {
        try await server.application.runService()
    } catch let error as IOError {
        throw ListenFailure(description: configuration.listenFailure(error) ?? "\(error)")
    }
}

/// Initialises the empty data directory of `configuration` without serving (`standing init`): database, signing
/// keys, LoTE certificate and operator token, as a first start would.
/// - Returns: What was made: the directory, the service DID, its keys and where the operator token is.
/// - Throws: ``DataDirectoryError`` when the directory holds anything of an installation.
public func initialiseInstallation(configuration: ServerConfiguration) async throws -> String {
    var logger = Logger(label: "standing")
    logger.logLevel = .warning
    let installation = try await openInstallation(configuration: configuration, intent: .initialise, logger: logger)
    let directory = DataDirectory(path: configuration.dataDirectory)
    return [
        "initialised \(directory.path)",
        "service DID  \(installation.keys.did)",
        "keys         \(installation.keys.keys.map { "\($0.kid) (\($0.signingKey.algorithm.rawValue))" }.joined(separator: ", "))",
        "operator token in \(directory.operatorTokenPath) (mode 0600)",
    ].joined(separator: "\n")
}
