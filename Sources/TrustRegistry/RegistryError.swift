/// An error from the trust registry: a stable ``Code`` to match on (and to map to HTTP problems) and a reason that
/// names the rule that failed.
///
/// Equality compares the code only, so callers can match `error == RegistryError(.scopeViolation)`.
public struct RegistryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a value that is stable across releases.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case malformed
            case badSignature
            case unknownEntity
            case unknownAuthority
            case unknownAccreditation
            case scopeViolation
            case forbiddenTransition
            case notActive
            case notPermitted
            case conflict
            case logBroken
            case gone
            case expired
        }

        let value: Value

        /// The input does not have the required shape (bad JSON, missing member, bad URI, bad time). HTTP 400.
        public static let malformed = Code(value: .malformed)
        /// A signature does not verify, or the signing key is not one the signer registered. HTTP 400/403.
        public static let badSignature = Code(value: .badSignature)
        /// The DID is not a registered entity. HTTP 404 on reads, 400 on writes.
        public static let unknownEntity = Code(value: .unknownEntity)
        /// The `authority_id` of a TRQP query is neither the root authority nor a registered accreditation body.
        /// HTTP 404.
        public static let unknownAuthority = Code(value: .unknownAuthority)
        /// No accreditation or recognition has that id. HTTP 404.
        public static let unknownAccreditation = Code(value: .unknownAccreditation)
        /// A granted scope or period is not inside the accreditor's own (a widening), or the period is already over.
        /// The reason names the dimension, e.g. `types widen the body's scope: X not in ceiling` or
        /// `period ends after the body's accreditation`. HTTP 403.
        public static let scopeViolation = Code(value: .scopeViolation)
        /// A lifecycle change that the current status does not allow (revoked is final...). HTTP 409.
        public static let forbiddenTransition = Code(value: .forbiddenTransition)
        /// The signer's own accreditation (or one up its chain) is not active at the time of the write. HTTP 403.
        public static let notActive = Code(value: .notActive)
        /// The signer may not make this statement at all (a body changing another body's accreditation, an issuer
        /// accrediting, a self-accreditation...). HTTP 403.
        public static let notPermitted = Code(value: .notPermitted)
        /// The write repeats an id, a statement nonce (`jti`) or an entity with different data. HTTP 409.
        public static let conflict = Code(value: .conflict)
        /// An event log does not replay: hash chain, sequence or content mismatch. HTTP 500 (refuse to start).
        public static let logBroken = Code(value: .logBroken)
        /// The requested history is older than the retention window (change feed `since`). HTTP 410.
        public static let gone = Code(value: .gone)
        /// A signed list is past its `NextUpdate`, or a certificate is outside its validity. HTTP 400 (consumer side).
        public static let expired = Code(value: .expired)

        public var description: String { value.rawValue }
    }

    /// The error's stable code.
    public let code: Code
    /// A message for people: which rule failed, with the values involved.
    public let reason: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: The stable code.
    ///   - reason: A precise, human-readable explanation naming the rule.
    public init(_ code: Code, _ reason: String = "") {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason.isEmpty ? code.description : "\(code): \(reason)" }

    public static func == (lhs: RegistryError, rhs: RegistryError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
