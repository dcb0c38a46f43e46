import StatusList
import StatusListSecuring

/// Why fetching, verifying or reading a status list failed: a stable ``Code`` to match on, the W3C validation error
/// ``kind`` it stands for, and a precise reason.
///
/// Every failure of the client has a kind from the W3C vocabulary (which also covers the IETF rules):
/// - `STATUS_RETRIEVAL_ERROR`: the list could not be obtained (unreachable, timeout, HTTP error, redirect trouble,
///   an insecure URL, a response over the size cap, nothing cached in offline mode, an unrecognised body).
/// - `STATUS_VERIFICATION_ERROR`: the list is not one to rely on (signature, key, `typ`, validity period, `sub` or
///   `id` not the referenced URL, purpose mismatch, trust material unavailable).
/// - `MALFORMED_VALUE_ERROR`: a correctly signed list, or a credential, whose content is malformed (including a list
///   that decompresses beyond the size or ratio cap, and a bad Adler-32/CRC-32 checksum).
/// - `STATUS_LIST_LENGTH_ERROR` and `RANGE_ERROR`: the W3C minimum length and the index range.
///
/// Equality compares the code only.
public struct StatusClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a value that is stable across releases.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case unreachable
            case timeout
            case httpStatus
            case tooManyRedirects
            case insecureURL
            case responseTooLarge
            case unsupportedContentEncoding
            case unrecognisedFormat
            case notCached
            case expired
            case verificationFailed
            case subjectMismatch
            case issuerNotBound
            case trustUnavailable
            case malformed
            case listTooShort
            case indexOutOfRange
            case unsupported
            case invalidArgument
        }

        let value: Value

        /// The host could not be reached (DNS, connection refused, connection closed).
        public static let unreachable = Code(value: .unreachable)
        /// The request did not complete within the configured timeout.
        public static let timeout = Code(value: .timeout)
        /// The server answered with a status other than 2xx or 304 (or 304 without a cached copy).
        public static let httpStatus = Code(value: .httpStatus)
        /// More redirects than allowed, a redirect loop, or a redirect without a usable `Location`.
        public static let tooManyRedirects = Code(value: .tooManyRedirects)
        /// A URL (or redirect target) whose scheme is not allowed: only https, and http for loopback hosts.
        public static let insecureURL = Code(value: .insecureURL)
        /// The response body is larger than the configured cap.
        public static let responseTooLarge = Code(value: .responseTooLarge)
        /// The response uses a `Content-Encoding` the client did not ask for.
        public static let unsupportedContentEncoding = Code(value: .unsupportedContentEncoding)
        /// The body is empty or in no recognised securing form, or in the other specification's format.
        public static let unrecognisedFormat = Code(value: .unrecognisedFormat)
        /// Offline mode and no cached copy of the list (or of the trust material).
        public static let notCached = Code(value: .notCached)
        /// The list is past its validity period (`validUntil` / `exp`) and cannot be used as current.
        public static let expired = Code(value: .expired)
        /// The signature, key, `typ`, validity start, purpose or `sub` check failed.
        public static let verificationFailed = Code(value: .verificationFailed)
        /// A W3C list whose credential `id` is not the referenced `statusListCredential` URL.
        public static let subjectMismatch = Code(value: .subjectMismatch)
        /// The list verified, but is not bound to the credential's issuer (``IssuerBinding``): not signed by a key of
        /// the issuer's DID document, nor by the leaf of an `x5c` chain to a trust anchor.
        public static let issuerNotBound = Code(value: .issuerNotBound)
        /// The keys of the trust source could not be obtained (JWKS or DID document unreachable or invalid).
        public static let trustUnavailable = Code(value: .trustUnavailable)
        /// The signed list or the credential is malformed (encoding, compression, checksum, size cap, claims).
        public static let malformed = Code(value: .malformed)
        /// The W3C list has fewer entries than the minimum.
        public static let listTooShort = Code(value: .listTooShort)
        /// The entry's index is outside the list.
        public static let indexOutOfRange = Code(value: .indexOutOfRange)
        /// A status mechanism, entry size or credential form the client does not implement.
        public static let unsupported = Code(value: .unsupported)
        /// A caller error: a bad URL, DID or parameter.
        public static let invalidArgument = Code(value: .invalidArgument)

        public var description: String { value.rawValue }
    }

    /// The error's stable code.
    public let code: Code
    /// The W3C / VCDM validation error kind; its ``StatusValidationErrorKind/typeURI`` is the RFC 9457 problem type.
    public let kind: StatusValidationErrorKind
    /// A message for people: what was wrong, precisely.
    public let reason: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: The stable code.
    ///   - kind: The W3C error kind.
    ///   - reason: A precise, human-readable explanation.
    public init(_ code: Code, kind: StatusValidationErrorKind, _ reason: String) {
        self.code = code
        self.kind = kind
        self.reason = reason
    }

    /// `KIND (code): reason`.
    public var description: String { "\(kind.rawValue) (\(code)): \(reason)" }

    public static func == (lhs: StatusClientError, rhs: StatusClientError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    static func retrieval(_ code: Code, _ reason: String) -> StatusClientError {
        StatusClientError(code, kind: .statusRetrievalError, reason)
    }

    static func verification(_ code: Code, _ reason: String) -> StatusClientError {
        StatusClientError(code, kind: .statusVerificationError, reason)
    }

    /// Maps a verifier error, keeping its kind and detail.
    init(_ error: StatusVerificationError) {
        let code: Code =
            switch error.kind {
            case .statusRetrievalError: .unrecognisedFormat
            case .statusVerificationError: .verificationFailed
            case .statusListLengthError: .listTooShort
            case .rangeError: .indexOutOfRange
            case .malformedValueError: .malformed
            }
        self.init(code, kind: error.kind, error.detail)
    }
}
