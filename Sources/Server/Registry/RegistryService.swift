import Foundation
import Logging
import ServiceLifecycle
import Signing
import Store
import Synchronization
import TrustRegistry

/// The signed, pre-built registry artefacts readers are served, all reflecting one state `seq`.
public struct RegistryArtefacts: Sendable {
    /// The state the views answer from.
    public let state: RegistryState
    /// The state `seq` the signed snapshot and LoTE reflect.
    public let signedSeq: Int
    /// The wallet snapshot as a compact JWS (service key, in `/.well-known/jwks.json`); nil before the registry is
    /// initialised.
    public let snapshot: String?
    /// The LoTE as compact JAdES (ES256 with `x5c`), nil before the registry is initialised.
    public let lote: String?
    public let loteSequenceNumber: Int
    public let loteNextUpdate: Date?
    public let builtAt: Date
    /// Signed change feeds already served for this state, by `since`: each is signed once per state, not per read.
    let changeFeeds = SignedFeedCache()
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

/// The trust registry: verifies signed statements from the root authority and accreditation bodies, appends them to
/// the hash-chained event log in the store, and keeps the projections current.
///
/// Writes are serialised by the actor (prepare, persist, commit); readers get the last built ``RegistryArtefacts``
/// without waiting. On start the state is rebuilt by replaying the log, which re-verifies every signature, rule and
/// hash; a broken log stops the start.
public actor RegistryService: Service {
    private var state: RegistryState
    private let current: Mutex<RegistryArtefacts>
    private let store: any RegistryStore
    private let signer: ServiceKeys.Key
    private let loteChain: [X509Certificate]
    private let loteConfiguration: LoTEConfiguration
    private let snapshotValidity: TimeInterval
    private let logger: Logger
    private var loteCounter: LoTEPublicationCounter

    /// Rebuilds the registry from the store's log.
    /// - Parameters:
    ///   - store: The event log.
    ///   - keys: The service keys; the ES256 key signs snapshots, change feeds and the LoTE.
    ///   - loteChain: The LoTE signer's certificate chain, leaf first; its leaf must carry the ES256 key.
    ///   - baseURL: The public base URL (LoTE type and status URIs live under it).
    ///   - logger: The logger.
    /// - Throws: ``RegistryError`` `logBroken` when the log does not verify; store errors.
    public init(
        store: any RegistryStore, keys: ServiceKeys, loteChain: [X509Certificate], baseURL: String, snapshotValidity: TimeInterval = 86_400,
        logger: Logger
    ) async throws {
        guard let signer = keys.active(.es256) else { throw ServiceError(.unavailable, "the registry needs an ES256 service key") }
        var events: [RegistryEvent] = []
        var after = 0
        while true {
            let page = try await store.registryEvents(after: after, limit: 10_000)
            if page.isEmpty { break }
            for record in page { events.append(try RegistryEvent(jsonData: record.event)) }
            after = page.last?.seq ?? after
        }
        let state = try RegistryState.replay(events)
        self.state = state
        self.store = store
        self.signer = signer
        self.loteChain = loteChain
        self.loteConfiguration = LoTEConfiguration(baseURL: baseURL)
        self.snapshotValidity = snapshotValidity
        self.logger = logger
        self.loteCounter = LoTEPublicationCounter()
        let placeholder = RegistryArtefacts(
            state: state, signedSeq: 0, snapshot: nil, lote: nil, loteSequenceNumber: 0, loteNextUpdate: nil, builtAt: Date())
        self.current = Mutex(placeholder)
        try await rebuild(forceLoTE: true)
    }

    /// The artefacts readers are served.
    public nonisolated var artefacts: RegistryArtefacts { current.withLock { $0 } }

    /// Verifies and records a signed statement.
    /// - Parameters:
    ///   - statement: The compact JWS the body's CLI signed.
    ///   - caller: The authenticated caller: the operator, or the accreditation body that signed the statement.
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
        let write = try state.prepare(statement: statement, at: now)
        let event = write.event
        try await store.appendRegistryEvent(
            RegistryEventRecord(seq: event.seq, hash: event.hash, at: event.at, event: try event.jsonData()))
        try state.commit(write)
        logger.info("registry event recorded", metadata: ["seq": "\(event.seq)", "kind": "\(event.kind)", "target": "\(event.target)"])
        // The signed snapshot and LoTE are rebuilt before the write is acknowledged, so every view agrees with the
        // answer. Known limit (Benchmarks/results/registry.md): at 50,000 accreditations signing the whole snapshot
        // takes seconds per write; the way out is an incrementally maintained snapshot or signing off the write path
        // with readers told the signed seq (RegistryArtefacts.signedSeq already carries it).
        try await rebuild(forceLoTE: false)
        return event
    }

    /// Builds and signs the snapshot of `state` off the actor, so writes keep flowing while it signs.
    private nonisolated func signSnapshot(of state: RegistryState, at now: Date) throws -> String? {
        guard state.rootAuthority != nil else { return nil }
        let snapshot = try state.walletSnapshot(issuedAt: now, validity: snapshotValidity)
        return try WalletSigning.sign(snapshot.body, key: signer.signingKey, keyID: signer.kid)
    }

    /// Re-signs the snapshot and, when due, the LoTE.
    private func rebuild(forceLoTE: Bool) async throws {
        let now = Date()
        let state = self.state
        let snapshotJWS = try await Task.detached { [self] in try self.signSnapshot(of: state, at: now) }.value
        let previous = current.withLock { $0 }
        var lote = previous.lote
        var loteSequence = previous.loteSequenceNumber
        var loteNextUpdate = previous.loteNextUpdate
        if state.rootAuthority != nil,
            forceLoTE || loteCounter.isReleaseDue(stateSeq: state.seq, lastNextUpdate: loteNextUpdate, now: now)
        {
            // The persisted counter never goes backwards, also across restarts.
            let sequence = try await store.incrementCounter("lote-sequence")
            let document = try state.lote(configuration: loteConfiguration, sequenceNumber: sequence, issuedAt: now)
            lote = try LoTESigning.sign(document.body, key: signer.signingKey, certificateChain: loteChain, signingTime: now)
            loteCounter = LoTEPublicationCounter(lastSequenceNumber: sequence, lastStateSeq: state.seq)
            loteSequence = sequence
            loteNextUpdate = now.addingTimeInterval(loteConfiguration.validity)
        }
        let artefacts = RegistryArtefacts(
            state: self.state, signedSeq: state.seq, snapshot: snapshotJWS, lote: lote, loteSequenceNumber: loteSequence, loteNextUpdate: loteNextUpdate,
            builtAt: now)
        current.withLock { $0 = artefacts }
    }

    /// Republishes the LoTE and the snapshot before they expire, until shutdown.
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(60))
                await self.refreshIfDue()
            }
        }
    }

    private func refreshIfDue() async {
        let now = Date()
        let artefacts = current.withLock { $0 }
        let snapshotAge = now.timeIntervalSince(artefacts.builtAt)
        guard snapshotAge > snapshotValidity / 2
            || loteCounter.isReleaseDue(stateSeq: state.seq, lastNextUpdate: artefacts.loteNextUpdate, now: now)
        else { return }
        do {
            try await rebuild(forceLoTE: false)
        } catch {
            logger.error("registry republication failed", metadata: ["error": "\(error)"])
        }
    }
}
