import Foundation
import StandingAPI
import TrustRegistry

/// Which DID an issuer principal is in the trust registry: the seam signing identities plug into (an issuer with a
/// signing identity has its DID, `did:web:HOST:issuers:NAME` or the issuer's own `did:web`).
public protocol RegistryDIDLookup: Sendable {
    /// The DID under which `principal` is an entity of the trust registry, or nil when it has none.
    /// - Parameter principal: A token's principal id.
    /// - Returns: The DID, or nil.
    func registryDID(of principal: String) async throws -> String?

    /// What an operator does to give a principal without a DID one; ends the refusal's detail.
    var missingDIDAdvice: String { get }
}

extension RegistryDIDLookup {
    /// The advice of ``PrincipalIdentifierDIDs``.
    public var missingDIDAdvice: String { PrincipalIdentifierDIDs.advice }
}

/// The rule without signing identities: a principal whose id is a DID (`did:...`) is that DID in the registry, any
/// other principal has none.
public struct PrincipalIdentifierDIDs: RegistryDIDLookup {
    /// Creates the rule.
    public init() {}

    /// The principal id when it is a DID.
    /// - Parameter principal: A token's principal id.
    /// - Returns: `principal` when it begins with `did:`, else nil.
    public func registryDID(of principal: String) async throws -> String? {
        Self.did(inPrincipalId: principal)
    }

    /// The principal id when it is a DID, for lookups that try something else first (a signing identity's DID).
    /// - Parameter principal: A token's principal id.
    /// - Returns: `principal` when it begins with `did:`, else nil.
    public static func did(inPrincipalId principal: String) -> String? {
        principal.hasPrefix("did:") ? principal : nil
    }

    static let advice =
        "issue the issuer's token for the DID it is accredited under (standing tokens create --role issuer --principal DID)"
}

/// The server's accreditation requirement (setting `requireAccreditation`): a token other than the operator's may
/// create lists, allocate entries and change statuses only while its principal is an active accredited issuer in the
/// trust registry (``RegistryState/issuingStanding(of:at:)``, the rule of TRQP `issue` queries for any credential type).
/// Operator tokens act for the service and are not held to it.
public struct AccreditationRequirement: Sendable {
    private let registryState: @Sendable () -> RegistryState
    private let dids: any RegistryDIDLookup

    /// Creates the requirement.
    /// - Parameters:
    ///   - registryState: The registry state as of the last acknowledged write.
    ///   - dids: Which DID a principal is in the registry.
    public init(registryState: @escaping @Sendable () -> RegistryState, dids: any RegistryDIDLookup = PrincipalIdentifierDIDs()) {
        self.registryState = registryState
        self.dids = dids
    }

    /// The requirement against a running registry: the state its EBSI and TRQP views answer from.
    /// - Parameters:
    ///   - registry: The registry.
    ///   - dids: Which DID a principal is in the registry.
    public init(registry: RegistryService, dids: any RegistryDIDLookup = PrincipalIdentifierDIDs()) {
        self.init(registryState: { registry.artefacts.state }, dids: dids)
    }

    /// Refuses `caller` unless it is the operator or an active accredited issuer at `now`.
    /// - Parameters:
    ///   - caller: Who asks.
    ///   - action: What it asks to do, as the refusal names it (`allocate entries`, ...).
    ///   - now: The instant.
    /// - Throws: ``ServiceError`` `notAccredited` whose detail says why: no DID to look up, not in the registry, not
    ///   accredited as an issuer, or each accreditation's lapse (suspended since, revoked on, expired on, or its
    ///   accrediting body no longer accredited).
    public func check(_ caller: Principal, action: String, now: Date = Date()) async throws {
        guard caller.role != .operator_ else { return }
        let refusal = "'\(caller.id)' may not \(action): this server requires its issuers to be accredited in its trust registry"
        guard let did = try await dids.registryDID(of: caller.id) else {
            throw ServiceError(
                .notAccredited,
                "\(refusal), and the principal has no DID to look up there; \(dids.missingDIDAdvice)"
            )
        }
        // Read after the lookup, which may await: the state as of the last acknowledged registry write.
        let state = registryState()
        let named = did == caller.id ? "it" : did
        let reason: String
        switch state.issuingStanding(of: did, at: now) {
        case .accredited:
            return
        case .unregistered:
            reason = "\(named) is not in the registry; an accreditation body accredits it there with standing accredit"
        case .notAccreditedToIssue(let role):
            reason = "\(named) is in the registry as \(Self.words(for: role)), not accredited as an issuer"
        case .lapsed(let lapses):
            reason = "\(named) has no accreditation in force: " + lapses.map { Self.describe($0, at: now) }.joined(separator: "; ")
        }
        throw ServiceError(.notAccredited, "\(refusal) (at seq \(state.seq)), and \(reason)")
    }

    static func words(for role: EntityRole) -> String {
        switch role {
        case .rootAuthority: "its root authority"
        case .accreditationBody: "an accreditation body"
        case .issuer: "an issuer without an accreditation"
        }
    }

    /// One lapsed accreditation in words: its own status, or the link up its chain that is not in force.
    static func describe(_ lapse: LapsedAccreditation, at time: Date) -> String {
        let own = lapse.accreditation
        let accreditation = "accreditation \(own.accreditationId) by \(own.accreditedBy.did)"
        switch lapse.chainBreak {
        case .notInForce(let link, let status, let depth):
            let lapsed = describe(status, of: link, at: time)
            if depth == 0 { return "\(accreditation) \(lapsed)" }
            switch link.role {
            case .rootTAO:
                return "\(accreditation): the registry's root authorisation \(link.accreditationId) \(lapsed)"
            case .tao, .ti:
                let body = depth == 1 ? "its accrediting body \(link.subject)" : "\(link.subject), up its accreditation chain,"
                return "\(accreditation): \(body) is no longer accredited (accreditation \(link.accreditationId) \(lapsed))"
            }
        case .foreignRoot(let subject):
            return "\(accreditation): its chain ends at \(subject), not the root authority"
        case .missingParent(let id):
            return "\(accreditation): its chain is broken (parent accreditation \(id) is missing)"
        case .tooDeep:
            return "\(accreditation): its chain is deeper than 32 links"
        }
    }

    /// `is suspended since DATE (reason)`, `was revoked on DATE (reason)`, `expired on DATE`, `is not in force before DATE`.
    static func describe(_ status: EffectiveStatus, of record: AccreditationRecord, at time: Date) -> String {
        let change = record.recordedChange(at: RegistryTime.truncated(time))
        let reason = change?.reason.map { " (\($0))" } ?? ""
        switch status {
        case .suspended:
            return "is suspended since \(change.map { RegistryTime.format($0.at) } ?? "an unrecorded time")\(reason)"
        case .revoked:
            return "was revoked on \(change.map { RegistryTime.format($0.at) } ?? "an unrecorded time")\(reason)"
        case .expired:
            return "expired on \(RegistryTime.format(record.validUntil))"
        case .notYetValid:
            return "is not in force before \(RegistryTime.format(record.validFrom))"
        case .active:
            return "is in force"
        }
    }
}
