/// An error from the signing module: a stable ``Code`` to match on and a human-readable reason.
///
/// Equality compares the code only, so tests and callers can match `error == SigningError(.badSignature)`.
public struct SigningError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a value that is stable across releases.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case signingFailed
            case invalidKey
            case unsupportedAlgorithm
            case malformed
            case badSignature
            case unknownKey
            case invalidClaims
            case expired
            case algorithmMismatch
        }

        let value: Value

        /// The underlying primitive failed to sign.
        public static let signingFailed = Code(value: .signingFailed)
        /// Key material is malformed or does not match its declared type.
        public static let invalidKey = Code(value: .invalidKey)
        /// The algorithm, curve or suite is not one Standing supports.
        public static let unsupportedAlgorithm = Code(value: .unsupportedAlgorithm)
        /// The signed structure (JWS, COSE, proof, CBOR, JSON) could not be parsed.
        public static let malformed = Code(value: .malformed)
        /// The signature does not verify.
        public static let badSignature = Code(value: .badSignature)
        /// No trusted key matches the artefact's key id or verification method.
        public static let unknownKey = Code(value: .unknownKey)
        /// A header or claim has the wrong value (typ, sub, iat...).
        public static let invalidClaims = Code(value: .invalidClaims)
        /// The artefact is outside its validity period.
        public static let expired = Code(value: .expired)
        /// The artefact's declared algorithm (JWS `alg`, COSE `alg`, cryptosuite) differs from the key's.
        public static let algorithmMismatch = Code(value: .algorithmMismatch)

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

    public static func == (lhs: SigningError, rhs: SigningError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
