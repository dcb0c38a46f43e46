import Foundation
import Signing
import TrustRegistry

extension RegistryAuthoring {
    /// One accreditation of a DID as the public EBSI TIR v5 view shows it, with the scope and period read from the
    /// signed accreditation itself.
    public struct IssuerAccreditation: Codable, Sendable, Equatable {
        /// The attribute (accreditation) id.
        public var id: String
        /// `active`, `suspended`, `revoked`, or from the period: `expired`, `not yet valid`.
        public var status: String
        /// The accreditor's DID.
        public var accreditedBy: String
        /// The EBSI issuer type (`RootTAO`, `TAO`, `TI`).
        public var issuerType: String
        /// Why it was suspended or revoked.
        public var reason: String?
        /// The accredited role, from the signed grant.
        public var role: String?
        public var validFrom: String?
        public var validUntil: String?
        /// Each scope entry in one line (``ScopeInput/summary(of:)``).
        public var scope: [String]?
    }

    /// Every DID the registry accredits (public EBSI view).
    public func issuers() async throws -> [String] {
        try await ebsiItems("/trusted-issuers-registry/v5/issuers") { $0["did"]?.stringValue }.compactMap { $0["did"]?.stringValue }
    }

    /// The accreditations of `did`, each at its latest revision (public EBSI view).
    public func accreditations(of did: String, at now: Date = Date()) async throws -> [IssuerAccreditation] {
        let base = "/trusted-issuers-registry/v5/issuers/" + StandingAdminClient.segment(did) + "/attributes"
        let ids = try await ebsiItems(base) { $0["id"]?.stringValue }.compactMap { $0["id"]?.stringValue }
        var shown = [IssuerAccreditation]()
        for id in ids {
            let revisions = try await ebsiItems(base + "/" + id + "/revisions") { $0["seq"]?.integerValue.map(String.init) }
            guard let latest = revisions.last else { continue }
            var entry = IssuerAccreditation(
                id: id, status: latest["status"]?.stringValue ?? "unknown", accreditedBy: latest["tao"]?.stringValue ?? "",
                issuerType: latest["issuerType"]?.stringValue ?? "", reason: latest["reason"]?.stringValue)
            // The body is the signed accreditation itself: scope and period come from what the accreditor signed.
            if let body = latest["body"]?.stringValue, let statement = try? SignedStatement(parsing: body),
                case .accreditation(let grant, _) = statement.content
            {
                entry.role = grant.role.rawValue
                entry.validFrom = RegistryTime.format(grant.validFrom)
                entry.validUntil = RegistryTime.format(grant.validUntil)
                entry.scope = grant.scope.map(ScopeInput.summary(of:))
                if entry.status == "active", now >= grant.validUntil { entry.status = "expired" }
                if entry.status == "active", now < grant.validFrom { entry.status = "not yet valid" }
            }
            shown.append(entry)
        }
        return shown
    }
}
