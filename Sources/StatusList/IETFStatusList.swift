import WireEncoding

/// The `status_list` claim of an IETF Token Status List token in its JSON form (§4.2):
/// `{"bits": 1|2|4|8, "lst": "<base64url zlib>", "aggregation_uri"?: "<uri>"}`.
///
/// Decoding is strict: `bits` must be 1, 2, 4 or 8, `lst` must be unpadded base64url, `aggregation_uri` an
/// absolute URI. The compressed data itself is checked when you call ``bitstring(maximumBytes:expectedCount:)``.
/// Unknown members are ignored.
public struct IETFStatusList: Codable, Sendable, Hashable {
    /// The entry width (`bits`).
    public var bits: StatusSize
    /// The unpadded base64url text of the ZLIB-compressed LSB-first byte array (`lst`).
    public var lst: String {
        didSet { decodedLst = nil }
    }
    /// Where the list of all status lists of the provider is published (`aggregation_uri`), if any.
    public var aggregationURI: String?
    /// `lst` decoded, kept by ``init(from:)``, which has to decode it to validate it, so that
    /// ``bitstring(maximumBytes:expectedCount:)`` does not decode tens of kilobytes a second time. `nil` when `lst`
    /// was set by other means; not part of equality or hashing (it is a function of `lst`).
    private var decodedLst: [UInt8]?

    enum CodingKeys: String, CodingKey {
        case bits
        case lst
        case aggregationURI = "aggregation_uri"
    }

    /// Creates the object from its members as they are (no validation; ``bitstring(maximumBytes:expectedCount:)``
    /// validates `lst`).
    public init(bits: StatusSize, lst: String, aggregationURI: String? = nil) {
        self.bits = bits
        self.lst = lst
        self.aggregationURI = aggregationURI
    }

    /// Encodes a bitstring (its ``Bitstring/entrySize`` becomes `bits`).
    /// - Parameters:
    ///   - bitstring: The statuses.
    ///   - level: zlib compression level 0...9 (default 9, as the draft recommends).
    ///   - aggregationURI: The optional `aggregation_uri`.
    /// - Throws: ``StatusListError/Code/invalidArgument`` or ``StatusListError/Code/compressionFailed``.
    public init(
        bitstring: Bitstring,
        level: Int = Bitstring.defaultIETFCompressionLevel,
        aggregationURI: String? = nil
    ) throws {
        self.init(bits: bitstring.entrySize, lst: try bitstring.ietfEncodedList(level: level), aggregationURI: aggregationURI)
    }

    /// Decodes and checks the JSON object.
    /// - Throws: ``StatusListError`` with code `malformedValue`, `invalidEntrySize` or `malformedEncoding`.
    public init(from decoder: any Decoder) throws {
        let container = try ModelValidation.decoding("status_list") { try decoder.container(keyedBy: CodingKeys.self) }
        let bitsValue = try ModelValidation.decoding("status_list") { try container.decode(Int.self, forKey: .bits) }
        bits = try StatusSize(bits: bitsValue)
        lst = try ModelValidation.decoding("status_list") { try container.decode(String.self, forKey: .lst) }
        decodedLst = try Base64URL.decode(Substring(lst), what: "status_list.lst")
        aggregationURI = try ModelValidation.decoding("status_list") {
            try container.decodeIfPresent(String.self, forKey: .aggregationURI)
        }
        if let aggregationURI {
            try ModelValidation.requireAbsoluteURI(aggregationURI, "status_list.aggregation_uri")
        }
    }

    /// Whether both name the same list: equal `bits`, `lst` and `aggregation_uri`.
    public static func == (lhs: IETFStatusList, rhs: IETFStatusList) -> Bool {
        lhs.bits == rhs.bits && lhs.lst == rhs.lst && lhs.aggregationURI == rhs.aggregationURI
    }

    /// Hashes `bits`, `lst` and `aggregation_uri`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(bits)
        hasher.combine(lst)
        hasher.combine(aggregationURI)
    }

    /// Encodes the members in the fixed order `bits`, `lst`, `aggregation_uri` (omitted when `nil`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(bits.rawValue, forKey: .bits)
        try container.encode(lst, forKey: .lst)
        try container.encodeIfPresent(aggregationURI, forKey: .aggregationURI)
    }

    /// Decompresses `lst` into a bitstring (LSB-first bytes converted to the canonical layout).
    /// - Parameters:
    ///   - maximumBytes: The largest decompressed size accepted (decompression bomb cap).
    ///   - expectedCount: When set, the list must have exactly this many entries.
    /// - Throws: The errors of ``Bitstring/init(ietfEncodedList:bits:maximumBytes:expectedCount:)``.
    public func bitstring(
        maximumBytes: Int = Bitstring.defaultMaximumDecodedBytes,
        expectedCount: Int? = nil
    ) throws -> Bitstring {
        if let decodedLst {
            return try Bitstring(ietfCompressed: decodedLst, bits: bits, maximumBytes: maximumBytes, expectedCount: expectedCount)
        }
        return try Bitstring(ietfEncodedList: lst, bits: bits, maximumBytes: maximumBytes, expectedCount: expectedCount)
    }
}

/// A status value from the IANA "OAuth Status Types" registry (IETF Token Status List §7).
///
/// Any byte is representable; the registered names are constants. Values that the list's `bits` cannot hold
/// (e.g. ``suspended`` in a 1-bit list) simply never occur in it.
public struct StatusType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The numeric value as stored in the list.
    public let rawValue: UInt8

    /// Creates a status type from its value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// 0x00: the token is valid, correct or legal.
    public static let valid = StatusType(rawValue: 0x00)
    /// 0x01: the token is revoked, annulled, recalled or cancelled.
    public static let invalid = StatusType(rawValue: 0x01)
    /// 0x02: the token is temporarily invalid.
    public static let suspended = StatusType(rawValue: 0x02)
    /// 0x03: permanently reserved for application-specific use.
    public static let applicationSpecific = StatusType(rawValue: 0x03)
    /// 0x0C: permanently reserved for application-specific use.
    public static let applicationSpecific0C = StatusType(rawValue: 0x0C)
    /// 0x0D: permanently reserved for application-specific use.
    public static let applicationSpecific0D = StatusType(rawValue: 0x0D)
    /// 0x0E: permanently reserved for application-specific use.
    public static let applicationSpecific0E = StatusType(rawValue: 0x0E)
    /// 0x0F: permanently reserved for application-specific use.
    public static let applicationSpecific0F = StatusType(rawValue: 0x0F)

    /// Whether the value is reserved for application-specific use (0x03 and 0x0C...0x0F; 0x0B stopped being so in
    /// draft -14).
    public var isApplicationSpecific: Bool { rawValue == 0x03 || (0x0C...0x0F).contains(rawValue) }

    /// Whether the value is registered with a defined meaning (VALID, INVALID, SUSPENDED) or reserved for
    /// applications; all other values are unassigned.
    public var isAssigned: Bool { rawValue <= 0x02 || isApplicationSpecific }

    /// The registry name: `VALID`, `INVALID`, `SUSPENDED`, `APPLICATION_SPECIFIC`, or `UNASSIGNED`.
    public var name: String {
        switch rawValue {
        case 0x00: return "VALID"
        case 0x01: return "INVALID"
        case 0x02: return "SUSPENDED"
        default: return isApplicationSpecific ? "APPLICATION_SPECIFIC" : "UNASSIGNED"
        }
    }

    public var description: String { "\(name) (0x\(String(rawValue, radix: 16, uppercase: true)))" }
}

/// The `status_list` member of a Referenced Token's `status` claim (§6): which list and which index.
public struct StatusListReference: Codable, Sendable, Hashable {
    /// The index of the token's entry in the list (`idx`, non-negative).
    public var idx: Int
    /// The URI of the Status List Token (`uri`); it must equal that token's `sub`.
    public var uri: String

    enum CodingKeys: String, CodingKey {
        case idx
        case uri
    }

    /// Creates a reference.
    /// - Throws: ``StatusListError/Code/indexOutOfRange`` for a negative index; ``StatusListError/Code/malformedValue``
    ///   when `uri` is not an absolute URI.
    public init(idx: Int, uri: String) throws {
        guard idx >= 0 else {
            throw StatusListError(.indexOutOfRange, "status_list.idx must be non-negative, got \(idx)")
        }
        try ModelValidation.requireAbsoluteURI(uri, "status_list.uri")
        self.idx = idx
        self.uri = uri
    }

    /// Decodes and checks the JSON object.
    /// - Throws: ``StatusListError`` with code `malformedValue` (missing member, non-integer `idx`, bad `uri`) or
    ///   `indexOutOfRange` (negative `idx`).
    public init(from decoder: any Decoder) throws {
        let container = try ModelValidation.decoding("status_list") { try decoder.container(keyedBy: CodingKeys.self) }
        let idx = try ModelValidation.decoding("status_list") { try container.decode(Int.self, forKey: .idx) }
        let uri = try ModelValidation.decoding("status_list") { try container.decode(String.self, forKey: .uri) }
        try self.init(idx: idx, uri: uri)
    }

    /// Encodes `idx` then `uri`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(idx, forKey: .idx)
        try container.encode(uri, forKey: .uri)
    }
}

/// The `status` claim of a Referenced Token (JOSE `"status"`, CWT claim 65535) using the Token Status List
/// mechanism: `{"status_list": {"idx": 0, "uri": "https://..."}}`.
///
/// Other status mechanisms registered as further members of `status` are ignored when decoding.
public struct StatusClaim: Codable, Sendable, Hashable {
    /// The reference into a status list (`status_list`).
    public var statusList: StatusListReference

    enum CodingKeys: String, CodingKey {
        case statusList = "status_list"
    }

    /// Creates the claim.
    public init(statusList: StatusListReference) {
        self.statusList = statusList
    }

    /// Decodes the claim.
    /// - Throws: ``StatusListError`` with code `malformedValue` when `status_list` is missing or malformed, or
    ///   `indexOutOfRange` for a negative index.
    public init(from decoder: any Decoder) throws {
        let container = try ModelValidation.decoding("status") { try decoder.container(keyedBy: CodingKeys.self) }
        statusList = try ModelValidation.decoding("status") {
            try container.decode(StatusListReference.self, forKey: .statusList)
        }
    }

    /// Encodes `{"status_list": {...}}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(statusList, forKey: .statusList)
    }
}
