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
    /// The database (SQLite, or PostgreSQL when the configuration names one).
    public let store: any StatusStore & RegistryStore & IdentityStore
    /// The service's keys as the service started.
    public let keys: ServiceKeys
    /// The keys that sign now (the service's and the issuers' identities).
    public let keyRing: SigningKeyRing
    /// Issuers' signing identities and key rotation.
    public let identities: IdentityService
    public let published: PublishedLists
    public let publisher: Publisher
    public let registry: RegistryService
    /// The one-time operator token, when this start initialised the data directory; nil otherwise.
    public let initialOperatorToken: String?
}

/// The application type every store builds (the store's type stays inside the router's handlers).
public typealias StandingApplication = Application<RouterResponder<StandingRequestContext>>

/// Opens (or initialises) the data directory and builds the whole service: store, keys, publisher, routes.
///
/// The data directory is locked for this process and checked whole (``openInstallation(configuration:logger:)``):
/// on first start with an empty directory it creates the database, generates the service's ES256 and Ed25519
/// signing keys, and writes a one-time operator token to `DIR/operator-token` (mode 0600), logging the file's path,
/// never the token; a directory with missing parts is refused with what to do. The database is the SQLite file of
/// the data directory, or the PostgreSQL database `configuration.database` names.
/// - Parameters:
///   - configuration: The resolved settings.
///   - logger: The service logger.
///   - onServerRunning: Called with the bound channel once listening (tests read the ephemeral port there).
/// - Returns: The application and its parts.
public func buildApplication(
    configuration: ServerConfiguration,
    logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) async throws -> StandingServer<StandingApplication> {
    try configuration.validate()
    let installation = try await openInstallation(configuration: configuration, logger: logger)
    return try await assemble(
        configuration: configuration, logger: logger, installation: installation, store: installation.store,
        onServerRunning: onServerRunning)
}

/// ``buildApplication(configuration:logger:onServerRunning:)`` with the store of the status lists wrapped by
/// `statusStore`: everything the status side persists (lists, entries, audit, publications) goes through the wrapper,
/// for instrumentation or fault injection. Tokens and the registry use the SQLite store directly. SQLite only.
public func buildApplication<Repository: StatusStore>(
    configuration: ServerConfiguration,
    logger: Logger,
    statusStore wrap: (SQLiteStore) -> Repository,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) async throws -> StandingServer<StandingApplication> {
    guard configuration.database == nil else {
        throw ServiceError(.invalidValue, "a wrapped status store needs the SQLite database, not \(configuration.database ?? "")")
    }
    try configuration.validate()
    let installation = try await openInstallation(configuration: configuration, logger: logger)
    guard let store = installation.store as? SQLiteStore else {
        throw ServiceError(.unavailable, "the installation did not open the SQLite database")
    }
    return try await assemble(
        configuration: configuration, logger: logger, installation: installation, store: store, wrap: wrap,
        onServerRunning: onServerRunning)
}

/// The service over `store` (the installation's, with its concrete type).
private func assemble<Base: StatusStore & RegistryStore & IdentityStore>(
    configuration: ServerConfiguration, logger: Logger, installation: OpenedInstallation, store: Base,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void
) async throws -> StandingServer<StandingApplication> {
    try await assemble(
        configuration: configuration, logger: logger, installation: installation, store: store, wrap: { $0 },
        onServerRunning: onServerRunning)
}

private func assemble<Base: StatusStore & RegistryStore & IdentityStore, Repository: StatusStore>(
    configuration: ServerConfiguration, logger: Logger, installation: OpenedInstallation, store: Base,
    wrap: (Base) -> Repository, onServerRunning: @escaping @Sendable (any Channel) async -> Void
) async throws -> StandingServer<StandingApplication> {
    let metricsRegistry = MetricsRegistry.shared
    let keys = installation.keys
    let tokens = Tokens(store: store)

    let published = PublishedLists(bodyFileDirectory: configuration.dataDirectory)
    var publisherConfiguration = Publisher.Configuration()
    publisherConfiguration.window = .milliseconds(configuration.publicationWindowMilliseconds)
    publisherConfiguration.historyVersions = configuration.historyVersions
    publisherConfiguration.compression.w3cLevel = configuration.w3cCompressionLevel
    publisherConfiguration.compression.ietfLevel = configuration.ietfCompressionLevel
    publisherConfiguration.compression.segmentBytes = configuration.compressionSegmentBytes
    let base = configuration.effectiveBaseURL
    let statusStore = wrap(store)
    let aggregation = StatusAggregation(baseURL: base)
    let keyRing = SigningKeyRing(service: keys)
    var copies: [any PublicationSink] = []
    var publishDirectory: PublishDirectory?
    if let path = configuration.publishDirectory {
        let directory = try PublishDirectory(path: path)
        copies.append(directory)
        publishDirectory = directory
    }
    let publisher = Publisher(
        builder: SignedPublicationBuilder(keys: keyRing, aggregation: configuration.statusAggregation ? aggregation : nil),
        store: statusStore,
        published: published,
        copies: copies,
        // PostgreSQL may be shared by several instances: one signs each list, the others serve its recorded bytes.
        leases: store as? any PublicationLeaseStore,
        configuration: publisherConfiguration,
        logger: logger,
        urlForList: { aggregation.listURL($0) }
    )
    let registry = try await RegistryService(
        store: store, keys: keys, loteChain: installation.loteChain, baseURL: base,
        checkpointPath: DataDirectory(path: configuration.dataDirectory).registryCheckpointPath,
        loteDirectory: DataDirectory(path: configuration.dataDirectory).registryLoTEPath, logger: logger)
    let identities = IdentityService(
        store: store, directory: DataDirectory(path: configuration.dataDirectory), custody: installation.custody, ring: keyRing,
        publisher: publisher,
        configuration: IdentityService.Configuration(
            baseURL: base,
            retirement: KeyRetirement(
                longestValidity: TimeInterval(max(configuration.defaultValiditySeconds, try await store.lists(owner: nil).map(\.validitySeconds).max() ?? 0)),
                // Re-signing after a rotation takes a publication round; an hour covers a long backlog and restarts.
                resignDelay: 3600),
            statusSigningUsage: configuration.statusSigningUsage),
        // The registry signs with the ES256 key its LoTE certificate is for, whatever its age.
        pinned: [registry.signerKeyID],
        logger: logger, publishDirectory: publishDirectory)
    // The ring holds the identities before the first publication, so no list is ever signed by the wrong identity.
    try await identities.reload()
    try await publisher.restore()

    var defaults = ListDefaults()
    defaults.ttlSeconds = configuration.defaultTTLSeconds
    defaults.validitySeconds = configuration.defaultValiditySeconds
    defaults.issuerQuotas.maximumLists = configuration.maxListsPerIssuer
    defaults.issuerQuotas.maximumEntries = configuration.maxEntriesPerIssuer
    let service = StatusService(
        store: statusStore, publisher: publisher, baseURL: base, defaults: defaults,
        accreditation: configuration.requireAccreditation ? AccreditationRequirement(registry: registry, dids: identities) : nil)

    // HEAD wherever GET is (RFC 9110 9.3.2), from the GET handler without its body.
    let router = Router(context: StandingRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Metrics outside the problem mapping, so they count the status the client really got.
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: MethodNotAllowedMiddleware(allowed: AllowedMethods(openAPIDocument: OpenAPIDocument.json)))
    router.addRoutes(
        StatusReadController(published: published, publisher: publisher, directLookupEnabled: configuration.directLookup).endpoints,
        atPath: "/status")
    router.addRoutes(
        StatusAggregationReads(published: published, urls: aggregation, enabled: configuration.statusAggregation).endpoints,
        atPath: "/status")
    StatusAggregationMetadata.addRoute(to: router, urls: aggregation, aggregationEnabled: configuration.statusAggregation)
    // Administration runs on the low-priority write lane (before authentication, which reads the database too).
    let writeLane = configuration.lowPriorityWrites ? WriteLane.shared : nil
    let admin = router.group("admin").add(middleware: WriteLaneMiddleware(lane: writeLane)).add(middleware: BearerAuthenticator(tokens: tokens))
    admin.addRoutes(AdminController<Repository>(service: service, published: published).endpoints)
    admin.addRoutes(TokensController(tokens: tokens).endpoints)
    // The VC-API status calls of DCC's and Sphereon's services, over the same service and tokens as /admin.
    router.group("credentials").add(middleware: WriteLaneMiddleware(lane: writeLane)).add(middleware: BearerAuthenticator(tokens: tokens))
        .addRoutes(CredentialStatusController<Repository>(service: service).endpoints)
    RegistryController(registry: registry, baseURL: base).addRoutes(to: router, admin: admin)
    IdentitiesController(identities: identities, ring: keyRing).addRoutes(to: router, admin: admin)
    let health = publisher.health
    SystemController(
        keys: keyRing, registry: metricsRegistry,
        unreadyCause: {
            do {
                _ = try await statusStore.list(id: "-")
            } catch {
                return "the database is unavailable: \(error)"
            }
            return health.problem()
        },
        beforeMetrics: { health.refreshGauges() }
    ).addRoutes(to: router)

    // The pages for people, last: they add routes at the root (`/`, `/issuers/{did}` beside the hosted DID documents).
    let loopback = LoopbackPort()
    if configuration.web {
        let checker = WebCredentialChecker(
            baseURL: base, loopback: loopback,
            cacheDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("standing-web-check-\(UUID().uuidString)"),
            registryInitialised: { registry.artefacts.state.rootAuthority != nil },
            listShape: WebCredentialChecker.listShapes(published))
        WebController(
            resources: try WebResources.load(), registry: registry, published: published, checker: checker, baseURL: base,
            latestChange: { try await statusStore.latestAuditRecord(listId: $0, index: $1, window: WebController.auditWindow) }
        ).addRoutes(to: router)
    }

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
        server: .standingHTTP1(fastPath: fastPath, trqp: TRQPFastPathConfiguration(registry: registry, serverName: serverName), limits: limits),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: serverName,
            availableConnectionsDelegate: ConnectionCap(maximum: limits.maxConnections, logger: logger)),
        services: [DataDirectoryLockService(lock: installation.lock), publisher, registry, identities],
        onServerRunning: { channel in
            loopback.set(channel.localAddress?.port)
            await onServerRunning(channel)
        },
        logger: logger
    )
    return StandingServer(
        application: application, store: store, keys: keys, keyRing: keyRing, identities: identities, published: published, publisher: publisher, registry: registry,
        initialOperatorToken: installation.initialOperatorToken)
}
