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
        guard let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
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

// MARK: Trust registry extension point

/// What a trust registry is asked about a credential's issuer: was it accredited to issue this kind of credential,
/// at this level and in this jurisdiction, when the credential was issued?
public struct AccreditationQuery: Sendable, Hashable, Codable {
    /// The issuer's DID.
    public var issuer: String
    /// The credential's types; `VerifiableCredential` (which every credential has) is never asked about.
    public var credentialTypes: [String]
    /// The credential's schema ids.
    public var schemaIds: [String]
    /// The EQF level (URI or bare `1`...`8`), when known.
    public var eqfLevel: String?
    /// The jurisdiction (URI or bare ISO alpha-3 country code), when known.
    public var jurisdiction: String?
    /// The ISCED-F field (URI or bare code), when known.
    public var iscedF: String?
    /// The instant the accreditation must hold at: the credential's issuance time.
    public var time: Date

    /// Creates a query.
    public init(
        issuer: String,
        credentialTypes: [String],
        schemaIds: [String] = [],
        eqfLevel: String? = nil,
        jurisdiction: String? = nil,
        iscedF: String? = nil,
        time: Date
    ) {
        self.issuer = issuer
        self.credentialTypes = credentialTypes
        self.schemaIds = schemaIds
        self.eqfLevel = eqfLevel
        self.jurisdiction = jurisdiction
        self.iscedF = iscedF
        self.time = time
    }

    /// The resources to ask about, in order: each credential type except `VerifiableCredential`, then each schema id.
    public var resources: [String] {
        var seen = Set<String>()
        return (credentialTypes.filter { $0 != "VerifiableCredential" } + schemaIds).filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}

/// Decides whether an issuer is accredited: the trust-registry part of `standing verify --registry`.
///
/// ``CredentialStatusVerifier`` calls ``accreditation(for:)`` once per credential, after the status checks, with the
/// credential's issuer, types, schema ids, EQF level and jurisdiction and its issuance time; a result with
/// ``AccreditationResult/accredited`` false makes the verdict ``CredentialReport/Verdict/notAccredited`` (exit code 1),
/// an error makes it ``CredentialReport/Verdict/error`` (exit code 2). ``RegistryClient`` answers from a Standing
/// trust registry.
public protocol IssuerAccreditationChecking: Sendable {
    /// Looks the issuer up.
    /// - Parameters:
    ///   - issuer: The credential's issuer (a DID or URL).
    ///   - credentialTypes: The credential's `type` values (or SD-JWT VC `vct`), for registries that accredit per type.
    ///   - time: The time the accreditation must hold at.
    /// - Returns: The registry's answer.
    /// - Throws: ``StatusClientError`` when the registry cannot be consulted or its answer does not verify.
    func accreditation(of issuer: String, credentialTypes: [String], at time: Date) async throws(StatusClientError) -> AccreditationResult

    /// Answers a full query (scope constraints included). The default forwards to
    /// ``accreditation(of:credentialTypes:at:)``, ignoring the constraints it cannot pass.
    /// - Parameter query: The query.
    /// - Returns: The registry's answer.
    /// - Throws: ``StatusClientError`` when the registry cannot be consulted or its answer does not verify.
    func accreditation(for query: AccreditationQuery) async throws(StatusClientError) -> AccreditationResult
}

extension IssuerAccreditationChecking {
    /// Forwards to ``accreditation(of:credentialTypes:at:)``.
    public func accreditation(for query: AccreditationQuery) async throws(StatusClientError) -> AccreditationResult {
        try await accreditation(of: query.issuer, credentialTypes: query.credentialTypes, at: query.time)
    }
}

/// A trust registry's answer about one issuer, with its evidence.
public struct AccreditationResult: Sendable, Hashable, Codable {
    /// How the registry was consulted.
    public enum Mode: String, Sendable, Hashable, Codable {
        /// A TRQP authorization query, answered by the registry.
        case trqp
        /// Decided locally from the registry's signed snapshot kept current with its signed change feed.
        case snapshot
    }

    /// Whether the issuer is accredited for the credential at the time asked.
    public var accredited: Bool
    /// Which registry answered (its URL or name).
    public var registry: String
    /// Details for the report (accreditation id, scope, validity...).
    public var detail: String?
    /// The deciding accreditation: the one that authorizes, or the one whose status (or chain) denies.
    public var accreditationId: String?
    /// The registry's event sequence number the answer reflects.
    public var seq: Int?
    /// How the answer was obtained.
    public var mode: Mode?
    /// The resource (credential type or schema id) that was authorized, or the last one asked about.
    public var resource: String?
    /// The instant the accreditation was evaluated at.
    public var evaluatedAt: Date?
    /// When the registry data behind the answer was last synchronised (snapshot mode).
    public var synchronisedAt: Date?
    /// Seconds between ``synchronisedAt`` and the answer, when the answer came from the cache without a request.
    public var staleness: TimeInterval?

    /// Creates a result.
    public init(
        accredited: Bool,
        registry: String,
        detail: String? = nil,
        accreditationId: String? = nil,
        seq: Int? = nil,
        mode: Mode? = nil,
        resource: String? = nil,
        evaluatedAt: Date? = nil,
        synchronisedAt: Date? = nil,
        staleness: TimeInterval? = nil
    ) {
        self.accredited = accredited
        self.registry = registry
        self.detail = detail
        self.accreditationId = accreditationId
        self.seq = seq
        self.mode = mode
        self.resource = resource
        self.evaluatedAt = evaluatedAt
        self.synchronisedAt = synchronisedAt
        self.staleness = staleness
    }

    /// `yes (accreditation ID, seq N)` / `no (...)`: the report's summary.
    public var summary: String {
        var evidence: [String] = []
        if let accreditationId { evidence.append("accreditation \(accreditationId)") }
        if let seq { evidence.append("seq \(seq)") }
        if let mode { evidence.append(mode.rawValue) }
        return (accredited ? "yes" : "no") + (evidence.isEmpty ? "" : " (\(evidence.joined(separator: ", ")))")
    }
}

/// Values that replace what is read from the credential for the accreditation check (`standing verify --type
/// --eqf --jurisdiction`).
public struct AccreditationOverrides: Sendable, Hashable {
    /// Credential types (or schema ids) to ask about instead of the credential's.
    public var credentialTypes: [String]?
    /// The EQF level.
    public var eqfLevel: String?
    /// The jurisdiction.
    public var jurisdiction: String?
    /// The ISCED-F field.
    public var iscedF: String?

    /// Creates overrides; `nil` keeps the credential's value.
    public init(credentialTypes: [String]? = nil, eqfLevel: String? = nil, jurisdiction: String? = nil, iscedF: String? = nil) {
        self.credentialTypes = credentialTypes
        self.eqfLevel = eqfLevel
        self.jurisdiction = jurisdiction
        self.iscedF = iscedF
    }
}

// MARK: Verification

/// Checks a credential's own proof (see ``verifyProof(_:trust:policy:at:)``), every status entry, and optionally the
/// issuer's accreditation, into one ``CredentialReport``. The verdict is ``CredentialReport/Verdict/valid`` only when
/// the proof verified with a key of the issuer and every check passed; a credential whose proof is absent or not
/// checked is ``CredentialReport/Verdict/unverified``, whatever its status, unless ``statusOnly`` is set.
public struct CredentialStatusVerifier: Sendable {
    /// The status client (its caches and configuration apply).
    public let client: StandingClient
    /// The trust registry, when issuer accreditation is to be checked.
    public var accreditation: (any IssuerAccreditationChecking)?
    /// Values that replace the credential's own for the accreditation check.
    public var accreditationOverrides: AccreditationOverrides
    /// Checks the status entries (and accreditation) only: the proof is not checked and the verdict does not depend
    /// on it. The report says so (``ProofCheck/State/skipped``). For callers that verified the proof elsewhere.
    public var statusOnly: Bool

    /// Creates a verifier.
    public init(
        client: StandingClient,
        accreditation: (any IssuerAccreditationChecking)? = nil,
        accreditationOverrides: AccreditationOverrides = AccreditationOverrides(),
        statusOnly: Bool = false
    ) {
        self.client = client
        self.accreditation = accreditation
        self.accreditationOverrides = accreditationOverrides
        self.statusOnly = statusOnly
    }

    /// The accreditation query for a credential: its issuer, types, schema ids, EQF level and jurisdiction (or the
    /// overrides), at its issuance time (or `fallbackTime` when it states none).
    /// - Returns: The query, or `nil` when the credential names no issuer.
    public func accreditationQuery(for credential: ParsedCredential, fallbackTime: Date) -> AccreditationQuery? {
        guard let issuer = credential.issuer else { return nil }
        let overrides = accreditationOverrides
        return AccreditationQuery(
            issuer: issuer,
            credentialTypes: overrides.credentialTypes ?? credential.types,
            schemaIds: overrides.credentialTypes == nil ? credential.schemaIds : [],
            eqfLevel: overrides.eqfLevel ?? credential.eqfLevel,
            jurisdiction: overrides.jurisdiction ?? credential.jurisdiction,
            iscedF: overrides.iscedF,
            time: credential.issuedAt ?? fallbackTime
        )
    }

    /// Verifies a credential: its proof (unless ``statusOnly``), its status entries, its validity period and, with a
    /// registry, its issuer's accreditation.
    /// - Parameters:
    ///   - credential: The parsed credential.
    ///   - trust: The keys lists and the credential must be signed with; `nil` trusts the credential issuer's DID
    ///     (`did:web` or `did:key`) for both.
    ///   - options: Cache policy and historical time (the preferred list form follows the credential's form).
    /// - Returns: The report; failures are inside it, never thrown.
    public func verify(_ credential: ParsedCredential, trust: TrustSource?, options: FetchOptions = FetchOptions()) async -> CredentialReport {
        var options = options
        options.preferredFormat = options.preferredFormat ?? credential.preferredFormat
        let now = client.configuration.now()
        let checkTime = options.at ?? now
        var notes: [String] = []
        let effectiveTrust: TrustSource?
        if let trust {
            effectiveTrust = trust
        } else if let issuer = credential.issuer, issuer.hasPrefix(DIDWeb.prefix) || issuer.hasPrefix(DIDKey.prefix) {
            effectiveTrust = .did(issuer)
            notes.append("trusting the issuer's own DID (\(issuer)); pass --trust to choose keys")
        } else {
            effectiveTrust = nil
        }
        let noTrust = StatusClientError(
            .invalidArgument,
            kind: .statusVerificationError,
            "no trust given and the issuer \(credential.issuer.map { "'\($0)'" } ?? "(none)") is not a did:web or did:key; pass --trust"
        )

        let proof: ProofCheck
        if statusOnly {
            proof = ProofCheck(
                state: .skipped,
                method: nil,
                keyID: nil,
                detail: "status-only check requested; the credential's proof was not checked, so nothing shows who issued it"
            )
        } else {
            proof = await verifyProof(credential, trust: trust, policy: options.policy, at: now)
        }
        var entries: [EntryReport] = []
        for reference in credential.statusReferences {
            entries.append(await check(reference, trust: effectiveTrust, noTrust: noTrust, options: options))
        }
        if credential.statusReferences.isEmpty { notes.append("the credential has no status entries") }
        if proof.state == .absent || proof.state == .notVerified {
            notes.append("the credential's proof was not verified, so it is not accepted (--status-only checks the status alone)")
        }

        var expired = false
        if let validUntil = credential.validUntil, validUntil < checkTime {
            expired = true
            notes.append("the credential expired at \(XMLDateTime.format(validUntil))")
        }
        if let validFrom = credential.validFrom, validFrom.timeIntervalSince(checkTime) > client.configuration.clockSkew {
            expired = true
            notes.append("the credential is not valid before \(XMLDateTime.format(validFrom))")
        }

        var accreditationResult: AccreditationResult?
        var accreditationError: ErrorReport?
        if let accreditation {
            if let query = accreditationQuery(for: credential, fallbackTime: checkTime) {
                if credential.issuedAt == nil {
                    notes.append("the credential states no issuance time; the accreditation is checked at \(XMLDateTime.format(checkTime))")
                }
                do {
                    accreditationResult = try await accreditation.accreditation(for: query)
                } catch {
                    accreditationError = ErrorReport(error)
                }
            } else {
                accreditationError = ErrorReport(StatusClientError(.malformed, kind: .malformedValueError, "the credential names no issuer"))
            }
        }

        let verdict = CredentialReport.overallVerdict(
            proof: proof,
            statusOnly: statusOnly,
            entries: entries,
            expired: expired,
            accreditation: accreditationResult,
            accreditationError: accreditationError
        )
        return CredentialReport(
            verdict: verdict,
            credential: .init(form: credential.form, issuer: credential.issuer, id: credential.id, types: credential.types),
            proof: proof,
            entries: entries,
            accreditation: accreditationResult,
            accreditationError: accreditationError,
            trust: effectiveTrust?.description,
            checkedAt: checkTime,
            historical: options.at != nil,
            notes: notes
        )
    }

    private func check(
        _ reference: ParsedCredential.StatusReference,
        trust: TrustSource?,
        noTrust: StatusClientError,
        options: FetchOptions
    ) async
        -> EntryReport
    {
        switch reference {
        case .unusable(let description, let error):
            return EntryReport(mechanism: description, listURL: nil, index: nil, purpose: nil, verdict: .error, check: nil, error: ErrorReport(error))
        case .w3c(let entry):
            let base = (mechanism: BitstringStatusListEntry.entryType, url: entry.statusListCredential, index: entry.statusListIndex)
            guard let trust else {
                return EntryReport(
                    mechanism: base.mechanism,
                    listURL: base.url,
                    index: base.index,
                    purpose: entry.statusPurpose.rawValue,
                    verdict: .error,
                    check: nil,
                    error: ErrorReport(noTrust)
                )
            }
            do {
                let result = try await client.checkStatus(entry, trust: trust, options: options)
                return EntryReport(
                    mechanism: base.mechanism,
                    listURL: base.url,
                    index: base.index,
                    purpose: entry.statusPurpose.rawValue,
                    verdict: CredentialReport.Verdict(w3c: result, purpose: entry.statusPurpose),
                    check: result,
                    error: nil
                )
            } catch {
                return EntryReport(
                    mechanism: base.mechanism,
                    listURL: base.url,
                    index: base.index,
                    purpose: entry.statusPurpose.rawValue,
                    verdict: .error,
                    check: nil,
                    error: ErrorReport(error)
                )
            }
        case .ietf(let claim):
            let mechanism = "status_list"
            guard let trust else {
                return EntryReport(
                    mechanism: mechanism,
                    listURL: claim.uri,
                    index: claim.idx,
                    purpose: nil,
                    verdict: .error,
                    check: nil,
                    error: ErrorReport(noTrust)
                )
            }
            do {
                let result = try await client.checkStatus(claim, trust: trust, options: options)
                return EntryReport(
                    mechanism: mechanism,
                    listURL: claim.uri,
                    index: claim.idx,
                    purpose: nil,
                    verdict: CredentialReport.Verdict(ietf: result),
                    check: result,
                    error: nil
                )
            } catch {
                return EntryReport(
                    mechanism: mechanism,
                    listURL: claim.uri,
                    index: claim.idx,
                    purpose: nil,
                    verdict: .error,
                    check: nil,
                    error: ErrorReport(error)
                )
            }
        }
    }

}

// MARK: Report

/// The outcome of ``CredentialStatusVerifier/verify(_:trust:options:)``, for people (``text``) and machines (JSON).
public struct CredentialReport: Sendable, Codable {
    /// The conclusion.
    public enum Verdict: String, Sendable, Hashable, Codable {
        /// The proof verified with a key of the issuer (or, for a status-only check, was not checked), every entry
        /// reads valid (or `refresh`), and the credential is within its validity.
        case valid
        /// A revocation entry is set (W3C `revocation`, IETF INVALID, or a message list's "revoked"/"invalid").
        case revoked
        /// A suspension entry is set (W3C `suspension`, IETF SUSPENDED, or a message list's "suspended").
        case suspended
        /// A status other than revocation or suspension is set (a message list's non-zero value, an IETF
        /// application-specific value), or the credential is outside its validity period.
        case invalid
        /// The trust registry does not accredit the issuer.
        case notAccredited = "not-accredited"
        /// Nothing conclusive: unreachable, bad signature (the proof failed), malformed.
        case error
        /// The proof was not verified: the credential has none, uses a securing mechanism Standing does not implement,
        /// or the issuer's keys could not be obtained. Nothing shows who issued it, so its status says nothing either.
        case unverified

        /// The verdict of a W3C entry's status.
        init(w3c check: StatusCheck, purpose: StatusPurpose) {
            guard check.status != 0 else {
                self = .valid
                return
            }
            switch purpose {
            case .revocation: self = .revoked
            case .suspension: self = .suspended
            case .refresh: self = .valid
            case .message:
                switch check.message?.lowercased() {
                case "revoked", "invalid": self = .revoked
                case "suspended": self = .suspended
                default: self = .invalid
                }
            default: self = .invalid
            }
        }

        /// The verdict of an IETF entry's status type.
        init(ietf check: StatusCheck) {
            switch StatusType(rawValue: UInt8(clamping: check.status)) {
            case .valid: self = .valid
            case .invalid: self = .revoked
            case .suspended: self = .suspended
            default: self = .invalid
            }
        }
    }

    /// What was checked.
    public struct CredentialSummary: Sendable, Codable {
        /// The credential's form.
        public let form: ParsedCredential.Form
        /// Its issuer.
        public let issuer: String?
        /// Its `id` / `jti`.
        public let id: String?
        /// Its `type` values or `vct`.
        public let types: [String]
    }

    /// The conclusion over the proof, every entry, the validity period and the accreditation.
    public let verdict: Verdict
    /// What was checked.
    public let credential: CredentialSummary
    /// The credential's own proof.
    public let proof: ProofCheck
    /// One outcome per status reference, in the credential's order.
    public let entries: [EntryReport]
    /// The registry's answer, when a registry was consulted.
    public let accreditation: AccreditationResult?
    /// Why the registry could not answer, if it could not.
    public let accreditationError: ErrorReport?
    /// The trust used, described.
    public let trust: String?
    /// The time the status was checked for.
    public let checkedAt: Date
    /// Whether ``checkedAt`` is a historical time asked for (`--at`) rather than now.
    public let historical: Bool
    /// Remarks: the default trust used, no status entries, the credential's validity period.
    public let notes: [String]

    /// 0 valid; 1 revoked, suspended, invalid or not accredited; 2 error or unverified proof.
    public var exitCode: Int32 {
        switch verdict {
        case .valid: 0
        case .revoked, .suspended, .invalid, .notAccredited: 1
        case .error, .unverified: 2
        }
    }

    static func overallVerdict(
        proof: ProofCheck,
        statusOnly: Bool = false,
        entries: [EntryReport],
        expired: Bool,
        accreditation: AccreditationResult?,
        accreditationError: ErrorReport?
    ) -> Verdict {
        // A credential whose own proof fails says nothing trustworthy, whatever its entries read.
        if proof.state == .failed { return .error }
        // An unsigned or unchecked credential is not accepted on its status alone, unless only the status was asked for.
        if !statusOnly, proof.state != .verified { return .unverified }
        let verdicts = entries.map(\.verdict)
        for conclusive in [Verdict.revoked, .invalid, .suspended] where verdicts.contains(conclusive) { return conclusive }
        if expired { return .invalid }
        if accreditation?.accredited == false { return .notAccredited }
        if verdicts.contains(.error) || accreditationError != nil { return .error }
        return .valid
    }

    /// A short human-readable report.
    public var text: String {
        var lines: [String] = []
        let form = credential.form.rawValue
        lines.append("credential  \(form)\(credential.issuer.map { ", issuer \($0)" } ?? "")\(credential.id.map { ", id \($0)" } ?? "")")
        let proofLine: String =
            switch proof.state {
            case .verified: "verified with key \(proof.keyID ?? "?") (\(proof.method ?? "proof"))"
            case .failed: "FAILED (\(proof.method ?? "proof")): \(proof.detail)"
            case .notVerified: "not checked: \(proof.detail)"
            case .absent: "none: \(proof.detail)"
            case .skipped: "not checked: \(proof.detail)"
            }
        lines.append("proof       \(proofLine)")
        if let trust { lines.append("trust       \(trust)") }
        if historical { lines.append("as of       \(XMLDateTime.format(checkedAt)) (historical resolution)") }
        for entry in entries {
            let what = [entry.purpose ?? entry.mechanism, entry.listURL.map { "\($0)" }, entry.index.map { "[\($0)]" }].compactMap { $0 }.joined(
                separator: " "
            )
            if let check = entry.check {
                let message = check.message.map { ", \"\($0)\"" } ?? ""
                lines.append("status      \(what): \(entry.verdict.rawValue.uppercased()) (value \(check.status)\(message))")
                var origin = "list \(check.list.mediaType)"
                if let issuedAt = check.list.issuedAt { origin += ", issued \(XMLDateTime.format(issuedAt))" }
                if let validUntil = check.list.validUntil { origin += ", valid until \(XMLDateTime.format(validUntil))" }
                origin += ", " + (check.fromCache ? "from cache (\(check.source.rawValue))" : "fetched now")
                if check.staleness > 0 { origin += ", \(Int(check.staleness.rounded(.up))) s stale" }
                lines.append("              \(origin)")
            } else if let error = entry.error {
                lines.append("status      \(what): ERROR \(error.kind.rawValue) (\(error.code)): \(error.reason)")
            }
        }
        if let accreditation {
            lines.append("registry    issuer accredited: \(accreditation.summary)")
            lines.append("              \(accreditation.registry)\(accreditation.detail.map { ": \($0)" } ?? "")")
        } else if let accreditationError {
            lines.append("registry    issuer accredited: ERROR \(accreditationError.kind.rawValue): \(accreditationError.reason)")
        }
        for note in notes { lines.append("note        \(note)") }
        lines.append("result      \(verdict.rawValue.uppercased())")
        return lines.joined(separator: "\n")
    }
}

/// What was concluded about the credential's own proof.
public struct ProofCheck: Sendable, Hashable, Codable {
    /// The outcome.
    public enum State: String, Sendable, Hashable, Codable {
        /// The proof was checked and holds.
        case verified
        /// The proof was checked and does not hold (bad signature, wrong algorithm, malformed).
        case failed
        /// Not checked: a securing mechanism Standing does not implement, or the issuer's keys unavailable.
        case notVerified = "not-verified"
        /// The credential has no proof.
        case absent
        /// Not checked because only the status was asked for (``CredentialStatusVerifier/statusOnly``).
        case skipped
    }

    /// The outcome.
    public let state: State
    /// The securing mechanism (`Data Integrity eddsa-jcs-2022`, `vc+jwt`, `JWS`, `SD-JWT VC`).
    public let method: String?
    /// The key that verified it: the verification method, the JWS `kid`, or the key's RFC 7638 thumbprint.
    public let keyID: String?
    /// What happened, for people.
    public let detail: String
}

/// One status reference's outcome.
public struct EntryReport: Sendable, Codable {
    /// `BitstringStatusListEntry`, `status_list`, or the unsupported type.
    public let mechanism: String
    /// The list URL referenced.
    public let listURL: String?
    /// The entry's index.
    public let index: Int?
    /// The W3C purpose.
    public let purpose: String?
    /// The entry's conclusion.
    public let verdict: CredentialReport.Verdict
    /// The status read, when the check succeeded.
    public let check: StatusCheck?
    /// Why it failed, when it did.
    public let error: ErrorReport?
}

/// A ``StatusClientError`` as reported.
public struct ErrorReport: Sendable, Hashable, Codable {
    /// The W3C error kind (`STATUS_RETRIEVAL_ERROR`...).
    public let kind: StatusValidationErrorKind
    /// The RFC 9457 problem type URI of the kind.
    public let type: String
    /// The client's stable code.
    public let code: String
    /// What exactly failed.
    public let reason: String

    /// Creates the report of an error.
    public init(_ error: StatusClientError) {
        kind = error.kind
        type = error.kind.typeURI
        code = error.code.description
        reason = error.reason
    }
}
