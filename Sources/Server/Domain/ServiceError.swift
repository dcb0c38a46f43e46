/// An error the service reports to its callers. The HTTP layer maps each code to a status and an RFC 9457
/// problem type in one place (``ProblemDetails``).
public struct ServiceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case badRequest, invalidValue, forbiddenTransition, notFound, unauthorized, forbidden, conflict
            case listFull, quotaExceeded, notAccredited, notAcceptable, payloadTooLarge, unavailable, notImplemented
            case statusRetrieval, rangeError
        }

        let value: Value
        /// The request is malformed (JSON, types, missing members).
        public static let badRequest = Code(value: .badRequest)
        /// A value is outside what the list allows.
        public static let invalidValue = Code(value: .invalidValue)
        /// The change breaks a purpose rule, e.g. un-revoking.
        public static let forbiddenTransition = Code(value: .forbiddenTransition)
        /// The list, entry, token or record does not exist.
        public static let notFound = Code(value: .notFound)
        /// No valid credentials.
        public static let unauthorized = Code(value: .unauthorized)
        /// Valid credentials, but outside the caller's scope.
        public static let forbidden = Code(value: .forbidden)
        /// The resource exists already.
        public static let conflict = Code(value: .conflict)
        /// No room left in the list.
        public static let listFull = Code(value: .listFull)
        /// The caller's principal would exceed one of its quotas (lists, entries); the detail names the setting.
        public static let quotaExceeded = Code(value: .quotaExceeded)
        /// The server requires accreditation (`requireAccreditation`) and the caller's principal is not an active
        /// accredited issuer in the trust registry; the detail says why.
        public static let notAccredited = Code(value: .notAccredited)
        /// No representation matches `Accept`.
        public static let notAcceptable = Code(value: .notAcceptable)
        /// The body is larger than allowed.
        public static let payloadTooLarge = Code(value: .payloadTooLarge)
        /// A dependency (the database) failed; retrying may help.
        public static let unavailable = Code(value: .unavailable)
        /// The feature is switched off or does not exist.
        public static let notImplemented = Code(value: .notImplemented)
        /// W3C STATUS_RETRIEVAL_ERROR: e.g. no version in force at the requested time.
        public static let statusRetrieval = Code(value: .statusRetrieval)
        /// W3C/VCDM RANGE_ERROR: index outside the list.
        public static let rangeError = Code(value: .rangeError)

        public var description: String { value.rawValue }
    }

    public let code: Code
    /// The precise, human-readable detail (RFC 9457 `detail`).
    public let detail: String

    /// Creates an error.
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code): \(detail)" }
    public static func == (lhs: ServiceError, rhs: ServiceError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
