import Foundation
import NIOCore

extension ServerConfiguration {
    /// Settings given on the command line (`standing serve`, `standing init`); nil means not given.
    public struct Overrides: Sendable, Equatable {
        public var dataDirectory: String?
        public var host: String?
        public var port: Int?
        public var baseURL: String?
        /// A JSON config file; when nil, `STANDING_CONFIG`, else `DATA_DIR/config.json` when present.
        public var configFile: String?
        /// `postgres://USER@HOST:PORT/DB`, or "" for the embedded SQLite database.
        public var database: String?
        /// A file holding the PostgreSQL password.
        public var databasePasswordFile: String?
        public var publicationWindowMilliseconds: Int?
        public var directLookup: Bool?
        /// `--require-accreditation` / `--no-require-accreditation`.
        public var requireAccreditation: Bool?
        /// `--web true/false`: serve the public web pages.
        public var web: Bool?
        public var logLevel: String?
        /// `--publish-dir`: where every publication's files go ("" for none).
        public var publishDirectory: String?
        /// `--status-signing-eku`: the status-signing extended key usage OID ("" for none).
        public var statusSigningUsage: String?
        /// `--pkcs11-module`: the PKCS#11 module of the token holding the keys ("" for keys in files).
        public var pkcs11Module: String?
        /// `--pkcs11-token-label`: the token's label.
        public var pkcs11TokenLabel: String?
        /// `--pkcs11-pin-file`: the file holding the token's user PIN.
        public var pkcs11PinFile: String?

        /// Creates overrides; everything left out is taken from the environment, the config file or the defaults.
        public init(
            dataDirectory: String? = nil, host: String? = nil, port: Int? = nil, baseURL: String? = nil, configFile: String? = nil,
            database: String? = nil, databasePasswordFile: String? = nil,
            publicationWindowMilliseconds: Int? = nil, directLookup: Bool? = nil, logLevel: String? = nil,
            publishDirectory: String? = nil, statusSigningUsage: String? = nil, requireAccreditation: Bool? = nil,
            pkcs11Module: String? = nil, pkcs11TokenLabel: String? = nil, pkcs11PinFile: String? = nil,
            web: Bool? = nil
        ) {
            self.dataDirectory = dataDirectory
            self.host = host
            self.port = port
            self.baseURL = baseURL
            self.configFile = configFile
            self.database = database
            self.databasePasswordFile = databasePasswordFile
            self.publicationWindowMilliseconds = publicationWindowMilliseconds
            self.directLookup = directLookup
            self.logLevel = logLevel
            self.publishDirectory = publishDirectory
            self.statusSigningUsage = statusSigningUsage
            self.requireAccreditation = requireAccreditation
            self.pkcs11Module = pkcs11Module
            self.pkcs11TokenLabel = pkcs11TokenLabel
            self.pkcs11PinFile = pkcs11PinFile
            self.web = web
        }
    }

    /// The configuration in the house order: `overrides` > `STANDING_*` environment > JSON config file > defaults,
    /// validated.
    /// - Throws: The first setting that does not parse or validate, named with its source.
    public static func resolved(_ overrides: Overrides, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> ServerConfiguration
    {
        var configuration = ServerConfiguration()
        let dataDirectory = overrides.dataDirectory ?? environment["STANDING_DATA_DIR"] ?? configuration.dataDirectory
        let defaultFile = URL(fileURLWithPath: dataDirectory).appendingPathComponent("config.json").path
        if let file = overrides.configFile ?? environment["STANDING_CONFIG"] {
            try configuration.applyFile(at: file)
        } else if FileManager.default.fileExists(atPath: defaultFile) {
            try configuration.applyFile(at: defaultFile)
        }
        try configuration.applyEnvironment(environment)
        if let dataDir = overrides.dataDirectory { configuration.dataDirectory = dataDir }
        if let database = overrides.database { try configuration.apply("database", database, source: "--database") }
        if let passwordFile = overrides.databasePasswordFile { configuration.databasePasswordFile = passwordFile }
        if let host = overrides.host { configuration.host = host }
        if let port = overrides.port { configuration.port = port }
        if let baseURL = overrides.baseURL { configuration.baseURL = baseURL }
        if let window = overrides.publicationWindowMilliseconds { configuration.publicationWindowMilliseconds = window }
        if let directLookup = overrides.directLookup { configuration.directLookup = directLookup }
        if let requireAccreditation = overrides.requireAccreditation { configuration.requireAccreditation = requireAccreditation }
        if let web = overrides.web { configuration.web = web }
        if let logLevel = overrides.logLevel { try configuration.apply("logLevel", logLevel, source: "--log-level") }
        if let directory = overrides.publishDirectory { try configuration.apply("publishDirectory", directory, source: "--publish-dir") }
        if let usage = overrides.statusSigningUsage { try configuration.apply("statusSigningUsage", usage, source: "--status-signing-eku") }
        if let module = overrides.pkcs11Module { try configuration.apply("pkcs11Module", module, source: "--pkcs11-module") }
        if let label = overrides.pkcs11TokenLabel { try configuration.apply("pkcs11TokenLabel", label, source: "--pkcs11-token-label") }
        if let pinFile = overrides.pkcs11PinFile { try configuration.apply("pkcs11PinFile", pinFile, source: "--pkcs11-pin-file") }
        try configuration.validate()
        return configuration
    }

    /// The user's words for a listening socket that cannot be bound, or nil for other failures.
    public func listenFailure(_ error: IOError) -> String? {
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

    /// The number of CPUs this process may run on (`Cpus_allowed` in /proc/self/status), or nil where that is not
    /// known: NIO sizes its event loop group from the machine's cores, and under taskset or a cpuset the process
    /// may run on fewer.
    public static func allowedCPUCount() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
        else { return nil }
        let count = line.dropFirst("Cpus_allowed:".count).compactMap(\.hexDigitValue).reduce(0) { $0 + $1.nonzeroBitCount }
        return count > 0 ? count : nil
    }
}
