/// Labels of the COSE header parameters Standing reads or writes (IANA "COSE Header Parameters").
public enum COSEHeaderParameter {
    /// `alg` (RFC 9052 §3.1): the signature algorithm, an integer from IANA "COSE Algorithms".
    public static let algorithm: CBOR = 1
    /// `crit` (RFC 9052 §3.1): labels the recipient must understand.
    public static let critical: CBOR = 2
    /// `content type` (RFC 9052 §3.1).
    public static let contentType: CBOR = 3
    /// `kid` (RFC 9052 §3.1): a byte string naming the key.
    public static let keyIdentifier: CBOR = 4
    /// `typ` (RFC 9596): the media type of the whole COSE object, e.g. `application/statuslist+cwt`.
    public static let type: CBOR = 16
    /// `x5chain` (RFC 9360): one DER certificate as a byte string, or an array of them, leaf first.
    public static let x5chain: CBOR = 33
}

extension SignatureAlgorithm {
    /// The algorithm's identifier in IANA "COSE Algorithms": -7 (ES256), -35 (ES384), -8 (EdDSA).
    public var coseAlgorithmIdentifier: Int {
        switch self {
        case .es256: -7
        case .es384: -35
        case .edDSA: -8
        }
    }

    /// Finds the algorithm for a COSE algorithm identifier.
    ///
    /// Besides the identifiers Standing writes, -19 (the fully specified `Ed25519`, RFC 9864) maps to
    /// ``SignatureAlgorithm/edDSA`` because it names the same signature scheme.
    /// - Parameter coseAlgorithmIdentifier: The integer from a COSE `alg` header.
    /// - Returns: `nil` for algorithms Standing does not support.
    public init?(coseAlgorithmIdentifier: Int) {
        switch coseAlgorithmIdentifier {
        case -7: self = .es256
        case -35: self = .es384
        case -8, -19: self = .edDSA
        default: return nil
        }
    }
}
