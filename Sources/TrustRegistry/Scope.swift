/// One scope entry of an accreditation: what may be issued (or accredited), at which EQF levels, where, and in which
/// fields. An accreditation carries a list of entries; each entry is a self-contained permission.
///
/// ## Semantics (the registry's rules, chosen to fail closed)
/// - **Resources.** A TRQP `resource` (or an issued credential) matches an entry when it is one of `credentialTypes`
///   or one of `schemaIds`. At least one of the two must be non-empty.
/// - **EQF levels and jurisdictions** are explicit lists that must be non-empty: an empty list would allow nothing,
///   so it is refused as malformed rather than read as "anything".
/// - **ISCED-F fields** are optional: an empty `iscedF` means *any field*. ISCED-F codes are hierarchical, so a
///   broad field `06` covers the narrow `061` and the detailed `0613`.
///
/// ## Containment (delegation)
/// A granted entry is *within* a ceiling entry when `credentialTypes`, `schemaIds`, `eqfLevels` and `jurisdictions`
/// are each a subset of the ceiling's, and its ISCED-F fields are covered: every granted field has a prefix field in
/// the ceiling, a ceiling with no fields (any field) covers everything, and a grant with no fields (any field) is
/// only covered by a ceiling with no fields. A list of granted entries is within a ceiling list when **each granted
/// entry fits entirely inside one ceiling entry**; combining dimensions from two ceiling entries would widen (types of
/// one at the levels of the other), so it is refused.
public struct Scope: Codable, Sendable, Hashable {
    /// Credential types (EBSI `types`), e.g. `VerifiableCredential`, `EuropeanDigitalCredential`, `MicroCredential`.
    public var credentialTypes: Set<String>
    /// Credential schema ids (EBSI `schemaId`), absolute URIs.
    public var schemaIds: Set<String>
    /// EQF level URIs, `http://data.europa.eu/snb/eqf/<1-8>`; must not be empty.
    public var eqfLevels: Set<String>
    /// Jurisdiction URIs (EU country or ATU authority table); must not be empty.
    public var jurisdictions: Set<String>
    /// ISCED-F field URIs, `http://data.europa.eu/snb/isced-f/<2-4 digits>`; empty means any field.
    public var iscedF: Set<String>

    /// The most entries an accreditation may carry.
    public static let maximumEntries = 64
    /// The most values one dimension may hold.
    public static let maximumValues = 256

    /// Creates a scope entry.
    /// - Parameters:
    ///   - credentialTypes: Credential types.
    ///   - schemaIds: Schema id URIs.
    ///   - eqfLevels: EQF level URIs.
    ///   - jurisdictions: Jurisdiction URIs.
    ///   - iscedF: ISCED-F URIs; empty for any field.
    public init(
        credentialTypes: Set<String> = [],
        schemaIds: Set<String> = [],
        eqfLevels: Set<String>,
        jurisdictions: Set<String>,
        iscedF: Set<String> = []
    ) {
        self.credentialTypes = credentialTypes
        self.schemaIds = schemaIds
        self.eqfLevels = eqfLevels
        self.jurisdictions = jurisdictions
        self.iscedF = iscedF
    }

    /// Checks the entry's shape and vocabulary.
    /// - Throws: ``RegistryError/Code/malformed`` naming the dimension and value at fault.
    public func validate() throws(RegistryError) {
        guard !credentialTypes.isEmpty || !schemaIds.isEmpty else {
            throw RegistryError(.malformed, "a scope entry needs at least one credential type or schema id")
        }
        guard !eqfLevels.isEmpty else { throw RegistryError(.malformed, "a scope entry needs at least one EQF level") }
        guard !jurisdictions.isEmpty else { throw RegistryError(.malformed, "a scope entry needs at least one jurisdiction") }
        for (name, values) in [
            ("credentialTypes", credentialTypes), ("schemaIds", schemaIds), ("eqfLevels", eqfLevels), ("jurisdictions", jurisdictions),
            ("iscedF", iscedF),
        ] where values.count > Self.maximumValues {
            throw RegistryError(.malformed, "scope \(name) has more than \(Self.maximumValues) values")
        }
        for type in credentialTypes where !Self.isCredentialType(type) {
            throw RegistryError(.malformed, "credential type \"\(type.prefix(80))\" is neither a type name nor an absolute URI")
        }
        for schemaId in schemaIds where !RegistryVocabulary.isAbsoluteURI(schemaId) {
            throw RegistryError(.malformed, "schema id \"\(schemaId.prefix(80))\" is not an absolute URI")
        }
        for level in eqfLevels where !RegistryVocabulary.isEQFLevel(level) {
            throw RegistryError(.malformed, "EQF level \"\(level.prefix(80))\" is not \(RegistryVocabulary.eqfPrefix)<1-8>")
        }
        for jurisdiction in jurisdictions where !RegistryVocabulary.isAbsoluteURI(jurisdiction) {
            throw RegistryError(.malformed, "jurisdiction \"\(jurisdiction.prefix(80))\" is not an absolute URI")
        }
        for field in iscedF where RegistryVocabulary.iscedFCode(field) == nil {
            throw RegistryError(.malformed, "ISCED-F field \"\(field.prefix(80))\" is not \(RegistryVocabulary.iscedFPrefix)<2-4 digits>")
        }
    }

    /// The first containment rule this entry breaks against `ceiling`, as a message naming the rule, or `nil` when
    /// the entry is within the ceiling.
    /// - Parameter ceiling: The accreditor's scope entry.
    /// - Returns: E.g. `types widen the body's scope: MicroCredential not in ceiling`.
    public func widening(of ceiling: Scope) -> String? {
        if let extra = credentialTypes.subtracting(ceiling.credentialTypes).sorted().first {
            return "types widen the body's scope: \(extra) not in ceiling"
        }
        if let extra = schemaIds.subtracting(ceiling.schemaIds).sorted().first {
            return "schema ids widen the body's scope: \(extra) not in ceiling"
        }
        if let extra = eqfLevels.subtracting(ceiling.eqfLevels).sorted().first {
            return "EQF level widens the body's scope: \(extra) not in ceiling"
        }
        if let extra = jurisdictions.subtracting(ceiling.jurisdictions).sorted().first {
            return "jurisdiction widens the body's scope: \(extra) not in ceiling"
        }
        if !ceiling.iscedF.isEmpty {
            if iscedF.isEmpty {
                return "ISCED-F fields widen the body's scope: the grant allows any field, the ceiling only "
                    + ceiling.iscedF.sorted().joined(separator: ", ")
            }
            if let extra = iscedF.sorted().first(where: { !Self.field($0, isCoveredBy: ceiling.iscedF) }) {
                return "ISCED-F field widens the body's scope: \(extra) not in ceiling"
            }
        }
        return nil
    }

    /// Whether this entry permits `resource` under the optional context constraints.
    /// - Parameters:
    ///   - resource: A credential type or schema id.
    ///   - eqfLevel: An EQF level URI the use needs, or `nil` for no constraint.
    ///   - jurisdiction: A jurisdiction URI, or `nil`.
    ///   - iscedF: An ISCED-F URI, or `nil`.
    /// - Returns: `true` when every given constraint is met.
    public func permits(resource: String, eqfLevel: String? = nil, jurisdiction: String? = nil, iscedF field: String? = nil) -> Bool {
        guard credentialTypes.contains(resource) || schemaIds.contains(resource) else { return false }
        if let eqfLevel, !eqfLevels.contains(eqfLevel) { return false }
        if let jurisdiction, !jurisdictions.contains(jurisdiction) { return false }
        if let field, !iscedF.isEmpty, !Self.field(field, isCoveredBy: iscedF) { return false }
        return true
    }

    /// Whether `field` equals or lies under one of `fields` in the ISCED-F hierarchy.
    static func field(_ field: String, isCoveredBy fields: Set<String>) -> Bool {
        if fields.contains(field) { return true }
        guard let code = RegistryVocabulary.iscedFCode(field) else { return false }
        for length in stride(from: code.count - 1, through: 2, by: -1) {
            if fields.contains(RegistryVocabulary.iscedFPrefix + code.prefix(length)) { return true }
        }
        return false
    }

    static func isCredentialType(_ type: String) -> Bool {
        guard !type.isEmpty, type.utf8.count <= 512 else { return false }
        if RegistryVocabulary.isAbsoluteURI(type) { return true }
        guard let first = type.first, first.isASCII, first.isLetter else { return false }
        return type.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
    }

    private enum CodingKeys: String, CodingKey {
        case credentialTypes, schemaIds, eqfLevels, jurisdictions, iscedF
    }

    /// Decodes an entry; every member is an array of strings, `credentialTypes`, `schemaIds` and `iscedF` may be
    /// absent (empty). Duplicates collapse.
    /// - Parameter decoder: The decoder.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        credentialTypes = Set(try container.decodeIfPresent([String].self, forKey: .credentialTypes) ?? [])
        schemaIds = Set(try container.decodeIfPresent([String].self, forKey: .schemaIds) ?? [])
        eqfLevels = Set(try container.decode([String].self, forKey: .eqfLevels))
        jurisdictions = Set(try container.decode([String].self, forKey: .jurisdictions))
        iscedF = Set(try container.decodeIfPresent([String].self, forKey: .iscedF) ?? [])
    }

    /// Encodes every member as a sorted array (always present, possibly empty), so encodings are deterministic.
    /// - Parameter encoder: The encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(credentialTypes.sorted(), forKey: .credentialTypes)
        try container.encode(schemaIds.sorted(), forKey: .schemaIds)
        try container.encode(eqfLevels.sorted(), forKey: .eqfLevels)
        try container.encode(jurisdictions.sorted(), forKey: .jurisdictions)
        try container.encode(iscedF.sorted(), forKey: .iscedF)
    }
}

extension [Scope] {
    /// Checks every entry and the list's size.
    /// - Throws: ``RegistryError/Code/malformed`` for an empty or oversized list or a malformed entry.
    public func validateScope() throws(RegistryError) {
        guard !isEmpty else { throw RegistryError(.malformed, "an accreditation needs at least one scope entry") }
        guard count <= Scope.maximumEntries else {
            throw RegistryError(.malformed, "an accreditation has more than \(Scope.maximumEntries) scope entries")
        }
        for entry in self { try entry.validate() }
    }

    /// Checks that each granted entry fits inside one entry of `ceiling` (see ``Scope``).
    /// - Parameter ceiling: The accreditor's own scope.
    /// - Throws: ``RegistryError/Code/scopeViolation`` naming the first rule the entry breaks against the first ceiling
    ///   entry (checked in the order types, schema ids, EQF levels, jurisdictions, ISCED-F).
    public func checkContained(in ceiling: [Scope]) throws(RegistryError) {
        for (index, granted) in enumerated() {
            var firstWidening: String?
            var contained = false
            for ceilingEntry in ceiling {
                guard let widening = granted.widening(of: ceilingEntry) else {
                    contained = true
                    break
                }
                if firstWidening == nil { firstWidening = widening }
            }
            if !contained {
                let detail = firstWidening ?? "the body has no scope"
                let prefix = count > 1 ? "scope entry \(index + 1): " : ""
                throw RegistryError(.scopeViolation, prefix + detail)
            }
        }
    }
}
