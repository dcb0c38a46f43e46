import Foundation

/// The purpose of a W3C status entry or list (`statusPurpose`): any non-empty string, with the four values the
/// specification defines as constants.
public struct StatusPurpose: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The purpose string as it appears in JSON.
    public let rawValue: String

    /// Creates a purpose from its string (any string; the JSON decoder rejects empty ones).
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// Creates a purpose from a string literal.
    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    /// `revocation`: the credential is cancelled; not reversible.
    public static let revocation = StatusPurpose(rawValue: "revocation")
    /// `suspension`: the credential is temporarily invalid; reversible.
    public static let suspension = StatusPurpose(rawValue: "suspension")
    /// `message`: the entry carries a status message chosen from the entry's `statusMessage` table.
    public static let message = StatusPurpose(rawValue: "message")
    /// `refresh`: a newer credential is available from the refresh service; does not invalidate.
    public static let refresh = StatusPurpose(rawValue: "refresh")

    /// Decodes a JSON string.
    ///
    /// A non-string throws the decoder's own `DecodingError` (so ``OneOrMany`` can try an array next); an empty
    /// string throws ``StatusListError/Code/malformedValue``.
    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(String.self)
        guard !value.isEmpty else {
            throw StatusListError(.malformedValue, "statusPurpose must not be an empty string")
        }
        self.rawValue = value
    }

    /// Encodes the JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
}

/// A JSON member that may be a single value or a non-empty array of values (`statusPurpose` of a list,
/// `statusReference`). The shape is preserved when encoding again.
public enum OneOrMany<Element: Codable & Hashable & Sendable>: Codable, Hashable, Sendable {
    /// A single value, encoded without an array.
    case one(Element)
    /// An array of values, encoded as an array even with one element.
    case many([Element])

    /// All values in order.
    public var values: [Element] {
        switch self {
        case .one(let value): return [value]
        case .many(let values): return values
        }
    }

    /// Decodes a single value or a non-empty array of values.
    /// - Throws: ``StatusListError/Code/malformedValue`` for an empty array or a value of the wrong type.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            self = .one(try container.decode(Element.self))
        } catch DecodingError.typeMismatch {
            let values = try ModelValidation.decoding("value") { try container.decode([Element].self) }
            guard !values.isEmpty else {
                throw StatusListError(.malformedValue, "an empty array where one or more values are required")
            }
            self = .many(values)
        }
    }

    /// Encodes the value, or the array of values.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .one(let value): try container.encode(value)
        case .many(let values): try container.encode(values)
        }
    }
}

/// One element of an entry's `statusMessage` table: `{"status": "0x2", "message": "rejected"}`.
///
/// Extra members allowed by the specification are ignored when decoding and not re-encoded.
public struct StatusMessage: Codable, Hashable, Sendable {
    /// The status value as a `0x`-prefixed hexadecimal string, exactly as given.
    public let status: String
    /// The status value as a number.
    public let value: Int
    /// The message (for debugging; not meant for end users).
    public let message: String

    enum CodingKeys: String, CodingKey {
        case status
        case message
    }

    /// Creates a message for a value; `status` is written in lowercase hexadecimal (`0x2`).
    /// - Throws: ``StatusListError/Code/valueOutOfRange`` for a negative value.
    public init(value: Int, message: String) throws {
        guard value >= 0 else {
            throw StatusListError(.valueOutOfRange, "a status value cannot be negative, got \(value)")
        }
        self.status = "0x" + String(value, radix: 16)
        self.value = value
        self.message = message
    }

    /// Creates a message from its JSON members.
    /// - Throws: ``StatusListError/Code/malformedValue`` unless `status` is `0x` followed by 1...16 hex digits.
    public init(status: String, message: String) throws {
        guard status.hasPrefix("0x"), let value = Int(status.dropFirst(2), radix: 16), status.count <= 18,
            status.dropFirst(2).allSatisfy(\.isHexDigit)
        else {
            throw StatusListError(.malformedValue, "statusMessage status must be a hex string like \"0x2\", got \"\(status.prefix(40))\"")
        }
        self.status = status
        self.value = value
        self.message = message
    }

    /// Decodes and checks `{"status": "0x..", "message": ".."}`.
    public init(from decoder: any Decoder) throws {
        let container = try ModelValidation.decoding("statusMessage") { try decoder.container(keyedBy: CodingKeys.self) }
        let status = try ModelValidation.decoding("statusMessage") { try container.decode(String.self, forKey: .status) }
        let message = try ModelValidation.decoding("statusMessage") { try container.decode(String.self, forKey: .message) }
        try self.init(status: status, message: message)
    }

    /// Encodes `status` then `message`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(message, forKey: .message)
    }
}

/// A W3C `credentialStatus` entry of type `BitstringStatusListEntry` (REC §2.1): which list, which index, which
/// purpose, and for multi-bit entries the table of messages.
///
/// Every initializer validates: `statusListIndex` is a canonical base-10 string (digits only, no sign, no leading
/// zeros except "0", at most `Int.max`), URLs are absolute, `id` differs from `statusListCredential`, `statusSize`
/// is > 0, and `statusMessage` (required when `statusSize` > 1) has exactly 2^statusSize elements with distinct
/// values below 2^statusSize.
public struct BitstringStatusListEntry: Codable, Hashable, Sendable {
    /// The required `type` value.
    public static let entryType = "BitstringStatusListEntry"

    /// The optional `id` of the status information (never equal to ``statusListCredential``).
    public let id: String?
    /// The `statusPurpose`.
    public let statusPurpose: StatusPurpose
    /// The parsed `statusListIndex` (encoded as a base-10 string).
    public let statusListIndex: Int
    /// The URL of the `BitstringStatusListCredential`.
    public let statusListCredential: String
    /// The `statusSize` as given; `nil` means 1.
    public let statusSize: Int?
    /// The `statusMessage` table, if any.
    public let statusMessage: [StatusMessage]?
    /// The `statusReference` URL(s), if any.
    public let statusReference: OneOrMany<String>?

    enum CodingKeys: String, CodingKey {
        case id
        case type
        case statusPurpose
        case statusListIndex
        case statusListCredential
        case statusSize
        case statusMessage
        case statusReference
    }

    /// Creates and validates an entry.
    /// - Throws: ``StatusListError`` with code `malformedValue` or `indexOutOfRange` (negative index).
    public init(
        id: String? = nil,
        statusPurpose: StatusPurpose,
        statusListIndex: Int,
        statusListCredential: String,
        statusSize: Int? = nil,
        statusMessage: [StatusMessage]? = nil,
        statusReference: OneOrMany<String>? = nil
    ) throws {
        self.id = id
        self.statusPurpose = statusPurpose
        self.statusListIndex = statusListIndex
        self.statusListCredential = statusListCredential
        self.statusSize = statusSize
        self.statusMessage = statusMessage
        self.statusReference = statusReference
        try validate()
    }

    /// Decodes and validates an entry.
    /// - Throws: ``StatusListError`` with code `malformedValue` (wrong type, missing member, non-canonical index
    ///   string, bad URL, missing or wrong-sized `statusMessage`...) or `indexOutOfRange` (index above `Int.max`).
    public init(from decoder: any Decoder) throws {
        let what = "BitstringStatusListEntry"
        let container = try ModelValidation.decoding(what) { try decoder.container(keyedBy: CodingKeys.self) }
        let type = try ModelValidation.decoding(what) { try container.decode(String.self, forKey: .type) }
        guard type == Self.entryType else {
            throw StatusListError(.malformedValue, "credentialStatus type must be \"\(Self.entryType)\", got \"\(type.prefix(80))\"")
        }
        id = try ModelValidation.decoding(what) { try container.decodeIfPresent(String.self, forKey: .id) }
        statusPurpose = try ModelValidation.decoding(what) { try container.decode(StatusPurpose.self, forKey: .statusPurpose) }
        let indexText = try ModelValidation.decoding(what) { try container.decode(String.self, forKey: .statusListIndex) }
        statusListIndex = try Self.parseIndex(indexText)
        statusListCredential = try ModelValidation.decoding(what) {
            try container.decode(String.self, forKey: .statusListCredential)
        }
        statusSize = try ModelValidation.decoding(what) { try container.decodeIfPresent(Int.self, forKey: .statusSize) }
        statusMessage = try ModelValidation.decoding(what) {
            try container.decodeIfPresent([StatusMessage].self, forKey: .statusMessage)
        }
        statusReference = try ModelValidation.decoding(what) {
            try container.decodeIfPresent(OneOrMany<String>.self, forKey: .statusReference)
        }
        try validate()
    }

    /// Encodes the entry with `statusListIndex` as a base-10 string; absent optionals are omitted.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encode(Self.entryType, forKey: .type)
        try container.encode(statusPurpose, forKey: .statusPurpose)
        try container.encode(String(statusListIndex), forKey: .statusListIndex)
        try container.encode(statusListCredential, forKey: .statusListCredential)
        try container.encodeIfPresent(statusSize, forKey: .statusSize)
        try container.encodeIfPresent(statusMessage, forKey: .statusMessage)
        try container.encodeIfPresent(statusReference, forKey: .statusReference)
    }

    /// The `statusSize` to process with: the given value, or 1 when absent.
    public var effectiveStatusSize: Int { statusSize ?? 1 }

    /// The entry width as a ``StatusSize`` for reading a ``Bitstring``.
    /// - Throws: ``StatusListError/Code/invalidEntrySize`` for a `statusSize` other than 1, 2, 4 or 8.
    public func entrySize() throws -> StatusSize {
        try StatusSize(bits: effectiveStatusSize)
    }

    /// The message for a status value: from `statusMessage` when present, otherwise "unset" (0) or "set" (1) as the
    /// specification defines for 1-bit entries; `nil` when there is none.
    public func message(for value: Int) -> String? {
        if let statusMessage { return statusMessage.first { $0.value == value }?.message }
        guard effectiveStatusSize == 1 else { return nil }
        switch value {
        case 0: return "unset"
        case 1: return "set"
        default: return nil
        }
    }

    /// Parses a `statusListIndex`: ASCII digits only, no sign, no leading zeros except "0" itself.
    /// - Throws: ``StatusListError/Code/malformedValue`` for a non-canonical string;
    ///   ``StatusListError/Code/indexOutOfRange`` for a value above `Int.max`.
    public static func parseIndex(_ text: String) throws -> Int {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.allSatisfy(ModelValidation.isASCIIDigit) else {
            throw StatusListError(
                .malformedValue,
                "statusListIndex must be a base-10 string of digits, got \"\(text.prefix(40))\""
            )
        }
        guard utf8.count == 1 || utf8.first != UInt8(ascii: "0") else {
            throw StatusListError(.malformedValue, "statusListIndex must not have leading zeros, got \"\(text.prefix(40))\"")
        }
        var value = 0
        for digit in utf8 {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            guard !overflow1 && !overflow2 else {
                throw StatusListError(
                    .indexOutOfRange,
                    "statusListIndex \(text.prefix(40))\(utf8.count > 40 ? "..." : "") exceeds the largest supported index \(Int.max)"
                )
            }
            value = sum
        }
        return value
    }

    private func validate() throws {
        guard statusListIndex >= 0 else {
            throw StatusListError(.indexOutOfRange, "statusListIndex must be non-negative, got \(statusListIndex)")
        }
        try ModelValidation.requireAbsoluteURI(statusListCredential, "statusListCredential")
        if let id {
            try ModelValidation.requireAbsoluteURI(id, "credentialStatus id")
            guard id != statusListCredential else {
                throw StatusListError(.malformedValue, "credentialStatus id must not equal statusListCredential")
            }
        }
        guard !statusPurpose.rawValue.isEmpty else {
            throw StatusListError(.malformedValue, "statusPurpose must not be an empty string")
        }
        if let statusReference {
            for reference in statusReference.values { try ModelValidation.requireAbsoluteURI(reference, "statusReference") }
        }
        try Self.validateMessageTable(statusSize: statusSize, messages: statusMessage, name: "statusMessage")
    }

    /// The REC §2.1 rules for a `statusSize` and its message table, shared by the entry and the list credential's
    /// subject (which carries them as `statusSize`/`statusMessages`, see ``BitstringStatusList``): the size is > 0,
    /// the table is required when it is > 1 and then has 2^size distinct values that fit the size.
    static func validateMessageTable(statusSize: Int?, messages: [StatusMessage]?, name: String) throws {
        if let statusSize, statusSize <= 0 {
            throw StatusListError(.malformedValue, "statusSize must be an integer greater than 0, got \(statusSize)")
        }
        let size = statusSize ?? 1
        guard let messages else {
            guard size == 1 else {
                throw StatusListError(.malformedValue, "\(name) is required when statusSize is \(size) (greater than 1)")
            }
            return
        }
        // 2^size messages are required; sizes this large could never be matched by a real array.
        guard size < 31, messages.count == 1 << size else {
            throw StatusListError(
                .malformedValue,
                "\(name) has \(messages.count) element(s) but statusSize \(size) requires 2^\(size)"
            )
        }
        var seen = Set<Int>()
        for element in messages {
            guard element.value < 1 << size else {
                throw StatusListError(.malformedValue, "\(name) status \(element.status) does not fit statusSize \(size)")
            }
            guard seen.insert(element.value).inserted else {
                throw StatusListError(.malformedValue, "\(name) lists status \(element.status) more than once")
            }
        }
    }
}

/// The `credentialSubject` of a status list credential (type `BitstringStatusList`).
public struct BitstringStatusList: Codable, Hashable, Sendable {
    /// The required `type` value.
    public static let subjectType = "BitstringStatusList"

    /// The optional subject `id`.
    public let id: String?
    /// The purpose(s) the list serves (a string or an array of strings).
    public let statusPurpose: OneOrMany<StatusPurpose>
    /// The multibase (`u`) base64url text of the GZIP-compressed MSB-first bitstring.
    public let encodedList: String
    /// Milliseconds before a verifier should refresh its copy, if given.
    public let ttl: Int?
    /// The entry width the list's entries carry, if the subject states it.
    ///
    /// The entry's `statusSize` is authoritative (REC §2.1, moved there in 2024); the Recommendation's §2.2 text still
    /// says that for purpose `message` "`credentialSubject.statusSize` MUST be specified" (w3c/vc-bitstring-status-list
    /// issue 175), and strict validators follow that text, so message lists carry it here too.
    public let statusSize: Int?
    /// The message table, if the subject states it: written as `statusMessages`, the name REC §2.2 uses ("The status
    /// message descriptions MUST be defined in `credentialSubject.statusMessages`"); the entry's spelling
    /// `statusMessage` is accepted when decoding.
    public let statusMessages: [StatusMessage]?

    enum CodingKeys: String, CodingKey {
        case id
        case type
        case statusPurpose
        case encodedList
        case ttl
        case statusSize
        case statusMessages
        /// The entry's spelling, accepted from subjects that use it.
        case statusMessage
    }

    /// Creates a subject from an already encoded list, checking its syntax (`u` prefix, base64url).
    /// - Parameters:
    ///   - statusSize: The entry width to state in the subject (REC §2.2 text for purpose `message`), if any.
    ///   - statusMessages: The message table to state in the subject, if any.
    /// - Throws: ``StatusListError`` with code `malformedEncoding` or `malformedValue` (bad id, empty purpose,
    ///   negative ttl, a message table that does not fit `statusSize`).
    public init(
        id: String? = nil, statusPurpose: OneOrMany<StatusPurpose>, encodedList: String, ttl: Int? = nil, statusSize: Int? = nil,
        statusMessages: [StatusMessage]? = nil
    ) throws {
        self.id = id
        self.statusPurpose = statusPurpose
        self.encodedList = encodedList
        self.ttl = ttl
        self.statusSize = statusSize
        self.statusMessages = statusMessages
        try validate()
    }

    /// Creates a subject by encoding a bitstring.
    /// - Parameter level: zlib compression level 0...9 (default 6).
    /// - Throws: As ``init(id:statusPurpose:encodedList:ttl:)``, plus the errors of ``Bitstring/w3cEncodedList(level:)``.
    public init(
        id: String? = nil,
        statusPurpose: OneOrMany<StatusPurpose>,
        bitstring: Bitstring,
        ttl: Int? = nil,
        level: Int = Bitstring.defaultW3CCompressionLevel
    ) throws {
        try self.init(id: id, statusPurpose: statusPurpose, encodedList: try bitstring.w3cEncodedList(level: level), ttl: ttl)
    }

    /// Decodes and validates the subject.
    /// - Throws: ``StatusListError`` with code `malformedValue` or `malformedEncoding`.
    public init(from decoder: any Decoder) throws {
        let what = "credentialSubject"
        let container = try ModelValidation.decoding(what) { try decoder.container(keyedBy: CodingKeys.self) }
        let type = try ModelValidation.decoding(what) { try container.decode(String.self, forKey: .type) }
        guard type == Self.subjectType else {
            throw StatusListError(.malformedValue, "credentialSubject type must be \"\(Self.subjectType)\", got \"\(type.prefix(80))\"")
        }
        id = try ModelValidation.decoding(what) { try container.decodeIfPresent(String.self, forKey: .id) }
        statusPurpose = try ModelValidation.decoding(what) {
            try container.decode(OneOrMany<StatusPurpose>.self, forKey: .statusPurpose)
        }
        encodedList = try ModelValidation.decoding(what) { try container.decode(String.self, forKey: .encodedList) }
        ttl = try ModelValidation.decoding(what) { try container.decodeIfPresent(Int.self, forKey: .ttl) }
        statusSize = try ModelValidation.decoding(what) { try container.decodeIfPresent(Int.self, forKey: .statusSize) }
        statusMessages = try ModelValidation.decoding(what) {
            try container.decodeIfPresent([StatusMessage].self, forKey: .statusMessages)
                ?? container.decodeIfPresent([StatusMessage].self, forKey: .statusMessage)
        }
        try validate()
    }

    /// Encodes `id`, `type`, `statusPurpose`, `encodedList`, `ttl`, `statusSize`, `statusMessages` (absent optionals
    /// omitted).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encode(Self.subjectType, forKey: .type)
        try container.encode(statusPurpose, forKey: .statusPurpose)
        try container.encode(encodedList, forKey: .encodedList)
        try container.encodeIfPresent(ttl, forKey: .ttl)
        try container.encodeIfPresent(statusSize, forKey: .statusSize)
        try container.encodeIfPresent(statusMessages, forKey: .statusMessages)
    }

    /// Whether the list serves `purpose` (validation step 3 compares the entry's purpose with these).
    public func serves(_ purpose: StatusPurpose) -> Bool {
        statusPurpose.values.contains(purpose)
    }

    /// Decompresses ``encodedList``.
    /// - Parameters:
    ///   - statusSize: The entry width, from the entry (``BitstringStatusListEntry/entrySize()``).
    ///   - maximumBytes: The largest decompressed size accepted.
    ///   - expectedCount: When set, the list must have exactly this many entries.
    /// - Throws: The errors of ``Bitstring/init(w3cEncodedList:statusSize:maximumBytes:expectedCount:)``.
    public func bitstring(
        statusSize: StatusSize = .one,
        maximumBytes: Int = Bitstring.defaultMaximumDecodedBytes,
        expectedCount: Int? = nil
    ) throws -> Bitstring {
        try Bitstring(w3cEncodedList: encodedList, statusSize: statusSize, maximumBytes: maximumBytes, expectedCount: expectedCount)
    }

    private func validate() throws {
        if let id { try ModelValidation.requireAbsoluteURI(id, "credentialSubject id") }
        for purpose in statusPurpose.values where purpose.rawValue.isEmpty {
            throw StatusListError(.malformedValue, "statusPurpose must not be an empty string")
        }
        try Bitstring.validateMultibaseSyntax(encodedList)
        if let ttl, ttl < 0 {
            throw StatusListError(.malformedValue, "ttl must be a non-negative number of milliseconds, got \(ttl)")
        }
        // Only what the subject states is checked, and a size without a table is accepted (ACA-Py writes
        // `statusSize` alone): the entry, which is authoritative, must carry the table anyway.
        if let statusSize, statusSize <= 0 {
            throw StatusListError(.malformedValue, "credentialSubject.statusSize must be an integer greater than 0, got \(statusSize)")
        }
        if let statusMessages {
            try BitstringStatusListEntry.validateMessageTable(
                statusSize: statusSize, messages: statusMessages, name: "credentialSubject.statusMessages")
        }
    }
}

/// An unsigned W3C `BitstringStatusListCredential` (REC §2.2), a VCDM 2.0 document.
///
/// Decoding is strict about what the status list specification and VCDM 2.0 require: `@context` is an array of
/// strings starting with `https://www.w3.org/ns/credentials/v2`; `type` is an array containing
/// `VerifiableCredential` and `BitstringStatusListCredential`; `id` and `issuer` are absolute URIs (`issuer` may also
/// be an object with an `id`, of which only the `id` is kept); `validFrom`/`validUntil` are XML Schema
/// `dateTimeStamp`s; `credentialSubject` is one ``BitstringStatusList`` object. Other members (`proof`, `name`...)
/// are ignored. Encoding writes the members in a fixed order; ``jsonData()`` also sorts keys.
public struct BitstringStatusListCredential: Codable, Hashable, Sendable {
    /// The VCDM 2.0 base context, required as the first `@context` element.
    public static let credentialsV2Context = "https://www.w3.org/ns/credentials/v2"
    /// The type every verifiable credential has.
    public static let verifiableCredentialType = "VerifiableCredential"
    /// The type that marks a status list credential.
    public static let credentialType = "BitstringStatusListCredential"

    /// The `@context` values, first ``credentialsV2Context``.
    public let context: [String]
    /// The credential `id` (it may equal the entries' `statusListCredential`).
    public let id: String
    /// The `type` values, including `VerifiableCredential` and `BitstringStatusListCredential`.
    public let type: [String]
    /// The issuer identifier (a URL or DID).
    public let issuer: String
    /// The start of the validity period, as an XML Schema `dateTimeStamp`.
    public let validFrom: String?
    /// The end of the validity period, as an XML Schema `dateTimeStamp`.
    public let validUntil: String?
    /// The status list.
    public let credentialSubject: BitstringStatusList

    enum CodingKeys: String, CodingKey {
        case context = "@context"
        case id
        case type
        case issuer
        case validFrom
        case validUntil
        case credentialSubject
    }

    enum IssuerKeys: String, CodingKey {
        case id
    }

    /// Creates and validates a credential.
    /// - Parameters:
    ///   - id: The credential URL.
    ///   - issuer: The issuer URL or DID.
    ///   - credentialSubject: The status list.
    ///   - validFrom: Optional start of validity (`dateTimeStamp`, e.g. `XMLDateTime.format(date)`).
    ///   - validUntil: Optional end of validity.
    ///   - additionalContexts: Contexts after the VCDM 2.0 one.
    ///   - additionalTypes: Types after `VerifiableCredential` and `BitstringStatusListCredential`.
    /// - Throws: ``StatusListError/Code/malformedValue``.
    public init(
        id: String,
        issuer: String,
        credentialSubject: BitstringStatusList,
        validFrom: String? = nil,
        validUntil: String? = nil,
        additionalContexts: [String] = [],
        additionalTypes: [String] = []
    ) throws {
        self.context = [Self.credentialsV2Context] + additionalContexts
        self.id = id
        self.type = [Self.verifiableCredentialType, Self.credentialType] + additionalTypes
        self.issuer = issuer
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.credentialSubject = credentialSubject
        try validate()
    }

    /// Decodes and validates a credential.
    /// - Throws: ``StatusListError`` with code `malformedValue` or `malformedEncoding`.
    public init(from decoder: any Decoder) throws {
        let what = "BitstringStatusListCredential"
        let container = try ModelValidation.decoding(what) { try decoder.container(keyedBy: CodingKeys.self) }
        context = try ModelValidation.decoding(what) { try container.decode([String].self, forKey: .context) }
        id = try ModelValidation.decoding(what) { try container.decode(String.self, forKey: .id) }
        type = try ModelValidation.decoding(what) { try container.decode([String].self, forKey: .type) }
        issuer = try ModelValidation.decoding(what) {
            do {
                return try container.decode(String.self, forKey: .issuer)
            } catch DecodingError.typeMismatch {
                let issuerObject = try container.nestedContainer(keyedBy: IssuerKeys.self, forKey: .issuer)
                return try issuerObject.decode(String.self, forKey: .id)
            }
        }
        validFrom = try ModelValidation.decoding(what) { try container.decodeIfPresent(String.self, forKey: .validFrom) }
        validUntil = try ModelValidation.decoding(what) { try container.decodeIfPresent(String.self, forKey: .validUntil) }
        credentialSubject = try ModelValidation.decoding(what) {
            try container.decode(BitstringStatusList.self, forKey: .credentialSubject)
        }
        try validate()
    }

    /// Encodes `@context`, `id`, `type`, `issuer`, `validFrom`, `validUntil`, `credentialSubject` (absent optionals
    /// omitted).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(context, forKey: .context)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(issuer, forKey: .issuer)
        try container.encodeIfPresent(validFrom, forKey: .validFrom)
        try container.encodeIfPresent(validUntil, forKey: .validUntil)
        try container.encode(credentialSubject, forKey: .credentialSubject)
    }

    /// The JSON document with sorted keys and unescaped slashes, byte-for-byte deterministic.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// ``validFrom`` as a date.
    public var validFromDate: Date? { validFrom.flatMap { XMLDateTime.date(from: $0) } }

    /// ``validUntil`` as a date.
    public var validUntilDate: Date? { validUntil.flatMap { XMLDateTime.date(from: $0) } }

    private func validate() throws {
        guard context.first == Self.credentialsV2Context else {
            throw StatusListError(.malformedValue, "@context must start with \"\(Self.credentialsV2Context)\"")
        }
        try ModelValidation.requireAbsoluteURI(id, "credential id")
        guard type.contains(Self.verifiableCredentialType), type.contains(Self.credentialType) else {
            throw StatusListError(
                .malformedValue,
                "type must include \"\(Self.verifiableCredentialType)\" and \"\(Self.credentialType)\", got \(type.prefix(8))"
            )
        }
        try ModelValidation.requireAbsoluteURI(issuer, "issuer")
        let from = try validFrom.map { try XMLDateTime.parse($0) }
        let until = try validUntil.map { try XMLDateTime.parse($0) }
        if let from, let until, until < from {
            throw StatusListError(.malformedValue, "validUntil \(validUntil ?? "") is before validFrom \(validFrom ?? "")")
        }
    }
}
