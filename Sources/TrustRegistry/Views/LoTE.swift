import Foundation
import Signing

/// An ETSI TS 119 602 List of Trusted Entities (JSON binding, V1.1.1), with member names exactly as the ETSI JSON
/// schema spells them. Optional members are omitted when absent; arrays the schema requires to be non-empty are
/// omitted rather than written empty.
public struct LoTEDocument: Codable, Sendable, Hashable {
    /// `LoTE`.
    public var LoTE: ListOfTrustedEntities
}

/// `LoTE`: scheme information and the entities.
public struct ListOfTrustedEntities: Codable, Sendable, Hashable {
    /// `ListAndSchemeInformation`.
    public var ListAndSchemeInformation: LoTESchemeInformation
    /// `TrustedEntitiesList` (absent when empty).
    public var TrustedEntitiesList: [LoTETrustedEntity]?
}

/// `{lang, value}`.
public struct LoTEMultiLangString: Codable, Sendable, Hashable {
    /// Language tag.
    public var lang: String
    /// Text.
    public var value: String
}

/// `{lang, uriValue}`.
public struct LoTEMultiLangURI: Codable, Sendable, Hashable {
    /// Language tag.
    public var lang: String
    /// URI.
    public var uriValue: String
}

/// `PolicyOrLegalNotice` item `{LoTEPolicy: {lang, uriValue}}`.
public struct LoTEPolicy: Codable, Sendable, Hashable {
    /// `LoTEPolicy`.
    public var LoTEPolicy: LoTEMultiLangURI
}

/// `ListAndSchemeInformation`.
public struct LoTESchemeInformation: Codable, Sendable, Hashable {
    /// Incremented only when the parsing rules change: 1 for V1.1.1.
    public var LoTEVersionIdentifier: Int
    /// Incremented at every release, never re-cycled.
    public var LoTESequenceNumber: Int
    /// The list type URI.
    public var LoTEType: String?
    /// The scheme operator's names.
    public var SchemeOperatorName: [LoTEMultiLangString]
    /// The scheme's names.
    public var SchemeName: [LoTEMultiLangString]?
    /// Where the scheme is described.
    public var SchemeInformationURI: [LoTEMultiLangURI]?
    /// How status is determined.
    public var StatusDeterminationApproach: String?
    /// Community rules.
    public var SchemeTypeCommunityRules: [LoTEMultiLangURI]?
    /// Territory, e.g. `EU`.
    public var SchemeTerritory: String?
    /// Policy pointers.
    public var PolicyOrLegalNotice: [LoTEPolicy]?
    /// How long history is kept (65535 = forever).
    public var HistoricalInformationPeriod: Int?
    /// Issue time, `YYYY-MM-DDThh:mm:ssZ`.
    public var ListIssueDateTime: String
    /// Next update at the latest.
    public var NextUpdate: String
    /// Where the list is published.
    public var DistributionPoints: [String]?
    /// Scheme extensions: here `{RegistryState: {seq, head, rootAuthority}}`, non-critical.
    public var SchemeExtensions: [JSONValue]?
}

/// `TrustedEntity`.
public struct LoTETrustedEntity: Codable, Sendable, Hashable {
    /// `TrustedEntityInformation`.
    public var TrustedEntityInformation: LoTEEntityInformation
    /// `TrustedEntityServices`: one service per accreditation.
    public var TrustedEntityServices: [LoTEService]
}

/// `TrustedEntityInformation`.
public struct LoTEEntityInformation: Codable, Sendable, Hashable {
    /// Names.
    public var TEName: [LoTEMultiLangString]
    /// Address.
    public var TEAddress: LoTEAddress
    /// Information URIs (the website).
    public var TEInformationURI: [LoTEMultiLangURI]
    /// `{EntityIdentifier: {did, role}}`, non-critical.
    public var TEInformationExtensions: [JSONValue]?
}

/// `TEAddress`.
public struct LoTEAddress: Codable, Sendable, Hashable {
    /// Postal addresses.
    public var TEPostalAddress: [LoTEPostalAddress]
    /// Electronic addresses (`mailto:`, website).
    public var TEElectronicAddress: [LoTEMultiLangURI]
}

/// `PostalAddress`.
public struct LoTEPostalAddress: Codable, Sendable, Hashable {
    /// Language.
    public var lang: String
    /// Street (empty when the entity registered none).
    public var StreetAddress: String
    /// Locality.
    public var Locality: String?
    /// Postal code.
    public var PostalCode: String?
    /// Two-letter country code.
    public var Country: String
}

/// `TrustedEntityService`.
public struct LoTEService: Codable, Sendable, Hashable {
    /// `ServiceInformation`: the current status.
    public var ServiceInformation: LoTEServiceInformation
    /// `ServiceHistory`: earlier statuses, most recent first (absent when none).
    public var ServiceHistory: [LoTEServiceHistoryInstance]?
}

/// `ServiceDigitalIdentity`.
public struct LoTEDigitalIdentity: Codable, Sendable, Hashable {
    /// EC public keys as JWKs (the schema's `PublicKeyValues` allows `EC`, `RSA` and `oct` only, so Ed25519 keys are
    /// identified through the DID alone).
    public var PublicKeyValues: [JWK]?
    /// The entity's DID.
    public var OtherIds: [String]?
}

/// `ServiceInformation`.
public struct LoTEServiceInformation: Codable, Sendable, Hashable {
    /// Service type URI: issuance (`TI`), accreditation (`TAO`) or trust framework authority (`RootTAO`).
    public var ServiceTypeIdentifier: String
    /// A readable name with the scope summary.
    public var ServiceName: [LoTEMultiLangString]
    /// Keys and DID.
    public var ServiceDigitalIdentity: LoTEDigitalIdentity
    /// `…/Status/granted`, `…/Status/suspended` or `…/Status/withdrawn`.
    public var ServiceStatus: String
    /// When the status started.
    public var StatusStartingTime: String
    /// The EBSI attribute URL of the accreditation.
    public var ServiceDefinitionURI: [LoTEMultiLangURI]?
    /// `{AccreditationScope: {...}}`, non-critical: the canonical scope, ids and period.
    public var ServiceInformationExtensions: [JSONValue]?
}

/// `ServiceHistoryInstance`.
public struct LoTEServiceHistoryInstance: Codable, Sendable, Hashable {
    /// Service name.
    public var ServiceName: [LoTEMultiLangString]
    /// Keys and DID.
    public var ServiceDigitalIdentity: LoTEDigitalIdentity
    /// The status then.
    public var ServiceStatus: String
    /// When it started.
    public var StatusStartingTime: String
    /// Service type URI.
    public var ServiceTypeIdentifier: String?
}

/// How the registry publishes its LoTE. Type and status URIs live under the registry's own base URL: the
/// `http://uri.etsi.org/19602/LoTEType/EU*` types belong to the EU Annex profiles, which forbid `ServiceStatus`.
public struct LoTEConfiguration: Sendable, Hashable {
    /// The registry's public base URL.
    public var baseURL: String
    /// `SchemeName`, by language.
    public var schemeName: [String: String]
    /// `SchemeTerritory`.
    public var schemeTerritory: String
    /// How long until `NextUpdate` (the EU profiles allow at most 6 months).
    public var validity: TimeInterval
    /// `LoTEType`; default `<base>/LoTEType/AccreditedMicroCredentialIssuers`.
    public var loteType: String?

    /// Creates a configuration.
    /// - Parameters:
    ///   - baseURL: The public base URL.
    ///   - schemeName: Scheme names by language.
    ///   - schemeTerritory: Territory (default `EU`).
    ///   - validity: Seconds to `NextUpdate` (default 7 days).
    ///   - loteType: The list type URI.
    public init(
        baseURL: String,
        schemeName: [String: String] = ["en": "Accredited micro-credential issuers"],
        schemeTerritory: String = "EU",
        validity: TimeInterval = 7 * 86_400,
        loteType: String? = nil
    ) {
        self.baseURL = AccreditationCredential.trimmedBase(baseURL)
        self.schemeName = schemeName
        self.schemeTerritory = schemeTerritory
        self.validity = validity
        self.loteType = loteType
    }

    /// The status URI for granted / suspended / withdrawn.
    /// - Parameter name: `granted`, `suspended` or `withdrawn`.
    /// - Returns: `<base>/Status/<name>`.
    public func statusURI(_ name: String) -> String { baseURL + "/Status/" + name }

    /// The service type URI for a role.
    /// - Parameter role: The accreditation role.
    /// - Returns: `<base>/SvcType/{CredentialIssuance|Accreditation|TrustFrameworkAuthority}`.
    public func serviceType(for role: AccreditationRole) -> String {
        switch role {
        case .ti: baseURL + "/SvcType/CredentialIssuance"
        case .tao: baseURL + "/SvcType/Accreditation"
        case .rootTAO: baseURL + "/SvcType/TrustFrameworkAuthority"
        }
    }
}

/// The LoTE publication counter a store persists: `LoTESequenceNumber` starts at 1, grows by one at every release
/// and is never re-used, independently of the event `seq` (which the list carries in a scheme extension).
public struct LoTEPublicationCounter: Codable, Sendable, Hashable {
    /// The last published sequence number (0 before the first release).
    public private(set) var lastSequenceNumber: Int
    /// The state `seq` the last release reflected.
    public private(set) var lastStateSeq: Int

    /// Creates a counter.
    /// - Parameters:
    ///   - lastSequenceNumber: The last published number.
    ///   - lastStateSeq: The state `seq` it reflected.
    public init(lastSequenceNumber: Int = 0, lastStateSeq: Int = 0) {
        self.lastSequenceNumber = lastSequenceNumber
        self.lastStateSeq = lastStateSeq
    }

    /// Whether a new release is due: the state changed, or `NextUpdate` of the last release is within `margin`.
    /// - Parameters:
    ///   - stateSeq: The current state `seq`.
    ///   - lastNextUpdate: The last release's `NextUpdate`, if any.
    ///   - now: The current time.
    ///   - margin: How long before `NextUpdate` to republish.
    /// - Returns: `true` when a release should be made.
    public func isReleaseDue(stateSeq: Int, lastNextUpdate: Date?, now: Date, margin: TimeInterval = 86_400) -> Bool {
        guard lastSequenceNumber > 0, let lastNextUpdate else { return true }
        return stateSeq != lastStateSeq || now.addingTimeInterval(margin) >= lastNextUpdate
    }

    /// Reserves the next sequence number for a release reflecting `stateSeq`.
    /// - Parameter stateSeq: The state `seq` of the release.
    /// - Returns: The new `LoTESequenceNumber`.
    public mutating func advance(stateSeq: Int) -> Int {
        lastSequenceNumber += 1
        lastStateSeq = stateSeq
        return lastSequenceNumber
    }
}

extension RegistryState {
    /// The LoTE payload at `issuedAt`: one trusted entity per accredited DID other than the root (the scheme
    /// operator), one service per accreditation with its current status (`granted` for active or not yet valid,
    /// `suspended`, `withdrawn` for revoked or expired) and its earlier statuses in `ServiceHistory`.
    /// - Parameters:
    ///   - configuration: Publication settings.
    ///   - sequenceNumber: `LoTESequenceNumber`, from ``LoTEPublicationCounter/advance(stateSeq:)``.
    ///   - issuedAt: `ListIssueDateTime`; `NextUpdate` is `issuedAt + validity`.
    /// - Returns: The document, stamped.
    /// - Throws: ``RegistryError/Code/unknownAuthority`` before initialisation; ``RegistryError/Code/malformed`` for a
    ///   sequence number below 1.
    public func lote(configuration: LoTEConfiguration, sequenceNumber: Int, issuedAt: Date) throws(RegistryError) -> Stamped<LoTEDocument> {
        guard let root = rootAuthority, let operatorEntity = entities[root] else {
            throw RegistryError(.unknownAuthority, "the registry is not initialised")
        }
        guard sequenceNumber >= 1 else { throw RegistryError(.malformed, "LoTESequenceNumber starts at 1") }
        let time = RegistryTime.truncated(issuedAt)
        let base = configuration.baseURL
        var entities = [LoTETrustedEntity]()
        for did in sortedSubjects where did != root {
            guard let entity = self.entities[did], let ids = recordsBySubject[did] else { continue }
            let identity = LoTEDigitalIdentity(
                PublicKeyValues: nonEmpty(entity.keys.filter { $0.kty == "EC" }.map(\.publicKey)),
                OtherIds: [did]
            )
            let services = ids.compactMap { records[$0] }.map { service(for: $0, identity: identity, configuration: configuration, at: time) }
            entities.append(
                LoTETrustedEntity(
                    TrustedEntityInformation: entityInformation(entity),
                    TrustedEntityServices: services
                )
            )
        }
        let information = LoTESchemeInformation(
            LoTEVersionIdentifier: 1,
            LoTESequenceNumber: sequenceNumber,
            LoTEType: configuration.loteType ?? base + "/LoTEType/AccreditedMicroCredentialIssuers",
            SchemeOperatorName: multiLang(operatorEntity.names),
            SchemeName: multiLang(configuration.schemeName),
            SchemeInformationURI: [LoTEMultiLangURI(lang: "en", uriValue: base + "/scheme")],
            StatusDeterminationApproach: base + "/StatusDetn/accreditation",
            SchemeTypeCommunityRules: [LoTEMultiLangURI(lang: "en", uriValue: base + "/schemerules")],
            SchemeTerritory: configuration.schemeTerritory,
            PolicyOrLegalNotice: [LoTEPolicy(LoTEPolicy: LoTEMultiLangURI(lang: "en", uriValue: base + "/policy"))],
            HistoricalInformationPeriod: 65_535,
            ListIssueDateTime: RegistryTime.format(time),
            NextUpdate: RegistryTime.format(time.addingTimeInterval(configuration.validity)),
            DistributionPoints: [base + "/lote"],
            SchemeExtensions: [
                [
                    "critical": false,
                    "RegistryState": ["seq": .number(Double(seq)), "head": .string(headHash), "rootAuthority": .string(root)],
                ]
            ]
        )
        let document = LoTEDocument(
            LoTE: ListOfTrustedEntities(ListAndSchemeInformation: information, TrustedEntitiesList: entities.isEmpty ? nil : entities)
        )
        return Stamped(seq: seq, body: document)
    }

    private func entityInformation(_ entity: Entity) -> LoTEEntityInformation {
        var electronic = [LoTEMultiLangURI]()
        if let email = entity.email { electronic.append(LoTEMultiLangURI(lang: "en", uriValue: "mailto:" + email)) }
        electronic.append(LoTEMultiLangURI(lang: "en", uriValue: entity.website))
        let language = entity.names.keys.sorted().first ?? "en"
        return LoTEEntityInformation(
            TEName: multiLang(entity.names),
            TEAddress: LoTEAddress(
                TEPostalAddress: [
                    LoTEPostalAddress(
                        lang: language,
                        StreetAddress: entity.address?.street ?? "",
                        Locality: entity.address?.locality,
                        PostalCode: entity.address?.postalCode,
                        Country: entity.country
                    )
                ],
                TEElectronicAddress: electronic
            ),
            TEInformationURI: [LoTEMultiLangURI(lang: "en", uriValue: entity.website)],
            TEInformationExtensions: [["critical": false, "EntityIdentifier": ["did": .string(entity.did), "role": .string(entity.role.rawValue)]]]
        )
    }

    private func service(
        for record: AccreditationRecord,
        identity: LoTEDigitalIdentity,
        configuration: LoTEConfiguration,
        at time: Date
    ) -> LoTEService {
        // The status timeline: the recorded changes, plus the expiry when it happened before any revocation.
        var timeline = [(status: String, start: Date)]()
        for (index, change) in record.statusHistory.enumerated() {
            let start = index == 0 ? record.validFrom : change.at
            let name = change.status == .active ? "granted" : change.status == .suspended ? "suspended" : "withdrawn"
            timeline.append((configuration.statusURI(name), start))
        }
        if record.validUntil <= time, record.recordedChange(at: record.validUntil)?.status != .revoked {
            timeline.append((configuration.statusURI("withdrawn"), record.validUntil))
        }
        // Times can only be compared once every entry has started; later ones (a future validFrom) stay current.
        let started = timeline.filter { $0.start <= time }
        let current = started.last ?? timeline[0]
        let earlier = started.count > 1 ? Array(started.dropLast().reversed()) : []
        let name = [LoTEMultiLangString(lang: "en", value: serviceName(record))]
        let type = configuration.serviceType(for: record.role)
        let extensionValue: JSONValue = [
            "critical": false,
            "AccreditationScope": [
                "accreditationId": .string(record.accreditationId),
                "role": .string(record.role.rawValue),
                "accreditedBy": .string(record.accreditedBy.did),
                "validFrom": .string(RegistryTime.format(record.validFrom)),
                "validUntil": .string(RegistryTime.format(record.validUntil)),
                "scope": (try? JSONValue.registryEncoding(record.scope)) ?? .array([]),
            ],
        ]
        return LoTEService(
            ServiceInformation: LoTEServiceInformation(
                ServiceTypeIdentifier: type,
                ServiceName: name,
                ServiceDigitalIdentity: identity,
                ServiceStatus: current.status,
                StatusStartingTime: RegistryTime.format(current.start),
                ServiceDefinitionURI: [
                    LoTEMultiLangURI(
                        lang: "en",
                        uriValue: AccreditationCredential.attributeURL(
                            baseURL: configuration.baseURL,
                            did: record.subject,
                            accreditationId: record.accreditationId
                        )
                    )
                ],
                ServiceInformationExtensions: [extensionValue]
            ),
            ServiceHistory: earlier.isEmpty
                ? nil
                : earlier.map {
                    LoTEServiceHistoryInstance(
                        ServiceName: name,
                        ServiceDigitalIdentity: identity,
                        ServiceStatus: $0.status,
                        StatusStartingTime: RegistryTime.format($0.start),
                        ServiceTypeIdentifier: type
                    )
                }
        )
    }

    private func serviceName(_ record: AccreditationRecord) -> String {
        let what: String
        switch record.role {
        case .ti: what = "Accredited credential issuance"
        case .tao: what = "Accreditation"
        case .rootTAO: what = "Trust framework authority"
        }
        let resources = Set(record.scope.flatMap { $0.credentialTypes.union($0.schemaIds) })
            .filter { !["VerifiableCredential", "VerifiableAttestation"].contains($0) }.sorted()
        let levels = Set(record.scope.flatMap(\.eqfLevels)).compactMap { $0.split(separator: "/").last.map(String.init) }.sorted()
        let places = Set(record.scope.flatMap(\.jurisdictions)).compactMap { $0.split(separator: "/").last.map(String.init) }.sorted()
        return "\(what): \(resources.joined(separator: ", ")); EQF \(levels.joined(separator: ", ")); \(places.joined(separator: ", "))"
    }

    private func multiLang(_ names: [String: String]) -> [LoTEMultiLangString] {
        names.keys.sorted().compactMap { language in names[language].map { LoTEMultiLangString(lang: language, value: $0) } }
    }

    private func nonEmpty<T>(_ values: [T]) -> [T]? { values.isEmpty ? nil : values }
}
