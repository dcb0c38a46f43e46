/// An error from the status-list module: a stable ``Code`` to match on and a human-readable reason.
///
/// Equality compares the code only, so tests and callers can match `error == StatusListError(.truncated)`.
/// Verifiers translate an error into the W3C/VCDM vocabulary with ``validationErrorKind``.
public struct StatusListError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a value that is stable across releases.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case invalidEntrySize
            case invalidCapacity
            case indexOutOfRange
            case valueOutOfRange
            case malformedEncoding
            case wrongCompressionFormat
            case corruptData
            case truncated
            case trailingData
            case sizeLimitExceeded
            case lengthMismatch
            case listTooShort
            case malformedValue
            case compressionFailed
            case invalidArgument
            case listFull
        }

        let value: Value

        /// The entry size is not one of 1, 2, 4 or 8 bits.
        public static let invalidEntrySize = Code(value: .invalidEntrySize)
        /// The requested number of entries is zero, negative, too large, or does not fill whole bytes.
        public static let invalidCapacity = Code(value: .invalidCapacity)
        /// An index is negative, beyond the end of the list, or not representable as `Int`.
        public static let indexOutOfRange = Code(value: .indexOutOfRange)
        /// A status value does not fit in the entry size (it must be below 2^entrySize).
        public static let valueOutOfRange = Code(value: .valueOutOfRange)
        /// The text encoding is wrong: missing multibase `u` prefix, `=` padding, characters outside base64url,
        /// an impossible length or non-zero trailing bits.
        public static let malformedEncoding = Code(value: .malformedEncoding)
        /// The data is GZIP where ZLIB was expected, or ZLIB where GZIP was expected.
        public static let wrongCompressionFormat = Code(value: .wrongCompressionFormat)
        /// The compressed stream is invalid: bad header, bad DEFLATE data, or a CRC-32/Adler-32 mismatch.
        public static let corruptData = Code(value: .corruptData)
        /// The compressed stream ends before its end marker and checksum.
        public static let truncated = Code(value: .truncated)
        /// Bytes follow the end of the compressed stream.
        public static let trailingData = Code(value: .trailingData)
        /// The decompressed data would exceed the allowed maximum size (decompression bomb protection).
        public static let sizeLimitExceeded = Code(value: .sizeLimitExceeded)
        /// The decoded list does not have the expected length, or is empty.
        public static let lengthMismatch = Code(value: .lengthMismatch)
        /// The list has fewer entries than the required minimum (W3C herd-privacy floor of 131,072).
        public static let listTooShort = Code(value: .listTooShort)
        /// A JSON model (entry, credential, status list, claim) is missing a member or has a wrong type or value.
        public static let malformedValue = Code(value: .malformedValue)
        /// zlib failed to compress (out of memory or an internal error).
        public static let compressionFailed = Code(value: .compressionFailed)
        /// A parameter chosen by the caller is invalid (compression level, size limit, key length...).
        public static let invalidArgument = Code(value: .invalidArgument)
        /// Every index of the list has been allocated.
        public static let listFull = Code(value: .listFull)

        public var description: String { value.rawValue }
    }

    /// The error's stable code.
    public let code: Code
    /// A message for people: what was wrong, precisely.
    public let reason: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: The stable code.
    ///   - reason: A precise, human-readable explanation.
    public init(_ code: Code, _ reason: String = "") {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason.isEmpty ? code.description : "\(code): \(reason)" }

    public static func == (lhs: StatusListError, rhs: StatusListError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The W3C/VCDM validation error this error stands for when a verifier meets it, or `nil` for errors that
    /// only an issuer can cause (``Code/invalidCapacity``, ``Code/compressionFailed``, ``Code/invalidArgument``,
    /// ``Code/listFull``).
    ///
    /// Index and value range errors are `RANGE_ERROR`; length errors are `STATUS_LIST_LENGTH_ERROR`; every
    /// encoding, compression and model error is `MALFORMED_VALUE_ERROR` (W3C REC §3: "any malformed MUST-property").
    public var validationErrorKind: StatusValidationErrorKind? {
        switch code.value {
        case .indexOutOfRange, .valueOutOfRange:
            return .rangeError
        case .lengthMismatch, .listTooShort:
            return .statusListLengthError
        case .invalidEntrySize, .malformedEncoding, .wrongCompressionFormat, .corruptData, .truncated, .trailingData,
            .sizeLimitExceeded, .malformedValue:
            return .malformedValueError
        case .invalidCapacity, .compressionFailed, .invalidArgument, .listFull:
            return nil
        }
    }
}

/// The validation error vocabulary of W3C Bitstring Status List v1.0 (§3.2, §3.5) and VCDM 2.0, used by verifiers
/// to report failures as RFC 9457 Problem Details.
///
/// The raw value is the error code exactly as the specifications spell it.
public enum StatusValidationErrorKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// The status list credential could not be retrieved (dereference failure, or a historical view is unavailable).
    case statusRetrievalError = "STATUS_RETRIEVAL_ERROR"
    /// The status list credential did not verify, or its purpose does not match the entry's.
    case statusVerificationError = "STATUS_VERIFICATION_ERROR"
    /// The list is shorter than the minimum number of entries.
    case statusListLengthError = "STATUS_LIST_LENGTH_ERROR"
    /// A value (such as the index) is outside its allowed range (VCDM 2.0 error).
    case rangeError = "RANGE_ERROR"
    /// A required property is missing or malformed (VCDM 2.0 error).
    case malformedValueError = "MALFORMED_VALUE_ERROR"

    /// The RFC 9457 `type` URI for this error.
    ///
    /// The three status-list errors live under `https://www.w3.org/ns/credentials/status-list#`; `RANGE_ERROR` and
    /// `MALFORMED_VALUE_ERROR` are VCDM 2.0 errors under `https://www.w3.org/TR/vc-data-model#`.
    public var typeURI: String {
        switch self {
        case .statusRetrievalError, .statusVerificationError, .statusListLengthError:
            return "https://www.w3.org/ns/credentials/status-list#" + rawValue
        case .rangeError, .malformedValueError:
            return "https://www.w3.org/TR/vc-data-model#" + rawValue
        }
    }

    /// A short English title suitable for the RFC 9457 `title` member.
    public var title: String {
        switch self {
        case .statusRetrievalError: return "Status list retrieval error"
        case .statusVerificationError: return "Status verification error"
        case .statusListLengthError: return "Status list length error"
        case .rangeError: return "Range error"
        case .malformedValueError: return "Malformed value error"
        }
    }
}
