import Foundation
import Signing

/// Submission-time checks that replay does not repeat (they depend on the wall clock, not on the log).
public struct RegistryPolicy: Sendable, Hashable {
    /// How far in the future a statement's `iat` may be (clock skew between the signer and the registry).
    public var maximumClockSkew: TimeInterval
    /// How old a statement's `iat` may be when submitted; `nil` for no limit (imports of pre-signed files).
    /// Replays are prevented by `jti` uniqueness and `aud` binding either way.
    public var maximumStatementAge: TimeInterval?

    /// Creates a policy.
    /// - Parameters:
    ///   - maximumClockSkew: Seconds `iat` may be ahead of the recording time (default 300).
    ///   - maximumStatementAge: Seconds `iat` may be behind it, or `nil` (default).
    public init(maximumClockSkew: TimeInterval = 300, maximumStatementAge: TimeInterval? = nil) {
        self.maximumClockSkew = maximumClockSkew
        self.maximumStatementAge = maximumStatementAge
    }
}

/// A validated write, ready to persist: ``event`` is what the store appends; ``RegistryState/commit(_:)`` then applies
/// it in memory. Nothing changes in the state until `commit`.
public struct PreparedWrite: Sendable {
    /// The event to persist verbatim.
    public let event: RegistryEvent
    let mutation: Mutation
    let nonceKey: String

    enum Mutation: Sendable {
        case initialise(Entity, AccreditationRecord)
        case accredit(AccreditationRecord, newEntity: Entity?)
        case accreditationChange(id: String, StatusChange, evidence: String)
        case recognitionChange(id: String, StatusChange)
        case updateEntity(Entity)
        case recognise(Recognition)
    }
}

/// The registry's event-sourced state: entities, accreditations with their full status history, recognitions, the
/// hash-chained log head, and the indexes queries need (records by subject, by accreditor and by resource; subjects in
/// DID order for cursor pagination).
///
/// A value type with copy-on-write collections; `Sendable`, so a server can publish snapshots of it to readers.
///
/// ## Writing
/// ``prepare(statement:at:)`` verifies a signed statement completely (signature against the signer's registered key,
/// audience, nonce, authority, delegation containment, period, lifecycle rules) and returns the event to persist;
/// ``commit(_:)`` applies it. ``apply(statement:at:)`` does both. A refused write throws a ``RegistryError`` naming the
/// rule and changes nothing.
///
/// ## Reading
/// State at any instant: ``status(of:at:)``, ``authorization(entity:authority:action:resource:context:now:)``,
/// ``recognition(entity:authority:action:resource:context:now:)``; projections (EBSI TIR v5, TRQP, LoTE, wallet
/// snapshot and change feed) are pure functions of the state, each stamped with ``seq``.
public struct RegistryState: Sendable {
    /// The sequence number of the last applied event (0 before initialisation).
    public internal(set) var seq = 0
    /// The hash of the last applied event (the log head published in signed lists).
    public internal(set) var headHash = RegistryEvent.genesisHash
    /// The recording time of the last event.
    public internal(set) var lastEventAt: Date?
    /// The root authority's DID, once initialised.
    public internal(set) var rootAuthority: String?
    /// The root authorisation's id (the `RootTAO` record), once initialised.
    public internal(set) var rootAuthorisationId: String?
    /// Submission-time checks.
    public var policy: RegistryPolicy

    var entities: [String: Entity] = [:]
    var records: [String: AccreditationRecord] = [:]
    var recognitions: [String: Recognition] = [:]
    var recordsBySubject: [String: [String]] = [:]
    var recordsByAccreditor: [String: [String]] = [:]
    var recordsByResource: [String: [String]] = [:]
    var recognitionsByEntity: [String: [String]] = [:]
    var usedNonces: Set<String> = []
    /// Every attribute revision by its id (the hex SHA-256 of the statement that recorded it): the accreditation and
    /// the `seq` of the status change, so that a revision is found without hashing a DID's whole history.
    var revisionsById: [String: RevisionKey] = [:]
    /// DIDs with at least one accreditation, sorted (EBSI issuer list order).
    var sortedSubjects: [String] = []
    /// One summary per event, index `seq - 1` (change feeds).
    var changes: [ChangeSummary] = []

    /// Where a revision lives: its accreditation and the `seq` of its status change.
    struct RevisionKey: Sendable, Hashable {
        let accreditationId: String
        let seq: Int
    }

    struct ChangeSummary: Sendable, Hashable {
        let seq: Int
        let at: Date
        let kind: StatementKind
        let target: String
        let entity: Entity?
    }

    /// An empty, uninitialised registry; its first statement must be ``StatementKind/initialise``.
    /// - Parameter policy: Submission-time checks.
    public init(policy: RegistryPolicy = RegistryPolicy()) {
        self.policy = policy
    }

    // MARK: - Lookups

    /// The entity registered under `did`.
    /// - Parameter did: The DID.
    /// - Returns: The entity, or `nil`.
    public func entity(_ did: String) -> Entity? { entities[did] }

    /// The accreditation with `id`.
    /// - Parameter id: The accreditation id.
    /// - Returns: The record, or `nil`.
    public func accreditation(_ id: String) -> AccreditationRecord? { records[id] }

    /// The recognition with `id`.
    /// - Parameter id: The recognition id.
    /// - Returns: The recognition (its `status` is not derived; use ``Recognition/rederived(at:)``), or `nil`.
    public func recognitionRecord(_ id: String) -> Recognition? { recognitions[id] }

    /// The accreditations whose subject is `did`, oldest first.
    /// - Parameter did: The subject DID.
    /// - Returns: The records.
    public func accreditations(of did: String) -> [AccreditationRecord] {
        (recordsBySubject[did] ?? []).compactMap { records[$0] }
    }

    /// The accreditation that `grant` from `accreditor` would duplicate: one to the same subject, by the same
    /// accreditor, with the same role, scope and period, not revoked. Accrediting is idempotent on this: the registry
    /// refuses a duplicate (naming the existing id), and the CLI reports the existing one instead of submitting.
    /// - Parameters:
    ///   - grant: The proposed grant (its id and parent are not compared).
    ///   - accreditor: The DID that would sign it.
    ///   - startedBy: When given, any start at or before this instant matches (for a grant whose start was not chosen
    ///     but defaulted to "now", such as the CLI's without `--from`); otherwise the start must be equal.
    /// - Returns: The existing record, or nil.
    public func accreditation(duplicating grant: AccreditationGrant, by accreditor: String, startedBy: Date? = nil) -> AccreditationRecord? {
        accreditations(of: grant.subject).first { record in
            record.accreditedBy.did == accreditor && record.role == grant.role && record.scope == grant.scope
                && (startedBy.map { record.validFrom <= $0 } ?? (record.validFrom == grant.validFrom))
                && record.validUntil == grant.validUntil && record.latestChange?.status != .revoked
        }
    }

    /// The accreditations granted by `did`, oldest first.
    /// - Parameter did: The accreditor DID.
    /// - Returns: The records.
    public func accreditations(grantedBy did: String) -> [AccreditationRecord] {
        (recordsByAccreditor[did] ?? []).compactMap { records[$0] }
    }

    /// The accreditations whose scope names `resource` as a credential type or schema id, oldest first.
    /// - Parameter resource: A credential type or schema id.
    /// - Returns: The records.
    public func accreditations(forResource resource: String) -> [AccreditationRecord] {
        (recordsByResource[resource] ?? []).compactMap { records[$0] }
    }

    /// All registered entities, in DID order.
    public var allEntities: [Entity] { entities.keys.sorted().compactMap { entities[$0] } }
    /// All accreditations, in id order.
    public var allAccreditations: [AccreditationRecord] { records.keys.sorted().compactMap { records[$0] } }
    /// All recognitions, in id order.
    public var allRecognitions: [Recognition] { recognitions.keys.sorted().compactMap { recognitions[$0] } }
    /// The number of accreditations.
    public var accreditationCount: Int { records.count }
    /// The DIDs that are the subject of at least one accreditation, in order.
    public var accreditedSubjects: [String] { sortedSubjects }

    /// The status of an accreditation or recognition at `time` (see ``EffectiveStatus``).
    /// - Parameters:
    ///   - id: The accreditation or recognition id.
    ///   - time: The instant.
    /// - Returns: The status.
    /// - Throws: ``RegistryError/Code/unknownAccreditation`` for an unknown id.
    public func status(of id: String, at time: Date) throws(RegistryError) -> EffectiveStatus {
        if let record = records[id] { return record.status(at: RegistryTime.truncated(time)) }
        if let recognition = recognitions[id] { return recognition.status(at: RegistryTime.truncated(time)) }
        throw RegistryError(.unknownAccreditation, "no accreditation or recognition has id \(id)")
    }

    /// The ids of `body`'s accreditations (`TAO`, or `RootTAO` for the root) that could cover a grant of `scope` over
    /// the period, chain-active at `time`: candidates for a statement's `parentAccreditationId`.
    /// - Parameters:
    ///   - body: The accreditor's DID.
    ///   - scope: The scope to grant.
    ///   - validFrom: Period start.
    ///   - validUntil: Period end.
    ///   - time: The time of the write.
    /// - Returns: Matching ids, oldest first.
    public func parentCandidates(body: String, scope: [Scope], validFrom: Date, validUntil: Date, at time: Date) -> [String] {
        accreditations(of: body).filter { record in
            record.role.mayAccredit && record.validFrom <= validFrom && validUntil <= record.validUntil
                && chainProblem(from: record, at: time) == nil && (try? scope.checkContained(in: record.scope)) != nil
        }.map(\.accreditationId)
    }

    // MARK: - Writing

    /// Verifies a signed statement and returns the event to persist; the state is unchanged.
    /// - Parameters:
    ///   - statement: The compact JWS.
    ///   - time: The recording time (the server clock); truncated to the second and never earlier than the last
    ///     event's time (a clock that went backwards is clamped).
    /// - Returns: The prepared write.
    /// - Throws: ``RegistryError`` naming the rule: `malformed`, `badSignature`, `unknownEntity`,
    ///   `unknownAccreditation`, `notPermitted`, `notActive`, `scopeViolation`, `forbiddenTransition`, `conflict`.
    public func prepare(statement: String, at time: Date) throws(RegistryError) -> PreparedWrite {
        let parsed = try SignedStatement(parsing: statement)
        return try prepare(parsed, compact: statement, requestedAt: RegistryTime.truncated(time), checkFreshness: true)
    }

    /// Applies a prepared write.
    /// - Parameter write: From ``prepare(statement:at:)`` on this state.
    /// - Throws: ``RegistryError/Code/conflict`` when the state moved on since `prepare` (prepare again).
    public mutating func commit(_ write: PreparedWrite) throws(RegistryError) {
        guard write.event.seq == seq + 1, write.event.prevHash == headHash else {
            throw RegistryError(.conflict, "the registry moved on to seq \(seq) since the write was prepared")
        }
        let event = write.event
        var summaryEntity: Entity?
        switch write.mutation {
        case .initialise(let entity, let record):
            entities[entity.did] = entity
            rootAuthority = entity.did
            rootAuthorisationId = record.accreditationId
            insert(record)
            summaryEntity = entity
        case .accredit(let record, let newEntity):
            if let newEntity {
                entities[newEntity.did] = newEntity
                summaryEntity = newEntity
            }
            insert(record)
        case .accreditationChange(let id, let change, let evidence):
            records[id]?.statusHistory.append(change)
            records[id]?.packedChangeEvidence[change.seq] = PackedStatement(evidence)
            revisionsById[Self.sha256Hex(evidence)] = RevisionKey(accreditationId: id, seq: change.seq)
        case .recognitionChange(let id, let change):
            recognitions[id]?.statusHistory.append(change)
        case .updateEntity(let entity):
            entities[entity.did] = entity
            summaryEntity = entity
        case .recognise(let recognition):
            recognitions[recognition.recognitionId] = recognition
            recognitionsByEntity[recognition.entity, default: []].append(recognition.recognitionId)
        }
        usedNonces.insert(write.nonceKey)
        changes.append(ChangeSummary(seq: event.seq, at: event.at, kind: event.kind, target: event.target, entity: summaryEntity))
        seq = event.seq
        headHash = event.hash
        lastEventAt = event.at
    }

    /// Verifies and applies a signed statement.
    /// - Parameters:
    ///   - statement: The compact JWS.
    ///   - time: The recording time.
    /// - Returns: The event to persist.
    /// - Throws: As ``prepare(statement:at:)``; nothing changes on error.
    @discardableResult
    public mutating func apply(statement: String, at time: Date) throws(RegistryError) -> RegistryEvent {
        let write = try prepare(statement: statement, at: time)
        try commit(write)
        return write.event
    }

    // MARK: - Replay

    /// Rebuilds a state from a stored log, verifying it completely: sequence continuity, the hash chain, each hash,
    /// and that each event is exactly what its evidence produces under the registry's rules (signatures included).
    /// - Parameters:
    ///   - events: The events in order, from seq 1.
    ///   - policy: The policy for later writes (replay itself skips the clock checks).
    /// - Returns: The state.
    /// - Throws: ``RegistryError/Code/logBroken`` naming the first bad event and why.
    public static func replay(
        _ events: some Sequence<RegistryEvent>,
        policy: RegistryPolicy = RegistryPolicy()
    ) throws(RegistryError) -> RegistryState {
        var state = RegistryState(policy: policy)
        for event in events { try state.replay(event) }
        return state
    }

    /// Verifies and applies one stored event (see ``replay(_:policy:)``); for stores that stream their log.
    /// - Parameter event: The next event.
    /// - Throws: ``RegistryError/Code/logBroken`` naming the problem; the state is unchanged then.
    public mutating func replay(_ event: RegistryEvent) throws(RegistryError) {
        guard event.seq == seq + 1 else {
            throw RegistryError(.logBroken, "sequence gap: expected event \(seq + 1), found \(event.seq)")
        }
        guard event.prevHash == headHash else {
            throw RegistryError(.logBroken, "event \(event.seq) does not chain: prevHash \(event.prevHash) is not the head \(headHash)")
        }
        guard (try? event.recomputedHash()) == event.hash else {
            throw RegistryError(.logBroken, "event \(event.seq) hash does not match its content")
        }
        if let lastEventAt, event.at < lastEventAt {
            throw RegistryError(.logBroken, "event \(event.seq) is dated before event \(seq)")
        }
        let write: PreparedWrite
        do {
            let statement = try SignedStatement(parsing: event.evidence)
            write = try prepare(statement, compact: event.evidence, requestedAt: event.at, checkFreshness: false)
        } catch {
            throw RegistryError(.logBroken, "event \(event.seq) does not re-apply: \(error)")
        }
        guard write.event == event else {
            throw RegistryError(.logBroken, "event \(event.seq) is not what its evidence produces (payload, kind, target or time edited)")
        }
        try commit(write)
    }

    // MARK: - Internals

    private mutating func insert(_ record: AccreditationRecord) {
        let id = record.accreditationId
        records[id] = record
        if let first = record.statusHistory.first {
            revisionsById[Self.sha256Hex(record.evidence)] = RevisionKey(accreditationId: id, seq: first.seq)
        }
        if recordsBySubject[record.subject] == nil {
            let index = insertionIndex(of: record.subject)
            sortedSubjects.insert(record.subject, at: index)
        }
        recordsBySubject[record.subject, default: []].append(id)
        recordsByAccreditor[record.accreditedBy.did, default: []].append(id)
        var resources = Set<String>()
        for entry in record.scope {
            resources.formUnion(entry.credentialTypes)
            resources.formUnion(entry.schemaIds)
        }
        for resource in resources { recordsByResource[resource, default: []].append(id) }
    }

    /// The index of the first subject not less than `did` (binary search over ``sortedSubjects``).
    func insertionIndex(of did: String) -> Int {
        var low = 0
        var high = sortedSubjects.count
        while low < high {
            let middle = (low + high) / 2
            if sortedSubjects[middle] < did { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Why `record` or an accreditation up its chain is not in force at `time`, or `nil` when the whole chain is.
    func chainProblem(from record: AccreditationRecord, at time: Date) -> String? {
        record.chainProblem(at: time) { records[$0] }
    }

    /// Whether `record` and its whole chain are in force at `time`, and `authority` (when given) is the root or an
    /// accreditor on the chain. The allocation-free fast path of authorization queries.
    func chainIsActive(from record: AccreditationRecord, at time: Date, underAuthority authority: String?) -> (active: Bool, underAuthority: Bool) {
        var current = record
        var found = authority == nil || authority == rootAuthority
        for _ in 0..<32 {
            guard current.status(at: time) == .active else { return (false, found) }
            if current.role == .rootTAO { return (true, found) }
            if current.accreditedBy.did == authority { found = true }
            guard let parent = records[current.accreditedBy.accreditationId] else { return (false, found) }
            current = parent
        }
        return (false, found)
    }
}

/// Two states are equal when every collection and the log head are: a state restored from a checkpoint equals the one
/// the full replay of the same log builds.
extension RegistryState: Equatable {}
