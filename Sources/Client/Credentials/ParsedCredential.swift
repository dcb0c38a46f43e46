import Foundation
import Signing
import StatusList
import StatusListSecuring

/// A credential whose status entries are to be checked: a W3C VC as JSON or as `vc+jwt`, an SD-JWT VC, or a JWT
/// with an IETF `status` claim. Parsing reads the structure only; nothing is verified yet.
public struct ParsedCredential: Sendable {
    /// The credential's form.
    public enum Form: String, Sendable, Hashable, Codable {
        /// A W3C VC as JSON (secured with an embedded Data Integrity proof, or not at all).
        case w3cJSON = "w3c-vc-json"
        /// A W3C VC secured as `vc+jwt` (VC-JOSE-COSE), or a JWT with a `vc` claim.
        case w3cJWT = "vc+jwt"
        /// An SD-JWT VC (`dc+sd-jwt` / `vc+sd-jwt`, or any `~`-separated SD-JWT).
        case sdJWT = "sd-jwt-vc"
        /// A JWT (or its claims as JSON) carrying an IETF `status` claim.
        case jwt = "jwt"
    }

    /// One status reference of the credential.
    public enum StatusReference: Sendable, Hashable {
        /// A W3C `credentialStatus` entry.
        case w3c(BitstringStatusListEntry)
        /// An IETF `status.status_list` claim.
        case ietf(StatusListReference)
        /// An entry that cannot be checked: another status type, or a malformed entry.
        case unusable(description: String, error: StatusClientError)
    }

    /// The credential's form.
    public let form: Form
    /// The issuer (W3C `issuer`, JWT `iss`).
    public let issuer: String?
    /// The credential `id` / JWT `jti`, if any.
    public let id: String?
    /// The W3C `type` values, or the SD-JWT VC `vct`.
    public let types: [String]
    /// Every status reference found.
    public let statusReferences: [StatusReference]
    /// The start of the credential's own validity period (W3C `validFrom`, JWT `nbf`).
    public let validFrom: Date?
    /// The end of the credential's own validity period (W3C `validUntil`, JWT `exp`).
    public let validUntil: Date?
    /// When the credential was issued, the instant its issuer's accreditation must hold at: W3C `issuanceDate`
    /// (VCDM 1.1) or else `validFrom`; JWT `iat` or else `nbf`.
    public let issuedAt: Date?
    /// The credential schema ids (W3C `credentialSchema` `id`s), for registries that accredit per schema.
    public let schemaIds: [String]
    /// The EQF level the credential attests, when it states one: the first `eqfLevel` member found under
    /// `credentialSubject` (European Digital Credentials carry it in `hasClaim`/`achieved` ... `specifiedBy`), or in
    /// the claims of a JWT / SD-JWT VC; a string or a concept object's `id`. Usually the URI
    /// `http://data.europa.eu/snb/eqf/<1-8>`.
    public let eqfLevel: String?
    /// The jurisdiction the credential was issued under, when it states one: the first `jurisdiction` member found
    /// the same way (a string or a concept object's `id`, e.g. the EU country table URI).
    public let jurisdiction: String?

    /// The JSON document (W3C JSON form), for Data Integrity verification.
    let document: JSONValue?
    /// The compact JWS (JWT forms; the issuer-signed part of an SD-JWT).
    let compactJWS: String?

    /// The largest credential accepted.
    public static let maximumBytes = 16 << 20

    /// Parses a credential file's contents.
    /// - Throws: ``StatusClientError`` `malformed` (kind `MALFORMED_VALUE_ERROR`) for input that is none of the forms,
    ///   `unsupported` for binary (CBOR/COSE) credentials.
    public init(parsing data: Data) throws(StatusClientError) {
        guard data.count <= Self.maximumBytes else {
            throw Self.malformed("the credential is larger than \(Self.maximumBytes) bytes")
        }
        guard let first = data.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else {
            throw Self.malformed("the credential is empty")
        }
        if first == UInt8(ascii: "{") {
            let document: JSONValue
            do {
                document = try JSONValue(parsing: data)
            } catch {
                throw Self.malformed("the credential is not valid JSON: \(error.reason)")
            }
            if document["credentialStatus"] != nil || document["@context"] != nil {
                try self.init(w3c: document, form: .w3cJSON, document: document, compactJWS: nil)
            } else {
                try self.init(claims: document, form: .jwt, compactJWS: nil)
            }
            return
        }
        guard let text = String(data: data, encoding: .utf8)?.trimmingWhitespaceAndNewlines(),
            text.allSatisfy({ $0.isASCII && !$0.isWhitespace })
        else {
            throw StatusClientError(
                .unsupported,
                kind: .malformedValueError,
                "the credential is neither JSON nor a compact JWT (CBOR/COSE credentials are not supported)"
            )
        }
        let isSDJWT = text.contains("~")
        let compact = String(text.prefix { $0 != "~" })
        let jws: CompactJWS
        let claims: JSONValue
        do {
            jws = try CompactJWS(parsing: compact)
            claims = try jws.payloadJSON()
        } catch {
            throw Self.malformed("the credential is not a compact JWS with a JSON payload: \(error.reason)")
        }
        let type = jws.header.type?.lowercased() ?? ""
        if isSDJWT || type.hasSuffix("sd-jwt") {
            try self.init(claims: claims, form: .sdJWT, compactJWS: compact)
        } else if CompactJWS.mediaTypesMatch(type, VerifiableCredentialJWT.type) {
            try self.init(w3c: claims, form: .w3cJWT, document: nil, compactJWS: compact)
        } else if let vc = claims["vc"], vc.objectValue != nil {
            // A VC-JWT of VCDM 1.1: the credential is the `vc` claim, the issuer `iss`.
            let base = try ParsedCredential(w3c: vc, form: .w3cJWT, document: nil, compactJWS: compact)
            self.init(
                form: .w3cJWT,
                issuer: claims["iss"]?.stringValue ?? base.issuer,
                id: claims["jti"]?.stringValue ?? base.id,
                types: base.types,
                statusReferences: base.statusReferences,
                validFrom: Self.numericDate(claims["nbf"]) ?? base.validFrom,
                validUntil: Self.numericDate(claims["exp"]) ?? base.validUntil,
                issuedAt: Self.numericDate(claims["iat"]) ?? base.issuedAt ?? Self.numericDate(claims["nbf"]),
                schemaIds: base.schemaIds,
                eqfLevel: base.eqfLevel,
                jurisdiction: base.jurisdiction,
                document: nil,
                compactJWS: compact
            )
        } else {
            try self.init(claims: claims, form: .jwt, compactJWS: compact)
        }
    }

    init(
        form: Form,
        issuer: String?,
        id: String?,
        types: [String],
        statusReferences: [StatusReference],
        validFrom: Date?,
        validUntil: Date?,
        issuedAt: Date? = nil,
        schemaIds: [String] = [],
        eqfLevel: String? = nil,
        jurisdiction: String? = nil,
        document: JSONValue?,
        compactJWS: String?
    ) {
        self.form = form
        self.issuer = issuer
        self.id = id
        self.types = types
        self.statusReferences = statusReferences
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.issuedAt = issuedAt
        self.schemaIds = schemaIds
        self.eqfLevel = eqfLevel
        self.jurisdiction = jurisdiction
        self.document = document
        self.compactJWS = compactJWS
    }

    /// A W3C credential object.
    private init(w3c credential: JSONValue, form: Form, document: JSONValue?, compactJWS: String?) throws(StatusClientError) {
        guard credential.objectValue != nil else { throw Self.malformed("the credential is not a JSON object") }
        let issuer = credential["issuer"]?.stringValue ?? credential["issuer"]?["id"]?.stringValue
        let types = credential["type"].map { $0.arrayValue?.compactMap(\.stringValue) ?? [$0.stringValue].compactMap { $0 } } ?? []
        var references: [StatusReference] = []
        if let status = credential["credentialStatus"] {
            for item in status.arrayValue ?? [status] { references.append(Self.w3cReference(item)) }
        }
        let validFrom = try Self.dateTime(credential["validFrom"], "validFrom")
        let schemas = credential["credentialSchema"].map { $0.arrayValue ?? [$0] } ?? []
        self.init(
            form: form,
            issuer: issuer,
            id: credential["id"]?.stringValue,
            types: types,
            statusReferences: references,
            validFrom: validFrom,
            validUntil: try Self.dateTime(credential["validUntil"], "validUntil"),
            issuedAt: try Self.dateTime(credential["issuanceDate"], "issuanceDate") ?? validFrom,
            schemaIds: schemas.compactMap { $0["id"]?.stringValue },
            eqfLevel: Self.firstConcept(named: "eqfLevel", in: credential["credentialSubject"]),
            jurisdiction: Self.firstConcept(named: "jurisdiction", in: credential["credentialSubject"]),
            document: document,
            compactJWS: compactJWS
        )
    }

    /// JWT claims with an IETF `status` claim.
    private init(claims: JSONValue, form: Form, compactJWS: String?) throws(StatusClientError) {
        guard claims.objectValue != nil else { throw Self.malformed("the token's claims are not a JSON object") }
        var references: [StatusReference] = []
        if let status = claims["status"] {
            if status["status_list"] != nil {
                do {
                    references.append(.ietf(try JSONDecoder().decode(StatusClaim.self, from: status.canonicalData()).statusList))
                } catch {
                    references.append(.unusable(description: "status.status_list", error: Self.malformed("the status claim is malformed: \(error)")))
                }
            } else {
                let mechanisms = status.objectValue?.keys.sorted().joined(separator: ", ") ?? "none"
                references.append(
                    .unusable(
                        description: "status",
                        error: StatusClientError(
                            .unsupported,
                            kind: .malformedValueError,
                            "no status_list in the status claim (mechanisms: \(mechanisms))"
                        )
                    )
                )
            }
        }
        self.init(
            form: form,
            issuer: claims["iss"]?.stringValue,
            id: claims["jti"]?.stringValue,
            types: claims["vct"]?.stringValue.map { [$0] } ?? [],
            statusReferences: references,
            validFrom: Self.numericDate(claims["nbf"]),
            validUntil: Self.numericDate(claims["exp"]),
            issuedAt: Self.numericDate(claims["iat"]) ?? Self.numericDate(claims["nbf"]),
            eqfLevel: Self.firstConcept(named: "eqfLevel", in: claims),
            jurisdiction: Self.firstConcept(named: "jurisdiction", in: claims),
            document: nil,
            compactJWS: compactJWS
        )
    }

    private static func w3cReference(_ item: JSONValue) -> StatusReference {
        let type = item["type"]?.stringValue ?? item["type"]?.arrayValue?.first?.stringValue ?? "untyped"
        guard type == BitstringStatusListEntry.entryType else {
            return .unusable(
                description: type,
                error: StatusClientError(.unsupported, kind: .malformedValueError, "the status type '\(type)' is not supported")
            )
        }
        do {
            return .w3c(try JSONDecoder().decode(BitstringStatusListEntry.self, from: item.canonicalData()))
        } catch let error as StatusListError {
            return .unusable(
                description: type,
                error: StatusClientError(.malformed, kind: error.validationErrorKind ?? .malformedValueError, error.reason)
            )
        } catch {
            return .unusable(description: type, error: malformed("the credentialStatus entry is malformed: \(error)"))
        }
    }

    private static func dateTime(_ value: JSONValue?, _ name: String) throws(StatusClientError) -> Date? {
        guard let value else { return nil }
        guard let text = value.stringValue, let date = (try? XMLDateTime.parse(text)) ?? DataIntegrity.parseTimestamp(text) else {
            throw malformed("the credential's \(name) is not a dateTimeStamp")
        }
        return date
    }

    /// The value of the first member called `name` in `root`, breadth first (so the shallowest wins), over at most a
    /// few thousand nodes: a string, or a concept object's `id` / `@id`; the first usable element of an array.
    static func firstConcept(named name: String, in root: JSONValue?) -> String? {
        func concept(_ value: JSONValue) -> String? {
            if let text = value.stringValue { return text.isEmpty ? nil : text }
            if let object = value.objectValue { return (object["id"] ?? object["@id"])?.stringValue }
            return value.arrayValue?.lazy.compactMap(concept).first
        }
        guard let root else { return nil }
        var queue = [root]
        var next = 0
        while next < queue.count, next < 4096 {
            let node = queue[next]
            next += 1
            if let object = node.objectValue {
                if let value = object[name], let found = concept(value) { return found }
                for key in object.keys.sorted() where queue.count < 4096 { queue.append(object[key] ?? .null) }
            } else if let array = node.arrayValue {
                for element in array where queue.count < 4096 { queue.append(element) }
            }
        }
        return nil
    }

    private static func numericDate(_ value: JSONValue?) -> Date? {
        value?.numberValue.flatMap { $0.isFinite ? Date(timeIntervalSince1970: $0) : nil }
    }

    private static func malformed(_ reason: String) -> StatusClientError {
        StatusClientError(.malformed, kind: .malformedValueError, reason)
    }

    /// The status list form to ask for: the credential's own securing form (W3C REC §3.6).
    var preferredFormat: VerifiedStatusList.Format? {
        switch form {
        case .w3cJSON: .w3cDataIntegrity
        case .w3cJWT: .w3cJWT
        case .sdJWT, .jwt: nil
        }
    }
}
