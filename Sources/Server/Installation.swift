import Foundation
import Logging
import PostgresStore
import ServiceLifecycle
import Signing
import StandingAPI
import Store

/// A data directory opened for serving: locked for this process, checked whole, and initialised if it was empty.
public struct OpenedInstallation: Sendable {
    /// The directory's exclusive lock; the service holds it until it stops.
    public let lock: DataDirectoryLock
    /// The database: the SQLite file in the data directory, or the PostgreSQL database of `configuration.database`.
    public let store: any StatusStore & RegistryStore & IdentityStore
    /// The service's signing keys.
    public let keys: ServiceKeys
    /// Where the keys are kept (files, or the PKCS#11 token), for generating and loading more (rotation, issuers).
    public let custody: any SigningKeyCustody
    /// The certificate chain the LoTE is signed with.
    public let loteChain: [X509Certificate]
    /// The one-time operator token, when this call initialised the directory.
    public let initialOperatorToken: String?
}

/// Why a data directory is opened.
public enum InstallationIntent: Sendable {
    /// To serve from it: an empty directory is initialised, an initialised one is checked and opened.
    case serve
    /// `standing init`: the directory must be empty.
    case initialise
}

/// The service's signing algorithms: ES256 (JOSE, COSE, ecdsa-jcs-2019, JAdES) and Ed25519 (eddsa-jcs-2022).
let serviceKeyAlgorithms: [SignatureAlgorithm] = [.es256, .edDSA]

/// Opens the data directory at `configuration.dataDirectory` (and the PostgreSQL database, when
/// `configuration.database` names one) for serving.
///
/// The rules, so that a damaged directory fails loudly instead of turning into a new, empty service:
/// - Another process serving from the directory holds its lock: refused, naming that process.
/// - An empty (or missing) directory is initialised: database, signing keys, operator token, LoTE certificate, and
///   last the installation record that says initialisation completed.
/// - Anything else must be a whole installation: the database present and non-empty, every service key the
///   installation record names present in `keys/` and not readable by others, the LoTE certificate present.
///   Missing parts are named with what to do; nothing is created in their place.
/// - A database from before the installation record existed (it has tokens) is adopted: the keys found are recorded.
///
/// With PostgreSQL the database is not a file of the directory, so "present and non-empty" means "holds an
/// installation" (its record or tokens), and the directory and the database are judged together: both empty is a new
/// installation; keys without such a database, or such a database without keys, is refused (a wrong URL, an emptied
/// database, or a new instance whose keys were not copied in: it must never sign with keys of its own).
/// - Parameters:
///   - configuration: The settings (data directory, database, base URL).
///   - intent: Serve (initialise when empty) or only initialise (the directory must be empty).
///   - logger: Where initialisation, adoption and repaired file modes are reported (never secrets).
/// - Returns: The opened installation.
/// - Throws: ``DataDirectoryError`` for a refused directory; ``StoreError`` or ``ServiceError`` for I/O failures.
public func openInstallation(
    configuration: ServerConfiguration, intent: InstallationIntent = .serve, logger: Logger
) async throws -> OpenedInstallation {
    guard let baseURL = URL(string: configuration.effectiveBaseURL) else {
        throw ServiceError(.invalidValue, "base URL '\(configuration.effectiveBaseURL)' is not a URL")
    }
    let directory = DataDirectory(path: configuration.dataDirectory)
    let lock = try directory.lock(for: intent == .serve ? "standing serve" : "standing init")
    // Opened before anything is created: a wrong token, key or PIN fails the start here.
    let custody = try configuration.signingKeyCustody(for: directory)
    let survey = directory.survey()
    if let database = configuration.database {
        let store = try await openPostgreSQL(url: database, passwordFile: configuration.databasePasswordFile, logger: logger)
        do {
            return try await openInstallation(
                directory, custody: custody, lock: lock, survey: survey, postgres: store, intent: intent, baseURL: baseURL,
                logger: logger)
        } catch {
            await store.close()
            throw error
        }
    }
    if survey.isEmpty {
        try directory.prepare()
        try directory.createPrivateDatabaseFile()
        let store = try SQLiteStore(path: directory.databasePath)
        return try await initialise(directory, custody: custody, lock: lock, store: store, baseURL: baseURL, logger: logger)
    }
    guard intent == .serve else {
        throw DataDirectoryError(
            problem: "the data directory \(directory.path) is initialised already (it holds \(survey.presentParts.joined(separator: ", ")))",
            remedy: "serve it with `standing serve --data-dir \(directory.path)`, or give `standing init` an empty directory")
    }
    do {
        try directory.requireDatabase(survey)
    } catch let error as DataDirectoryError where survey.databaseBytes == nil {
        throw DataDirectoryError(
            problem: error.problem, remedy: error.remedy + " (an installation on PostgreSQL is served with --database postgres://…)")
    }
    for repaired in try directory.enforcePrivateModes() {
        logger.warning("file permissions narrowed: \(repaired)")
    }
    let store: SQLiteStore
    do {
        store = try SQLiteStore(path: directory.databasePath)
    } catch let error as StoreError {
        throw DataDirectoryError(
            problem: "the database \(directory.databasePath) cannot be opened (\(error.reason))",
            remedy: "restore it from a backup; Standing does not replace a damaged database")
    }
    return try await verify(directory, custody: custody, lock: lock, store: store, baseURL: baseURL, logger: logger)
}

/// The PostgreSQL side of ``openInstallation(configuration:intent:logger:)``: the directory holds the keys, the
/// operator token and the LoTE certificate; the database holds everything else.
private func openInstallation(
    _ directory: DataDirectory, custody: any SigningKeyCustody, lock: DataDirectoryLock, survey: DataDirectorySurvey,
    postgres store: PostgreSQLStore,
    intent: InstallationIntent, baseURL: URL, logger: Logger
) async throws -> OpenedInstallation {
    let directoryHasInstallation = !survey.keyFiles.isEmpty || survey.hasOperatorToken || survey.hasLoTECertificate
    let hasRecord = try await store.installation() != nil
    let hasTokens = try await !store.tokens().isEmpty
    let databaseHasInstallation = hasRecord || hasTokens
    if survey.databaseBytes != nil {
        logger.notice("\(directory.databasePath) is not used: the database is \(store.settings)")
    }
    switch (directoryHasInstallation, databaseHasInstallation) {
    case (false, false):
        try directory.prepare()
        return try await initialise(directory, custody: custody, lock: lock, store: store, baseURL: baseURL, logger: logger)
    case (false, true):
        throw DataDirectoryError(
            problem: "the database \(store.settings) belongs to an installation, but the data directory \(directory.path) holds "
                + "none of its keys; an instance with keys of its own would sign lists no verifier can check",
            remedy: "copy keys/, lote-certificate.pem and operator-token from the installation's data directory into "
                + "\(directory.path) (see ops/postgresql.md), or give --database an empty database")
    case (true, false):
        throw DataDirectoryError(
            problem: "the data directory \(directory.path) holds \(survey.presentParts.joined(separator: ", ")) but the database "
                + "\(store.settings) holds no installation: the URL is wrong, or the database was emptied",
            remedy: "point --database at the installation's database or restore it from a backup; Standing does not start "
                + "an empty service over existing keys and tokens")
    case (true, true):
        guard intent == .serve else {
            throw DataDirectoryError(
                problem: "the data directory \(directory.path) and the database \(store.settings) are initialised already",
                remedy: "serve them with `standing serve`, or give `standing init` an empty directory and database")
        }
        for repaired in try directory.enforcePrivateModes() {
            logger.warning("file permissions narrowed: \(repaired)")
        }
        return try await verify(directory, custody: custody, lock: lock, store: store, baseURL: baseURL, logger: logger)
    }
}

/// Opens the PostgreSQL database of a `postgres://` URL, with the password from `passwordFile` (its first line) or
/// else `PGPASSWORD`.
/// - Throws: ``ServiceError`` `invalidValue` for a bad URL or an unreadable password file; ``DataDirectoryError`` when
///   the database cannot be reached or migrated (the reason in one line, never the password).
func openPostgreSQL(url: String, passwordFile: String?, logger: Logger) async throws -> PostgreSQLStore {
    let settings: PostgresConnectionSettings
    do {
        settings = try PostgresConnectionSettings(url: url)
    } catch let error as StoreError {
        throw ServiceError(.invalidValue, error.reason)
    }
    let password: String?
    if let passwordFile {
        guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
            throw ServiceError(.invalidValue, "cannot read the database password file \(passwordFile)")
        }
        password = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
    } else {
        password = ProcessInfo.processInfo.environment["PGPASSWORD"]
    }
    do {
        return try await PostgreSQLStore(settings: settings, password: password, logger: logger)
    } catch let error as StoreError {
        throw DataDirectoryError(
            problem: "the database \(settings) cannot be used (\(error.reason))",
            remedy: "check that PostgreSQL runs there, that the role may log in with the password given "
                + "(--database-password-file or PGPASSWORD) and owns the database")
    }
}

/// Checks an initialised installation's database against its data directory: every recorded service key present,
/// keys added by hand recorded; a database from before the installation record is adopted.
private func verify(
    _ directory: DataDirectory, custody: any SigningKeyCustody, lock: DataDirectoryLock,
    store: some StatusStore & RegistryStore & IdentityStore, baseURL: URL, logger: Logger
) async throws -> OpenedInstallation {
    let stored = try custody.keys(in: nil)
    let now = Date()
    if let installation = try await store.installation() {
        let present = Set(stored.map(\.keyID))
        let missing = installation.serviceKeys.filter { !present.contains($0.keyID) }
        guard missing.isEmpty else {
            let names = missing.map { "\(custody.recordFileName(forKeyID: $0.keyID)) (\($0.algorithm))" }.joined(separator: ", ")
            throw DataDirectoryError(
                problem: "the service's signing keys are missing from \(directory.keysPath): \(names); lists they signed "
                    + "would stop verifying, and new keys would silently re-key the service",
                remedy: "restore \(directory.keysPath) from a backup (Standing adds keys only when initialising)")
        }
        let recorded = Set(installation.serviceKeys.map(\.keyID))
        let added = stored.filter { !recorded.contains($0.keyID) }
        if !added.isEmpty {
            try await store.recordInstallation(serviceKeys: added.map { record($0, at: now) }, at: installation.initialisedAt)
            logger.notice("added service keys found in \(directory.keysPath): \(added.map(\.keyID).joined(separator: ", "))")
        }
    } else {
        // Tokens are issued before the record is written, so none means initialisation was cut short.
        guard try await !store.tokens().isEmpty else {
            throw DataDirectoryError(
                problem: "the data directory \(directory.path) was not fully initialised (an earlier first start stopped "
                    + "before it completed) and holds no data",
                remedy: "empty the directory (`rm -r \(directory.path)/*`) and start again")
        }
        // A directory set up before the installation record existed.
        let missing = serviceKeyAlgorithms.filter { algorithm in !stored.contains { $0.key.algorithm == algorithm } }
        guard missing.isEmpty else {
            throw DataDirectoryError(
                problem: "the service has no \(missing.map(\.rawValue).joined(separator: " or ")) signing key in \(directory.keysPath)",
                remedy: "restore \(directory.keysPath) from a backup (Standing adds keys only when initialising)")
        }
        try await store.recordInstallation(serviceKeys: stored.map { record($0, at: now) }, at: now)
        logger.notice("recorded the installation of \(directory.path) and its \(stored.count) service keys")
    }
    let keys = try ServiceKeys(baseURL: baseURL, signingKeys: stored.map { ($0.keyID, $0.key) })
    let loteChain: [X509Certificate]
    if let signer = keys.active(.es256), signer.signingKey.isExternal,
        !FileManager.default.fileExists(atPath: directory.loteCertificatePath)
    {
        logger.warning("\(noLoTECertificateForTokenKey(signer.kid, directory: directory))")
        loteChain = []
    } else {
        loteChain = try loadLoTECertificateChain(directory: directory, keys: keys)
    }
    return OpenedInstallation(lock: lock, store: store, keys: keys, custody: custody, loteChain: loteChain, initialOperatorToken: nil)
}

/// Initialises an empty data directory over an open, empty database. The installation record is written last: a start
/// that finds the database without it knows this was cut short.
private func initialise(
    _ directory: DataDirectory, custody: any SigningKeyCustody, lock: DataDirectoryLock,
    store: some StatusStore & RegistryStore & IdentityStore, baseURL: URL, logger: Logger
) async throws -> OpenedInstallation {
    let generated = try custody.generateMissing(algorithms: serviceKeyAlgorithms)
    let keys = try ServiceKeys(baseURL: baseURL, signingKeys: generated.map { ($0.keyID, $0.key) })
    // Certificates are signed through SigningKey.sign, so a token-held key self-signs its LoTE certificate too.
    let loteChain = [try selfSignedLoTECertificate(keys: keys)]
    try directory.writePrivateFile(at: directory.loteCertificatePath, contents: loteChain[0].pemEncoded)
    let issued = try await Tokens(store: store).issue(role: .operator_, principal: "operator", label: "initial operator token")
    try directory.writeSecretOnce(name: DataDirectory.operatorTokenFileName, contents: issued.secret + "\n")
    let now = Date()
    try await store.recordInstallation(serviceKeys: generated.map { record($0, at: now) }, at: now)
    logger.notice("initialised data directory; the operator token is in \(directory.operatorTokenPath) (mode 0600)")
    logger.notice(
        "generated a self-signed LoTE signing certificate in \(directory.loteCertificatePath); replace it with an operator certificate chain for production")
    return OpenedInstallation(
        lock: lock, store: store, keys: keys, custody: custody, loteChain: loteChain, initialOperatorToken: issued.secret)
}

/// What an installation whose ES256 key is in a token lacks until a LoTE certificate chain is put in place (one
/// initialised before certificates could be signed through the token).
private func noLoTECertificateForTokenKey(_ keyID: String, directory: DataDirectory) -> String {
    "the ES256 key \(keyID) is held by the PKCS#11 token and \(directory.loteCertificatePath) is missing: until a "
        + "certificate chain for it (PEM, leaf first) is put there, the registry publishes no LoTE (its snapshot and "
        + "change feed are signed as usual)"
}

private func record(_ key: StoredSigningKey, at date: Date) -> ServiceKeyRecord {
    ServiceKeyRecord(keyID: key.keyID, algorithm: key.key.algorithm.rawValue, addedAt: date)
}

/// The certificate chain the LoTE is signed with: `DATA_DIR/lote-certificate.pem` (generated self-signed at
/// initialisation, or an operator-provided chain, leaf first, whose leaf certifies one of the service's ES256 keys).
func loadLoTECertificateChain(directory: DataDirectory, keys: ServiceKeys) throws -> [X509Certificate] {
    guard let signer = keys.active(.es256) else { throw ServiceError(.unavailable, "the service has no ES256 key") }
    let path = directory.loteCertificatePath
    guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw DataDirectoryError(
            problem: "the LoTE signing certificate \(path) is missing or unreadable",
            remedy: "restore it from a backup, or put there a certificate chain (PEM, leaf first) for the service's ES256 key "
                + "\(signer.kid); `standing keys lote-certificate --data-dir \(directory.path)` writes a new self-signed one")
    }
    let chain = try X509Certificate.parseChain(pem: pem)
    // After a rotation the certificate still certifies an older ES256 key: the registry keeps signing with that one.
    guard let leaf = chain.first, let certified = try? leaf.publicKey(),
        keys.keys.contains(where: { $0.signingKey.algorithm == .es256 && $0.signingKey.verificationKey == certified })
    else {
        throw ServiceError(.invalidValue, "\(path) does not certify any of the service's ES256 keys (the active one is kid \(signer.kid))")
    }
    return chain
}

/// Writes a new self-signed LoTE signing certificate for the service's active ES256 key into a stopped installation,
/// for an operator whose certificate file was lost (verifiers that pinned the old certificate must be told).
/// - Parameter configuration: The settings (data directory, base URL: the DID the certificate names).
/// - Returns: The path written.
/// - Throws: ``DataDirectoryError`` while the service runs or when the directory is not initialised.
public func writeSelfSignedLoTECertificate(configuration: ServerConfiguration) throws -> String {
    guard let baseURL = URL(string: configuration.effectiveBaseURL) else {
        throw ServiceError(.invalidValue, "base URL '\(configuration.effectiveBaseURL)' is not a URL")
    }
    let directory = DataDirectory(path: configuration.dataDirectory)
    let lock = try directory.lock(for: "standing keys lote-certificate")
    defer { lock.release() }
    let stored = try configuration.signingKeyCustody(for: directory).keys(in: nil)
    guard directory.survey().databaseBytes != nil || configuration.database != nil, !stored.isEmpty else {
        throw DataDirectoryError(
            problem: "\(directory.path) is not an initialised data directory (no database or no keys)",
            remedy: "give the --data-dir the service runs from")
    }
    let keys = try ServiceKeys(baseURL: baseURL, signingKeys: stored.map { ($0.keyID, $0.key) })
    try directory.writePrivateFile(at: directory.loteCertificatePath, contents: try selfSignedLoTECertificate(keys: keys).pemEncoded)
    return directory.loteCertificatePath
}

/// A self-signed certificate, valid five years, for the service's active ES256 key.
func selfSignedLoTECertificate(keys: ServiceKeys) throws -> X509Certificate {
    guard let signer = keys.active(.es256) else { throw ServiceError(.unavailable, "the service has no ES256 key") }
    let now = Date()
    return try X509Certificate.selfSigned(
        name: CertificateName(commonName: "Standing trust registry \(keys.did)"), key: signer.signingKey,
        validFrom: now.addingTimeInterval(-300), validUntil: now.addingTimeInterval(5 * 365 * 86_400))
}

/// Holds the data directory's lock while the application runs and releases it after every other service stopped
/// (it is the first of the application's services, and a service group stops its services in reverse order).
struct DataDirectoryLockService: Service {
    let lock: DataDirectoryLock

    func run() async throws {
        try? await gracefulShutdown()
        lock.release()
    }
}
