import CPKCS11
import Foundation
import Signing

/// A private key on a PKCS#11 token, signing through the token's session; its secret never leaves the token.
///
/// Wrap it in ``Signing/SigningKey/init(external:)`` (or use ``signingKey``) to sign JWS, COSE and Data Integrity
/// proofs with it.
public struct PKCS11SigningKey: ExternalSigner {
    /// The token holding the key.
    public let token: PKCS11Token
    /// The key id: the key objects' `CKA_ID` and `CKA_LABEL`.
    public let keyID: String
    /// The algorithm the key signs with.
    public let algorithm: SignatureAlgorithm
    /// The public key, read from the token's public-key object.
    public let verificationKey: VerificationKey
    /// The private-key object.
    let handle: CK_OBJECT_HANDLE

    init(token: PKCS11Token, keyID: String, algorithm: SignatureAlgorithm, verificationKey: VerificationKey, handle: CK_OBJECT_HANDLE) {
        self.token = token
        self.keyID = keyID
        self.algorithm = algorithm
        self.verificationKey = verificationKey
        self.handle = handle
    }

    /// Signs on the token: `r || s` for ECDSA (the digest computed here), 64 bytes for Ed25519.
    /// - Parameter message: The bytes to sign.
    /// - Returns: The raw signature.
    /// - Throws: ``Signing/SigningError/Code/signingFailed`` with the token's one-line error.
    public func sign(_ message: Data) throws(SigningError) -> Data {
        do {
            return try token.sign(message, with: handle, algorithm: algorithm)
        } catch {
            throw SigningError(.signingFailed, "\(error)")
        }
    }

    /// The key as a ``Signing/SigningKey`` for every securing mechanism.
    public var signingKey: SigningKey {
        // Cannot fail: the algorithm and the public key come from the same key objects.
        get throws(SigningError) { try SigningKey(external: self) }
    }
}
