import Foundation
import Logging
import Metrics
import ServiceLifecycle
import StandingAPI
import StatusList
import Store

/// Builds the signed representations of one list state. The real one signs with the service keys
/// (``SignedPublicationBuilder``); the protocol keeps the publisher testable without keys.
public protocol PublicationBuilder: Sendable {
    /// Signs every representation the list can be published in.
    /// - Parameters:
    ///   - definition: The list.
    ///   - bitstring: Its entries at this version.
    ///   - compressed: The same entries compressed in the forms the representations embed.
    ///   - listURL: `{base}/status/{id}`: W3C `id`/`statusListCredential`, IETF `sub`/`uri`.
    ///   - issuedAt: `validFrom` / `iat`.
    ///   - validUntil: `validUntil` / `exp`.
    /// - Returns: The bytes per media type.
    func build(
        _ definition: StatusListDefinition,
        bitstring: Bitstring,
        compressed: CompressedForms,
        listURL: String,
        issuedAt: Date,
        validUntil: Date
    ) throws -> [StatusMediaType: Data]
}

/// Where the ``Publisher`` puts each new publication of a list, for readers: the HTTP side's ``PublishedLists``,
/// which prepares its answers, and the files of `--publish-dir` (``PublishDirectory``). A publication is complete
/// (signed, recorded) before it is handed over.
public protocol PublicationSink: Sendable {
    /// Makes `publication` the current one of its list.
    /// - Throws: When the publication could not be put there; the publisher counts that as a failed publication.
    func replace(_ publication: PublishedList) throws
}

/// Keeps every list's entries in memory, and after changes re-encodes, re-signs and swaps in publications.
///
/// Changes are coalesced: the first change after a publication starts a window; everything that arrives within
/// it goes out in one publication per list. Building runs off the actor, so committing changes never waits for
/// signing. Each publication is recorded in the store (history) before it is served.
///
/// A failed publication is never dropped: its list stays dirty and every failed round is retried after a delay that
/// doubles per consecutive failure (``Configuration/initialRetryDelay`` up to ``Configuration/maximumRetryDelay``).
/// While any list's last attempt failed, ``health`` reports the failure: `/ready` answers 503 naming the cause, the
/// status service refuses further changes (503), and the failure metrics move (see ``PublicationHealth``).
///
/// History keeps the artefacts of the recent publications (``HistoricalPublication``), not their entries.
///
/// Compression is incremental: each list keeps its compressed forms in segments (``SegmentedCompressedList``)
/// and a publication recompresses only the segments its changes touched, so republishing a 10M-entry list after
/// one revocation costs one segment's compression, not the whole list's.
public actor Publisher: Service {
    private struct ListState {
        var definition: StatusListDefinition
        var bitstring: Bitstring
        var version: Int
        var validUntil: Date
        var dirty: Bool
        /// When the oldest unpublished change was applied, for the publication-lag metric.
        var dirtySince: ContinuousClock.Instant?
        /// The compressed forms as of the last publication; nil until the first one (which compresses everything).
        var compression: ListCompression?
        /// Offsets of the uncompressed bytes whose entries changed since `compression` was brought up to date.
        var changedBytes: Set<Int> = []
        /// Whether some publication of the list is served (several instances: one loaded from the database counts).
        var served = false
        /// Several instances: since when this instance has applied committed changes that the lease holder has not
        /// published yet (they count in the unpublished-change lag until a loaded publication carries them).
        var awaitingSince: ContinuousClock.Instant?
    }

    /// Publisher settings.
    public struct Configuration: Sendable {
        /// How long to gather changes before publishing them together.
        public var window: Duration = .milliseconds(200)
        /// How many recent publications per list stay in memory for `?time=` / `?timestamp=` reads.
        public var historyVersions: Int = 16
        /// How often to look for publications that are about to expire.
        public var refreshInterval: Duration = .seconds(30)
        /// Compression levels and segment size.
        public var compression = CompressionSettings()
        /// The delay before retrying after a failed publication round; doubled per consecutive failure.
        public var initialRetryDelay: Duration = .milliseconds(100)
        /// The longest delay between retries.
        public var maximumRetryDelay: Duration = .seconds(30)
        /// With several instances on one database: how often this one reads the changes and publications of the others.
        public var catchUpInterval: Duration = .milliseconds(250)
        /// With several instances on one database: how long a list's publication lease lasts unless renewed (each
        /// catch-up renews it), so an abandoned list is taken over within this time plus one catch-up.
        public var leaseSeconds: Double = 3

        /// Creates the default configuration.
        public init() {}
    }

    private var lists: [String: ListState] = [:]
    private var flushScheduled = false
    private var flushing = false
    /// Lists whose publication is being built or recorded. A list is published by one call at a time: two would
    /// both take the next version number, and the slower could replace the newer publication with an older one.
    private var publishing: Set<String> = []
    private var history: [String: [HistoricalPublication]] = [:]
    /// Lists whose last publication attempt failed; publication is healthy again when this is empty.
    private var failingLists: Set<String> = []
    /// No publication round starts before this while publication is failing (the back-off).
    private var retryNotBefore: ContinuousClock.Instant?
    private let builder: any PublicationBuilder
    private let store: any StatusStore
    private let published: any PublicationSink
    /// Further places every publication must reach (the publish directory); a failure there fails the publication.
    private let copies: [any PublicationSink]
    private let urlForList: @Sendable (String) -> String
    private let configuration: Configuration
    private let logger: Logger
    private let worker = LowPriorityWorker()
    private let publicationLag = Timer(label: "standing_publication_lag")
    private let publications = Counter(label: "standing_publications_total")
    /// Whether publication keeps up with acknowledged changes; read by `/ready`, the status service and `/metrics`.
    public nonisolated let health = PublicationHealth()
    /// The shared database's leases when several instances may publish (PostgreSQL); nil when this process is the only
    /// publisher (SQLite), and then everything below about leases is idle.
    private let leaseStore: (any PublicationLeaseStore)?
    /// This process's name as a lease holder.
    private let instanceId = UUID().uuidString
    /// The lists whose lease this instance held at the last catch-up (or took since): it signs these, and loads the
    /// recorded publications of all others.
    private var heldLeases: Set<String> = []
    /// The newest change (audit id) this instance has applied to its entries.
    private var changesSeen: Int64 = 0

    /// Creates a publisher.
    public init(
        builder: any PublicationBuilder,
        store: any StatusStore,
        published: any PublicationSink,
        copies: [any PublicationSink] = [],
        leases: (any PublicationLeaseStore)? = nil,
        configuration: Configuration = Configuration(),
        logger: Logger,
        urlForList: @escaping @Sendable (String) -> String
    ) {
        self.leaseStore = leases
        self.builder = builder
        self.store = store
        self.published = published
        self.copies = copies
        self.configuration = configuration
        self.logger = logger
        self.urlForList = urlForList
    }

    /// Loads every list from the store, rebuilds its entries and restores or creates its current publication.
    ///
    /// A list whose newest recorded publication is older than its entries (a change was committed, then the
    /// process stopped before publishing) is published again now, so nothing acknowledged stays unpublished.
    public func restore() async throws {
        // Changes committed from here on are read back by the catch-up; those before are in the entries read below.
        if let leaseStore { changesSeen = try await leaseStore.newestChangeId() }
        for definition in try await store.lists(owner: nil) {
            let entries = try await store.nonZeroEntries(listId: definition.id)
            try await register(definition, entries: entries, restoring: true)
        }
        // A restored publication comes without its segments; build them in the background, so the first change after
        // a restart recompresses one segment rather than the whole list. On a thread of their own: a 10M-entry list
        // takes most of a second at level 9, and publications must not queue behind that.
        let restored = lists.filter { $0.value.compression == nil }.keys.sorted()
        guard !restored.isEmpty else { return }
        let primer = LowPriorityWorker()
        Task { [self] in
            for id in restored { await self.primeCompression(listId: id, on: primer) }
            await primer.shutdown()
        }
    }

    /// Compresses a list's segments from its current entries if it has none yet. Changes applied meanwhile stay in
    /// `changedBytes` (they are tracked whether or not a compression exists), so the next publication recompresses
    /// them; a compression set by a publication in the meantime is newer and is kept.
    private func primeCompression(listId: String, on primer: LowPriorityWorker) async {
        guard let state = lists[listId], state.compression == nil else { return }
        let (bitstring, ietf, settings) = (state.bitstring, SignedPublicationBuilder.publishesIETF(state.definition), configuration.compression)
        do {
            let compression = try await primer.run { try ListCompression(bitstring, ietf: ietf, settings: settings) }
            if lists[listId] != nil, lists[listId]?.compression == nil { lists[listId]?.compression = compression }
        } catch {
            logger.warning("could not prepare the compressed segments of a restored list", metadata: ["list": "\(listId)", "error": "\(error)"])
        }
    }

    /// Adds a list and publishes it.
    public func register(_ definition: StatusListDefinition, entries: [EntryChange]) async throws {
        try await register(definition, entries: entries, restoring: false)
    }

    private func register(_ definition: StatusListDefinition, entries: [EntryChange], restoring: Bool) async throws {
        var bitstring = try Bitstring(count: definition.capacity, entrySize: StatusSize(bits: definition.statusSize))
        for entry in entries {
            try bitstring.set(entry.value, at: entry.index)
        }
        var version = 0
        var restoredCurrent: PublishedList?
        if restoring {
            let recorded = try await store.recentPublications(listId: definition.id, limit: configuration.historyVersions)
            // History keeps the recorded artefacts as they are; only the newest is decoded, to compare its entries.
            recorded.forEach { remember(HistoricalPublication(record: $0, definition: definition)) }
            version = recorded.last?.version ?? 0
            restoredCurrent = recorded.last.flatMap { restorePublication($0, definition: definition) }
            // The newest publication is current again if it still carries exactly the committed entries and has
            // time left; otherwise (a change committed just before a crash, or close to expiry) publish anew.
            // The copies (a publish directory that may be new or behind) must hold it too, or it is published anew.
            if let current = restoredCurrent, current.bitstring == bitstring,
                current.validUntil > Date().addingTimeInterval(Double(definition.ttlSeconds)),
                (try? copies.forEach { try $0.replace(current) }) != nil
            {
                lists[definition.id] = ListState(
                    definition: definition, bitstring: bitstring, version: version, validUntil: current.validUntil, dirty: false)
                // Built on the committed entries (equal to the decoded ones), so the list holds one copy until it changes.
                lists[definition.id]?.served = true
                try published.replace(
                    PublishedList(
                        definition: definition, version: current.version, publishedAt: current.publishedAt,
                        validUntil: current.validUntil, bitstring: bitstring, representations: current.representations))
                return
            }
        }
        let now = ContinuousClock.now
        lists[definition.id] = ListState(
            definition: definition, bitstring: bitstring, version: version, validUntil: .distantPast, dirty: true, dirtySince: now)
        // Another instance may hold this list's lease and publish it; until it does, what it recorded last is served.
        if leaseStore != nil, let stale = restoredCurrent, stale.validUntil > Date() {
            try? adopt(stale)
        }
        health.addUnpublished(since: now)
        do {
            try await publishTracked(listIds: [definition.id])
        } catch where restoring {
            // Starting matters more than this list: it stays dirty and is retried with back-off while /ready reports
            // the failure. Meanwhile its newest recorded publication, what was served before the restart, is served.
            if let stale = restoredCurrent, stale.validUntil > Date() { try? published.replace(stale) }
        }
    }

    /// Rebuilds an in-memory publication from its record (its entries read back from the W3C encoded list);
    /// nil when the record cannot be read.
    private func restorePublication(_ record: PublicationRecord, definition: StatusListDefinition) -> PublishedList? {
        guard let bitstring = try? decodePublishedBitstring(record, definition: definition) else { return nil }
        let artefacts = HistoricalPublication(record: record, definition: definition)
        return PublishedList(
            definition: definition, version: record.version, publishedAt: record.publishedAt, validUntil: record.validUntil,
            bitstring: bitstring, representations: artefacts.representations)
    }

    /// The entries a recorded publication carries, read back from its W3C encoded list.
    private func decodePublishedBitstring(_ record: PublicationRecord, definition: StatusListDefinition) throws -> Bitstring {
        guard let credential = record.representations[StatusMediaType.vc.rawValue] else {
            throw ServiceError(.unavailable, "publication \(record.version) of list '\(definition.id)' has no W3C credential")
        }
        let document = try JSONDecoder().decode(PublishedCredentialSubjectProbe.self, from: credential)
        return try Bitstring(
            w3cEncodedList: document.credentialSubject.encodedList,
            statusSize: StatusSize(bits: definition.statusSize))
    }

    /// Applies committed changes to the in-memory entries and schedules a publication.
    public func apply(listId: String, changes: [EntryChange]) {
        guard var state = lists[listId] else { return }
        var changed = false
        for change in changes {
            // The store validated these against the same definition, so a failure here is a bug, not bad input.
            do {
                if try state.bitstring.value(at: change.index) != change.value { changed = true }
                try state.bitstring.set(change.value, at: change.index)
                // Tracked even before the first compression exists: a change that lands while the first one is
                // being built must be recompressed after it.
                state.changedBytes.insert(change.index * state.bitstring.entrySize.bits / 8)
            } catch {
                logger.error("in-memory entry update failed", metadata: ["list": "\(listId)", "error": "\(error)"])
            }
        }
        // Several instances: the lease holder publishes this change (it reads it back from the database), and a change
        // read back that this instance applied already needs no second publication.
        if leaseStore != nil, !heldLeases.contains(listId) || !changed {
            if changed, !heldLeases.contains(listId), state.awaitingSince == nil { state.awaitingSince = .now }
            lists[listId] = state
            return
        }
        lists[listId] = state
        markDirty(listId)
    }

    /// Schedules a publication of `listId` (its entries changed, or what is served is not them).
    private func markDirty(_ listId: String) {
        guard var state = lists[listId] else { return }
        if state.dirtySince == nil {
            let now = ContinuousClock.now
            state.dirtySince = now
            health.addUnpublished(since: now)
        }
        state.dirty = true
        lists[listId] = state
        scheduleFlush()
    }

    /// Starts a publication round after the coalescing window, or after the back-off while publication is failing.
    private func scheduleFlush() {
        guard !flushScheduled, !flushing else { return }
        flushScheduled = true
        var delay = configuration.window
        if let retryNotBefore { delay = max(delay, retryNotBefore - .now) }
        Task {
            if delay > .zero { try? await Task.sleep(for: delay) }
            await self.flush()
        }
    }

    /// Publishes every list with unpublished changes now.
    public func flush() async {
        flushScheduled = false
        guard !flushing else { return }
        flushing = true
        try? await publishTracked(listIds: lists.keys.sorted().filter { lists[$0]?.dirty == true })
        flushing = false
        // A list skipped because its publication was in flight is scheduled again when that one ends.
        if lists.contains(where: { $0.value.dirty && !publishing.contains($0.key) }) { scheduleFlush() }
    }

    /// Publishes `listIds` and brings ``health``, the back-off and the failure log up to date.
    /// - Throws: The first publication error, after every list was attempted.
    private func publishTracked(listIds: [String]) async throws {
        var failed: [(list: String, error: any Error)] = []
        for id in listIds {
            // Another round (a list's first publication, or the flush) may have taken it meanwhile.
            guard lists[id]?.dirty == true else { continue }
            do {
                try await publish(listId: id)
                failingLists.remove(id)
            } catch {
                failed.append((id, error))
                failingLists.insert(id)
            }
        }
        updateBacklog()
        if let first = failed.first {
            let delay = health.recordFailure(
                lists: failingLists.sorted(), error: "\(first.error)", initialDelay: configuration.initialRetryDelay,
                maximumDelay: configuration.maximumRetryDelay)
            retryNotBefore = .now + delay
            logger.error(
                "publication failed; acknowledged changes stay unpublished until a retry succeeds",
                metadata: [
                    "lists": "\(failed.map(\.list).joined(separator: ","))", "error": "\(first.error)",
                    "attempt": "\(health.failure?.consecutiveFailures ?? 0)", "retryInSeconds": "\(Double(delay.nanoseconds) / 1e9)",
                ])
            scheduleFlush()
            throw first.error
        }
        if failingLists.isEmpty, let ended = health.recordRecovery() {
            retryNotBefore = nil
            logger.notice(
                "publication recovered",
                metadata: [
                    "failedAttempts": "\(ended.consecutiveFailures)",
                    "failingSeconds": "\(Int(Date().timeIntervalSince(ended.since)))",
                ])
        }
    }

    /// Recounts the lists with unpublished acknowledged changes and the oldest such change, for ``health``.
    private func updateBacklog() {
        var count = 0
        var oldest: ContinuousClock.Instant?
        for state in lists.values {
            guard let since = [state.dirtySince, state.awaitingSince].compactMap({ $0 }).min() else { continue }
            count += 1
            oldest = min(oldest ?? since, since)
        }
        health.setBacklog(lists: count, oldest: oldest)
    }

    private func publish(listId: String) async throws {
        // The call in flight publishes this list again when it ends if it is still dirty.
        guard var state = lists[listId], !publishing.contains(listId) else { return }
        publishing.insert(listId)
        var succeeded = false
        defer {
            publishing.remove(listId)
            // After a failure the caller schedules the retry, with its back-off.
            if succeeded, lists[listId]?.dirty == true { scheduleFlush() }
        }
        let signsHere = try await holdsLease(listId)
        if !signsHere {
            // Another instance signs this list: not a failure, and nothing of ours to publish.
            lists[listId]?.dirty = false
            lists[listId]?.dirtySince = nil
            succeeded = true
            try await adoptNewestRecorded(listId: listId)
            return
        }
        state = lists[listId] ?? state
        state.dirty = false
        let dirtySince = state.dirtySince
        state.dirtySince = nil
        let changedBytes = state.changedBytes
        state.changedBytes = []
        lists[listId] = state
        let now = Date()
        let validUntil = now.addingTimeInterval(Double(state.definition.validitySeconds))
        do {
            let (builder, urlForList, settings, state) = (builder, urlForList, configuration.compression, state)
            let (publication, compression) = try await worker.run {
                try Self.build(
                    state: state, changedBytes: changedBytes, version: state.version + 1, at: now, validUntil: validUntil,
                    builder: builder, listURL: urlForList(state.definition.id), settings: settings)
            }
            try await store.recordPublication(publication.record)
            lists[listId]?.version = publication.version
            lists[listId]?.validUntil = validUntil
            // Changes applied while building are in `changedBytes` again, relative to this compression.
            lists[listId]?.compression = compression
            lists[listId]?.served = true
            lists[listId]?.awaitingSince = nil
            remember(publication.historical)
            try published.replace(publication)
            // Served already (it is signed and recorded); a copy that cannot be written leaves the list due, so it is
            // published again, and written again, until the copies hold it.
            try copies.forEach { try $0.replace(publication) }
            publications.increment()
            if let dirtySince { publicationLag.recordNanoseconds((ContinuousClock.now - dirtySince).nanoseconds) }
            succeeded = true
        } catch {
            lists[listId]?.dirty = true
            lists[listId]?.changedBytes.formUnion(changedBytes)
            // The version exists already (recorded although the call reported a failure): retry under the next one
            // rather than conflicting forever.
            if let error = error as? StoreError, error.code == .conflict, let version = lists[listId]?.version {
                lists[listId]?.version = version + 1
            }
            if lists[listId]?.dirtySince == nil { lists[listId]?.dirtySince = dirtySince }
            throw error
        }
    }

    /// Compresses the changed segments and signs, on the publication worker (off the actor, so changes keep flowing
    /// in meanwhile, and at a lower CPU priority than reads).
    /// - Returns: The publication, and the compression it used (the list's compression from now on).
    private static func build(
        state: ListState, changedBytes: Set<Int>, version: Int, at now: Date, validUntil: Date, builder: any PublicationBuilder,
        listURL: String, settings: CompressionSettings
    ) throws -> (PublishedList, ListCompression) {
        var compression: ListCompression
        if let existing = state.compression {
            compression = existing
            try compression.update(changedBytes: changedBytes, from: state.bitstring, settings: settings)
        } else {
            compression = try ListCompression(
                state.bitstring, ietf: SignedPublicationBuilder.publishesIETF(state.definition), settings: settings)
        }
        let representations = try builder.build(
            state.definition, bitstring: state.bitstring, compressed: compression.forms, listURL: listURL, issuedAt: now,
            validUntil: validUntil)
        let publication = PublishedList(
            definition: state.definition,
            version: version,
            publishedAt: now,
            validUntil: validUntil,
            bitstring: state.bitstring,
            representations: representations.reduce(into: [:]) { $0[$1.key] = PublishedRepresentation(mediaType: $1.key, body: $1.value) }
        )
        return (publication, compression)
    }

    private func remember(_ publication: HistoricalPublication) {
        var versions = history[publication.definition.id, default: []]
        versions.append(publication)
        if versions.count > configuration.historyVersions { versions.removeFirst(versions.count - configuration.historyVersions) }
        history[publication.definition.id] = versions
    }

    /// The publication that was in force at `time`, from the in-memory history.
    /// - Returns: nil when the list is unknown, or `time` is before the oldest retained publication.
    public func publication(listId: String, at time: Date) -> HistoricalPublication? {
        history[listId]?.last { $0.publishedAt <= time }
    }

    /// Re-signs lists now: after a key rotation or a change of signing identity.
    /// - Parameter owner: Only the lists of this owner; every list when nil.
    /// - Returns: How many lists were scheduled.
    @discardableResult
    public func republish(owner: String?) async -> Int {
        let ids = lists.values.filter { owner == nil || $0.definition.owner == owner }.map(\.definition.id)
        for id in ids { markDirty(id) }
        return ids.count
    }

    /// Republishes lists whose publication gets close to `validUntil` (less than half the validity left).
    public func refreshExpiring(now: Date = Date()) async {
        let due = lists.values.filter { state in
            state.validUntil.timeIntervalSince(now) < Double(state.definition.validitySeconds) / 2
        }
        for state in due {
            lists[state.definition.id]?.dirty = true
        }
        if !due.isEmpty { await flush() }
    }

    /// Runs the expiry refresh until shutdown, then publishes whatever is still pending.
    public func run() async throws {
        let (interval, catchUpInterval, shared) = (configuration.refreshInterval, configuration.catchUpInterval, leaseStore != nil)
        try? await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: interval)
                        await self.refreshExpiring()
                    }
                }
                if shared {
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: catchUpInterval)
                            await self.catchUp()
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        await drain(timeout: .seconds(10))
        await worker.shutdown()
    }

    /// Publishes everything still pending, waiting for a publication already under way; gives up after `timeout`
    /// (what is left is committed, and is published on the next start).
    public func drain(timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while flushing || lists.values.contains(where: \.dirty), ContinuousClock.now < deadline {
            if flushing {
                try? await Task.sleep(for: .milliseconds(5))
            } else if let retryNotBefore, retryNotBefore > .now {
                // Failing: keep the back-off rather than retrying in a tight loop until the deadline.
                try? await Task.sleep(until: min(retryNotBefore, deadline), clock: .continuous)
            } else {
                await flush()
            }
        }
    }
}

// MARK: - Several instances on one database

extension Publisher {
    /// Whether this instance signs `listId`: it held the lease at the last catch-up, or takes it now (nobody holds it,
    /// or its holder let it expire).
    private func holdsLease(_ listId: String) async throws -> Bool {
        guard let leaseStore else { return true }
        if heldLeases.contains(listId) { return true }
        let lease = try await leaseStore.claimPublicationLeases(
            holder: instanceId, listIds: [listId], seconds: configuration.leaseSeconds
        ).first
        guard lease?.holder == instanceId else { return false }
        heldLeases.insert(listId)
        if let lease, let version = lists[listId]?.version, lease.newestVersion > version { lists[listId]?.version = lease.newestVersion }
        return true
    }

    /// Serves a publication another instance signed and recorded: its exact bytes (so every instance answers with the
    /// same bytes and entity tag), in memory and in the copies, and in the history.
    private func adopt(_ publication: PublishedList) throws {
        let listId = publication.definition.id
        let version = max(lists[listId]?.version ?? 0, publication.version)
        lists[listId]?.version = version
        lists[listId]?.validUntil = publication.validUntil
        lists[listId]?.served = true
        if lists[listId]?.bitstring == publication.bitstring { lists[listId]?.awaitingSince = nil }
        try published.replace(publication)
        try copies.forEach { try $0.replace(publication) }
    }

    /// Loads and serves the newest recorded publication of `listId` when it is newer than what is served.
    private func adoptNewestRecorded(listId: String) async throws {
        guard let state = lists[listId], let record = try await store.latestPublication(listId: listId),
            record.version > state.version || !state.served
        else { return }
        guard let publication = restorePublication(record, definition: state.definition) else {
            throw ServiceError(.unavailable, "publication \(record.version) of list '\(listId)' cannot be read back")
        }
        // Again: another catch-up may have adopted a newer one while this one was read.
        guard let current = lists[listId], record.version > current.version || !current.served else { return }
        try adopt(publication)
        if history[listId]?.last?.version != record.version { remember(HistoricalPublication(record: record, definition: state.definition)) }
    }

    /// One round of following the other instances: applies the changes committed since the last round (every
    /// instance keeps every list's committed entries, so it can take a list over at once), renews and takes leases,
    /// loads the lists other instances created, and serves the versions other instances recorded. Failures are logged
    /// and the next round tries again: it reads everything from where this one stopped.
    func catchUp() async {
        guard let leaseStore else { return }
        do {
            while true {
                let changes = try await store.auditLog(listId: nil, after: changesSeen, limit: 2000)
                var unknown: Set<String> = []
                var batch: [(list: String, changes: [EntryChange])] = []
                for record in changes {
                    guard lists[record.listId] != nil else {
                        unknown.insert(record.listId)
                        continue
                    }
                    let change = EntryChange(index: record.index, value: record.newValue)
                    if batch.last?.list == record.listId { batch[batch.count - 1].changes.append(change) } else { batch.append((record.listId, [change])) }
                }
                for (list, entries) in batch { apply(listId: list, changes: entries) }
                for list in unknown.sorted() { try await follow(listId: list) }
                if let last = changes.last { changesSeen = last.id }
                if changes.count < 2000 { break }
            }
            let leases = try await leaseStore.claimPublicationLeases(
                holder: instanceId, listIds: lists.keys.sorted(), seconds: configuration.leaseSeconds)
            for lease in leases {
                if lease.holder == instanceId {
                    guard !heldLeases.contains(lease.listId) else { continue }
                    // Taken over (or first taken): publish if what is served is not the committed entries.
                    heldLeases.insert(lease.listId)
                    try await adoptNewestRecorded(listId: lease.listId)
                    if let version = lists[lease.listId]?.version, lease.newestVersion > version { lists[lease.listId]?.version = lease.newestVersion }
                    if let state = lists[lease.listId], try await servedEntriesDiffer(state) {
                        markDirty(lease.listId)
                    }
                } else {
                    heldLeases.remove(lease.listId)
                    if lease.newestVersion > lists[lease.listId]?.version ?? Int.max { try await adoptNewestRecorded(listId: lease.listId) }
                }
            }
            for list in try await leaseStore.listIds() where lists[list] == nil { try await follow(listId: list) }
            updateBacklog()
        } catch is CancellationError {
            // Shutting down.
        } catch {
            logger.warning("catching up with the other instances failed; retrying", metadata: ["error": "\(error)"])
        }
    }

    /// Whether the newest recorded publication of the list carries other entries than this instance's committed ones.
    private func servedEntriesDiffer(_ state: ListState) async throws -> Bool {
        guard state.served, let record = try await store.latestPublication(listId: state.definition.id) else { return true }
        return (try? decodePublishedBitstring(record, definition: state.definition)) != state.bitstring
    }

    /// Starts following a list another instance created: its committed entries and newest recorded publication.
    private func follow(listId: String) async throws {
        guard lists[listId] == nil, let definition = try await store.list(id: listId) else { return }
        var bitstring = try Bitstring(count: definition.capacity, entrySize: StatusSize(bits: definition.statusSize))
        for entry in try await store.nonZeroEntries(listId: listId) { try bitstring.set(entry.value, at: entry.index) }
        guard lists[listId] == nil else { return }
        lists[listId] = ListState(definition: definition, bitstring: bitstring, version: 0, validUntil: .distantPast, dirty: false)
        for record in try await store.recentPublications(listId: listId, limit: configuration.historyVersions) {
            remember(HistoricalPublication(record: record, definition: definition))
        }
        try await adoptNewestRecorded(listId: listId)
    }
}

/// Just enough of a published credential to read its encoded list back.
private struct PublishedCredentialSubjectProbe: Decodable {
    struct Subject: Decodable { let encodedList: String }
    let credentialSubject: Subject
}

