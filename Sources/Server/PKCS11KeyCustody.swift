import HardwareKeys
import Signing
import Store

/// Keys generated in, and used from, a PKCS#11 token: the private keys never leave it. For each key the data
/// directory holds a non-secret reference (`<folder>/<kid>.pkcs11.json`) naming the token, the key's `CKA_ID` and its
/// public key, so the integrity rules and rotation work as with key files. Key files (`*.jwk`) already in the folder
/// stay usable beside the token's keys (the newest key of an algorithm signs), which lets an installation move its
/// signing to a token by rotation.
public struct PKCS11KeyCustody: SigningKeyCustody {
    /// The data directory holding the references.
    public let directory: DataDirectory
    /// The logged-in token.
    public let token: PKCS11Token

    /// A custody over an open token.
    /// - Parameters:
    ///   - directory: The data directory holding the references.
    ///   - token: The logged-in token.
    public init(directory: DataDirectory, token: PKCS11Token) {
        self.directory = directory
        self.token = token
    }

    public func generate(_ algorithm: SignatureAlgorithm, in folder: String?) throws -> StoredSigningKey {
        let key = try token.generateKey(algorithm)
        let reference = HardwareKeyReference(
            keyID: key.keyID, algorithm: algorithm, tokenLabel: token.label, objectID: key.keyID,
            publicKey: key.verificationKey.jwk(keyID: key.keyID))
        try directory.writeKeyReference(reference, in: folder)
        return StoredSigningKey(keyID: key.keyID, key: try key.signingKey)
    }

    public func keys(in folder: String?) throws -> [StoredSigningKey] {
        try directory.signingKeys(in: folder) { reference in
            guard reference.tokenLabel == token.label else {
                throw PKCS11Error(
                    .tokenNotFound, "it is recorded in token \"\(reference.tokenLabel)\", but the configured token is \"\(token.label)\"")
            }
            return try token.key(withID: reference.objectID).signingKey
        }
    }

    public func recordFileName(forKeyID keyID: String) -> String { keyID + DataDirectory.keyReferenceSuffix }
}

extension ServerConfiguration {
    /// The custody of the data directory's signing keys: the PKCS#11 token of ``pkcs11Module`` when it is set (the
    /// token is opened and logged in here), else key files.
    /// - Parameter directory: The data directory.
    /// - Returns: The custody.
    /// - Throws: ``DataDirectoryError`` when the module, the token or the PIN is wrong, with what to check.
    public func signingKeyCustody(for directory: DataDirectory) throws -> any SigningKeyCustody {
        guard let module = pkcs11Module, let label = pkcs11TokenLabel, let pinFile = pkcs11PinFile else {
            return FileKeyCustody(directory: directory)
        }
        do {
            return PKCS11KeyCustody(directory: directory, token: try PKCS11Token(modulePath: module, tokenLabel: label, pinFile: pinFile))
        } catch {
            throw DataDirectoryError(
                problem: "the PKCS#11 token holding the service's keys cannot be used: \(error)",
                remedy: "check --pkcs11-module (the token's module file), --pkcs11-token-label and the PIN in --pkcs11-pin-file")
        }
    }
}
