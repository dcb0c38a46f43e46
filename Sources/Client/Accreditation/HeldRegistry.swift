import Foundation
import Signing
import StatusList
import TrustRegistry

// MARK: Held state

/// What the disk cache holds: the snapshot and the feeds applied since, as served, and the JWKS they verified with.
struct StoredRegistry: Codable, Sendable {
    var registryURL: String
    var snapshot: String
    var feeds: [String]
    var jwks: Data?
    var synchronisedAt: Date
}

/// The registry's verification keys and where they came from.
struct RegistryKeys: Sendable {
    let set: JWKSet
    /// The JWKS as served (to cache), `nil` when pinned.
    let data: Data?
    let pinned: Bool
    let fromCache: Bool
}

/// A verified snapshot brought up to date, with what it was built from.
struct HeldRegistry: Sendable {
    var stored: StoredRegistry
    let snapshot: WalletSnapshot
    let keys: RegistryKeys
    let recordsByID: [String: CanonicalAccreditation]

    init(stored: StoredRegistry, snapshot: WalletSnapshot, keys: RegistryKeys) {
        self.stored = stored
        self.snapshot = snapshot
        self.keys = keys
        // Ids are unique in a snapshot; a duplicate (which would be malformed) keeps the first.
        self.recordsByID = Dictionary(snapshot.records.map { ($0.accreditationId, $0) }, uniquingKeysWith: { first, _ in first })
    }

    var synchronisedAt: Date { stored.synchronisedAt }

    var info: RegistryClient.SnapshotInfo {
        RegistryClient.SnapshotInfo(
            seq: snapshot.seq,
            head: snapshot.head,
            rootAuthority: snapshot.rootAuthority,
            synchronisedAt: stored.synchronisedAt,
            feedsApplied: stored.feeds.count
        )
    }

    /// The registry's authorization rule for `issue`, under the root authority, evaluated on the snapshot.
    func decide(_ query: AccreditationQuery, resources: [String]) -> AccreditationResult {
        // The registry's own normalisation of bare codes (`6`, `ESP`, `0613`) to the vocabulary URIs.
        let context = QueryContext(time: query.time, eqfLevel: query.eqfLevel, jurisdiction: query.jurisdiction, iscedF: query.iscedF)
        let time = RegistryTime.truncated(query.time)
        let seq = snapshot.seq
        let candidates = snapshot.records.filter { $0.subject == query.issuer && $0.role == .ti }
        var inactive: (record: CanonicalAccreditation, problem: String, resource: String)?
        for resource in resources {
            for record in candidates
            where record.scope.contains(where: {
                $0.permits(resource: resource, eqfLevel: context.eqfLevel, jurisdiction: context.jurisdiction, iscedF: context.iscedF)
            }) {
                guard let problem = chainProblem(from: record, at: time) else {
                    let message =
                        "accreditation \(record.accreditationId) (\(record.role.rawValue)) of \(query.issuer) by \(record.accreditedBy.did) "
                        + "for \(context.describe(resource)) active at \(RegistryTime.format(time)) (seq \(seq))"
                    return result(true, record.accreditationId, message, resource, time)
                }
                if inactive == nil { inactive = (record, problem, resource) }
            }
        }
        if let inactive {
            return result(false, inactive.record.accreditationId, "\(inactive.problem) (seq \(seq))", inactive.resource, time)
        }
        guard !candidates.isEmpty else {
            return result(false, nil, "\(query.issuer) is not accredited in this registry (seq \(seq))", resources.last, time)
        }
        let asked = resources.map { context.describe($0) }.joined(separator: "; ")
        return result(false, nil, "no accreditation of \(query.issuer) covers issue of \(asked) (seq \(seq))", resources.last, time)
    }

    private func result(_ accredited: Bool, _ id: String?, _ message: String, _ resource: String?, _ time: Date) -> AccreditationResult {
        AccreditationResult(
            accredited: accredited,
            registry: "",
            detail: message,
            accreditationId: id,
            seq: snapshot.seq,
            mode: .snapshot,
            resource: resource,
            evaluatedAt: time
        )
    }

    /// Why `record` or an accreditation up its chain is not in force at `time`, or `nil` when the chain holds up to
    /// this snapshot's root authority.
    private func chainProblem(from record: CanonicalAccreditation, at time: Date) -> String? {
        record.chainProblem(at: time, rootAuthority: snapshot.rootAuthority) { recordsByID[$0] }
    }
}
