import Foundation
import Signing

/// The EBSI-shaped Verifiable Accreditation a body signs when it accredits: a JWT VC (VC data model 1.1 in a `vc`
/// claim) whose `credentialSubject.accreditedFor[]` carries the scope. The signed JWT is both the registry's evidence
/// and the EBSI TIR attribute `body`.
///
/// `accreditedFor[i]` maps one-to-one to scope entry `i`:
/// `{schemaId, schemaIds, types, limitJurisdiction, limitEQFLevel, limitISCEDF}`. EBSI defines `schemaId` (one URI),
/// `types` and `limitJurisdiction`; the other members are this registry's extensions, which EBSI verifiers ignore.
/// `schemaIds` carries the full set; `schemaId` repeats its first element (sorted) for EBSI consumers.
public enum AccreditationCredential {
    /// The JOSE `typ` of an accreditation statement: plain `JWT`, as EBSI attribute bodies use.
    public static let mediaType = "JWT"
    /// The EBSI Trusted Schemas Registry id of the Verifiable Accreditation record schema.
    public static let accreditationSchema =
        "https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/zDeJstYXMhqtDCocKhXbKMJSFJgChXeV7hqeRVNkLv1xh"
    /// The VC 1.1 base context.
    public static let credentialsContext = "https://www.w3.org/2018/credentials/v1"

    /// The `type` array of an accreditation VC for a role.
    /// - Parameter role: The role.
    /// - Returns: E.g. `["VerifiableCredential","VerifiableAttestation","VerifiableAccreditation","VerifiableAccreditationToAttest"]`.
    public static func types(for role: AccreditationRole) -> [String] {
        switch role {
        case .rootTAO: ["VerifiableCredential", "VerifiableAttestation", "VerifiableAuthorisationForTrustChain"]
        case .tao: ["VerifiableCredential", "VerifiableAttestation", "VerifiableAccreditation", "VerifiableAccreditationToAccredit"]
        case .ti: ["VerifiableCredential", "VerifiableAttestation", "VerifiableAccreditation", "VerifiableAccreditationToAttest"]
        }
    }

    /// The EBSI TIR v5 URL of an attribute: `<base>/trusted-issuers-registry/v5/issuers/<did>/attributes/<id>`.
    /// - Parameters:
    ///   - baseURL: The registry's public base URL, without a trailing slash.
    ///   - did: The attribute's subject DID.
    ///   - accreditationId: The attribute (accreditation) id.
    /// - Returns: The URL text.
    public static func attributeURL(baseURL: String, did: String, accreditationId: String) -> String {
        issuerURL(baseURL: baseURL, did: did) + "/attributes/" + accreditationId
    }

    /// The EBSI TIR v5 URL of an issuer: `<base>/trusted-issuers-registry/v5/issuers/<did>`.
    /// - Parameters:
    ///   - baseURL: The registry's public base URL.
    ///   - did: The DID.
    /// - Returns: The URL text.
    public static func issuerURL(baseURL: String, did: String) -> String {
        trimmedBase(baseURL) + EBSIConfiguration.pathPrefix + "/issuers/" + did
    }

    static func trimmedBase(_ baseURL: String) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// Builds the JWT claims of an accreditation (or root authorisation) statement.
    static func claims(
        kind: StatementKind,
        accreditor: String,
        grant: AccreditationGrant,
        subjectEntity: Entity?,
        rootAuthority: String,
        registryBaseURL: String,
        issuedAt: Date,
        nonce: String,
        trustFramework: String?
    ) throws(RegistryError) -> JSONValue {
        let accreditedFor: [JSONValue] = grant.scope.map { entry in
            var member: [String: JSONValue] = [
                "types": .array(entry.credentialTypes.sorted().map { .string($0) }),
                "schemaIds": .array(entry.schemaIds.sorted().map { .string($0) }),
                "limitJurisdiction": .array(entry.jurisdictions.sorted().map { .string($0) }),
                "limitEQFLevel": .array(entry.eqfLevels.sorted().map { .string($0) }),
                "limitISCEDF": .array(entry.iscedF.sorted().map { .string($0) }),
            ]
            if let first = entry.schemaIds.sorted().first { member["schemaId"] = .string(first) }
            return .object(member)
        }
        let ownURL = attributeURL(baseURL: registryBaseURL, did: grant.subject, accreditationId: grant.accreditationId)
        let termsOfUse: JSONValue
        if grant.role == .rootTAO {
            termsOfUse = [
                "type": "TrustFrameworkPolicy",
                "trustFramework": .string(trustFramework ?? "Standing accreditation registry"),
                "policyId": .string(trimmedBase(registryBaseURL) + "/policy"),
            ]
        } else {
            termsOfUse = [
                "type": "AccreditationPolicy",
                "parentAccreditation": .string(
                    attributeURL(baseURL: registryBaseURL, did: accreditor, accreditationId: grant.parentAccreditationId ?? "")
                ),
                "rootAuthorisation": .string(issuerURL(baseURL: registryBaseURL, did: rootAuthority)),
            ]
        }
        let issued = JSONValue.string(RegistryTime.format(issuedAt))
        let credential: JSONValue = [
            "@context": [.string(credentialsContext)],
            "id": .string(nonce),
            "type": .array(types(for: grant.role).map { .string($0) }),
            "issuer": .string(accreditor),
            "issuanceDate": issued,
            "issued": issued,
            "validFrom": .string(RegistryTime.format(grant.validFrom)),
            "validUntil": .string(RegistryTime.format(grant.validUntil)),
            "expirationDate": .string(RegistryTime.format(grant.validUntil)),
            "credentialSubject": [
                "id": .string(grant.subject),
                "reservedAttributeId": .string(grant.accreditationId),
                "accreditedFor": .array(accreditedFor),
            ],
            "credentialSchema": ["id": .string(accreditationSchema), "type": "FullJsonSchemaValidator2021"],
            "termsOfUse": termsOfUse,
            "credentialStatus": ["id": .string(ownURL), "type": "EbsiAccreditationEntry"],
        ]
        var claims: [String: JSONValue] = [
            "stmt": .string(kind.rawValue),
            "iss": .string(accreditor),
            "sub": .string(grant.subject),
            "aud": .string(rootAuthority),
            "iat": .number(Double(RegistryTime.numericDate(issuedAt))),
            "nbf": .number(Double(RegistryTime.numericDate(grant.validFrom))),
            "exp": .number(Double(RegistryTime.numericDate(grant.validUntil))),
            "jti": .string(nonce),
            "vc": credential,
        ]
        if let subjectEntity { claims["entity"] = try JSONValue.registryEncoding(subjectEntity) }
        return .object(claims)
    }

    /// Reads the grant back from the claims, checking that the JWT claims and the VC agree.
    static func grant(from claims: JSONObjectReader, issuer: String) throws(RegistryError) -> AccreditationGrant {
        let vc = try claims.object("vc")
        let types = try vc.strings("type", allowSingle: true, maximumCount: 16)
        let role: AccreditationRole
        if types.contains("VerifiableAuthorisationForTrustChain") {
            role = .rootTAO
        } else if types.contains("VerifiableAccreditationToAccredit") {
            role = .tao
        } else if types.contains("VerifiableAccreditationToAttest") {
            role = .ti
        } else {
            throw RegistryError(.malformed, "accreditation VC type names no VerifiableAccreditationToAttest/ToAccredit or authorisation")
        }
        guard types.contains("VerifiableCredential") else {
            throw RegistryError(.malformed, "accreditation VC type does not include VerifiableCredential")
        }
        guard try vc.string("issuer") == issuer else { throw RegistryError(.malformed, "accreditation VC issuer differs from iss") }
        let subject = try vc.object("credentialSubject")
        let subjectDID = try subject.string("id", maximumLength: 512)
        guard try claims.string("sub", maximumLength: 512) == subjectDID else {
            throw RegistryError(.malformed, "accreditation sub differs from credentialSubject.id")
        }
        let accreditationId = try subject.string("reservedAttributeId", maximumLength: 64)
        let validFrom = try vc.time("validFrom")
        let validUntil = try vc.time("expirationDate")
        if let repeated = try vc.optionalTime("validUntil"), repeated != validUntil {
            throw RegistryError(.malformed, "accreditation VC validUntil differs from expirationDate")
        }
        guard try claims.integer("nbf") == RegistryTime.numericDate(validFrom) else {
            throw RegistryError(.malformed, "accreditation nbf differs from the VC validFrom")
        }
        guard try claims.integer("exp") == RegistryTime.numericDate(validUntil) else {
            throw RegistryError(.malformed, "accreditation exp differs from the VC expirationDate")
        }
        guard let entries = subject.members["accreditedFor"]?.arrayValue else {
            throw RegistryError(.malformed, "credentialSubject.accreditedFor is not an array")
        }
        guard entries.count <= Scope.maximumEntries else {
            throw RegistryError(.malformed, "credentialSubject.accreditedFor has more than \(Scope.maximumEntries) entries")
        }
        var scope = [Scope]()
        for (index, entry) in entries.enumerated() {
            let reader = try JSONObjectReader(entry, context: "accreditedFor[\(index)]")
            var schemaIds = try reader.strings("schemaIds", required: false)
            let schemaId = try reader.optionalString("schemaId", maximumLength: 2048)
            if let schemaId {
                if schemaIds.isEmpty { schemaIds = [schemaId] }
                guard schemaIds.contains(schemaId) else {
                    throw RegistryError(.malformed, "accreditedFor[\(index)].schemaId is not one of its schemaIds")
                }
            }
            scope.append(
                Scope(
                    credentialTypes: Set(try reader.strings("types", required: false)),
                    schemaIds: Set(schemaIds),
                    eqfLevels: Set(try reader.strings("limitEQFLevel", allowSingle: true)),
                    jurisdictions: Set(try reader.strings("limitJurisdiction", allowSingle: true)),
                    iscedF: Set(try reader.strings("limitISCEDF", required: false, allowSingle: true))
                )
            )
        }
        var parent: String?
        if role != .rootTAO {
            let terms = try vc.object("termsOfUse")
            let url = try terms.string("parentAccreditation", maximumLength: 4096)
            parent = try parentID(fromAttributeURL: url, accreditor: issuer)
        }
        return AccreditationGrant(
            accreditationId: accreditationId,
            subject: subjectDID,
            role: role,
            scope: scope,
            validFrom: validFrom,
            validUntil: validUntil,
            parentAccreditationId: parent
        )
    }

    /// Extracts the parent accreditation id from `…/issuers/<accreditor>/attributes/<id>`; the base URL is not
    /// checked (the signer chose it), the accreditor DID and the id are.
    static func parentID(fromAttributeURL url: String, accreditor: String) throws(RegistryError) -> String {
        guard let attributes = url.range(of: "/attributes/", options: .backwards),
            let issuers = url.range(of: "/issuers/", options: .backwards, range: url.startIndex..<attributes.lowerBound)
        else {
            throw RegistryError(.malformed, "termsOfUse.parentAccreditation is not an …/issuers/<did>/attributes/<id> URL")
        }
        let did = url[issuers.upperBound..<attributes.lowerBound]
        let id = String(url[attributes.upperBound...])
        guard did == accreditor else {
            throw RegistryError(.notPermitted, "termsOfUse.parentAccreditation names an accreditation of \(did), not of the signer \(accreditor)")
        }
        guard isRegistryID(id) else { throw RegistryError(.malformed, "termsOfUse.parentAccreditation does not end in a 64-hex id") }
        return id
    }
}
