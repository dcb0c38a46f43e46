import Crypto
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Signing
import StandingAPI
import Store
import Synchronization
import TrustRegistry

/// What readers are served: the registry state as of the last acknowledged write, and the newest signed wallet
/// snapshot and LoTE, which lag the state while a signing is under way (``signedSeq`` says by how much).
public struct RegistryArtefacts: Sendable {
    /// The state the EBSI, TRQP, change-feed and log views answer from: current as of the last acknowledged write.
    public let state: RegistryState
    /// The state `seq` the signed snapshot and LoTE reflect; at most `state.seq`. A wallet holding the snapshot
    /// catches up with `GET /registry/v1/changes?since=<signedSeq>`.
    public let signedSeq: Int
    /// The wallet snapshot as a compact JWS (service key, in `/.well-known/jwks.json`), as served with and without
    /// gzip; nil before the registry is initialised.
    let snapshot: SignedSnapshot?
    /// The LoTE as compact JAdES (ES256 with `x5c`), in a file (about 100 MB at 10,000 issuers); nil before the
    /// registry is initialised.
    let lote: PublishedFile?
    /// The signed LoTE's `LoTESequenceNumber` (0 before the first release).
    public let loteSequenceNumber: Int
    /// The signed LoTE's `NextUpdate`.
    public let loteNextUpdate: Date?
    /// The OpenID Federation Entity Configuration of the registry as Trust Anchor (compact JWS, `typ`
    /// `entity-statement+jwt`), signed with the snapshot from the same state; nil before the registry is initialised.
    public let entityConfiguration: String?
    /// When the signed snapshot (and the LoTE, when it was due) were built.
    public let builtAt: Date
    /// Signed change feeds already served for ``state``, by `since`: each is signed once per state, not per read.
    let changeFeeds: SignedFeedCache
    /// Subordinate Statements and Trust Marks already served for ``state``: each is signed once per state (and
    /// re-signed when half its validity has passed), not per read.
    let federationStatements: SignedStatementCache

    /// The same signed artefacts over a newer state (after a write); the feed cache starts over with the state.
    func replacingState(_ newState: RegistryState) -> RegistryArtefacts {
        RegistryArtefacts(
            state: newState, signedSeq: signedSeq, snapshot: snapshot, lote: lote, loteSequenceNumber: loteSequenceNumber,
            loteNextUpdate: loteNextUpdate, entityConfiguration: entityConfiguration, builtAt: builtAt, changeFeeds: SignedFeedCache(),
            federationStatements: SignedStatementCache())
    }
}

/// Signed change feeds of one registry state, by `since`.
final class SignedFeedCache: Sendable {
    private let feeds = Mutex<[Int: String]>([:])

    func get(_ since: Int) -> String? { feeds.withLock { $0[since] } }

    func put(_ compact: String, since: Int) {
        feeds.withLock { feeds in
            if feeds.count >= 1000 { feeds.removeAll() }
            feeds[since] = compact
        }
    }
}

/// Signed federation statements of one registry state, by a key naming the statement, each with the time it is
/// re-signed after.
final class SignedStatementCache: Sendable {
    private let statements = Mutex<[String: (compact: String, renewAfter: Date)]>([:])

    func get(_ key: String, at time: Date) -> String? {
        statements.withLock { statements in
            guard let entry = statements[key], time < entry.renewAfter else { return nil }
            return entry.compact
        }
    }

    func put(_ compact: String, key: String, renewAfter: Date) {
        statements.withLock { statements in
            if statements.count >= 10_000 { statements.removeAll() }
            statements[key] = (compact, renewAfter)
        }
    }
}

/// The trust registry: verifies signed statements from the root authority and accreditation bodies, appends them to
/// the hash-chained event log in the store, and keeps the projections current.
///
/// ## Writes
/// One at a time (an actor-held write lock spans prepare, append and commit, so concurrent submissions never race
/// for the same `seq`). A write verifies the statement, appends the event durably, applies it to the in-memory state,
/// publishes that state to readers and answers: its cost does not depend on the registry's size. It does not wait
/// for any signing.
///
/// The state is double-buffered: the writer applies each event to its own copy, publishes it, and applies the same
/// event to the copy readers held until then, which becomes the writer's copy. Each copy is then normally uniquely
/// referenced when it is mutated, so a write changes a few entries in place instead of copying every collection of a
/// shared value (the fallback, still correct, when a reader or the signer holds the spare copy at that moment).
///
/// ## Signing
/// The wallet snapshot and the LoTE are signed off the write path by one background signer. A write marks the
/// signed artefacts stale; if no signing is under way one starts, otherwise the running one is followed by exactly
/// one more, which covers every write that landed meanwhile. So there is never more than one signing at a time and
/// never a backlog of one per write. Readers of the snapshot and the LoTE get the newest signed artefacts together
/// with the `seq` they reflect (``RegistryArtefacts/signedSeq``); the change feed, built from the in-memory state,
/// covers every `since` from there to the head.
///
/// ## Start and shutdown
/// On start the state is restored from the signed checkpoint in the data directory (see ``RegistryCheckpoint``) when
/// it verifies and the store holds its head; then the events after it (all of them without one) are replayed, which
/// re-verifies every signature, rule and hash (a broken log stops the start). The head is signed before the first
/// request is served, unless the checkpoint carries artefacts signed at the head and not yet due for re-signing.
/// A checkpoint is written in the background ``checkpointIdle`` after the last write, after ``checkpointEvents``
/// events, after a start that replayed many, and at graceful shutdown, which first lets a signing already under way
/// finish (bounded) and starts no other: every acknowledged write is in the log either way, and a start after a
/// crash replays what the last checkpoint lacks. `standing registry verify` re-verifies the whole log, never the
/// checkpoint.
public actor RegistryService: Service {
    /// The writer's copy of the state (see the double buffering above).
    private var state: RegistryState
    private let current: Mutex<RegistryArtefacts>
    private let store: any RegistryStore
    private nonisolated let signer: ServiceKeys.Key
    private let loteChain: [X509Certificate]
    private let loteConfiguration: LoTEConfiguration
    /// The OpenID Federation view's settings (the Trust Anchor's Entity Identifier is the base URL).
    public nonisolated let federation: FederationConfiguration
    private let snapshotValidity: TimeInterval
    private let logger: Logger
    private var loteCounter: LoTEPublicationCounter
    /// The thread the snapshot and LoTE are built and signed on, and checkpoints written.
    private let worker = LowPriorityWorker()

    /// Where checkpoints are written (nil: never; every start replays the whole log).
    private let checkpoint: RegistryCheckpoint?
    /// The folder of the signed LoTE files (nil: unlinked temporary files, and no checkpoint can carry them).
    private let loteDirectory: String?
    private let artefactContext: String
    /// The `seq` of the newest checkpoint written or started from.
    private var checkpointSeq: Int
    /// The artefacts the newest checkpoint carries (to tell whether a newer signing deserves a new one).
    private var checkpointedArtefacts: CarriedArtefacts?
    private var checkpointing: Task<Void, Never>?
    /// When the last write was committed (a checkpoint is written once the registry has been idle a while).
    private var lastWriteAt: ContinuousClock.Instant = .now
    /// The checkpoint's `seq` the registry started from, nil when it replayed the whole log.
    public nonisolated let startedFromCheckpoint: Int?
    /// How many events the start replayed and verified (those after the checkpoint, or all).
    public nonisolated let replayedAtStart: Int
    /// A checkpoint is written after this many events, or ``checkpointIdle`` after the last write.
    static let checkpointEvents = 10_000
    static let checkpointIdle: Duration = .seconds(30)

    private var writing = false
    private var waitingWriters: [CheckedContinuation<Void, Never>] = []

    /// Set by writes and by the refresh timer; cleared when a signing takes the state it signs.
    private var signingWanted = false
    private var signing: Task<Void, Never>?
    private var stopping = false
    /// When the oldest write not yet taken by a signing was committed (for the signing-lag metric).
    private var unsignedSince: ContinuousClock.Instant?
    /// Test seam: awaited (off the actor) at the start of every background signing, before it takes the state.
    private var signingGate: (@Sendable () async -> Void)?

    private let signingsCompletedCount = Atomic<Int>(0)
    private let signings = Counter(label: "standing_registry_signings_total")
    private let signingLag = Metrics.Timer(label: "standing_registry_signing_lag")

    /// The key the registry signs with: the ES256 key its LoTE certificate certifies (after a rotation, an older one:
    /// the certificate is for it), else the active ES256 key.
    static func signer(keys: ServiceKeys, loteChain: [X509Certificate]) -> ServiceKeys.Key? {
        if let certified = try? loteChain.first?.publicKey(),
            let key = keys.keys.last(where: { $0.signingKey.algorithm == .es256 && $0.signingKey.verificationKey == certified })
        {
            return key
        }
        return keys.active(.es256)
    }

    /// The id of the key the registry signs with; it stays published while the registry uses it.
    public nonisolated var signerKeyID: String { signer.kid }

    /// Restores the registry from its checkpoint (when one verifies) and the log after it, or from the whole log, and
    /// signs its head unless the checkpoint carries artefacts signed at the head.
    /// - Parameters:
    ///   - store: The event log.
    ///   - keys: The service keys; the ES256 key signs snapshots, change feeds, the LoTE and checkpoints.
    ///   - loteChain: The LoTE signer's certificate chain, leaf first; its leaf must carry the ES256 key.
    ///   - baseURL: The public base URL (LoTE type and status URIs live under it).
    ///   - snapshotValidity: Seconds from a snapshot's `issuedAt` to its `nextUpdate`; it is re-signed at half of it.
    ///   - checkpointPath: Where the signed checkpoint is read and written (see ``RegistryCheckpoint``); nil for none.
    ///   - loteDirectory: The folder the signed LoTE is written to (see ``PublishedFile``), created when missing; nil
    ///     for unlinked temporary files.
    ///   - logger: The logger.
    /// - Throws: ``RegistryError`` `logBroken` when the log does not verify; store and signing errors.
    public init(
        store: any RegistryStore, keys: ServiceKeys, loteChain: [X509Certificate], baseURL: String, snapshotValidity: TimeInterval = 86_400,
        checkpointPath: String? = nil, loteDirectory: String? = nil, logger: Logger
    ) async throws {
        guard let signer = Self.signer(keys: keys, loteChain: loteChain) else {
            throw ServiceError(.unavailable, "the registry needs an ES256 service key")
        }
        let checkpoint = checkpointPath.map(RegistryCheckpoint.init(path:))
        if let loteDirectory {
            guard mkdir(loteDirectory, 0o700) == 0 || errno == EEXIST else {
                throw ServiceError(.unavailable, "cannot create the LoTE folder \(loteDirectory): \(String(cString: strerror(errno)))")
            }
        }
        let context = Self.artefactContext(signer: signer, loteChain: loteChain, baseURL: baseURL, snapshotValidity: snapshotValidity)
        var restored = try await Self.restoreCheckpoint(checkpoint, store: store, signer: signer, logger: logger)
        var state = RegistryState()
        if let restoredState = restored?.state {
            // Moved out, so the tail's replay mutates a uniquely referenced state instead of copying every collection.
            restored?.state = RegistryState()
            state = restoredState
        }
        // Only the events after the checkpoint (all of them without one) are replayed, each verified completely and
        // chained to the checkpoint's head. Page by page: the log is never held whole in memory.
        let startSeq = state.seq
        while true {
            let page = try await store.registryEvents(after: state.seq, limit: 10_000)
            if page.isEmpty { break }
            for record in page { try state.replay(try RegistryEvent(jsonData: record.event)) }
        }
        self.state = state
        self.store = store
        self.signer = signer
        self.loteChain = loteChain
        self.loteConfiguration = LoTEConfiguration(baseURL: baseURL)
        self.federation = FederationConfiguration(baseURL: baseURL, validity: snapshotValidity)
        self.snapshotValidity = snapshotValidity
        self.logger = logger
        self.checkpoint = checkpoint
        self.loteDirectory = loteDirectory
        self.artefactContext = context
        self.checkpointSeq = restored?.header.seq ?? 0
        self.replayedAtStart = state.seq - startSeq
        self.startedFromCheckpoint = restored.map { $0.header.seq }
        var carried = restored?.artefacts
        if let artefacts = carried,
            !Self.mayServe(
                artefacts, seq: state.seq, context: context, hasLoTECertificate: !loteChain.isEmpty, validity: snapshotValidity, now: Date())
        {
            carried = nil
        }
        // The LoTE the checkpoint names, when its file is still there with those bytes.
        var carriedLoTE: PublishedFile?
        if let artefacts = carried, let file = artefacts.lote {
            carriedLoTE = loteDirectory.flatMap {
                PublishedFile.open(
                    path: Self.loteFilePath(in: $0, sequenceNumber: artefacts.loteSequenceNumber), byteCount: file.byteCount, sha256: file.sha256)
            }
            if carriedLoTE == nil {
                logger.notice(
                    "the LoTE file the registry checkpoint names is missing or differs; signing the artefacts again",
                    metadata: ["loteSequenceNumber": "\(artefacts.loteSequenceNumber)"])
                carried = nil
            }
        }
        self.loteCounter = carried.map { LoTEPublicationCounter(lastSequenceNumber: $0.loteSequenceNumber, lastStateSeq: $0.loteStateSeq) }
            ?? LoTEPublicationCounter()
        // The checkpoint carries the compact JWS; its gzip representation is made again here.
        let carriedSnapshot = try carried.flatMap { artefacts in try artefacts.snapshot.map { try SignedSnapshot(compact: $0, seq: artefacts.signedSeq) } }
        let placeholder = RegistryArtefacts(
            state: state, signedSeq: carried?.signedSeq ?? 0, snapshot: carriedSnapshot, lote: carriedLoTE,
            loteSequenceNumber: carried?.loteSequenceNumber ?? 0, loteNextUpdate: carried?.loteNextUpdate,
            entityConfiguration: carried?.entityConfiguration, builtAt: carried?.builtAt ?? Date(), changeFeeds: SignedFeedCache(),
            federationStatements: SignedStatementCache())
        self.current = Mutex(placeholder)
        self.checkpointedArtefacts = carried
        if carried == nil {
            // The head is signed before anything is served, so a started registry never answers without a snapshot.
            do {
                try await signOnce(forceLoTE: true)
            } catch {
                await worker.shutdown()
                throw error
            }
        }
        logger.info(
            "registry ready",
            metadata: [
                "seq": "\(state.seq)", "checkpointSeq": "\(startedFromCheckpoint.map(String.init) ?? "-")", "replayed": "\(replayedAtStart)",
                "resigned": "\(carried == nil)",
            ])
        // A start that replayed much of the log records a checkpoint at once, so the next start (even after a crash)
        // does not replay it again.
        if checkpoint != nil, state.seq - checkpointSeq >= Self.checkpointEvents / 10 || (startedFromCheckpoint == nil && state.seq > 0) {
            requestCheckpoint()
        }
        // Carried artefacts behind the head (a start after a crash) are served, as during any signing lag, while the
        // head is signed in the background.
        if let carried, carried.signedSeq < state.seq {
            unsignedSince = .now
            requestSigning()
        }
        removeStaleLoTEFiles()
        // The replay's parsed events and the first signing's bodies are garbage now.
        FreedMemory.release()
    }

    /// The file of the signed LoTE with `sequenceNumber` in `directory`.
    static func loteFilePath(in directory: String, sequenceNumber: Int) -> String {
        directory + "/lote-\(sequenceNumber).jws"
    }

    /// Removes LoTE files neither served nor named by the newest checkpoint (and temporary files a crash left).
    private func removeStaleLoTEFiles() {
        guard let loteDirectory else { return }
        var keep: Set<String> = ["lote-\(artefacts.loteSequenceNumber).jws"]
        if let checkpointed = checkpointedArtefacts, checkpointed.lote != nil { keep.insert("lote-\(checkpointed.loteSequenceNumber).jws") }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: loteDirectory) else { return }
        for name in names where !keep.contains(name) && (name.hasPrefix("lote-") || name.hasPrefix(".lote-")) {
            unlink(loteDirectory + "/" + name)
        }
    }

    /// Reads and verifies the checkpoint, and checks the store holds the event it ends at; nil (logged loudly) when
    /// there is none or it cannot be trusted, so the caller replays the whole log.
    private static func restoreCheckpoint(
        _ checkpoint: RegistryCheckpoint?, store: any RegistryStore, signer: ServiceKeys.Key, logger: Logger
    ) async throws -> (state: RegistryState, artefacts: CarriedArtefacts, header: RegistryCheckpoint.Header)? {
        guard let checkpoint else { return nil }
        do {
            guard let restored = try checkpoint.read(verifyingWith: signer.signingKey.verificationKey, keyID: signer.kid) else {
                logger.notice("no registry checkpoint; replaying and verifying the whole log", metadata: ["path": "\(checkpoint.path)"])
                return nil
            }
            let seq = restored.header.seq
            if seq > 0 {
                let recorded = try await store.registryEvents(after: seq - 1, limit: 1).first
                guard let recorded, recorded.seq == seq, recorded.hash == restored.header.headHash else {
                    throw CheckpointFileError(
                        "the log's event \(seq) is \(recorded.map { "hash \($0.hash)" } ?? "missing"), not the checkpoint's head "
                            + restored.header.headHash)
                }
            }
            return restored
        } catch {
            logger.error(
                "registry checkpoint refused; replaying and verifying the whole log",
                metadata: ["path": "\(checkpoint.path)", "reason": "\(error)"])
            return nil
        }
    }

    /// Whether artefacts carried by a checkpoint may be served from the start: signed at or before the head (the
    /// events after them are signed in the background, as after any write), under the same settings, and not yet due
    /// for re-signing by age.
    static func mayServe(
        _ artefacts: CarriedArtefacts, seq: Int, context: String, hasLoTECertificate: Bool, validity: TimeInterval, now: Date
    ) -> Bool {
        guard artefacts.signedSeq <= seq, artefacts.context == context, artefacts.snapshot != nil, artefacts.entityConfiguration != nil,
            now.timeIntervalSince(artefacts.builtAt) < validity / 2
        else { return false }
        guard hasLoTECertificate else { return artefacts.lote == nil }
        let counter = LoTEPublicationCounter(lastSequenceNumber: artefacts.loteSequenceNumber, lastStateSeq: artefacts.loteStateSeq)
        return artefacts.lote != nil
            && !counter.isReleaseDue(stateSeq: artefacts.loteStateSeq, lastNextUpdate: artefacts.loteNextUpdate, now: now)
    }

    /// What signed artefacts depend on besides the state.
    static func artefactContext(signer: ServiceKeys.Key, loteChain: [X509Certificate], baseURL: String, snapshotValidity: TimeInterval) -> String {
        let chain = loteChain.map { SHA256.hash(data: $0.derEncoded).map { String(format: "%02x", $0) }.joined() }
        return ([baseURL, String(snapshotValidity), signer.kid] + chain).joined(separator: "\n")
    }

    /// The artefacts readers are served.
    public nonisolated var artefacts: RegistryArtefacts { current.withLock { $0 } }

    /// How many signings of the snapshot (and the LoTE when due) this instance completed, the one at start included.
    /// The process-wide count is the `standing_registry_signings_total` metric.
    public nonisolated var signingsCompleted: Int { signingsCompletedCount.load(ordering: .relaxed) }

    /// The log as recorded, after `after` (at most `limit` events): each event's JSON with its hash chain, so anyone
    /// can re-verify it.
    public nonisolated func recordedEvents(after: Int, limit: Int) async throws -> [JSONValue] {
        try await store.registryEvents(after: after, limit: limit).map { try JSONValue(parsing: $0.event) }
    }

    /// The change feed since `since`, signed with the service key and cached per `since` until the next write.
    ///
    /// Issued now, not at the last signing: a wallet re-derives statuses at the feed's issue time, which must not
    /// precede the events it carries. The window always reaches back to the signed snapshot, whatever its lag.
    /// - Throws: ``ServiceError`` `notFound` before the registry has a root authority, `badRequest` for a `since`
    ///   ahead of the registry.
    public nonisolated func changeFeed(since: Int) throws -> (compact: String, seq: Int) {
        let artefacts = artefacts
        let state = artefacts.state
        guard state.rootAuthority != nil else {
            throw ServiceError(.notFound, "the registry has no root authority yet, so there is no change feed")
        }
        guard since <= state.seq else { throw ServiceError(.badRequest, "since \(since) is ahead of the registry (seq \(state.seq))") }
        if let cached = artefacts.changeFeeds.get(since) { return (cached, state.seq) }
        let issuedAt = max(Date(), state.lastEventAt ?? .distantPast)
        let retention = ChangeFeedRetention.lastEvents(max(100_000, state.seq - artefacts.signedSeq))
        let feed = try state.changeFeed(since: since, issuedAt: issuedAt, retention: retention)
        let compact = try WalletSigning.sign(feed.body, key: signer.signingKey, keyID: signer.kid)
        artefacts.changeFeeds.put(compact, since: since)
        return (compact, state.seq)
    }

    // MARK: - OpenID Federation

    /// The registry's federation keys: the key it signs with (the Entity Configuration's `jwks`).
    public nonisolated var federationKeys: JWKSet {
        JWKSet(keys: [signer.signingKey.verificationKey.jwk(keyID: signer.kid)])
    }

    /// The Subordinate Statement about `subject`, signed once per registry state (and again after half its validity).
    /// - Parameter subject: A body's or issuer's DID.
    /// - Returns: The compact JWS and the state's `seq`.
    /// - Throws: ``RegistryError`` `unknownEntity` for a DID that is not a subordinate, `unknownAuthority` before
    ///   initialisation.
    public nonisolated func subordinateStatement(about subject: String, now: Date = Date()) throws -> (compact: String, seq: Int) {
        let artefacts = artefacts
        let key = "fetch\u{0}" + subject
        if let cached = artefacts.federationStatements.get(key, at: now) { return (cached, artefacts.state.seq) }
        let claims = try artefacts.state.federationSubordinateStatement(subject: subject, configuration: federation, issuedAt: now)
        let compact = try FederationSigning.sign(claims.body, type: FederationMediaType.entityStatement, key: signer.signingKey, keyID: signer.kid)
        artefacts.federationStatements.put(compact, key: key, renewAfter: now.addingTimeInterval(federation.validity / 2))
        return (compact, claims.seq)
    }

    /// The Trust Mark of `type` for `subject`, while it is active; signed once per registry state (and again after
    /// half its validity, or when its accreditation changes).
    /// - Parameters:
    ///   - type: The Trust Mark type.
    ///   - subject: The entity's DID.
    /// - Returns: The compact JWS and the state's `seq`.
    /// - Throws: ``RegistryError`` `unknownEntity` when the entity holds no active Trust Mark of the type.
    public nonisolated func trustMark(type: String, subject: String, now: Date = Date()) throws -> (compact: String, seq: Int) {
        let artefacts = artefacts
        let state = artefacts.state
        // Judged at every read: an accreditation can lapse (validUntil) without a new event.
        guard let mark = state.activeTrustMarks(of: subject, configuration: federation, at: now).first(where: { $0.type == type }) else {
            throw RegistryError(.unknownEntity, "\(subject.prefix(200)) holds no active Trust Mark of type \(type.prefix(300))")
        }
        let key = "tm\u{0}" + type + "\u{0}" + subject + "\u{0}" + mark.accreditation.accreditationId
        if let cached = artefacts.federationStatements.get(key, at: now) { return (cached, state.seq) }
        let claims = try state.federationTrustMark(type: type, subject: subject, configuration: federation, issuedAt: now)
        let compact = try FederationSigning.sign(claims.body, type: FederationMediaType.trustMark, key: signer.signingKey, keyID: signer.kid)
        let expiry = claims.body["exp"]?.numberValue.map { Date(timeIntervalSince1970: $0) } ?? now
        artefacts.federationStatements.put(
            compact, key: key, renewAfter: min(now.addingTimeInterval(federation.validity / 2), expiry))
        return (compact, claims.seq)
    }

    /// The Trust Mark Status response for a presented Trust Mark (OpenID Federation 1.0 §8.4): signed per request,
    /// since it carries the Trust Mark it answers about.
    /// - Parameter trustMark: The presented Trust Mark (compact JWS).
    /// - Returns: The signed response, the status, and the state's `seq`.
    /// - Throws: ``RegistryError`` `unknownAccreditation` for a well-signed Trust Mark this registry did not issue.
    public nonisolated func trustMarkStatus(of trustMark: String, now: Date = Date()) throws -> (compact: String, status: TrustMarkStatus, seq: Int) {
        let state = artefacts.state
        let status = try Self.status(of: trustMark, state: state, keys: federationKeys, configuration: federation, at: now)
        let response: JSONValue = .object([
            "iss": .string(federation.entityID),
            "iat": .number(RegistryTime.truncated(now).timeIntervalSince1970),
            "trust_mark": .string(trustMark),
            "status": .string(status.rawValue),
        ])
        let compact = try FederationSigning.sign(
            response, type: FederationMediaType.trustMarkStatusResponse, key: signer.signingKey, keyID: signer.kid)
        return (compact, status, state.seq)
    }

    /// The status of a presented Trust Mark: `invalid` when it does not verify with the registry's key.
    private static func status(
        of trustMark: String, state: RegistryState, keys: JWKSet, configuration: FederationConfiguration, at time: Date
    ) throws(RegistryError) -> TrustMarkStatus {
        let claims: JSONValue
        do {
            claims = try FederationSigning.verify(trustMark, type: FederationMediaType.trustMark, keys: keys)
        } catch {
            return .invalid
        }
        return try state.trustMarkStatus(claims: claims, configuration: configuration, at: time)
    }

    /// Verifies and records a signed statement, and answers as soon as it is durable and visible to every view built
    /// from the state; the signed snapshot and LoTE follow in the background.
    /// - Parameters:
    ///   - statement: The compact JWS the body's CLI signed.
    ///   - caller: The authenticated caller: the operator, or the accreditation body that signed the statement.
    ///   - now: The recording time.
    /// - Returns: The recorded event.
    /// - Throws: ``ServiceError`` `forbidden` for a body submitting another signer's statement; ``RegistryError``
    ///   naming the rule that refused it. Nothing is recorded on any error.
    public func submit(_ statement: String, caller: Principal, now: Date = Date()) async throws -> RegistryEvent {
        let parsed = try SignedStatement(parsing: statement)
        if caller.role == .accreditationBody && caller.id != parsed.issuer {
            throw ServiceError(.forbidden, "this token acts for '\(caller.id)'; the statement is signed by '\(parsed.issuer)'")
        }
        guard caller.role == .operator_ || caller.role == .accreditationBody else {
            throw ServiceError(.forbidden, "registry statements are submitted by the operator or an accreditation body")
        }
        // The append is awaited, and the actor is reentrant there: without the lock a second write could prepare
        // against the same head and fail on the store's sequence check.
        await acquireWriteLock()
        defer { releaseWriteLock() }
        var attempt = 1
        var write = try state.prepare(statement: statement, at: now)
        while true {
            do {
                try await store.appendRegistryEvent(
                    RegistryEventRecord(seq: write.event.seq, hash: write.event.hash, at: write.event.at, event: try write.event.jsonData()))
                break
            } catch let error as StoreError where error.code == .conflict && attempt < Self.appendAttempts {
                // Another instance on the same database appended first: take its events, then judge the statement
                // again against the new head (it may no longer be allowed). The last attempt's conflict answers 409.
                attempt += 1
                try await followStore()
                write = try state.prepare(statement: statement, at: now)
            }
        }
        let event = write.event
        try state.commit(write)
        publish(write)
        logger.info("registry event recorded", metadata: ["seq": "\(event.seq)", "kind": "\(event.kind)", "target": "\(event.target)"])
        if unsignedSince == nil { unsignedSince = ContinuousClock.now }
        requestSigning()
        lastWriteAt = .now
        if state.seq - checkpointSeq >= Self.checkpointEvents { requestCheckpoint() }
        return event
    }

    // MARK: - Writes

    /// How often a statement is tried against a head another instance moved.
    static let appendAttempts = 3

    /// Applies the events other instances appended after this instance's head, and has them signed.
    /// Called with the write lock held.
    private func followStore() async throws {
        var next = state
        while true {
            let page = try await store.registryEvents(after: next.seq, limit: 1000)
            if page.isEmpty { break }
            for record in page { try next.replay(try RegistryEvent(jsonData: record.event)) }
        }
        guard next.seq != state.seq else { return }
        state = next
        current.withLock { $0 = $0.replacingState(next) }
        if unsignedSince == nil { unsignedSince = ContinuousClock.now }
        requestSigning()
    }

    /// ``followStore()`` under the write lock, for the periodic catch-up; a failure is logged and retried next time.
    private func followStoreLogging() async {
        await acquireWriteLock()
        defer { releaseWriteLock() }
        do {
            try await followStore()
        } catch {
            logger.warning("reading the registry events of the other instances failed; retrying", metadata: ["error": "\(error)"])
        }
    }

    private func acquireWriteLock() async {
        guard writing else {
            writing = true
            return
        }
        await withCheckedContinuation { waitingWriters.append($0) }
    }

    /// Hands the lock to the next waiting writer, in arrival order.
    private func releaseWriteLock() {
        if waitingWriters.isEmpty {
            writing = false
        } else {
            waitingWriters.removeFirst().resume()
        }
    }

    /// Publishes the writer's state (just committed) to readers, and brings the copy readers had onto the same event
    /// so it can serve as the writer's copy from now on.
    private func publish(_ write: PreparedWrite) {
        var spare = current.withLock { artefacts in
            let previous = artefacts.state
            artefacts = artefacts.replacingState(state)
            return previous
        }
        do {
            try spare.commit(write)
            state = spare
        } catch {
            // Cannot happen (both copies were at the same head); sharing the published copy is correct, only slower.
            logger.error("registry spare state diverged; sharing the published state", metadata: ["error": "\(error)"])
            state = current.withLock { $0.state }
        }
    }

    // MARK: - Signing

    /// Marks the signed artefacts stale and makes sure the signer runs.
    private func requestSigning() {
        signingWanted = true
        guard signing == nil, !stopping else { return }
        signing = Task { await self.signWhileWanted() }
    }

    /// The background signer: signs the newest state until no write is left unsigned. Writes landing during a signing
    /// only set ``signingWanted``, so they are covered together by the next round.
    private func signWhileWanted() async {
        var failures = 0
        while signingWanted, !stopping {
            if let signingGate { await signingGate() }
            if stopping { break }
            do {
                try await signOnce(forceLoTE: false)
                failures = 0
            } catch {
                failures += 1
                signingWanted = true
                let delay = min(60, 1 << min(failures, 6))
                logger.error(
                    "registry signing failed; retrying", metadata: ["error": "\(error)", "retryInSeconds": "\(delay)"])
                // In short steps, so a shutdown does not wait out the back-off.
                let resume = ContinuousClock.now + .seconds(delay)
                while !stopping, ContinuousClock.now < resume { try? await Task.sleep(for: .milliseconds(100)) }
            }
        }
        signing = nil
    }

    /// Signs the published state: the snapshot always, the LoTE when due; then serves both together.
    private func signOnce(forceLoTE: Bool) async throws {
        signingWanted = false
        let lagStart = unsignedSince
        unsignedSince = nil
        do {
            try await signPublishedState(forceLoTE: forceLoTE, lagStart: lagStart)
        } catch {
            if unsignedSince == nil { unsignedSince = lagStart }
            throw error
        }
    }

    private func signPublishedState(forceLoTE: Bool, lagStart: ContinuousClock.Instant?) async throws {
        let now = Date()
        let (seq, initialised, lastNextUpdate) = current.withLock { ($0.state.seq, $0.state.rootAuthority != nil, $0.loteNextUpdate) }
        guard initialised else {
            // Nothing to sign before initialisation.
            current.withLock {
                $0 = $0.signed(seq: seq, snapshot: nil, lote: nil, loteSequenceNumber: 0, loteNextUpdate: nil, entityConfiguration: nil, at: now)
            }
            return
        }
        var loteSequence: Int?
        // No chain, no LoTE: a token-held key has none until the operator provides one (see Installation.swift).
        if !loteChain.isEmpty, forceLoTE || loteCounter.isReleaseDue(stateSeq: seq, lastNextUpdate: lastNextUpdate, now: now) {
            // The persisted counter never goes backwards, also across restarts.
            loteSequence = try await store.incrementCounter("lote-sequence")
        }
        // Built, then signed, on the worker thread: seconds of CPU at scale, kept off the cooperative pool that
        // serves requests, at a lower priority than the event loops.
        let (signedSeq, signed) = try await worker.run { [self, loteSequence] in
            let result = try self.buildAndSign(loteSequence: loteSequence, at: now)
            // The bodies are gone by now (at scale the LoTE document alone is hundreds of megabytes of small
            // allocations); glibc would keep their pages.
            FreedMemory.release()
            return result
        }
        if let loteSequence { loteCounter = LoTEPublicationCounter(lastSequenceNumber: loteSequence, lastStateSeq: signedSeq) }
        let loteNextUpdate = loteSequence.map { _ in now.addingTimeInterval(loteConfiguration.validity) }
        current.withLock { artefacts in
            artefacts = artefacts.signed(
                seq: signedSeq, snapshot: signed.snapshot, lote: signed.lote ?? artefacts.lote,
                loteSequenceNumber: loteSequence ?? artefacts.loteSequenceNumber, loteNextUpdate: loteNextUpdate ?? artefacts.loteNextUpdate,
                entityConfiguration: signed.entityConfiguration, at: now)
        }
        if signed.lote != nil { removeStaleLoTEFiles() }
        signingsCompletedCount.add(1, ordering: .relaxed)
        signings.increment()
        if let lagStart { signingLag.recordNanoseconds((ContinuousClock.now - lagStart).nanoseconds) }
        logger.debug("registry artefacts signed", metadata: ["seq": "\(signedSeq)", "loteSequence": "\(loteSequence.map(String.init) ?? "-")"])
    }

    /// Builds and signs the bodies of the published state; the bodies are released on return.
    private nonisolated func buildAndSign(loteSequence: Int?, at now: Date) throws -> (seq: Int, signed: SignedBodies) {
        let bodies = try buildBodies(loteSequence: loteSequence, at: now)
        return (bodies.seq, try sign(bodies, at: now))
    }

    private struct UnsignedBodies: Sendable {
        let seq: Int
        let snapshot: WalletSnapshot
        let lote: (sequenceNumber: Int, document: LoTEDocument)?
        let entityConfiguration: JSONValue
    }

    private struct SignedBodies: Sendable {
        let snapshot: SignedSnapshot
        let lote: PublishedFile?
        let entityConfiguration: String
    }

    /// Builds the snapshot and (when a sequence number was reserved) the LoTE of the published state. The state is
    /// read here and released on return, before the long signing: holding it longer would make the writer's next
    /// commit copy its collections (see the double buffering above).
    private nonisolated func buildBodies(loteSequence: Int?, at now: Date) throws -> UnsignedBodies {
        let state = current.withLock { $0.state }
        let snapshot = try state.walletSnapshot(issuedAt: now, validity: snapshotValidity).body
        let lote = try loteSequence.map {
            (sequenceNumber: $0, document: try state.lote(configuration: loteConfiguration, sequenceNumber: $0, issuedAt: now).body)
        }
        let entityConfiguration = try state.federationEntityConfiguration(configuration: federation, keys: federationKeys.keys, issuedAt: now).body
        return UnsignedBodies(seq: state.seq, snapshot: snapshot, lote: lote, entityConfiguration: entityConfiguration)
    }

    /// Serialises, compresses and signs the bodies, and gzips the signed snapshot for the reads that accept it: the
    /// long part at scale.
    private nonisolated func sign(_ bodies: UnsignedBodies, at now: Date) throws -> SignedBodies {
        let snapshot = try SignedSnapshot(
            compact: try WalletSigning.sign(bodies.snapshot, key: signer.signingKey, keyID: signer.kid), seq: bodies.seq)
        let lote = try bodies.lote.map { lote in
            let compact = try LoTESigning.sign(lote.document, key: signer.signingKey, certificateChain: loteChain, signingTime: now)
            return try PublishedFile.publish(compact, at: loteDirectory.map { Self.loteFilePath(in: $0, sequenceNumber: lote.sequenceNumber) })
        }
        let entityConfiguration = try FederationSigning.sign(
            bodies.entityConfiguration, type: FederationMediaType.entityStatement, key: signer.signingKey, keyID: signer.kid)
        return SignedBodies(snapshot: snapshot, lote: lote, entityConfiguration: entityConfiguration)
    }

    /// Installs (or removes) a gate every background signing awaits before it takes the state; tests hold signings
    /// with it to observe coalescing and lagging artefacts deterministically.
    func setSigningGate(_ gate: (@Sendable () async -> Void)?) {
        signingGate = gate
    }

    /// Whether a LoTE can be signed: the service's ES256 key has a certificate chain.
    nonisolated var hasLoTECertificate: Bool { !loteChain.isEmpty }

    /// Whether the background signer is running (or waiting to run).
    var isSigning: Bool { signing != nil }

    /// Whether shutdown has begun (no signing starts any more).
    var isStopping: Bool { stopping }

    // MARK: - Checkpoints

    /// Writes a checkpoint now and waits for it (tests simulate a crash after it).
    func writeCheckpointNow() async {
        await checkpointing?.value
        await writeCheckpoint()
    }

    /// Writes a checkpoint in the background unless one is being written.
    private func requestCheckpoint() {
        guard checkpoint != nil, checkpointing == nil, !stopping else { return }
        checkpointing = Task {
            await self.writeCheckpoint()
            self.checkpointDone()
        }
    }

    private func checkpointDone() { checkpointing = nil }

    /// A checkpoint once the registry has been idle for ``checkpointIdle`` with events or signed artefacts the last
    /// one lacks.
    private func checkpointIfIdle() {
        guard ContinuousClock.now - lastWriteAt >= Self.checkpointIdle else { return }
        let signedSeq = artefacts.signedSeq
        if state.seq > checkpointSeq || (signedSeq == state.seq && checkpointedArtefacts?.signedSeq != signedSeq) { requestCheckpoint() }
    }

    /// Writes the published state and its signed artefacts to the checkpoint file on the worker thread; a failure is
    /// logged (the log stays the record; the next start just replays more).
    ///
    /// The published state is held while it is encoded (about a second at 50,000 accreditations): a write landing
    /// meanwhile copies the spare state's collections once, as during a signing.
    private func writeCheckpoint() async {
        guard let checkpoint else { return }
        let published = artefacts
        let carried = CarriedArtefacts(
            signedSeq: published.signedSeq, snapshot: published.snapshot?.compact,
            lote: published.lote.map { CarriedFile(byteCount: $0.byteCount, sha256: $0.sha256) },
            loteSequenceNumber: published.loteSequenceNumber, loteNextUpdate: published.loteNextUpdate,
            loteStateSeq: loteCounter.lastStateSeq, entityConfiguration: published.entityConfiguration, builtAt: published.builtAt,
            context: artefactContext)
        guard published.state.seq > checkpointSeq || carried != checkpointedArtefacts else { return }
        let started = ContinuousClock.now
        do {
            let bytes = try await worker.run { [signer] in
                defer { FreedMemory.release() }
                return try checkpoint.write(state: published.state, artefacts: carried, key: signer.signingKey, keyID: signer.kid)
            }
            checkpointSeq = published.state.seq
            checkpointedArtefacts = carried
            removeStaleLoTEFiles()
            logger.info(
                "registry checkpoint written",
                metadata: [
                    "seq": "\(published.state.seq)", "signedSeq": "\(carried.signedSeq)", "bytes": "\(bytes)",
                    "milliseconds": "\((ContinuousClock.now - started).nanoseconds / 1_000_000)",
                ])
        } catch {
            logger.error("writing the registry checkpoint failed", metadata: ["path": "\(checkpoint.path)", "error": "\(error)"])
        }
    }

    // MARK: - Service

    /// Re-signs the LoTE and the snapshot before they expire, until shutdown; then lets a signing already under way
    /// finish (at most 10 s) and starts no other.
    public func run() async throws {
        let shared = store is any PublicationLeaseStore
        try? await cancelWhenGracefulShutdown {
            var lastRefresh = ContinuousClock.now
            while !Task.isCancelled {
                // With several instances on one database, the events the others append are taken every half second.
                try await Task.sleep(for: shared ? .milliseconds(500) : .seconds(60))
                if shared { await self.followStoreLogging() }
                if ContinuousClock.now - lastRefresh >= .seconds(60) {
                    lastRefresh = .now
                    await self.refreshIfDue()
                    await self.checkpointIfIdle()
                }
            }
        }
        await drain(timeout: .seconds(10))
    }

    /// Stops the background signer: no signing starts from now on, and one under way may finish within `timeout`.
    /// Signed artefacts are not persisted, so whatever is left unsigned is signed from the log on the next start.
    func drain(timeout: Duration) async {
        stopping = true
        let deadline = ContinuousClock.now + timeout
        while signing != nil, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        if signing != nil || artefacts.signedSeq < state.seq {
            logger.notice(
                "registry stopping with unsigned events; the next start signs them from the log",
                metadata: ["signedSeq": "\(artefacts.signedSeq)", "seq": "\(state.seq)"])
        }
        if signing == nil {
            await checkpointing?.value
            await writeCheckpoint()
            await worker.shutdown()
        } else {
            // The worker's shutdown waits for the signing on it; do not hold the process for it.
            Task { [worker] in await worker.shutdown() }
        }
    }

    private func refreshIfDue() {
        let now = Date()
        let artefacts = current.withLock { $0 }
        let snapshotAge = now.timeIntervalSince(artefacts.builtAt)
        if snapshotAge > snapshotValidity / 2
            || loteCounter.isReleaseDue(stateSeq: artefacts.state.seq, lastNextUpdate: artefacts.loteNextUpdate, now: now)
        {
            requestSigning()
        }
    }
}

extension RegistryArtefacts {
    /// The newly signed artefacts over the state readers are served now (which may be ahead of `seq`).
    fileprivate func signed(
        seq: Int, snapshot: SignedSnapshot?, lote: PublishedFile?, loteSequenceNumber: Int, loteNextUpdate: Date?, entityConfiguration: String?, at time: Date
    ) -> RegistryArtefacts {
        RegistryArtefacts(
            state: state, signedSeq: seq, snapshot: snapshot, lote: lote, loteSequenceNumber: loteSequenceNumber,
            loteNextUpdate: loteNextUpdate, entityConfiguration: entityConfiguration, builtAt: time, changeFeeds: changeFeeds,
            federationStatements: federationStatements)
    }
}

