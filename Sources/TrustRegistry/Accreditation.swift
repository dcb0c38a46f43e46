import Foundation

/// What an accreditation permits its subject to do (EBSI's `issuerType` of a live accreditation).
public enum AccreditationRole: String, Codable, Sendable, Hashable, CaseIterable {
    /// The root authority's own authorisation (EBSI `VerifiableAuthorisationForTrustChain`).
    case rootTAO = "RootTAO"
    /// An accreditation to accredit (EBSI `VerifiableAccreditationToAccredit`): the subject is an accreditation body.
    case tao = "TAO"
    /// An accreditation to attest (EBSI `VerifiableAccreditationToAttest`): the subject issues credentials.
    case ti = "TI"

    /// The entity role a subject of this accreditation must have.
    public var subjectRole: EntityRole {
        switch self {
        case .rootTAO: .rootAuthority
        case .tao: .accreditationBody
        case .ti: .issuer
        }
    }

    /// Whether the role lets its holder accredit others.
    public var mayAccredit: Bool { self != .ti }
}

/// The lifecycle status of an accreditation (or recognition) as records and lists publish it.
///
/// `active`, `suspended` and `revoked` are recorded by signed statements; `expired` is derived from time
/// (`validUntil` reached) and never recorded.
public enum AccreditationStatus: String, Codable, Sendable, Hashable, CaseIterable {
    /// In force (or granted with a `validFrom` still ahead; check the period).
    case active
    /// Temporarily not in force; reversible by a reinstatement.
    case suspended
    /// Permanently withdrawn; final.
    case revoked
    /// The period ended (`validUntil` reached) without a revocation.
    case expired
}

/// The status of an accreditation at an instant, with the not-yet-valid case made explicit.
///
/// Precedence at an instant `T`: `revoked` (once revoked, always revoked) > `expired` (`T >= validUntil`) >
/// `notYetValid` (`T < validFrom`) > the recorded `suspended`/`active`.
public enum EffectiveStatus: String, Sendable, Hashable, CaseIterable {
    /// `T` is before `validFrom`.
    case notYetValid
    /// In force at `T`.
    case active
    /// Suspended at `T`.
    case suspended
    /// Revoked at or before `T`.
    case revoked
    /// `T` is at or after `validUntil`.
    case expired

    /// The four-valued status of the canonical record (`notYetValid` publishes as `active`, with `validFrom` ahead).
    public var publishedStatus: AccreditationStatus {
        switch self {
        case .notYetValid, .active: .active
        case .suspended: .suspended
        case .revoked: .revoked
        case .expired: .expired
        }
    }
}

/// One recorded lifecycle change: the status from `at` on, why, and the event that recorded it.
public struct StatusChange: Codable, Sendable, Hashable {
    /// The status from `at` on: `active`, `suspended` or `revoked` (never `expired`).
    public var status: AccreditationStatus
    /// When the change takes effect (inclusive).
    public var at: Date
    /// The reason the accreditor gave (`nil` for the initial grant).
    public var reason: String?
    /// The sequence number of the event that recorded the change.
    public var seq: Int

    /// Creates a change.
    /// - Parameters:
    ///   - status: The new status.
    ///   - at: When it takes effect.
    ///   - reason: The reason.
    ///   - seq: The recording event's sequence number.
    public init(status: AccreditationStatus, at: Date, reason: String?, seq: Int) {
        self.status = status
        self.at = at
        self.reason = reason
        self.seq = seq
    }

    private enum CodingKeys: String, CodingKey { case status, at, reason, seq }

    /// Decodes `{status, at, reason, seq}` with `at` as an RFC 3339 string.
    /// - Parameter decoder: The decoder.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        status = try container.decode(AccreditationStatus.self, forKey: .status)
        at = try container.decodeRegistryTime(forKey: .at)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        seq = try container.decode(Int.self, forKey: .seq)
    }

    /// Encodes `{status, at, reason, seq}`; `reason` is written as `null` when absent.
    /// - Parameter encoder: The encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(RegistryTime.format(at), forKey: .at)
        try container.encode(reason, forKey: .reason)
        try container.encode(seq, forKey: .seq)
    }
}

/// Who granted an accreditation: the accreditor's DID and the accreditation of its own that covered the grant.
public struct AccreditorReference: Codable, Sendable, Hashable {
    /// The accreditor's DID.
    public var did: String
    /// The accreditor's accreditation that was the ceiling of the grant (its own id for the root authorisation).
    public var accreditationId: String

    /// Creates a reference.
    /// - Parameters:
    ///   - did: The accreditor's DID.
    ///   - accreditationId: The accreditor's covering accreditation.
    public init(did: String, accreditationId: String) {
        self.did = did
        self.accreditationId = accreditationId
    }
}

/// Lifecycle rules shared by accreditations and recognitions.
public protocol LifecycleRecord: Sendable {
    /// Start of the period (inclusive).
    var validFrom: Date { get }
    /// End of the period (exclusive).
    var validUntil: Date { get }
    /// Recorded changes in order; the first is the initial grant.
    var statusHistory: [StatusChange] { get }
}

extension LifecycleRecord {
    /// The recorded (`active`/`suspended`/`revoked`) status in effect at `time`, ignoring the period: the last
    /// change with `at <= time`, or `nil` before the first.
    /// - Parameter time: The instant.
    /// - Returns: The recorded change in effect, or `nil`.
    public func recordedChange(at time: Date) -> StatusChange? {
        // Histories are short (a handful of changes), so a backwards scan beats a binary search.
        var index = statusHistory.count - 1
        while index >= 0 {
            if statusHistory[index].at <= time { return statusHistory[index] }
            index -= 1
        }
        return nil
    }

    /// The status at `time`: `validFrom` is inclusive, `validUntil` exclusive, and a change takes effect at its
    /// `at` (inclusive). See ``EffectiveStatus`` for the precedence.
    /// - Parameter time: The instant.
    /// - Returns: The status.
    public func status(at time: Date) -> EffectiveStatus {
        let recorded = recordedChange(at: time)?.status
        if recorded == .revoked { return .revoked }
        if time >= validUntil { return .expired }
        if time < validFrom { return .notYetValid }
        return recorded == .suspended ? .suspended : .active
    }

    /// The last recorded change (what the next lifecycle statement is checked against).
    public var latestChange: StatusChange? { statusHistory.last }

    /// How `status`, this record's status at `time`, reads in a decision message: `not yet valid at … (valid from …)`,
    /// `expired at …`, `active at …`, or `suspended since … (reason)`. The registry's answers and the wallet client's
    /// local decisions word it the same way.
    /// - Parameters:
    ///   - status: The record's status at `time` (``status(at:)``).
    ///   - time: The instant.
    /// - Returns: The description.
    public func describe(_ status: EffectiveStatus, at time: Date) -> String {
        switch status {
        case .notYetValid: return "not yet valid at \(RegistryTime.format(time)) (valid from \(RegistryTime.format(validFrom)))"
        case .expired: return "expired at \(RegistryTime.format(validUntil))"
        case .active: return "active at \(RegistryTime.format(time))"
        case .suspended, .revoked:
            let change = recordedChange(at: time)
            let since = change.map { " since \(RegistryTime.format($0.at))" } ?? ""
            let reason = change?.reason.map { " (\($0))" } ?? ""
            return "\(status.rawValue)\(since)\(reason)"
        }
    }
}

/// An accreditation as a link of its chain up to the root authorisation: what walking the chain needs of a record.
/// The registry's own records (``AccreditationRecord``) and a wallet snapshot's (``CanonicalAccreditation``) are both.
public protocol AccreditationLink: LifecycleRecord {
    /// The accreditation's id.
    var accreditationId: String { get }
    /// The accredited entity's DID.
    var subject: String { get }
    /// What the accreditation permits; `RootTAO` ends the chain.
    var role: AccreditationRole { get }
    /// The accreditor and its covering accreditation (the next link up).
    var accreditedBy: AccreditorReference { get }
}

/// Where an accreditation's chain up to the root authorisation stops being in force (``AccreditationLink/chainBreak(at:rootAuthority:parent:)``).
public enum ChainBreak<Link: AccreditationLink>: Sendable {
    /// `link` is not in force (`status` is not `active`); `depth` 0 is the accreditation asked about, 1 its
    /// accreditor's covering accreditation, and so on up the chain.
    case notInForce(link: Link, status: EffectiveStatus, depth: Int)
    /// The chain ends at a root authorisation of `subject`, not of the expected root authority.
    case foreignRoot(subject: String)
    /// The covering accreditation with this id does not exist.
    case missingParent(id: String)
    /// The chain is longer than 32 links.
    case tooDeep
}

extension AccreditationLink {
    /// The first place, from this accreditation up to the root authorisation (`RootTAO`), where the chain is not in
    /// force at `time`, or `nil` when every link is: the rule every "accredited at T" answer applies (the registry's
    /// decisions, a wallet's local ones, the server's accreditation requirement for issuer tokens).
    /// - Parameters:
    ///   - time: The instant.
    ///   - rootAuthority: When given, the DID the chain must end at (a wallet checks a snapshot's chains against the
    ///     snapshot's root authority; the registry's own records are under its root by construction).
    ///   - parent: The accreditation with a given id, or `nil` when there is none.
    /// - Returns: The break, or `nil`.
    public func chainBreak(at time: Date, rootAuthority: String? = nil, parent: (String) -> Self?) -> ChainBreak<Self>? {
        var current = self
        for depth in 0..<32 {
            let status = current.status(at: time)
            if status != .active { return .notInForce(link: current, status: status, depth: depth) }
            if current.role == .rootTAO {
                guard let rootAuthority, current.subject != rootAuthority else { return nil }
                return .foreignRoot(subject: current.subject)
            }
            guard let next = parent(current.accreditedBy.accreditationId) else {
                return .missingParent(id: current.accreditedBy.accreditationId)
            }
            current = next
        }
        return .tooDeep
    }

    /// Why this accreditation or one up its chain is not in force at `time`, or `nil` when every link up to the root
    /// authorisation (`RootTAO`) is. The registry's decisions and a wallet's local ones word it the same way.
    /// - Parameters:
    ///   - time: The instant.
    ///   - rootAuthority: When given, the DID the chain must end at (see ``chainBreak(at:rootAuthority:parent:)``).
    ///   - parent: The accreditation with a given id, or `nil` when there is none.
    /// - Returns: The problem, worded for a decision message, or `nil`.
    public func chainProblem(at time: Date, rootAuthority: String? = nil, parent: (String) -> Self?) -> String? {
        switch chainBreak(at: time, rootAuthority: rootAuthority, parent: parent) {
        case nil:
            return nil
        case .notInForce(let link, let status, let depth):
            let owner = depth == 0 ? "accreditation \(link.accreditationId)" : "parent accreditation \(link.accreditationId) of \(link.subject)"
            return "\(owner) is \(link.describe(status, at: time))"
        case .foreignRoot(let subject):
            return "the chain ends at \(subject), not the root authority"
        case .missingParent(let id):
            return "parent accreditation \(id) is missing"
        case .tooDeep:
            return "accreditation chain of \(accreditationId) is deeper than 32 links"
        }
    }
}

/// An accreditation as the registry holds it: the canonical record of the research notes (§7.1) without the derived
/// `status`, plus the signed evidence.
public struct AccreditationRecord: AccreditationLink, Hashable {
    /// 32 random bytes as lowercase hex; equals the EBSI attribute id and the VC's `reservedAttributeId`.
    public var accreditationId: String
    /// The accredited entity's DID.
    public var subject: String
    /// What the accreditation permits.
    public var role: AccreditationRole
    /// The accreditor and its covering accreditation.
    public var accreditedBy: AccreditorReference
    /// The root authority's DID.
    public var rootAuthority: String
    /// The granted scope entries.
    public var scope: [Scope]
    /// Start of the period (inclusive).
    public var validFrom: Date
    /// End of the period (exclusive).
    public var validUntil: Date
    /// Recorded changes, the initial grant first (`active` at `min(validFrom, recording time)`).
    public var statusHistory: [StatusChange]
    /// The accreditor's signed statement (a compact JWT VC) that created the record: the EBSI attribute body.
    public var evidence: String {
        get { packedEvidence.text }
        set { packedEvidence = PackedStatement(newValue) }
    }
    /// Evidence of each later lifecycle change, keyed by the change's `seq`.
    public var changeEvidence: [Int: String] {
        get { packedChangeEvidence.mapValues(\.text) }
        set { packedChangeEvidence = newValue.mapValues(PackedStatement.init) }
    }
    /// ``evidence`` as kept (see ``PackedStatement``).
    public internal(set) var packedEvidence: PackedStatement
    /// ``changeEvidence`` as kept.
    public internal(set) var packedChangeEvidence: [Int: PackedStatement]

    /// Creates a record.
    public init(
        accreditationId: String, subject: String, role: AccreditationRole, accreditedBy: AccreditorReference, rootAuthority: String,
        scope: [Scope], validFrom: Date, validUntil: Date, statusHistory: [StatusChange], evidence: String, changeEvidence: [Int: String]
    ) {
        self.init(
            accreditationId: accreditationId, subject: subject, role: role, accreditedBy: accreditedBy, rootAuthority: rootAuthority,
            scope: scope, validFrom: validFrom, validUntil: validUntil, statusHistory: statusHistory,
            packedEvidence: PackedStatement(evidence), packedChangeEvidence: changeEvidence.mapValues(PackedStatement.init))
    }

    init(
        accreditationId: String, subject: String, role: AccreditationRole, accreditedBy: AccreditorReference, rootAuthority: String,
        scope: [Scope], validFrom: Date, validUntil: Date, statusHistory: [StatusChange], packedEvidence: PackedStatement,
        packedChangeEvidence: [Int: PackedStatement]
    ) {
        self.accreditationId = accreditationId
        self.subject = subject
        self.role = role
        self.accreditedBy = accreditedBy
        self.rootAuthority = rootAuthority
        self.scope = scope
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.statusHistory = statusHistory
        self.packedEvidence = packedEvidence
        self.packedChangeEvidence = packedChangeEvidence
    }

    /// The record in the canonical JSON shape with `status` derived at `time`.
    /// - Parameters:
    ///   - time: The instant the derived `status` describes.
    ///   - includeEvidence: Whether to include `evidence` (snapshots leave it out).
    /// - Returns: The canonical record.
    public func canonical(at time: Date, includeEvidence: Bool = false) -> CanonicalAccreditation {
        CanonicalAccreditation(
            accreditationId: accreditationId,
            subject: subject,
            role: role,
            accreditedBy: accreditedBy,
            rootAuthority: rootAuthority,
            scope: scope,
            validFrom: validFrom,
            validUntil: validUntil,
            status: status(at: time).publishedStatus,
            statusHistory: statusHistory,
            evidence: includeEvidence ? evidence : nil
        )
    }
}

/// The canonical accreditation record (research notes §7.1): the shape of snapshots, change feeds and
/// `Registry/schemas/accreditation.schema.json`.
public struct CanonicalAccreditation: Codable, Sendable, Hashable, AccreditationLink {
    /// 64 lowercase hex characters.
    public var accreditationId: String
    /// The accredited DID.
    public var subject: String
    /// `RootTAO`, `TAO` or `TI`.
    public var role: AccreditationRole
    /// The accreditor and its covering accreditation.
    public var accreditedBy: AccreditorReference
    /// The root authority's DID.
    public var rootAuthority: String
    /// Scope entries.
    public var scope: [Scope]
    /// Start of the period (inclusive).
    public var validFrom: Date
    /// End of the period (exclusive).
    public var validUntil: Date
    /// The status derived at the document's issue time.
    public var status: AccreditationStatus
    /// Recorded changes.
    public var statusHistory: [StatusChange]
    /// The signed evidence (absent in snapshots).
    public var evidence: String?

    /// Creates a record.
    /// - Parameters:
    ///   - accreditationId: The id.
    ///   - subject: The accredited DID.
    ///   - role: The role.
    ///   - accreditedBy: The accreditor reference.
    ///   - rootAuthority: The root DID.
    ///   - scope: Scope entries.
    ///   - validFrom: Period start.
    ///   - validUntil: Period end.
    ///   - status: Derived status.
    ///   - statusHistory: Recorded changes.
    ///   - evidence: Signed evidence.
    public init(
        accreditationId: String,
        subject: String,
        role: AccreditationRole,
        accreditedBy: AccreditorReference,
        rootAuthority: String,
        scope: [Scope],
        validFrom: Date,
        validUntil: Date,
        status: AccreditationStatus,
        statusHistory: [StatusChange],
        evidence: String? = nil
    ) {
        self.accreditationId = accreditationId
        self.subject = subject
        self.role = role
        self.accreditedBy = accreditedBy
        self.rootAuthority = rootAuthority
        self.scope = scope
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.status = status
        self.statusHistory = statusHistory
        self.evidence = evidence
    }

    private enum CodingKeys: String, CodingKey {
        case accreditationId, subject, role, accreditedBy, rootAuthority, scope, validFrom, validUntil, status, statusHistory, evidence
    }

    /// Decodes the canonical JSON shape (times as RFC 3339 strings).
    /// - Parameter decoder: The decoder.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        accreditationId = try container.decode(String.self, forKey: .accreditationId)
        subject = try container.decode(String.self, forKey: .subject)
        role = try container.decode(AccreditationRole.self, forKey: .role)
        accreditedBy = try container.decode(AccreditorReference.self, forKey: .accreditedBy)
        rootAuthority = try container.decode(String.self, forKey: .rootAuthority)
        scope = try container.decode([Scope].self, forKey: .scope)
        validFrom = try container.decodeRegistryTime(forKey: .validFrom)
        validUntil = try container.decodeRegistryTime(forKey: .validUntil)
        status = try container.decode(AccreditationStatus.self, forKey: .status)
        statusHistory = try container.decode([StatusChange].self, forKey: .statusHistory)
        evidence = try container.decodeIfPresent(String.self, forKey: .evidence)
    }

    /// Encodes the canonical JSON shape; `evidence` only when present.
    /// - Parameter encoder: The encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(accreditationId, forKey: .accreditationId)
        try container.encode(subject, forKey: .subject)
        try container.encode(role, forKey: .role)
        try container.encode(accreditedBy, forKey: .accreditedBy)
        try container.encode(rootAuthority, forKey: .rootAuthority)
        try container.encode(scope, forKey: .scope)
        try container.encode(RegistryTime.format(validFrom), forKey: .validFrom)
        try container.encode(RegistryTime.format(validUntil), forKey: .validUntil)
        try container.encode(status, forKey: .status)
        try container.encode(statusHistory, forKey: .statusHistory)
        try container.encodeIfPresent(evidence, forKey: .evidence)
    }

    /// The record with `status` re-derived at `time` (what a wallet does after applying a change feed).
    /// - Parameter time: The instant.
    /// - Returns: The updated record.
    public func rederived(at time: Date) -> CanonicalAccreditation {
        var copy = self
        copy.status = status(at: time).publishedStatus
        return copy
    }
}

/// A recognition: the root authority declares another authority (typically another registry or a foreign
/// accreditation body outside this registry) authoritative for some actions on some resources, for TRQP
/// `/recognition` queries.
public struct Recognition: Codable, Sendable, Hashable, LifecycleRecord {
    /// 64 lowercase hex characters.
    public var recognitionId: String
    /// The recognising authority (the root authority's DID).
    public var authority: String
    /// The recognised authority's identifier (a DID or an `https` URL).
    public var entity: String
    /// Actions recognised, e.g. `recognize`, `accredit`.
    public var actions: [String]
    /// Resources recognised, e.g. `accreditation-decisions` or a QA scheme URI.
    public var resources: [String]
    /// Display names of the recognised authority by language.
    public var names: [String: String]
    /// Start of the period (inclusive).
    public var validFrom: Date
    /// End of the period (exclusive).
    public var validUntil: Date
    /// Recorded changes.
    public var statusHistory: [StatusChange]
    /// The status derived at the document's issue time (filled by projections; ignored by the state).
    public var status: AccreditationStatus

    /// Creates a recognition.
    /// - Parameters:
    ///   - recognitionId: The id.
    ///   - authority: The recognising authority.
    ///   - entity: The recognised authority.
    ///   - actions: Recognised actions.
    ///   - resources: Recognised resources.
    ///   - names: Display names.
    ///   - validFrom: Period start.
    ///   - validUntil: Period end.
    ///   - statusHistory: Recorded changes.
    ///   - status: Derived status.
    public init(
        recognitionId: String,
        authority: String,
        entity: String,
        actions: [String],
        resources: [String],
        names: [String: String],
        validFrom: Date,
        validUntil: Date,
        statusHistory: [StatusChange],
        status: AccreditationStatus = .active
    ) {
        self.recognitionId = recognitionId
        self.authority = authority
        self.entity = entity
        self.actions = actions
        self.resources = resources
        self.names = names
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.statusHistory = statusHistory
        self.status = status
    }

    private enum CodingKeys: String, CodingKey {
        case recognitionId, authority, entity, actions, resources, names, validFrom, validUntil, status, statusHistory
    }

    /// Decodes the JSON shape (times as RFC 3339 strings).
    /// - Parameter decoder: The decoder.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        recognitionId = try container.decode(String.self, forKey: .recognitionId)
        authority = try container.decode(String.self, forKey: .authority)
        entity = try container.decode(String.self, forKey: .entity)
        actions = try container.decode([String].self, forKey: .actions)
        resources = try container.decode([String].self, forKey: .resources)
        names = try container.decodeIfPresent([String: String].self, forKey: .names) ?? [:]
        validFrom = try container.decodeRegistryTime(forKey: .validFrom)
        validUntil = try container.decodeRegistryTime(forKey: .validUntil)
        status = try container.decode(AccreditationStatus.self, forKey: .status)
        statusHistory = try container.decode([StatusChange].self, forKey: .statusHistory)
    }

    /// Encodes the JSON shape.
    /// - Parameter encoder: The encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(recognitionId, forKey: .recognitionId)
        try container.encode(authority, forKey: .authority)
        try container.encode(entity, forKey: .entity)
        try container.encode(actions, forKey: .actions)
        try container.encode(resources, forKey: .resources)
        try container.encode(names, forKey: .names)
        try container.encode(RegistryTime.format(validFrom), forKey: .validFrom)
        try container.encode(RegistryTime.format(validUntil), forKey: .validUntil)
        try container.encode(status, forKey: .status)
        try container.encode(statusHistory, forKey: .statusHistory)
    }

    /// The recognition with `status` re-derived at `time`.
    /// - Parameter time: The instant.
    /// - Returns: The updated recognition.
    public func rederived(at time: Date) -> Recognition {
        var copy = self
        copy.status = status(at: time).publishedStatus
        return copy
    }
}

extension KeyedDecodingContainer {
    func decodeRegistryTime(forKey key: Key) throws -> Date {
        let text = try decode(String.self, forKey: key)
        do {
            return try RegistryTime.parse(text)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: error.reason)
        }
    }
}
