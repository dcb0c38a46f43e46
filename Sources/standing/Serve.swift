import ArgumentParser
import Foundation
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
            try await runServer(configuration: try settings.resolvedConfiguration()) { line in
                // One line on stdout so scripts and tests can find the bound port (also with --port 0).
                print(line)
                fflush(nil)
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
    @Option(name: .long, help: "Also write every publication's files and the key documents here, for a static web server (ops/publish-dir.md); env STANDING_PUBLISH_DIR.")
    var publishDir: String?
    @Option(
        name: .long,
        help: "OID of the status-signing extended key usage imported certificates must carry (id-kp-oauthStatusSigning is still TBD); env STANDING_STATUS_SIGNING_EKU.")
    var statusSigningEku: String?
    @Flag(
        name: .long, inversion: .prefixedNo,
        help: "Let issuer tokens create lists, allocate and change statuses only while their principal is an active accredited issuer in this server's trust registry. Default off; env STANDING_REQUIRE_ACCREDITATION.")
    var requireAccreditation: Bool?
    @Option(name: .long, help: "PKCS#11 module of the token that holds the signing keys (e.g. /usr/lib/softhsm/libsofthsm2.so); with --pkcs11-token-label and --pkcs11-pin-file. Default: keys in files; env STANDING_PKCS11_MODULE.")
    var pkcs11Module: String?
    @Option(name: .long, help: "Label of the token in --pkcs11-module; env STANDING_PKCS11_TOKEN_LABEL.")
    var pkcs11TokenLabel: String?
    @Option(name: .long, help: "File holding the token's user PIN (one trailing newline ignored; never logged); env STANDING_PKCS11_PIN_FILE.")
    var pkcs11PinFile: String?
    @Option(name: .long, help: "Serve the public web pages (/, /check, /issuers, /registry, /lists/{id}) (true/false). Default true; env STANDING_WEB.")
    var web: Bool?

    func resolvedConfiguration() throws -> ServerConfiguration {
        try ServerConfiguration.resolved(
            ServerConfiguration.Overrides(
                dataDirectory: dataDir, host: host, port: port, baseURL: baseURL, configFile: config,
                database: database, databasePasswordFile: databasePasswordFile,
                publicationWindowMilliseconds: publicationWindowMs, directLookup: directLookup, logLevel: logLevel,
                publishDirectory: publishDir, statusSigningUsage: statusSigningEku, requireAccreditation: requireAccreditation,
                pkcs11Module: pkcs11Module, pkcs11TokenLabel: pkcs11TokenLabel, pkcs11PinFile: pkcs11PinFile, web: web))
    }
}
