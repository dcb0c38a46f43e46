import Foundation
import Signing
import StandingAPI
import TrustRegistry

extension RegistryAuthoring {
    /// One step of a DEQAR import, as it goes (for progress).
    public struct DEQARProgress: Sendable {
        /// Steps done, including this one.
        public var done: Int
        /// Steps in all.
        public var total: Int
        /// What this step did, e.g. `accredited did:web:uni.example.es (report 1001)`.
        public var line: String
    }

    /// Plans a DEQAR import against the registry's verified state: what ``importDEQAR(_:map:options:rootKeyFile:progress:)``
    /// would change, for a dry run. Nothing is signed or sent.
    public func planDEQARImport(_ export: DEQARExport, map: DEQARIdentifierMap, options: DEQARImportOptions) async throws -> DEQARPlan {
        try DEQARPlan(export: export, map: map, options: options, state: try await replayedState())
    }

    /// Imports a DEQAR export: plans it (``DEQARPlan``), then signs here and submits, in order, the root authority's
    /// body registrations (with the root key), and each agency's revocations and accreditations (with the agency's key
    /// from the map). A refused statement stops the import with the report it came from; what was recorded stays, and
    /// running the import again continues from there (the plan is recomputed from the registry).
    /// - Parameters:
    ///   - rootKeyFile: The root authority's private JWK file; needed only when a body is registered.
    ///   - progress: Told of each statement as it is recorded.
    /// - Returns: The plan that was carried out.
    public func importDEQAR(
        _ export: DEQARExport, map: DEQARIdentifierMap, options: DEQARImportOptions, rootKeyFile: String?,
        progress: (DEQARProgress) -> Void = { _ in }
    ) async throws -> DEQARPlan {
        let plan = try await planDEQARImport(export, map: map, options: options)
        let bodies = plan.bodies.filter { $0.action != .unchanged }
        let accreditations = plan.accreditations.filter { $0.action != .unchanged }
        let total = bodies.count + accreditations.reduce(0) { $0 + ($1.revokes != nil ? 1 : 0) + ($1.action == .withdrawn ? 0 : 1) }
        var done = 0
        func next(_ line: String) -> DEQARProgress {
            done += 1
            return DEQARProgress(done: done, total: total, line: line)
        }
        var agencySigners = [String: Signer]()
        func agencySigner(_ agencyId: String, did: String) throws -> Signer {
            if let known = agencySigners[agencyId] { return known }
            guard let entry = map.agencies[agencyId] else { throw AuthoringError("agency \(agencyId) has no entry in the identifier map") }
            let signer: Signer
            do {
                signer = try Signer(did: did, keyFile: entry.keyFile)
            } catch {
                throw AuthoringError("agency \(agencyId)'s key: \(error)")
            }
            agencySigners[agencyId] = signer
            return signer
        }

        if !bodies.isEmpty {
            guard let rootKeyFile else {
                throw AuthoringError(
                    "\(bodies.count) agenc\(bodies.count == 1 ? "y is" : "ies are") to be registered as bodies: give --root-key "
                        + "(the root authority's private JWK file), or --dry-run to see the plan")
            }
            let (rootKey, rootKid) = try LocalFiles.signingKey(rootKeyFile)
            for body in bodies {
                let signer = try agencySigner(body.agencyId, did: body.did)
                let agency = export.agencies.first { $0.id == body.agencyId }
                let entity = try ScopeInput.entity(
                    did: body.did, role: .accreditationBody, key: signer.key.verificationKey.jwk(keyID: signer.fileKid),
                    names: [agency?.name ?? body.name], country: agency?.country.alpha2,
                    website: DEQARMapping.website(agency?.website, fallback: "https://data.deqar.eu/agency/\(body.agencyId)"), email: nil)
                do {
                    _ = try await registerBody(
                        entity, scope: body.scope, validFrom: body.validFrom, validUntil: body.validUntil,
                        signer: { Signer(did: $0, key: rootKey, fileKid: rootKid) }, root: nil)
                } catch {
                    throw AuthoringError("agency \(body.agencyId) (\(body.did)) was not registered as a body: \(error)")
                }
                progress(next("registered body \(body.did) (DEQAR agency \(body.agencyId))"))
            }
        }

        let state = try await replayedState()
        guard let rootDID = state.rootAuthority else { throw AuthoringError("the registry has no root authority yet") }
        var registeredSubjects = Set<String>()
        for planned in accreditations {
            let source = "report \(planned.reportId), institution \(planned.institutionId)"
            let signer = try agencySigner(planned.agencyId, did: planned.accreditor)
            if let revoked = planned.revokes, let record = state.accreditation(revoked) {
                let reason =
                    planned.action == .withdrawn
                    ? "DEQAR report \(planned.reportId): decision \(planned.decision)"
                    : "DEQAR report \(planned.reportId) changed: superseded by accreditation \(planned.accreditationId)"
                do {
                    _ = try await signAndSubmit(signer, registered: state.entity(signer.did)) { () throws(RegistryError) in
                        try RegistryStatement.lifecycle(
                            signer: signer.did,
                            change: LifecycleChange(action: .revoke, targetId: revoked, subject: record.subject, reason: reason),
                            rootAuthority: rootDID)
                    }
                } catch {
                    throw AuthoringError("\(source): revoking accreditation \(revoked) was refused: \(error)")
                }
                progress(next("revoked \(record.subject)'s accreditation \(revoked.prefix(12))… (\(source))"))
            }
            guard planned.action != .withdrawn else { continue }
            guard
                let parent = state.parentCandidates(
                    body: planned.accreditor, scope: [planned.scope], validFrom: planned.validFrom, validUntil: planned.validUntil,
                    at: options.now
                ).first
            else {
                throw AuthoringError("\(source): \(planned.accreditor) holds no accreditation that covers it")
            }
            let grant = AccreditationGrant(
                accreditationId: planned.accreditationId, subject: planned.subject, role: .ti, scope: [planned.scope],
                validFrom: planned.validFrom, validUntil: planned.validUntil, parentAccreditationId: parent)
            var subjectEntity: Entity?
            if state.entity(planned.subject) == nil, !registeredSubjects.contains(planned.subject) {
                guard let key = planned.subjectKey else { throw AuthoringError("\(source): \(planned.subject) has no public key") }
                let institution = export.institutions.first { $0.id == planned.institutionId }
                subjectEntity = try ScopeInput.entity(
                    did: planned.subject, role: .issuer, key: key, names: [planned.institutionName],
                    country: institution?.countries.first?.alpha2,
                    website: DEQARMapping.website(institution?.website, fallback: "https://data.deqar.eu/institution/\(planned.institutionId)"),
                    email: nil)
            }
            do {
                _ = try await signAndSubmit(signer, registered: state.entity(signer.did)) { () throws(RegistryError) in
                    try RegistryStatement.accredit(
                        accreditor: signer.did, grant: grant, subjectEntity: subjectEntity, rootAuthority: rootDID,
                        registryBaseURL: client.serverURL)
                }
            } catch {
                throw AuthoringError("\(source): accrediting \(planned.subject) was refused: \(error)")
            }
            registeredSubjects.insert(planned.subject)
            progress(next("accredited \(planned.subject) (\(source))"))
        }
        return plan
    }
}
