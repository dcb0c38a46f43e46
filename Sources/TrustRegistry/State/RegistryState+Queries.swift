import Foundation

/// The optional constraints of an authorization or recognition query (TRQP `context`).
public struct QueryContext: Sendable, Hashable {
    /// The instant to evaluate at (e.g. when a credential was issued); `nil` for the evaluation time.
    public var time: Date?
    /// An EQF level the use needs (URI, or a bare `1`…`8`).
    public var eqfLevel: String?
    /// A jurisdiction (URI, or a bare ISO alpha-3 code for the EU country table).
    public var jurisdiction: String?
    /// An ISCED-F field (URI, or a bare 2-4 digit code).
    public var iscedF: String?

    /// Creates a context; bare codes are normalised to the vocabulary URIs (see ``RegistryVocabulary``).
    /// - Parameters:
    ///   - time: The instant.
    ///   - eqfLevel: EQF level.
    ///   - jurisdiction: Jurisdiction.
    ///   - iscedF: ISCED-F field.
    public init(time: Date? = nil, eqfLevel: String? = nil, jurisdiction: String? = nil, iscedF: String? = nil) {
        self.time = time.map(RegistryTime.truncated)
        self.eqfLevel = eqfLevel.map(RegistryVocabulary.normalisedEQFLevel)
        self.jurisdiction = jurisdiction.map(RegistryVocabulary.normalisedJurisdiction)
        self.iscedF = iscedF.map(RegistryVocabulary.normalisedISCEDF)
    }

    /// `resource` with the constraints asked, as decision messages name it: `MicroCredential EQF <level> in
    /// <jurisdiction> field <ISCED-F>`. Shared with the wallet client, whose local decisions word them the same way.
    /// - Parameter resource: The credential type or schema id.
    /// - Returns: The description.
    public func describe(_ resource: String) -> String {
        var parts = [resource]
        if let level = eqfLevel { parts.append("EQF \(level)") }
        if let jurisdiction { parts.append("in \(jurisdiction)") }
        if let field = iscedF { parts.append("field \(field)") }
        return parts.joined(separator: " ")
    }
}

/// The answer to an authorization or recognition query.
public struct AuthorizationDecision: Sendable, Hashable {
    /// Whether the entity is authorized (recognized).
    public let authorized: Bool
    /// The accreditation (or recognition) that decided, when one did.
    public let accreditationId: String?
    /// A message naming the accreditation and the state's sequence number, or the reason for a denial.
    public let message: String
    /// The sequence number the answer reflects.
    public let seq: Int
    /// The instant evaluated (the query's time, or the evaluation time).
    public let time: Date
}

/// The actions the registry's governance framework defines for TRQP queries.
public enum RegistryAction {
    /// Issue credentials of a type or schema (accreditation role `TI`).
    public static let issue = "issue"
    /// Accredit others for a type or schema (role `TAO`, or the root authorisation).
    public static let accredit = "accredit"
    /// Recognition queries: be recognised as an authority.
    public static let recognize = "recognize"
    /// The resource of a recognition query that asks whether an authority is recognised for accreditation decisions
    /// at all, whatever the credential type.
    public static let accreditationDecisions = "accreditation-decisions"
}

/// Whether an entity may issue credentials at an instant, of any type, and if not why:
/// ``RegistryState/issuingStanding(of:at:)``.
public enum IssuingStanding: Sendable {
    /// This accreditation to issue (`TI`) and its whole chain up to the root authorisation are in force.
    case accredited(AccreditationRecord)
    /// The DID is not an entity of the registry.
    case unregistered
    /// The entity is registered, but holds no accreditation to issue (`TI`): e.g. an accreditation body.
    case notAccreditedToIssue(EntityRole)
    /// None of the entity's accreditations to issue is in force: each, oldest first, with where its chain breaks.
    case lapsed([LapsedAccreditation])
}

/// An accreditation to issue that is not in force, and the link of its chain that is not (itself, or an accreditation
/// up its chain, such as its accrediting body's).
public struct LapsedAccreditation: Sendable {
    /// The entity's own accreditation.
    public let accreditation: AccreditationRecord
    /// Where its chain stops being in force.
    public let chainBreak: ChainBreak<AccreditationRecord>
}

extension RegistryState {
    /// Whether `entity` is an active accredited issuer at `time`, whatever the credential type: the rule of `issue`
    /// authorization queries (``authorization(entity:authority:action:resource:context:now:)``: an accreditation with
    /// role `TI` in force at the instant, with every accreditation up its chain to the root in force too) without a
    /// resource or scope constraint. A server that requires accreditation of issuer tokens asks this before each write.
    /// - Parameters:
    ///   - entity: The entity's DID.
    ///   - time: The instant (truncated to whole seconds, as queries are).
    /// - Returns: The standing; for a denial, every reason.
    public func issuingStanding(of entity: String, at time: Date) -> IssuingStanding {
        let time = RegistryTime.truncated(time)
        var lapsed: [LapsedAccreditation] = []
        for id in recordsBySubject[entity] ?? [] {
            guard let record = records[id], record.role == .ti else { continue }
            if chainIsActive(from: record, at: time, underAuthority: nil).active { return .accredited(record) }
            if let chainBreak = record.chainBreak(at: time, parent: { records[$0] }) {
                lapsed.append(LapsedAccreditation(accreditation: record, chainBreak: chainBreak))
            }
        }
        if !lapsed.isEmpty { return .lapsed(lapsed) }
        guard let registered = entities[entity] else { return .unregistered }
        return .notAccreditedToIssue(registered.role)
    }
}

extension RegistryState {
    /// Whether `did` can be the `authority_id` of a query: the root authority or a registered accreditation body.
    /// - Parameter did: The DID.
    /// - Returns: `true` for a known authority.
    public func isAuthority(_ did: String) -> Bool {
        did == rootAuthority || entities[did]?.role == .accreditationBody
    }

    /// Answers "was `entity` authorized by `authority` to do `action` on `resource` at `context.time`?"
    ///
    /// Authorized when one of the entity's accreditations with the action's role (`issue` → `TI`, `accredit` → `TAO`
    /// or the root authorisation) has a scope entry permitting the resource under the context's EQF level,
    /// jurisdiction and ISCED-F field, is active at the instant, every accreditation up its chain to the root is
    /// active at that instant too (a suspended body suspends its issuers' authority), and `authority` is the root or
    /// an accreditor on that chain. The cost is a dictionary lookup plus a scan of the entity's few accreditations.
    /// - Parameters:
    ///   - entity: The entity's DID.
    ///   - authority: The root authority or an accreditation body.
    ///   - action: `issue` or `accredit` (others are denied).
    ///   - resource: A credential type or schema id.
    ///   - context: Time and scope constraints.
    ///   - now: The evaluation time, used when `context.time` is absent.
    /// - Returns: The decision; an unknown entity is a denial, not an error.
    /// - Throws: ``RegistryError/Code/unknownAuthority`` when `authority` is not a known authority.
    public func authorization(
        entity: String,
        authority: String,
        action: String,
        resource: String,
        context: QueryContext = QueryContext(),
        now: Date = Date()
    ) throws(RegistryError) -> AuthorizationDecision {
        guard isAuthority(authority) else {
            throw RegistryError(.unknownAuthority, "\(authority) is neither this registry's root authority nor a registered accreditation body")
        }
        let time = context.time ?? RegistryTime.truncated(now)
        let roles: [AccreditationRole]
        switch action {
        case RegistryAction.issue: roles = [.ti]
        case RegistryAction.accredit: roles = [.tao, .rootTAO]
        default:
            return decision(false, nil, "action \(action) is not defined by this registry (issue, accredit)", time)
        }
        return evaluate(entity: entity, authority: authority, roles: roles, time: time, verb: action) { entry in
            entry.permits(resource: resource, eqfLevel: context.eqfLevel, jurisdiction: context.jurisdiction, iscedF: context.iscedF)
        } describeScope: {
            context.describe(resource)
        }
    }

    /// Answers "did `authority` recognise `entity` as authoritative for `action` on `resource` at `context.time`?"
    ///
    /// Recognized when either the root authority holds an active recognition of `entity` listing the action and the
    /// resource, or `entity` is an accreditation body whose `TAO` accreditation (or, for the root, its authorisation)
    /// covers the resource, is active with its whole chain at the instant, and was granted under `authority`. For
    /// bodies the action must be `accredit` or `recognize`, and the resource may be ``RegistryAction/accreditationDecisions``
    /// (any scope).
    /// - Parameters:
    ///   - entity: The authority asked about.
    ///   - authority: The root authority or an accreditation body.
    ///   - action: E.g. `recognize` or `accredit`.
    ///   - resource: A credential type, schema id, or ``RegistryAction/accreditationDecisions``.
    ///   - context: Time and scope constraints.
    ///   - now: The evaluation time, used when `context.time` is absent.
    /// - Returns: The decision (`authorized` means recognized).
    /// - Throws: ``RegistryError/Code/unknownAuthority`` when `authority` is not a known authority.
    public func recognition(
        entity: String,
        authority: String,
        action: String,
        resource: String,
        context: QueryContext = QueryContext(),
        now: Date = Date()
    ) throws(RegistryError) -> AuthorizationDecision {
        guard isAuthority(authority) else {
            throw RegistryError(.unknownAuthority, "\(authority) is neither this registry's root authority nor a registered accreditation body")
        }
        let time = context.time ?? RegistryTime.truncated(now)
        var explicitProblem: String?
        if authority == rootAuthority {
            for id in recognitionsByEntity[entity] ?? [] {
                guard let recognition = recognitions[id], recognition.actions.contains(action), recognition.resources.contains(resource) else {
                    continue
                }
                let status = recognition.status(at: time)
                if status == .active {
                    return decision(
                        true,
                        id,
                        "recognition \(id) of \(entity) by \(authority) active at \(RegistryTime.format(time)) (seq \(seq))",
                        time
                    )
                }
                explicitProblem = explicitProblem ?? "recognition \(id) is \(recognition.describe(status, at: time))"
            }
        }
        guard action == RegistryAction.accredit || action == RegistryAction.recognize else {
            let reason = explicitProblem ?? "no recognition of \(entity) for \(action) on \(resource)"
            return decision(false, nil, "\(reason) (seq \(seq))", time)
        }
        let answer = evaluate(entity: entity, authority: authority, roles: [.tao, .rootTAO], time: time, verb: "accredit") { entry in
            resource == RegistryAction.accreditationDecisions
                || entry.permits(resource: resource, eqfLevel: context.eqfLevel, jurisdiction: context.jurisdiction, iscedF: context.iscedF)
        } describeScope: {
            context.describe(resource)
        }
        if !answer.authorized, let explicitProblem {
            return decision(false, nil, "\(explicitProblem) (seq \(seq))", time)
        }
        return answer
    }

    private func evaluate(
        entity: String,
        authority: String,
        roles: [AccreditationRole],
        time: Date,
        verb: String,
        permits: (Scope) -> Bool,
        describeScope: () -> String
    ) -> AuthorizationDecision {
        guard let ids = recordsBySubject[entity] else {
            return decision(false, nil, "\(entity) is not accredited in this registry (seq \(seq))", time)
        }
        var inactive: AccreditationRecord?
        var outsideAuthority: AccreditationRecord?
        for id in ids {
            guard let record = records[id], roles.contains(record.role), record.scope.contains(where: permits) else { continue }
            let (active, underAuthority) = chainIsActive(from: record, at: time, underAuthority: authority)
            if active && underAuthority {
                let message =
                    "accreditation \(id) (\(record.role.rawValue)) of \(entity) by \(record.accreditedBy.did) active at "
                    + "\(RegistryTime.format(time)) (seq \(seq))"
                return decision(true, id, message, time)
            }
            if !underAuthority {
                outsideAuthority = outsideAuthority ?? record
            } else {
                inactive = inactive ?? record
            }
        }
        if let inactive, let problem = chainProblem(from: inactive, at: time) {
            return decision(false, inactive.accreditationId, "\(problem) (seq \(seq))", time)
        }
        if let outsideAuthority {
            let message = "accreditation \(outsideAuthority.accreditationId) of \(entity) was not granted under authority \(authority) (seq \(seq))"
            return decision(false, outsideAuthority.accreditationId, message, time)
        }
        return decision(false, nil, "no accreditation of \(entity) covers \(verb) of \(describeScope()) (seq \(seq))", time)
    }

    private func decision(_ authorized: Bool, _ id: String?, _ message: String, _ time: Date) -> AuthorizationDecision {
        AuthorizationDecision(authorized: authorized, accreditationId: id, message: message, seq: seq, time: time)
    }
}
