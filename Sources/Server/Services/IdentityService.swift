import Foundation
import NIOCore
import Logging
import ServiceLifecycle
import Signing
import StandingAPI
import StatusListSecuring
import Store

/// Issuers' signing identities and key rotation: creates identities and their keys, activates them, imports
/// certificate chains, rotates keys, retires superseded keys once what they signed has expired, and keeps the
/// ``SigningKeyRing`` that publications sign with in step, re-signing the lists a change affects.
///
/// Every change is recorded with who made it in the identity audit trail (``IdentityStore/identityEvents(issuer:)``).
public actor IdentityService: Service {
    /// Settings.
    public struct Configuration: Sendable {
        /// The service's public base URL (hosted DIDs are `did:web` under it).
        public var baseURL: String
        /// How long superseded keys stay published.
        public var retirement: KeyRetirement
        /// The dotted OID of the status-signing extended key usage a certificate must carry; nil checks none.
        public var statusSigningUsage: String?
        /// How often superseded keys are checked for retirement (and, on a shared database, identities reloaded).
        public var refreshInterval: Duration = .seconds(30)

        /// Creates the settings.
        public init(baseURL: String, retirement: KeyRetirement, statusSigningUsage: String? = nil) {
            self.baseURL = baseURL
            self.retirement = retirement
            self.statusSigningUsage = statusSigningUsage
        }
    }

    private let store: any IdentityStore & StatusStore
    private let directory: DataDirectory
    /// Where keys are generated and loaded: files, or the PKCS#11 token (`--pkcs11-module`).
    private let custody: any SigningKeyCustody
    private let ring: SigningKeyRing
    private let publisher: Publisher
    let configuration: Configuration
    /// Keys that stay published whatever their age (the registry signs with the key it started with).
    private let pinned: Set<String>
    private let logger: Logger
    /// Where the key documents are copied for a static web server, if anywhere.
    private let publishDirectory: PublishDirectory?
    /// What the ring was last built from, to rebuild only on a change.
    private var lastBuilt: [SigningIdentityRecord] = []

    /// Creates the service; ``reload(now:)`` loads the identities into the ring.
    public init(
        store: any IdentityStore & StatusStore, directory: DataDirectory, custody: (any SigningKeyCustody)? = nil, ring: SigningKeyRing,
        publisher: Publisher, configuration: Configuration, pinned: Set<String>, logger: Logger, publishDirectory: PublishDirectory? = nil
    ) {
        self.custody = custody ?? FileKeyCustody(directory: directory)
        self.publishDirectory = publishDirectory
        self.store = store
        self.directory = directory
        self.ring = ring
        self.publisher = publisher
        self.configuration = configuration
        self.pinned = pinned
        self.logger = logger
    }

    // MARK: - Reading

    /// Every identity.
    public func identities(now: Date = Date()) async throws -> [SigningIdentityInfo] {
        try await store.signingIdentities().map { try describe($0, now: now) }
    }

    /// One issuer's identity.
    /// - Throws: ``ServiceError/Code/notFound`` when the issuer has none.
    public func identity(issuer: String, now: Date = Date()) async throws -> SigningIdentityInfo {
        try describe(try await record(issuer), now: now)
    }

    // MARK: - Changes

    /// Gives an issuer principal a signing identity with a new key.
    ///
    /// A `hosted` identity signs at once; `did-web` waits for ``activate(issuer:keyId:actor:now:)`` (the issuer
    /// publishes the key first), `x509` for ``importChain(issuer:pem:actor:now:)``.
    /// - Throws: ``ServiceError`` for an issuer that has an identity, an unusable DID or name, or lists that would
    ///   change signer without `switchExistingLists`.
    public func create(_ request: CreateIdentityRequest, actor: Principal, now: Date = Date()) async throws -> SigningIdentityInfo {
        try requireOperator(actor)
        guard !request.issuer.isEmpty, request.issuer.count <= 128, !request.issuer.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw ServiceError(.invalidValue, "issuer must be 1-128 characters without spaces, got '\(request.issuer.prefix(128))'")
        }
        if try await store.signingIdentities().contains(where: { $0.issuer == request.issuer }) {
            throw ServiceError(
                .conflict, "issuer '\(request.issuer)' has a signing identity already: rotate its key with `standing keys rotate --issuer \(request.issuer)`")
        }
        let did: String
        switch request.kind {
        case .hosted:
            guard request.did == nil else {
                throw ServiceError(.invalidValue, "a hosted identity's DID is the service's did:web for the issuer; leave out did, or use --kind did-web")
            }
            did = try SigningIdentityRules.hostedDID(baseURL: configuration.baseURL, issuer: request.issuer)
        case .didWeb:
            guard let given = request.did else {
                throw ServiceError(.invalidValue, "a did-web identity needs the issuer's own DID (--did did:web:...)")
            }
            do {
                _ = try DIDWeb.documentURL(for: given)
            } catch {
                throw ServiceError(.invalidValue, "'\(given.prefix(200))' is not a did:web DID: \(error.reason)")
            }
            guard !given.contains("#") else { throw ServiceError(.invalidValue, "give the DID without a fragment, not '\(given)'") }
            did = given
        case .x509:
            if let given = request.did {
                do {
                    _ = try DIDWeb.documentURL(for: given)
                } catch {
                    throw ServiceError(.invalidValue, "'\(given.prefix(200))' is not a did:web DID: \(error.reason)")
                }
                did = given
            } else {
                did = try SigningIdentityRules.hostedDID(baseURL: configuration.baseURL, issuer: request.issuer)
            }
        }
        let owned = try await store.lists(owner: request.issuer)
        if !owned.isEmpty, request.switchExistingLists != true {
            throw ServiceError(
                .conflict,
                "issuer '\(request.issuer)' owns \(owned.count) lists signed by the service; they switch to the new identity only when asked (--switch-existing-lists)")
        }
        // A CSR subject that cannot be encoded is refused before a key is generated or the identity stored.
        if request.kind == .x509 { _ = try certificateSubject(of: request) }
        let key = try generateIssuerKey()
        var identity = SigningIdentityRecord(
            issuer: request.issuer, kind: request.kind, did: did,
            keys: [IdentityKeyRecord(kid: key.keyID, algorithm: key.key.algorithm, state: .pending, createdAt: now)],
            createdAt: now, updatedAt: now)
        var detail = "\(request.kind.rawValue) identity \(did), key \(key.keyID) (\(key.key.algorithm.rawValue))"
        if request.kind == .hosted {
            SigningIdentityRules.activate(key.keyID, in: &identity, at: now)
            detail += ", active"
        }
        if !owned.isEmpty { detail += "; lists switching from the service identity: " + owned.map(\.id).joined(separator: ", ") }
        try await store.saveSigningIdentity(
            identity, expectedUpdate: nil, event: IdentityEventRecord(issuer: request.issuer, action: "created", detail: detail, actor: actor.id, at: now))
        try await rebuild(now: now)
        if request.kind == .hosted { await publisher.republish(owner: request.issuer) }
        var info = try describe(identity, now: now)
        if request.kind == .x509 {
            info.certificateSigningRequest = try certificateSigningRequest(for: key, request: request)
        }
        return info
    }

    /// Activates a pending key of a `did-web` identity once the issuer published it (the CLI checks the issuer's DID
    /// document before it calls this); the previous key, if any, is superseded and the issuer's lists re-signed.
    public func activate(issuer: String, keyId: String?, actor: Principal, now: Date = Date()) async throws -> SigningIdentityInfo {
        try requireOperator(actor)
        var identity = try await record(issuer)
        guard identity.kind == .didWeb else {
            throw ServiceError(
                .conflict,
                identity.kind == .x509
                    ? "an x509 identity is activated by importing its certificate chain (`standing identities import-chain`)"
                    : "a hosted identity is active from its creation")
        }
        let pending = identity.keys.filter { $0.state == .pending }
        guard let key = keyId.map({ id in pending.first { $0.kid == id } }) ?? pending.last else {
            throw ServiceError(.conflict, "issuer '\(issuer)' has no pending key\(keyId.map { " \($0)" } ?? ""); rotate to get one")
        }
        let expected = identity.updatedAt
        SigningIdentityRules.activate(key.kid, in: &identity, at: now)
        identity.updatedAt = now
        try await store.saveSigningIdentity(
            identity, expectedUpdate: expected,
            event: IdentityEventRecord(issuer: issuer, action: "activated", detail: "key \(key.kid) of \(identity.did)", actor: actor.id, at: now))
        try await rebuild(now: now)
        await publisher.republish(owner: issuer)
        return try describe(identity, now: now)
    }

    /// Imports the certificate chain the issuer's CA returned for the pending key of an `x509` identity, after checking
    /// it certifies that key; the key then signs (with `x5c`), and the issuer's lists are re-signed.
    public func importChain(issuer: String, pem: String, actor: Principal, now: Date = Date()) async throws -> SigningIdentityInfo {
        try requireOperator(actor)
        var identity = try await record(issuer)
        guard identity.kind == .x509 else {
            throw ServiceError(.conflict, "issuer '\(issuer)' has a \(identity.kind.rawValue) identity; certificate chains belong to x509 identities")
        }
        let issuerKeys = try loadIssuerKeys()
        // The newest key without a chain is the one the CSR was made for; else the signing key's chain is renewed.
        guard let key = identity.keys.last(where: { ($0.certificateChain ?? []).isEmpty && $0.state == .pending }) ?? SigningIdentityRules.signingKey(of: identity),
            let privateKey = issuerKeys[key.kid]
        else {
            throw ServiceError(.conflict, "issuer '\(issuer)' has no key waiting for a certificate chain")
        }
        let checked = try checkCertificateChain(pem: pem, key: privateKey.verificationKey, now: now)
        let expected = identity.updatedAt
        if let index = identity.keys.firstIndex(where: { $0.kid == key.kid }) { identity.keys[index].certificateChain = checked.chain }
        SigningIdentityRules.activate(key.kid, in: &identity, at: now)
        identity.updatedAt = now
        try await store.saveSigningIdentity(
            identity, expectedUpdate: expected,
            event: IdentityEventRecord(
                issuer: issuer, action: "chain-imported", detail: "key \(key.kid): \(checked.summary.subject), issued by \(checked.summary.issuer)",
                actor: actor.id, at: now))
        try await rebuild(now: now)
        await publisher.republish(owner: issuer)
        var info = try describe(identity, now: now)
        info.notes = checked.notes
        return info
    }

    /// A new key for an issuer's identity: a hosted identity signs with it at once; did-web and x509 keep signing with
    /// the current key until the new one is published or certified. Superseded keys stay published until everything
    /// they signed has expired.
    public func rotate(issuer: String, actor: Principal, now: Date = Date()) async throws -> SigningIdentityInfo {
        try requireOperator(actor)
        var identity = try await record(issuer)
        let key = try generateIssuerKey()
        let expected = identity.updatedAt
        identity.keys.append(IdentityKeyRecord(kid: key.keyID, algorithm: key.key.algorithm, state: .pending, createdAt: now))
        if identity.kind == .hosted { SigningIdentityRules.activate(key.keyID, in: &identity, at: now) }
        identity.updatedAt = now
        try await store.saveSigningIdentity(
            identity, expectedUpdate: expected,
            event: IdentityEventRecord(
                issuer: issuer, action: "rotated", detail: "new key \(key.keyID)\(identity.kind == .hosted ? ", active" : ", pending")",
                actor: actor.id, at: now))
        try await rebuild(now: now)
        if identity.kind == .hosted { await publisher.republish(owner: issuer) }
        var info = try describe(identity, now: now)
        if identity.kind == .x509 {
            info.certificateSigningRequest = try certificateSigningRequest(
                for: key, request: CreateIdentityRequest(issuer: issuer, kind: .x509, commonName: issuer))
        }
        return info
    }

    /// New service keys (ES256 and Ed25519): they sign every publication from now on, every list is re-signed, and
    /// the old keys stay published until what they signed has expired.
    public func rotateServiceKeys(actor: Principal, now: Date = Date()) async throws -> ServiceKeysInfo {
        try requireOperator(actor)
        var added: [ServiceKeyRecord] = []
        for algorithm in serviceKeyAlgorithms {
            let key = try custody.generate(algorithm, in: nil)
            added.append(ServiceKeyRecord(keyID: key.keyID, algorithm: algorithm.rawValue, addedAt: now))
        }
        let initialisedAt = try await store.installation()?.initialisedAt ?? now
        try await store.recordInstallation(serviceKeys: added, at: initialisedAt)
        try await store.appendIdentityEvent(
            IdentityEventRecord(
                issuer: "service", action: "rotated", detail: "new service keys " + added.map(\.keyID).joined(separator: ", "), actor: actor.id,
                at: now))
        try await rebuild(now: now)
        let count = await publisher.republish(owner: nil)
        return ServiceKeysInfo(did: ring.service.did, keys: try await serviceKeyInfos(now: now), listsResigned: count)
    }

    /// The identity audit trail.
    public func events(issuer: String?, actor: Principal) async throws -> [IdentityEventRecord] {
        try requireOperator(actor)
        return try await store.identityEvents(issuer: issuer)
    }

    // MARK: - Ring

    /// Loads the service keys and every identity into the ring.
    public func reload(now: Date = Date()) async throws {
        try await rebuild(now: now)
    }

    /// Retires superseded keys whose artefacts have all expired (and, on a shared database, picks up other instances'
    /// changes), until shutdown.
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.configuration.refreshInterval)
                do {
                    try await self.rebuild(now: Date())
                } catch {
                    self.logger.error("signing keys could not be reloaded", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    private func rebuild(now: Date) async throws {
        let identities = try await store.signingIdentities()
        let installation = try await store.installation()
        let addedAt = Dictionary((installation?.serviceKeys ?? []).map { ($0.keyID, $0.addedAt) }, uniquingKeysWith: { first, _ in first })
        let serviceKeys = try custody.keys(in: nil).map { (kid: $0.keyID, key: $0.key, addedAt: addedAt[$0.keyID] ?? .distantPast) }
            .sorted { ($0.addedAt, $0.kid) < ($1.addedAt, $1.kid) }
        let contents = try SigningKeyRing.Contents.build(
            baseURL: configuration.baseURL, service: serviceKeys, identities: identities, issuerKeys: try loadIssuerKeys(), now: now,
            retirement: configuration.retirement, pinned: pinned)
        ring.replace(with: contents)
        if let publishDirectory {
            try publishDirectory.writeKeyDocuments(jwks: Data(contents.jwks.readableBytesView), didDocument: Data(contents.didDocument.readableBytesView))
            for identity in identities {
                if let document = contents.issuers[identity.issuer]?.hostedDocument {
                    try publishDirectory.writeHostedDocument(issuer: identity.issuer, document: Data(document.readableBytesView))
                }
            }
        }
        if identities != lastBuilt, !lastBuilt.isEmpty || !identities.isEmpty {
            // Another instance changed an identity: re-sign what it affects here too.
            for changed in Set(identities.map(\.issuer)).symmetricDifference(Set(lastBuilt.map(\.issuer)))
                .union(identities.filter { !lastBuilt.contains($0) }.map(\.issuer))
            {
                await publisher.republish(owner: changed)
            }
        }
        lastBuilt = identities
    }

    // MARK: - Parts

    private func record(_ issuer: String) async throws -> SigningIdentityRecord {
        guard let identity = try await store.signingIdentities().first(where: { $0.issuer == issuer }) else {
            throw ServiceError(.notFound, "issuer '\(issuer)' has no signing identity: create one with `standing identities create --issuer \(issuer)`")
        }
        return identity
    }

    private func requireOperator(_ actor: Principal) throws {
        guard actor.role == .operator_ else {
            throw ServiceError(.forbidden, "signing identities and keys are managed with an operator token, not '\(actor.role.rawValue)'")
        }
    }

    private func generateIssuerKey() throws -> StoredSigningKey {
        try custody.generate(.es256, in: directory.issuerKeysPath)
    }

    private func loadIssuerKeys() throws -> [String: SigningKey] {
        Dictionary(try custody.keys(in: directory.issuerKeysPath).map { ($0.keyID, $0.key) }, uniquingKeysWith: { first, _ in first })
    }

    private func serviceKeyInfos(now: Date) async throws -> [IdentityKeyInfo] {
        let installation = try await store.installation()
        let records = installation?.serviceKeys ?? []
        let files = Dictionary(try custody.keys(in: nil).map { ($0.keyID, $0.key) }, uniquingKeysWith: { first, _ in first })
        let signing = Set([ring.service.active(.es256)?.kid, ring.service.active(.edDSA)?.kid].compactMap { $0 })
        return records.enumerated().compactMap { index, record in
            guard let key = files[record.keyID] else { return nil }
            let newer = records[(index + 1)...].first { $0.algorithm == record.algorithm }
            let stored = IdentityKeyRecord(
                kid: record.keyID, algorithm: key.algorithm, state: .active, createdAt: record.addedAt, activatedAt: record.addedAt,
                supersededAt: newer?.addedAt)
            return keyInfo(stored, publicKey: key.verificationKey, signing: signing.contains(record.keyID), now: now)
        }
    }

    private func keyInfo(_ key: IdentityKeyRecord, publicKey: VerificationKey?, signing: Bool, now: Date) -> IdentityKeyInfo {
        let chain = key.certificateChain ?? []
        return IdentityKeyInfo(
            kid: key.kid, algorithm: key.algorithm.rawValue, state: configuration.retirement.state(of: key, at: now), signing: signing,
            createdAt: key.createdAt, supersededAt: key.supersededAt, retiresAt: configuration.retirement.retiresAt(key),
            publicJwk: publicKey?.jwk(keyID: key.kid),
            certificateChain: chain.isEmpty ? nil : chain.map { $0.base64EncodedString() },
            certificate: chain.first.flatMap { try? CertificateSummary(der: $0) })
    }

    private func describe(_ identity: SigningIdentityRecord, now: Date) throws -> SigningIdentityInfo {
        let issuerKeys = try loadIssuerKeys()
        let signingKid = SigningIdentityRules.signingKey(of: identity)?.kid
        let keys = identity.keys.map { keyInfo($0, publicKey: issuerKeys[$0.kid]?.verificationKey, signing: $0.kid == signingKid, now: now) }
        let hostedDID = try? SigningIdentityRules.hostedDID(baseURL: configuration.baseURL, issuer: identity.issuer)
        let hosted = hostedDID == identity.did
        let documentURL =
            hosted
            ? SigningIdentityRules.hostedDocumentURL(baseURL: configuration.baseURL, issuer: identity.issuer)
            : ((try? DIDWeb.documentURL(for: identity.did).absoluteString) ?? "")
        var info = SigningIdentityInfo(
            issuer: identity.issuer, kind: identity.kind, did: identity.did, didDocumentURL: documentURL, active: signingKid != nil, keys: keys,
            nextSteps: [])
        let pending = identity.keys.last { $0.state == .pending }
        if hosted, let document = ring.hostedDocument(issuer: identity.issuer) {
            info.didDocument = try? JSONDecoder().decode(DIDDocument.self, from: Data(document.readableBytesView))
        }
        switch identity.kind {
        case .hosted:
            info.nextSteps = ["nothing: the service serves the DID document at \(documentURL)"]
        case .didWeb:
            if let pending, let publicKey = issuerKeys[pending.kid]?.verificationKey {
                info.verificationMethodToPublish = DIDDocument.VerificationMethod(
                    id: identity.did + "#" + pending.kid, type: "JsonWebKey", controller: identity.did, publicKeyJwk: publicKey.jwk(keyID: pending.kid))
                info.nextSteps = [
                    "add verificationMethodToPublish to the DID document at \(documentURL) and list its id under assertionMethod",
                    "then run `standing identities activate --issuer \(identity.issuer)`: it checks the document and activates the key",
                ]
            } else {
                info.nextSteps = ["nothing: the key is active"]
            }
        case .x509:
            if let pending, (pending.certificateChain ?? []).isEmpty {
                info.nextSteps = [
                    "send the certificate signing request to the issuer's CA (`standing keys csr --issuer \(identity.issuer) --out FILE` writes it again)",
                    "then run `standing identities import-chain --issuer \(identity.issuer) CHAIN.pem` (leaf first)",
                ]
            } else {
                info.nextSteps = ["nothing: the certified key is active"]
            }
        }
        return info
    }

    /// The CSR for the newest pending key of an x509 identity, again (the CLI's `keys csr`).
    public func certificateSigningRequest(issuer: String, actor: Principal) async throws -> String {
        try requireOperator(actor)
        let identity = try await record(issuer)
        guard identity.kind == .x509, let pending = identity.keys.last(where: { ($0.certificateChain ?? []).isEmpty }) ?? identity.keys.last,
            let key = try loadIssuerKeys()[pending.kid]
        else {
            throw ServiceError(.conflict, "issuer '\(issuer)' has no x509 key to certify")
        }
        return try certificateSigningRequest(
            for: StoredSigningKey(keyID: pending.kid, key: key), request: CreateIdentityRequest(issuer: issuer, kind: .x509, commonName: issuer))
    }
}

extension IdentityService: RegistryDIDLookup {
    /// The DID an issuer principal is accredited under: its signing identity's DID when it has one (whatever the
    /// identity's state: the DID is the issuer's from its creation), else the principal id when that is a DID.
    public func registryDID(of principal: String) async throws -> String? {
        if let identity = try await store.signingIdentities().first(where: { $0.issuer == principal }) { return identity.did }
        return PrincipalIdentifierDIDs.did(inPrincipalId: principal)
    }

    public nonisolated var missingDIDAdvice: String {
        "give it a signing identity (`standing identities create --issuer PRINCIPAL --kind hosted|did-web|x509`), or issue the issuer's token for the DID it is accredited under (standing tokens create --role issuer --principal DID)"
    }
}
