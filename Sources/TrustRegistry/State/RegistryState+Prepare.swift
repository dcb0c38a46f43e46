import Foundation
import Signing

extension RegistryState {
    /// Verifies a parsed statement against the state and builds the write. Shared by submission and replay (which
    /// passes the stored time and skips the clock checks).
    func prepare(
        _ statement: SignedStatement,
        compact: String,
        requestedAt: Date,
        checkFreshness: Bool
    ) throws(RegistryError) -> PreparedWrite {
        let at = max(requestedAt, lastEventAt ?? requestedAt)
        let signer = try verifiedSigner(of: statement)
        let root = rootAuthority ?? signer.did
        guard statement.audience == root else {
            throw RegistryError(.notPermitted, "statement is addressed to \(statement.audience), not to this registry's root authority \(root)")
        }
        let nonceKey = statement.issuer + " " + statement.nonce
        guard !usedNonces.contains(nonceKey) else {
            throw RegistryError(.conflict, "statement jti \(statement.nonce) of \(statement.issuer) was already used (replayed statement)")
        }
        if checkFreshness {
            if statement.issuedAt.timeIntervalSince(at) > policy.maximumClockSkew {
                throw RegistryError(.malformed, "statement iat \(RegistryTime.format(statement.issuedAt)) is in the future")
            }
            if let maximumAge = policy.maximumStatementAge, at.timeIntervalSince(statement.issuedAt) > maximumAge {
                throw RegistryError(.malformed, "statement iat \(RegistryTime.format(statement.issuedAt)) is older than the registry accepts")
            }
        }
        let nextSeq = seq + 1
        let mutation: PreparedWrite.Mutation
        let target: String
        let payload: JSONValue
        switch statement.content {
        case .accreditation(let grant, let subjectEntity):
            if statement.kind == .initialise {
                guard let entity = subjectEntity else { throw RegistryError(.malformed, "initialise carries no root entity") }
                let record = try initialRecord(grant: grant, root: entity, evidence: compact, at: at, seq: nextSeq)
                mutation = .initialise(entity, record)
                payload = [
                    "entity": try JSONValue.registryEncoding(entity),
                    "accreditation": try JSONValue.registryEncoding(record.canonical(at: at)),
                ]
            } else {
                let (record, newEntity) = try accreditation(
                    grant: grant,
                    subjectEntity: subjectEntity,
                    signer: signer,
                    evidence: compact,
                    at: at,
                    seq: nextSeq
                )
                mutation = .accredit(record, newEntity: newEntity)
                var members: [String: JSONValue] = ["accreditation": try JSONValue.registryEncoding(record.canonical(at: at))]
                if let newEntity { members["entity"] = try JSONValue.registryEncoding(newEntity) }
                payload = .object(members)
            }
            target = grant.accreditationId
        case .lifecycle(let change):
            try change.validate()
            let statusChange = StatusChange(status: change.action.resultingStatus, at: at, reason: change.reason, seq: nextSeq)
            if records[change.targetId] != nil {
                try checkAccreditationChange(change, signer: signer.did, at: at)
                mutation = .accreditationChange(id: change.targetId, statusChange, evidence: compact)
            } else if recognitions[change.targetId] != nil {
                try checkRecognitionChange(change, signer: signer.did, at: at)
                mutation = .recognitionChange(id: change.targetId, statusChange)
            } else {
                throw RegistryError(.unknownAccreditation, "no accreditation or recognition has id \(change.targetId)")
            }
            target = change.targetId
            payload = ["id": .string(change.targetId), "change": try JSONValue.registryEncoding(statusChange)]
        case .entityUpdate(let proposed):
            let entity = try checkEntityUpdate(proposed, signer: signer.did)
            mutation = .updateEntity(entity)
            target = entity.did
            payload = ["entity": try JSONValue.registryEncoding(entity)]
        case .recognition(let grant):
            let recognition = try checkRecognition(grant, signer: signer.did, at: at, seq: nextSeq)
            mutation = .recognise(recognition)
            target = grant.recognitionId
            payload = ["recognition": try JSONValue.registryEncoding(recognition.rederived(at: at))]
        }
        let event = try RegistryEvent(
            seq: nextSeq,
            at: at,
            kind: statement.kind,
            target: target,
            payload: payload,
            evidence: compact,
            prevHash: headHash
        )
        return PreparedWrite(event: event, mutation: mutation, nonceKey: nonceKey)
    }

    /// The signer's registered entity, after checking the statement's signature with the registered key its `kid`
    /// names. Before initialisation the only acceptable statement is the root's self-signed `initialise`.
    private func verifiedSigner(of statement: SignedStatement) throws(RegistryError) -> Entity {
        let signer: Entity
        if seq == 0 {
            guard statement.kind == .initialise, case .accreditation(_, let entity?) = statement.content else {
                throw RegistryError(.malformed, "the registry is not initialised: the first statement must be initialise")
            }
            signer = try entity.validated()
            guard signer.did == statement.issuer else {
                throw RegistryError(.malformed, "initialise must be signed by the root entity it registers")
            }
        } else {
            guard statement.kind != .initialise else {
                throw RegistryError(.conflict, "the registry is already initialised by \(rootAuthority ?? "")")
            }
            guard let registered = entities[statement.issuer] else {
                throw RegistryError(.unknownEntity, "signer \(statement.issuer) is not a registered entity")
            }
            signer = registered
        }
        guard let key = signer.verificationKey(forKeyID: statement.keyID) else {
            throw RegistryError(.badSignature, "key \(statement.keyID) is not registered for \(signer.did)")
        }
        do {
            try statement.jws.verify(with: key, expectedType: statement.kind.mediaType)
        } catch {
            throw RegistryError(.badSignature, "statement signature does not verify with \(statement.keyID): \(error.reason)")
        }
        return signer
    }

    private func initialRecord(
        grant: AccreditationGrant,
        root: Entity,
        evidence: String,
        at: Date,
        seq: Int
    ) throws(RegistryError) -> AccreditationRecord {
        let entity = try root.validated()
        guard entity == root else { throw RegistryError(.malformed, "the root entity must be sent in normalised form (keys with kid and alg)") }
        guard entity.role == .rootAuthority else { throw RegistryError(.malformed, "the initialising entity must have role rootAuthority") }
        guard grant.role == .rootTAO, grant.subject == entity.did else {
            throw RegistryError(.malformed, "initialise must carry a RootTAO authorisation of the root entity itself")
        }
        try grant.validate()
        guard grant.validUntil > at else {
            throw RegistryError(.scopeViolation, "period already ended at \(RegistryTime.format(grant.validUntil))")
        }
        return AccreditationRecord(
            accreditationId: grant.accreditationId,
            subject: entity.did,
            role: .rootTAO,
            accreditedBy: AccreditorReference(did: entity.did, accreditationId: grant.accreditationId),
            rootAuthority: entity.did,
            scope: grant.scope,
            validFrom: grant.validFrom,
            validUntil: grant.validUntil,
            statusHistory: [StatusChange(status: .active, at: min(grant.validFrom, at), reason: nil, seq: seq)],
            evidence: evidence,
            changeEvidence: [:]
        )
    }

    private func accreditation(
        grant: AccreditationGrant,
        subjectEntity: Entity?,
        signer: Entity,
        evidence: String,
        at: Date,
        seq: Int
    ) throws(RegistryError) -> (AccreditationRecord, Entity?) {
        try grant.validate()
        guard let root = rootAuthority else { throw RegistryError(.malformed, "the registry is not initialised") }
        guard signer.role != .issuer else {
            throw RegistryError(.notPermitted, "\(signer.did) is an issuer: issuers cannot accredit")
        }
        guard grant.role != .rootTAO else {
            throw RegistryError(.notPermitted, "the root authorisation is only created by initialise")
        }
        if signer.did == root, grant.role != .tao {
            throw RegistryError(.notPermitted, "the root authority accredits bodies (TAO), not issuers: a body accredits \(grant.subject)")
        }
        guard grant.subject != signer.did else {
            throw RegistryError(.notPermitted, "\(signer.did) cannot accredit itself")
        }
        guard records[grant.accreditationId] == nil, recognitions[grant.accreditationId] == nil else {
            throw RegistryError(.conflict, "accreditation id \(grant.accreditationId) is already used")
        }
        // The ceiling: the signer's own accreditation named as parent, in force (with its whole chain) now.
        guard let parentID = grant.parentAccreditationId, let parent = records[parentID] else {
            throw RegistryError(.unknownAccreditation, "parent accreditation \(grant.parentAccreditationId ?? "") does not exist")
        }
        guard parent.subject == signer.did else {
            throw RegistryError(.notPermitted, "parent accreditation \(parentID) belongs to \(parent.subject), not to the signer \(signer.did)")
        }
        guard parent.role.mayAccredit else {
            throw RegistryError(.notPermitted, "parent accreditation \(parentID) is an accreditation to attest (TI): it does not allow accrediting")
        }
        if let problem = chainProblem(from: parent, at: at) {
            throw RegistryError(.notActive, "the body's \(problem): it cannot accredit")
        }
        try grant.scope.checkContained(in: parent.scope)
        guard grant.validFrom >= parent.validFrom else {
            throw RegistryError(
                .scopeViolation,
                "period starts before the body's accreditation: \(RegistryTime.format(grant.validFrom)) < \(RegistryTime.format(parent.validFrom))"
            )
        }
        guard grant.validUntil <= parent.validUntil else {
            throw RegistryError(
                .scopeViolation,
                "period ends after the body's accreditation: \(RegistryTime.format(grant.validUntil)) > \(RegistryTime.format(parent.validUntil))"
            )
        }
        guard grant.validUntil > at else {
            throw RegistryError(.scopeViolation, "period already ended at \(RegistryTime.format(grant.validUntil))")
        }
        // The subject: registered once, with the role its accreditations need.
        var newEntity: Entity?
        if let registered = entities[grant.subject] {
            guard registered.role == grant.role.subjectRole else {
                throw RegistryError(
                    .conflict,
                    "\(grant.subject) is registered as \(registered.role.rawValue) and cannot receive a \(grant.role.rawValue) accreditation"
                )
            }
            if let subjectEntity {
                guard try subjectEntity.validated() == registered else {
                    throw RegistryError(
                        .conflict,
                        "the statement's entity data for \(grant.subject) differs from the registered entity: use updateEntity"
                    )
                }
            }
        } else {
            guard let subjectEntity else {
                throw RegistryError(.unknownEntity, "subject \(grant.subject) is not registered and the statement carries no entity")
            }
            let entity = try subjectEntity.validated()
            guard entity == subjectEntity else {
                throw RegistryError(.malformed, "the subject entity must be sent in normalised form (keys with kid and alg)")
            }
            guard entity.did == grant.subject, entity.role == grant.role.subjectRole else {
                throw RegistryError(.malformed, "the subject entity must have DID \(grant.subject) and role \(grant.role.subjectRole.rawValue)")
            }
            newEntity = entity
        }
        if let existing = accreditation(duplicating: grant, by: signer.did) {
            throw RegistryError(
                .conflict,
                "\(grant.subject) already holds this accreditation from \(signer.did) (accreditation \(existing.accreditationId), "
                    + "same role, scope and period): nothing to add")
        }
        let record = AccreditationRecord(
            accreditationId: grant.accreditationId,
            subject: grant.subject,
            role: grant.role,
            accreditedBy: AccreditorReference(did: signer.did, accreditationId: parentID),
            rootAuthority: root,
            scope: grant.scope,
            validFrom: grant.validFrom,
            validUntil: grant.validUntil,
            statusHistory: [StatusChange(status: .active, at: min(grant.validFrom, at), reason: nil, seq: seq)],
            evidence: evidence,
            changeEvidence: [:]
        )
        return (record, newEntity)
    }

    private func checkAccreditationChange(_ change: LifecycleChange, signer: String, at: Date) throws(RegistryError) {
        guard let record = records[change.targetId] else {
            throw RegistryError(.unknownAccreditation, "no accreditation has id \(change.targetId)")
        }
        guard change.subject == record.subject else {
            throw RegistryError(.malformed, "accreditation \(record.accreditationId) belongs to \(record.subject), not \(change.subject)")
        }
        guard record.role != .rootTAO else {
            throw RegistryError(.forbiddenTransition, "the root authorisation cannot be suspended, reinstated or revoked")
        }
        guard signer == record.accreditedBy.did || signer == rootAuthority else {
            throw RegistryError(
                .notPermitted,
                "only the accreditor \(record.accreditedBy.did) or the root authority may \(change.action.rawValue) "
                    + "accreditation \(record.accreditationId)"
            )
        }
        try checkTransition(change.action, of: record, name: "accreditation \(record.accreditationId)", at: at)
        // Reinstating widens what is in force, so an accreditor that is not itself active may not do it; suspending
        // and revoking only restrict, so they stay possible for a body that is itself suspended.
        if change.action == .reinstate, signer != rootAuthority, let parent = records[record.accreditedBy.accreditationId],
            let problem = chainProblem(from: parent, at: at)
        {
            throw RegistryError(.notActive, "the body's \(problem): it cannot reinstate")
        }
    }

    private func checkRecognitionChange(_ change: LifecycleChange, signer: String, at: Date) throws(RegistryError) {
        guard let recognition = recognitions[change.targetId] else {
            throw RegistryError(.unknownAccreditation, "no recognition has id \(change.targetId)")
        }
        guard change.subject == recognition.entity else {
            throw RegistryError(.malformed, "recognition \(recognition.recognitionId) is of \(recognition.entity), not \(change.subject)")
        }
        guard signer == rootAuthority else {
            throw RegistryError(.notPermitted, "only the root authority may \(change.action.rawValue) a recognition")
        }
        try checkTransition(change.action, of: recognition, name: "recognition \(recognition.recognitionId)", at: at)
    }

    private func checkTransition(_ action: LifecycleAction, of record: some LifecycleRecord, name: String, at: Date) throws(RegistryError) {
        let current = record.latestChange?.status ?? .active
        if current == .revoked {
            let since = record.latestChange.map { " at \(RegistryTime.format($0.at))" } ?? ""
            throw RegistryError(.forbiddenTransition, "\(name) was revoked\(since): revoked is final")
        }
        switch action {
        case .suspend:
            guard current == .active else {
                throw RegistryError(.forbiddenTransition, "\(name) is already suspended")
            }
            guard at < record.validUntil else {
                throw RegistryError(.forbiddenTransition, "\(name) expired at \(RegistryTime.format(record.validUntil)): it cannot be suspended")
            }
        case .reinstate:
            guard current == .suspended else {
                throw RegistryError(.forbiddenTransition, "\(name) is not suspended: only a suspended accreditation can be reinstated")
            }
            guard at < record.validUntil else {
                throw RegistryError(.forbiddenTransition, "\(name) expired at \(RegistryTime.format(record.validUntil)): it cannot be reinstated")
            }
        case .revoke:
            break
        }
    }

    private func checkEntityUpdate(_ proposed: Entity, signer: String) throws(RegistryError) -> Entity {
        guard let registered = entities[proposed.did] else {
            throw RegistryError(.unknownEntity, "\(proposed.did) is not a registered entity")
        }
        guard signer == rootAuthority || signer == proposed.did else {
            throw RegistryError(.notPermitted, "only the root authority or \(proposed.did) itself may update its registration")
        }
        let entity = try proposed.validated()
        guard entity == proposed else {
            throw RegistryError(.malformed, "the entity must be sent in normalised form (keys with kid and alg)")
        }
        guard entity.role == registered.role else {
            throw RegistryError(.conflict, "\(entity.did) is registered as \(registered.role.rawValue): an update cannot change the role")
        }
        guard entity != registered else { throw RegistryError(.conflict, "the update does not change \(entity.did)") }
        return entity
    }

    private func checkRecognition(_ grant: RecognitionGrant, signer: String, at: Date, seq: Int) throws(RegistryError) -> Recognition {
        guard let root = rootAuthority, signer == root else {
            throw RegistryError(.notPermitted, "only the root authority may recognise another authority")
        }
        try grant.validate()
        guard grant.entity != root else { throw RegistryError(.notPermitted, "the root authority cannot recognise itself") }
        guard recognitions[grant.recognitionId] == nil, records[grant.recognitionId] == nil else {
            throw RegistryError(.conflict, "recognition id \(grant.recognitionId) is already used")
        }
        guard grant.validUntil > at else {
            throw RegistryError(.scopeViolation, "period already ended at \(RegistryTime.format(grant.validUntil))")
        }
        return Recognition(
            recognitionId: grant.recognitionId,
            authority: root,
            entity: grant.entity,
            actions: grant.actions,
            resources: grant.resources,
            names: grant.names,
            validFrom: grant.validFrom,
            validUntil: grant.validUntil,
            statusHistory: [StatusChange(status: .active, at: min(grant.validFrom, at), reason: nil, seq: seq)]
        )
    }
}
