import CPKCS11
import Crypto
import Foundation
import Signing

/// What PKCS#11 needs to know about each algorithm Standing signs with on a token: the key type, the curve's
/// `CKA_EC_PARAMS`, the mechanisms, and what is handed to `C_Sign`.
struct KeyCurve: Sendable {
    let algorithm: SignatureAlgorithm
    let name: String
    let keyType: CK_KEY_TYPE
    /// `CKA_EC_PARAMS`: the DER OID of the curve.
    let parameters: [UInt8]
    let generationMechanism: CK_MECHANISM_TYPE
    let signatureMechanism: CK_MECHANISM_TYPE
    /// The length of the public point inside `CKA_EC_POINT`.
    let pointLength: Int

    /// P-256: prime256v1 (1.2.840.10045.3.1.7), ECDSA over a SHA-256 digest.
    static let p256 = KeyCurve(
        algorithm: .es256, name: "P-256", keyType: CK_KEY_TYPE(CKK_EC),
        parameters: [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07],
        generationMechanism: CK_MECHANISM_TYPE(CKM_EC_KEY_PAIR_GEN), signatureMechanism: CK_MECHANISM_TYPE(CKM_ECDSA),
        pointLength: 65)
    /// P-384: secp384r1 (1.3.132.0.34), ECDSA over a SHA-384 digest.
    static let p384 = KeyCurve(
        algorithm: .es384, name: "P-384", keyType: CK_KEY_TYPE(CKK_EC),
        parameters: [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22],
        generationMechanism: CK_MECHANISM_TYPE(CKM_EC_KEY_PAIR_GEN), signatureMechanism: CK_MECHANISM_TYPE(CKM_ECDSA),
        pointLength: 97)
    /// Ed25519: id-Ed25519 (1.3.101.112, RFC 8410), the form PKCS#11 3.0 and SoftHSM2 accept for edwards25519;
    /// pure EdDSA over the message (`CKM_EDDSA` without parameters).
    static let ed25519 = KeyCurve(
        algorithm: .edDSA, name: "Ed25519", keyType: CK_KEY_TYPE(CKK_EC_EDWARDS),
        parameters: [0x06, 0x03, 0x2B, 0x65, 0x70],
        generationMechanism: CK_MECHANISM_TYPE(CKM_EC_EDWARDS_KEY_PAIR_GEN), signatureMechanism: CK_MECHANISM_TYPE(CKM_EDDSA),
        pointLength: 32)

    static let all = [p256, p384, ed25519]

    init(_ algorithm: SignatureAlgorithm) {
        switch algorithm {
        case .es256: self = .p256
        case .es384: self = .p384
        case .edDSA: self = .ed25519
        }
    }

    private init(
        algorithm: SignatureAlgorithm, name: String, keyType: CK_KEY_TYPE, parameters: [UInt8],
        generationMechanism: CK_MECHANISM_TYPE, signatureMechanism: CK_MECHANISM_TYPE, pointLength: Int
    ) {
        self.algorithm = algorithm
        self.name = name
        self.keyType = keyType
        self.parameters = parameters
        self.generationMechanism = generationMechanism
        self.signatureMechanism = signatureMechanism
        self.pointLength = pointLength
    }

    /// What `C_Sign` signs: `CKM_ECDSA` signs a digest it is given, so the message is hashed here as JOSE/COSE
    /// prescribe for the algorithm; `CKM_EDDSA` signs the message itself.
    func signatureInput(_ message: Data) -> [UInt8] {
        switch algorithm {
        case .es256: Array(SHA256.hash(data: message))
        case .es384: Array(SHA384.hash(data: message))
        case .edDSA: Array(message)
        }
    }

    /// Names of the mechanisms Standing uses, for messages.
    static let mechanismNames: [CK_MECHANISM_TYPE: String] = [
        CK_MECHANISM_TYPE(CKM_EC_KEY_PAIR_GEN): "CKM_EC_KEY_PAIR_GEN", CK_MECHANISM_TYPE(CKM_ECDSA): "CKM_ECDSA",
        CK_MECHANISM_TYPE(CKM_EC_EDWARDS_KEY_PAIR_GEN): "CKM_EC_EDWARDS_KEY_PAIR_GEN", CK_MECHANISM_TYPE(CKM_EDDSA): "CKM_EDDSA",
    ]
}
