import Foundation
import Signing
import TrustRegistry

/// What importing a DEQAR export would change in a registry: computed from the verified registry state alone (a pure
/// function, so a dry run and the real import agree), then carried out by ``RegistryAuthoring/importDEQAR(_:map:options:rootKeyFile:progress:)``.
///
/// ## Rules
/// - **Bodies.** Each EQAR-registered agency with a DID in the map becomes an accreditation body (TAO under the root
///   authorisation) for the import's credential types at EQF 5-8, in its own country, its focus countries and the
///   countries of the institutions it accredits, from `registration_start` to the day after `registration_valid_to`,
///   both kept inside the root authorisation. A body whose current accreditation already has that scope and period is
///   unchanged; otherwise a new body accreditation is added beside the old one (never revoked: the accreditations
///   granted under it would fall with it).
/// - **Accreditations.** Each (report, institution) pair whose decision is `positive` or `positive with conditions
///   or restrictions` and whose period has not ended accredits the institution's DID (TI), signed by the agency: EQF
///   levels from the programmes' QF-EHEA levels (else the institution's), jurisdictions from the institution's
///   countries, the report's period kept inside the agency's registration.
/// - **Idempotence.** The accreditation of a (report, institution) pair has a deterministic id (``accreditationId(report:institution:revision:)``),
///   so a re-import finds it: the same grant is unchanged; a report that changed (other levels, dates) revokes the
///   old accreditation and adds revision k+1; a report that turned `negative` revokes it. An accreditation revoked in
///   the registry by hand stays revoked while the report is unchanged.
public struct DEQARPlan: Sendable, Encodable {
    /// What happens to a body.
    public enum BodyAction: String, Sendable, Encodable {
        /// Registered now.
        case new
        /// Its current accreditation has this scope and period already.
        case unchanged
        /// Registered already with another scope or period: a new body accreditation is added.
        case changed
    }

    /// One agency as a body.
    public struct Body: Sendable, Encodable {
        /// What happens.
        public var action: BodyAction
        /// DEQAR's agency id.
        public var agencyId: String
        /// The agency's name.
        public var name: String
        /// The body's DID (from the map).
        public var did: String
        /// The body's ceiling.
        public var scope: Scope
        /// Start of the body's period.
        public var validFrom: Date
        /// End of the body's period (exclusive).
        public var validUntil: Date
        /// The existing accreditation that matches (unchanged).
        public var accreditationId: String?
    }

    /// What happens to a (report, institution) accreditation.
    public enum AccreditationAction: String, Sendable, Encodable {
        /// Accredit (revision 0, or the next revision after a withdrawn one).
        case new
        /// The registry holds this accreditation already (or an identical one from another report).
        case unchanged
        /// The report changed: revoke `revokes`, accredit `accreditationId`.
        case changed
        /// The report no longer accredits (decision negative): revoke `revokes`.
        case withdrawn
    }

    /// One (report, institution) pair that accredits, or that withdraws an accreditation.
    public struct Accreditation: Sendable, Encodable {
        /// What happens.
        public var action: AccreditationAction
        /// DEQAR's report id.
        public var reportId: String
        /// DEQAR's institution id.
        public var institutionId: String
        /// The institution's name.
        public var institutionName: String
        /// The report's agency.
        public var agencyId: String
        /// The accrediting body's DID (the agency's).
        public var accreditor: String
        /// The institution's DID.
        public var subject: String
        /// The accreditation this pair is (or becomes).
        public var accreditationId: String
        /// The accreditation revoked first (changed, withdrawn).
        public var revokes: String?
        /// The granted scope.
        public var scope: Scope
        /// Start of the period.
        public var validFrom: Date
        /// End of the period (exclusive).
        public var validUntil: Date
        /// The report's decision, in DEQAR's words.
        public var decision: String
        /// Why the period differs from the report's (bounded by the agency's registration).
        public var note: String?
        /// The subject's public key, when the registry does not know the subject yet.
        public var subjectKey: JWK?
    }

    /// Something in the export that is not imported, and why.
    public struct Skipped: Sendable, Encodable, Hashable {
        /// `agency 5`, `report 1003`, `report 1003, institution 101`.
        public var item: String
        /// Why, in words.
        public var reason: String
    }

    /// The agencies as bodies.
    public var bodies: [Body] = []
    /// The (report, institution) accreditations that are, or change.
    public var accreditations: [Accreditation] = []
    /// What is not imported.
    public var skipped: [Skipped] = []

    /// Whether the import changes nothing.
    public var changesNothing: Bool {
        bodies.allSatisfy { $0.action == .unchanged } && accreditations.allSatisfy { $0.action == .unchanged }
    }

    /// The deterministic id of revision `revision` of the accreditation a DEQAR report gives an institution: the hex
    /// SHA-256 of `standing-deqar:report:<report>:institution:<institution>:<revision>` (64 lowercase hex characters, as
    /// every accreditation id).
    public static func accreditationId(report: String, institution: String, revision: Int) -> String {
        AccreditationGrant.derivedID(from: "standing-deqar:report:\(report):institution:\(institution):\(revision)")
    }

    /// The most revisions of one pair's accreditation the import looks for.
    static let maximumRevisions = 1000
}

/// What an import maps: the credential types the bodies and accreditations cover, and the instant it runs at.
public struct DEQARImportOptions: Sendable {
    /// Credential types of every body and accreditation (they must be within the root authorisation).
    public var credentialTypes: Set<String>
    /// Now: reports and registrations that ended before it are not imported.
    public var now: Date

    /// The default credential types: the education credentials a QA agency's accreditation stands behind.
    public static let defaultCredentialTypes: Set<String> = ["EuropeanDigitalCredential", "MicroCredential", "Diploma"]

    /// Creates options.
    public init(credentialTypes: Set<String> = DEQARImportOptions.defaultCredentialTypes, now: Date = Date()) {
        self.credentialTypes = credentialTypes
        self.now = RegistryTime.truncated(now)
    }
}

extension DEQARPlan {
    /// Plans the import of `export` into the registry `state`.
    /// - Throws: ``AuthoringError`` when the registry has no root authority, or its authorisation does not cover the
    ///   credential types at EQF 5-8.
    public init(export: DEQARExport, map: DEQARIdentifierMap, options: DEQARImportOptions, state: RegistryState) throws {
        guard let root = state.rootAuthority, let rootId = state.rootAuthorisationId, let rootRecord = state.accreditation(rootId) else {
            throw AuthoringError("the registry has no root authority yet; run 'standing registry init' first")
        }
        let allLevels = Set((5...8).map(RegistryVocabulary.eqfLevel))
        guard
            let ceiling = rootRecord.scope.first(where: {
                options.credentialTypes.isSubset(of: $0.credentialTypes) && allLevels.isSubset(of: $0.eqfLevels) && $0.iscedF.isEmpty
            })
        else {
            throw AuthoringError(
                "the root authorisation does not cover types \(options.credentialTypes.sorted().joined(separator: ",")) at EQF 5-8 in any field: "
                    + "choose --types within it")
        }
        let now = options.now
        let institutions = Dictionary(export.institutions.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

        // Agencies that can be bodies: mapped, registered, with a period left inside the root authorisation.
        var usable = [String: (agency: DEQARExport.Agency, entry: DEQARIdentifierMap.AgencyEntry, from: Date, until: Date)]()
        var agencyProblems = [String: String]()
        for agency in export.agencies {
            let label = "agency \(agency.id) (\(agency.acronym ?? agency.name))"
            let registrationEnd = agency.registrationValidTo.map(DEQARMapping.exclusiveEnd(ofLastDay:))
            let from = max(agency.registrationStart, rootRecord.validFrom)
            let until = min(registrationEnd ?? rootRecord.validUntil, rootRecord.validUntil)
            let problem: String?
            if !(agency.isRegistered ?? (registrationEnd.map { $0 > now } ?? false)) {
                problem = "is not registered in EQAR"
            } else if map.agencies[agency.id] == nil {
                problem = "has no DID in the identifier map"
            } else if until <= max(from, now) {
                problem = "has no registration left inside the root authorisation (it ends \(RegistryTime.format(until)))"
            } else {
                problem = nil
            }
            if let problem {
                agencyProblems[agency.id] = "\(label) \(problem)"
                skipped.append(Skipped(item: label, reason: problem))
            } else if let entry = map.agencies[agency.id] {
                usable[agency.id] = (agency, entry, from, until)
            }
        }

        // Each (report, institution) pair: what it would accredit, before the body's period bounds it.
        struct Candidate {
            let report: DEQARExport.Report
            let institution: DEQARExport.Institution
            let subject: String
            let subjectKey: JWK?
            let levels: Set<String>
            let jurisdictions: Set<String>
            let decision: DEQARMapping.Decision
        }
        var candidates = [Candidate]()
        for report in export.reports {
            guard usable[report.agencyId] != nil else {
                let reason = agencyProblems[report.agencyId] ?? "its agency \(report.agencyId) is not in the export's agencies"
                skipped.append(Skipped(item: "report \(report.id)", reason: reason))
                continue
            }
            for institutionId in report.institutionIds {
                let item = "report \(report.id), institution \(institutionId)"
                guard let institution = institutions[institutionId] else {
                    skipped.append(Skipped(item: item, reason: "the institution is not in the export's institutions"))
                    continue
                }
                let named = "\(institution.name) (\(institution.deqarId ?? institution.id))"
                guard let subject = map.institution(institution)?.did ?? institution.dids.first else {
                    skipped.append(Skipped(item: item, reason: "\(named) has no DID: add it to the identifier map"))
                    continue
                }
                let key = map.institution(institution)?.publicKey ?? ScopeInput.subjectKey(of: subject, given: nil)
                guard key != nil || state.entity(subject) != nil else {
                    skipped.append(Skipped(item: item, reason: "\(named) (\(subject)) has no public key: add publicKey to the identifier map"))
                    continue
                }
                let qfLevels = report.programmeLevels.isEmpty ? institution.qfEHEALevels : report.programmeLevels
                let unknown = qfLevels.filter { DEQARMapping.eqfLevel(forQFEHEA: $0) == nil }
                guard unknown.isEmpty else {
                    skipped.append(Skipped(item: item, reason: "QF-EHEA level '\(unknown[0])' is not short, first, second or third cycle"))
                    continue
                }
                let levels = Set(qfLevels.compactMap(DEQARMapping.eqfLevel(forQFEHEA:)).map(RegistryVocabulary.eqfLevel))
                guard !levels.isEmpty else {
                    skipped.append(Skipped(item: item, reason: "no QF-EHEA level: neither the report's programmes nor \(named) name one"))
                    continue
                }
                let jurisdictions = Set(institution.countries.map { RegistryVocabulary.country($0.alpha3) })
                guard !jurisdictions.isEmpty else {
                    skipped.append(Skipped(item: item, reason: "\(named) has no country"))
                    continue
                }
                if let outside = jurisdictions.subtracting(ceiling.jurisdictions).sorted().first {
                    skipped.append(
                        Skipped(item: item, reason: "\(named) is in \(outside.dropFirst(RegistryVocabulary.countryPrefix.count)), outside the root authorisation"))
                    continue
                }
                candidates.append(
                    Candidate(
                        report: report, institution: institution, subject: subject, subjectKey: state.entity(subject) == nil ? key : nil,
                        levels: levels, jurisdictions: jurisdictions, decision: DEQARMapping.Decision(report.decision)))
            }
        }

        // Bodies: their jurisdictions cover the institutions they accredit.
        var bodyScopes = [String: Scope]()
        for (id, agency) in usable.sorted(by: { $0.key < $1.key }) {
            var countries = Set(([agency.agency.country] + agency.agency.focusCountries).map { RegistryVocabulary.country($0.alpha3) })
            for candidate in candidates where candidate.report.agencyId == id && candidate.decision.accredits {
                countries.formUnion(candidate.jurisdictions)
            }
            countries.formIntersection(ceiling.jurisdictions)
            guard !countries.isEmpty else {
                skipped.append(Skipped(item: "agency \(id)", reason: "none of its countries is within the root authorisation"))
                usable[id] = nil
                continue
            }
            let scope = Scope(credentialTypes: options.credentialTypes, eqfLevels: allLevels, jurisdictions: countries)
            bodyScopes[id] = scope
            let grant = AccreditationGrant(
                subject: agency.entry.did, role: .tao, scope: [scope], validFrom: agency.from, validUntil: agency.until,
                parentAccreditationId: rootId)
            let existing = state.accreditation(duplicating: grant, by: root)
            let held = state.accreditations(of: agency.entry.did).contains { $0.accreditedBy.did == root }
            bodies.append(
                Body(
                    action: existing != nil ? .unchanged : (held ? .changed : .new), agencyId: id, name: agency.agency.name,
                    did: agency.entry.did, scope: scope, validFrom: agency.from, validUntil: agency.until,
                    accreditationId: existing?.accreditationId))
        }

        // Accreditations.
        for candidate in candidates {
            guard let agency = usable[candidate.report.agencyId] else { continue }
            let report = candidate.report
            let item = "report \(report.id), institution \(candidate.institution.id)"
            // The pair's accreditation so far: the highest revision the registry holds.
            var revision = -1
            while revision + 1 < Self.maximumRevisions,
                state.accreditation(Self.accreditationId(report: report.id, institution: candidate.institution.id, revision: revision + 1)) != nil
            {
                revision += 1
            }
            let current = revision >= 0
                ? state.accreditation(Self.accreditationId(report: report.id, institution: candidate.institution.id, revision: revision)) : nil
            let currentInForce = current.map { $0.latestChange?.status != .revoked && $0.validUntil > now } ?? false

            let reportPeriod = DEQARMapping.reportPeriod(validFrom: report.validFrom, validTo: report.validTo)
            let from = max(reportPeriod.from, agency.from)
            let until = min(reportPeriod.until, agency.until)
            var notes = [String]()
            if reportPeriod.from < agency.from { notes.append("starts with the agency's registration in the registry") }
            if reportPeriod.until > agency.until { notes.append("ends with the agency's registration") }

            guard candidate.decision.accredits, until > now, from < until else {
                let reason =
                    !candidate.decision.accredits
                    ? "decision \(candidate.decision.text)"
                    : (reportPeriod.until <= now
                        ? "expired on \(RegistryTime.format(reportPeriod.until.addingTimeInterval(-86_400)).prefix(10))"
                        : "the agency's registration ends before the report starts")
                if case .negative = candidate.decision, let current, currentInForce {
                    accreditations.append(
                        Accreditation(
                            action: .withdrawn, reportId: report.id, institutionId: candidate.institution.id,
                            institutionName: candidate.institution.name, agencyId: report.agencyId, accreditor: agency.entry.did,
                            subject: current.subject, accreditationId: current.accreditationId, revokes: current.accreditationId,
                            scope: current.scope.first ?? Scope(eqfLevels: [], jurisdictions: []), validFrom: current.validFrom,
                            validUntil: current.validUntil, decision: candidate.decision.text, note: nil, subjectKey: nil))
                } else {
                    skipped.append(Skipped(item: item, reason: reason))
                }
                continue
            }
            let scope = Scope(credentialTypes: options.credentialTypes, eqfLevels: candidate.levels, jurisdictions: candidate.jurisdictions)
            var planned = Accreditation(
                action: .new, reportId: report.id, institutionId: candidate.institution.id, institutionName: candidate.institution.name,
                agencyId: report.agencyId, accreditor: agency.entry.did, subject: candidate.subject,
                accreditationId: Self.accreditationId(report: report.id, institution: candidate.institution.id, revision: revision + 1),
                revokes: nil, scope: scope, validFrom: from, validUntil: until, decision: candidate.decision.text,
                note: notes.isEmpty ? nil : notes.joined(separator: "; "), subjectKey: candidate.subjectKey)
            if let current {
                let same = current.subject == candidate.subject && current.scope == [scope] && current.validFrom == from
                    && current.validUntil == until && current.accreditedBy.did == agency.entry.did
                if same {
                    planned.action = .unchanged
                    planned.accreditationId = current.accreditationId
                    if current.latestChange?.status == .revoked { planned.note = "revoked in the registry; not accredited again" }
                } else {
                    planned.action = .changed
                    planned.revokes = currentInForce ? current.accreditationId : nil
                }
            } else {
                let grant = AccreditationGrant(
                    subject: candidate.subject, role: .ti, scope: [scope], validFrom: from, validUntil: until, parentAccreditationId: nil)
                if let duplicate = state.accreditation(duplicating: grant, by: agency.entry.did) {
                    planned.action = .unchanged
                    planned.accreditationId = duplicate.accreditationId
                    planned.note = "the same accreditation came from another report"
                }
            }
            // Two reports of one export with the same grant: the second is covered by the first.
            if planned.action == .new || planned.action == .changed,
                let earlier = accreditations.first(where: {
                    ($0.action == .new || $0.action == .changed) && $0.subject == planned.subject && $0.accreditor == planned.accreditor
                        && $0.scope == planned.scope && $0.validFrom == planned.validFrom && $0.validUntil == planned.validUntil
                })
            {
                skipped.append(Skipped(item: item, reason: "grants what report \(earlier.reportId) grants (accreditation \(earlier.accreditationId.prefix(12))…)"))
                continue
            }
            accreditations.append(planned)
        }
    }
}

extension DEQARPlan {
    /// One line per body, accreditation and skipped item, as the CLI prints them (`new body`, `unchanged`, ...).
    public var lines: [String] {
        func day(_ date: Date) -> String { String(RegistryTime.format(date).prefix(10)) }
        func scope(_ scope: Scope) -> String { ScopeInput.summary(of: scope) }
        var lines = [String]()
        for body in bodies {
            let action = body.action == .new ? "new body" : body.action == .changed ? "changed body" : "unchanged body"
            lines.append(
                "\(action.padding(toLength: 15, withPad: " ", startingAt: 0)) \(body.did) (DEQAR agency \(body.agencyId), \(body.name)): "
                    + "\(scope(body.scope)); \(day(body.validFrom)) to \(day(body.validUntil))")
        }
        for item in accreditations {
            var line = "\(item.action.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0)) \(item.subject) (report \(item.reportId), "
                + "\(item.institutionName), by \(item.accreditor), \(item.decision))"
            if item.action == .withdrawn {
                line += ": revokes \(item.accreditationId.prefix(12))…"
            } else {
                line += ": \(scope(item.scope)); \(day(item.validFrom)) to \(day(item.validUntil))"
                if let revokes = item.revokes { line += "; revokes \(revokes.prefix(12))…" }
            }
            if let note = item.note { line += " [\(note)]" }
            lines.append(line)
        }
        for item in skipped { lines.append("\("skipped".padding(toLength: 15, withPad: " ", startingAt: 0)) \(item.item): \(item.reason)") }
        return lines
    }

    /// The closing line: what changed (or would change, for a dry run), what was already there, what was skipped.
    public func summary(dryRun: Bool) -> String {
        func count(_ number: Int, _ one: String, _ many: String) -> String { "\(number) \(number == 1 ? one : many)" }
        let newBodies = bodies.filter { $0.action != .unchanged }.count
        let added = accreditations.filter { $0.action == .new }.count
        let changed = accreditations.filter { $0.action == .changed }.count
        let withdrawn = accreditations.filter { $0.action == .withdrawn }.count
        let unchanged = bodies.filter { $0.action == .unchanged }.count + accreditations.filter { $0.action == .unchanged }.count
        let skippedText = count(skipped.count, "item skipped", "items skipped")
        if changesNothing {
            return "nothing to change: \(count(unchanged, "body or accreditation already matches", "bodies and accreditations already match")) "
                + "the export; \(skippedText)"
        }
        let changes = "\(count(newBodies, "body", "bodies")), \(count(added, "new accreditation", "new accreditations")), "
            + "\(changed) changed, \(withdrawn) withdrawn; \(unchanged) unchanged; \(skippedText)"
        return dryRun ? "dry run, nothing signed or sent: would register \(changes)" : "imported: \(changes)"
    }
}
