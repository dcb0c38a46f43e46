import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import Signing
import Store
import TrustRegistry

/// The Prometheus registry behind swift-metrics. Bootstrapped once per process: swift-metrics allows only one
/// bootstrap, and tests build many applications in one process.
public enum MetricsRegistry {
    /// The process-wide registry.
    public static let shared: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

/// What ``buildApplication(configuration:logger:onServerRunning:)`` hands back besides the application: the
/// pieces tests and the CLI talk to directly.
public struct StandingServer<App: ApplicationProtocol>: Sendable {
    public let application: App
    public let store: SQLiteStore
    public let keys: ServiceKeys
    public let published: PublishedLists
    public let publisher: Publisher
    public let registry: RegistryService
    /// The one-time operator token, when this start initialised the data directory; nil otherwise.
    public let initialOperatorToken: String?
}

/// Opens (or initialises) the data directory and builds the whole service: store, keys, publisher, routes.
///
/// On first start with an empty data directory it creates the database, generates the service's ES256 and
/// Ed25519 signing keys, and writes a one-time operator token to `DIR/operator-token` (mode 0600). It logs the
/// file's path, never the token.
/// - Parameters:
///   - configuration: The resolved settings.
///   - logger: The service logger.
///   - onServerRunning: Called with the bound channel once listening (tests read the ephemeral port there).
/// - Returns: The application and its parts.
public func buildApplication(
    configuration: ServerConfiguration,
    logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) async throws -> StandingServer<some ApplicationProtocol> {
    try configuration.validate()
    let metricsRegistry = MetricsRegistry.shared
    let directory = DataDirectory(path: configuration.dataDirectory)
    try directory.prepare()
    let store = try SQLiteStore(path: directory.databasePath)
    _ = try directory.generateSigningKeysIfMissing(algorithms: [.es256, .edDSA])
    guard let baseURL = URL(string: configuration.effectiveBaseURL) else {
        throw ServiceError(.invalidValue, "base URL '\(configuration.effectiveBaseURL)' is not a URL")
    }
    let keys = try ServiceKeys(baseURL: baseURL, signingKeys: try directory.signingKeys().map { ($0.keyID, $0.key) })

    let tokens = Tokens(store: store)
    var initialOperatorToken: String?
    // First start: no token exists yet, so nobody could administer the service without this one.
    if try await store.tokens().isEmpty {
        let issued = try await tokens.issue(role: .operator_, principal: "operator", label: "initial operator token")
        try directory.writeSecretOnce(name: "operator-token", contents: issued.secret + "\n")
        logger.notice("initialised data directory; the operator token is in \(directory.path)/operator-token (mode 0600)")
        initialOperatorToken = issued.secret
    }

    let published = PublishedLists()
    var publisherConfiguration = Publisher.Configuration()
    publisherConfiguration.window = .milliseconds(configuration.publicationWindowMilliseconds)
    publisherConfiguration.historyVersions = configuration.historyVersions
    publisherConfiguration.compression.w3cLevel = configuration.w3cCompressionLevel
    publisherConfiguration.compression.ietfLevel = configuration.ietfCompressionLevel
    publisherConfiguration.compression.segmentBytes = configuration.compressionSegmentBytes
    let base = configuration.effectiveBaseURL
    let publisher = Publisher(
        builder: SignedPublicationBuilder(keys: keys),
        store: store,
        published: published,
        configuration: publisherConfiguration,
        logger: logger,
        urlForList: { "\(base)/status/\($0)" }
    )
    try await publisher.restore()

    let registry = try await RegistryService(
        store: store, keys: keys, loteChain: try loteCertificateChain(directory: directory, keys: keys, logger: logger), baseURL: base,
        logger: logger)

    var defaults = ListDefaults()
    defaults.ttlSeconds = configuration.defaultTTLSeconds
    defaults.validitySeconds = configuration.defaultValiditySeconds
    let service = StatusService(store: store, publisher: publisher, baseURL: base, defaults: defaults)

    // HEAD wherever GET is (RFC 9110 9.3.2), from the GET handler without its body.
    let router = Router(context: StandingRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Metrics outside the problem mapping, so they count the status the client really got.
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: MethodNotAllowedMiddleware(allowed: AllowedMethods(openAPIDocument: OpenAPIDocument.json)))
    router.addRoutes(
        StatusReadController(published: published, publisher: publisher, directLookupEnabled: configuration.directLookup).endpoints,
        atPath: "/status")
    let admin = router.group("admin").add(middleware: BearerAuthenticator(tokens: tokens))
    admin.addRoutes(AdminController<SQLiteStore>(service: service, published: published).endpoints)
    admin.addRoutes(TokensController(tokens: tokens).endpoints)
    RegistryController(registry: registry, baseURL: base, keys: keys, store: store).addRoutes(to: router, admin: admin)
    SystemController(keys: keys, registry: metricsRegistry, isReady: {
        do {
            _ = try await store.list(id: "-")
            return true
        } catch {
            return false
        }
    }).addRoutes(to: router)

    let serverName = "standing"
    // Status reads are answered on the event loop from bytes prepared at publication; the rest goes to the router.
    let fastPath = StatusFastPathConfiguration(published: published, serverName: serverName, directLookupEnabled: configuration.directLookup)
    let limits = ConnectionLimits(
        headerTimeout: .milliseconds(Int64(configuration.headerTimeoutMilliseconds)),
        bodyTimeout: .milliseconds(Int64(configuration.bodyTimeoutMilliseconds)),
        idleTimeout: .milliseconds(Int64(configuration.idleTimeoutMilliseconds)),
        maxConnections: ConnectionCap.fitToOpenFileLimit(configuration.maxConnections, logger: logger))
    let application = Application(
        router: router,
        server: .standingHTTP1(fastPath: fastPath, limits: limits),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: serverName,
            availableConnectionsDelegate: ConnectionCap(maximum: limits.maxConnections, logger: logger)),
        services: [publisher, registry],
        onServerRunning: onServerRunning,
        logger: logger
    )
    return StandingServer(
        application: application, store: store, keys: keys, published: published, publisher: publisher, registry: registry,
        initialOperatorToken: initialOperatorToken)
}

/// The certificate chain the LoTE is signed with: `DATA_DIR/lote-certificate.pem` (an operator-provided chain, leaf
/// first, whose leaf certifies one of the service's ES256 keys), or else a self-signed certificate for the active
/// ES256 key, generated and written there on first start.
func loteCertificateChain(directory: DataDirectory, keys: ServiceKeys, logger: Logger) throws -> [X509Certificate] {
    guard let signer = keys.active(.es256) else { throw ServiceError(.unavailable, "the service has no ES256 key") }
    let path = directory.path + "/lote-certificate.pem"
    if let pem = try? String(contentsOfFile: path, encoding: .utf8) {
        let chain = try X509Certificate.parseChain(pem: pem)
        guard let leaf = chain.first, (try? leaf.publicKey()) == signer.signingKey.verificationKey else {
            throw ServiceError(.invalidValue, "\(path) does not certify the service's active ES256 key (kid \(signer.kid))")
        }
        return chain
    }
    let now = Date()
    let certificate = try X509Certificate.selfSigned(
        name: CertificateName(commonName: "Standing trust registry \(keys.did)"), key: signer.signingKey,
        validFrom: now.addingTimeInterval(-300), validUntil: now.addingTimeInterval(5 * 365 * 86_400))
    try certificate.pemEncoded.write(toFile: path, atomically: true, encoding: .utf8)
    logger.notice("generated a self-signed LoTE signing certificate in \(path); replace it with an operator certificate chain for production")
    return [certificate]
}
