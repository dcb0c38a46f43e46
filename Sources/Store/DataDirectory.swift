import Foundation
import Signing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A signing key loaded from the data directory, with the key id it is published under.
public struct StoredSigningKey: Sendable {
    /// The key's `kid`: the JWK's own `kid` member, or its RFC 7638 thumbprint when the file has none.
    public let keyID: String
    /// The private key.
    public let key: SigningKey

    /// Pairs a key with its id.
    /// - Parameters:
    ///   - keyID: The `kid`.
    ///   - key: The private key.
    public init(keyID: String, key: SigningKey) {
        self.keyID = keyID
        self.key = key
    }
}

/// The server's data directory:
///
/// ```
/// <path>/                 0700
///   standing.sqlite       the database (plus its -wal and -shm files), 0600
///   keys/<kid>.jwk        private signing keys as JWK JSON, 0600
///   keys/<kid>.pkcs11.json  or, with a PKCS#11 token, a non-secret reference to a key held by the token
///   operator-token        the first operator token, written once at initialisation, 0600
///   lote-certificate.pem  the certificate chain the LoTE is signed with, 0600
///   standing.lock         the lock a running service holds, with its PID
/// ```
///
/// Which states a service may start from, and what it refuses, is in `DataDirectory+Integrity.swift`.
///
/// Secret files are created with mode 0600 under a temporary name and then linked into place, so a reader never
/// sees a partial file and an existing file is never replaced. Nothing here logs or reports key material.
public struct DataDirectory: Sendable, Hashable {
    /// The name of the database file.
    public static let databaseFileName = "standing.sqlite"
    /// The name of the key folder.
    public static let keysFolderName = "keys"
    /// The name of the one-time operator token file.
    public static let operatorTokenFileName = "operator-token"
    /// Key files larger than this are refused rather than read: a private JWK is a few hundred bytes.
    static let maximumKeyFileSize = 64 * 1024

    /// The directory.
    public let path: String

    /// Describes the directory at `path`; nothing is touched until a method is called.
    /// - Parameter path: The directory.
    public init(path: String) {
        self.path = path
    }

    /// `<path>/standing.sqlite`.
    public var databasePath: String { path + "/" + Self.databaseFileName }
    /// `<path>/keys`.
    public var keysPath: String { path + "/" + Self.keysFolderName }
    /// The registry's signed checkpoint (written by the server; a start replays only the log after it).
    public var registryCheckpointPath: String { path + "/" + Self.registryCheckpointFileName }
    /// The name of ``registryCheckpointPath`` in the directory.
    public static let registryCheckpointFileName = "registry-checkpoint"
    /// The folder of the registry's signed LoTE files (written by the server; a checkpoint names the one it carries).
    public var registryLoTEPath: String { path + "/" + Self.registryLoTEFolderName }
    /// The name of ``registryLoTEPath`` in the directory.
    public static let registryLoTEFolderName = "registry-lote"

    /// Creates the directory and its `keys` folder with mode 0700 where missing. Existing folders are left as they are.
    /// - Throws: ``StoreError/Code/unavailable`` when a folder cannot be created or a file is in the way.
    public func prepare() throws {
        try Self.createDirectoryIfMissing(path)
        try Self.createDirectoryIfMissing(keysPath)
    }

    /// `<path>/keys/issuers`: the keys the service holds for issuers' signing identities. They live apart from the
    /// service's own keys so that "the newest key of an algorithm in `keys/` signs" stays true for the service.
    public var issuerKeysPath: String { keysPath + "/" + Self.issuerKeysFolderName }
    /// The name of the issuer key folder inside `keys/`.
    public static let issuerKeysFolderName = "issuers"

    /// Loads every `*.jwk` file of a key folder as a private key, and resolves every `*.pkcs11.json` reference to a
    /// key held in a hardware token through `resolve`.
    /// - Parameters:
    ///   - folder: The folder: `nil` for the service's own `keys/`, else a folder such as ``issuerKeysPath``.
    ///   - resolve: Finds a referenced key on its token; `nil` when no token is configured, which makes any reference
    ///     file an error.
    /// - Returns: The keys, oldest first (by file modification time, then key id); empty when the folder is missing
    ///   or empty. The last key of an algorithm is the one the service signs with; the others stay published so
    ///   that what they signed keeps verifying.
    /// - Throws: ``StoreError/Code/unavailable`` for an unreadable, oversized or invalid key file (the reason names the
    ///   file, never its content), ``StoreError/Code/conflict`` when two files hold the same key id,
    ///   ``DataDirectoryError`` for a reference without a token, or one the token cannot resolve to its public key.
    public func signingKeys(
        in folder: String? = nil, resolvingReferences resolve: ((HardwareKeyReference) throws -> SigningKey)? = nil
    ) throws -> [StoredSigningKey] {
        let folder = folder ?? keysPath
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: folder) else { return [] }
        let names: [String]
        do {
            names = try fileManager.contentsOfDirectory(atPath: folder)
        } catch {
            throw StoreError(.unavailable, "cannot list \(folder): \(error.localizedDescription)")
        }
        var keys: [String: (key: StoredSigningKey, modified: Date)] = [:]
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = folder + "/" + name
            let key: StoredSigningKey
            if name.hasSuffix(".jwk") {
                key = try Self.loadKey(at: path)
            } else if name.hasSuffix(Self.keyReferenceSuffix) {
                key = try Self.resolveKeyReference(at: path, with: resolve)
            } else {
                continue
            }
            guard keys[key.keyID] == nil else {
                throw StoreError(.conflict, "two key files in \(folder) have the key id \(key.keyID)")
            }
            let modified = (try? fileManager.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
            keys[key.keyID] = (key, modified)
        }
        // Oldest first, so that the newest key of an algorithm is the one that signs (rotation = add a key file).
        return keys.values.sorted { ($0.modified, $0.key.keyID) < ($1.modified, $1.key.keyID) }.map(\.key)
    }

    private static func resolveKeyReference(
        at path: String, with resolve: ((HardwareKeyReference) throws -> SigningKey)?
    ) throws -> StoredSigningKey {
        let reference = try loadKeyReference(at: path)
        let token = "the PKCS#11 token \"\(reference.tokenLabel)\""
        guard let resolve else {
            throw DataDirectoryError(
                problem: "\(path) refers to a key held in \(token), and no token is configured",
                remedy: "start with the token's settings: --pkcs11-module, --pkcs11-token-label and --pkcs11-pin-file "
                    + "(or STANDING_PKCS11_MODULE, STANDING_PKCS11_TOKEN_LABEL, STANDING_PKCS11_PIN_FILE)")
        }
        let key: SigningKey
        do {
            key = try resolve(reference)
        } catch {
            throw DataDirectoryError(
                problem: "the key \(reference.keyID) that \(path) refers to cannot be used: \(error)",
                remedy: "check --pkcs11-token-label and that the token still holds the key (restore the token from its "
                    + "backup); Standing does not replace a missing key")
        }
        guard key.algorithm == reference.algorithm, key.verificationKey == (try? VerificationKey(jwk: reference.publicKey)) else {
            throw DataDirectoryError(
                problem: "the key with id \(reference.objectID) in \(token) is not the \(reference.algorithm.rawValue) public key recorded in \(path)",
                remedy: "check --pkcs11-token-label (another token may hold a key with the same id) and restore the token from its backup")
        }
        return StoredSigningKey(keyID: reference.keyID, key: key)
    }

    /// Generates a key for `algorithm` and writes it as `<folder>/<kid>.jwk` (mode 0600, created atomically), `kid`
    /// being the RFC 7638 thumbprint. Creates the folders if needed.
    /// - Parameters:
    ///   - algorithm: The algorithm the key signs with.
    ///   - folder: `nil` for the service's own `keys/`, else a folder such as ``issuerKeysPath``.
    /// - Returns: The new key.
    /// - Throws: ``StoreError/Code/unavailable`` when the folder or the file cannot be written.
    public func generateSigningKey(_ algorithm: SignatureAlgorithm, in folder: String? = nil) throws -> StoredSigningKey {
        try prepare()
        let folder = folder ?? keysPath
        try Self.createDirectoryIfMissing(folder)
        let key = SigningKey.generate(algorithm)
        let keyID = key.verificationKey.thumbprint
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes: Data
        do {
            bytes = try encoder.encode(key.jwk(keyID: keyID))
        } catch {
            throw StoreError(.unavailable, "cannot encode the new \(algorithm.rawValue) key")
        }
        try Self.createFileOnce(at: folder + "/" + keyID + ".jwk", contents: bytes)
        return StoredSigningKey(keyID: keyID, key: key)
    }

    /// Generates a key for each algorithm that has no key in `keys/` yet (see ``generateSigningKey(_:in:)``).
    /// - Parameter algorithms: The algorithms the service signs with.
    /// - Returns: The keys generated by this call; empty when every algorithm already had a key.
    /// - Throws: ``StoreError/Code/unavailable`` when the folder or a file cannot be written or an existing key file is
    ///   invalid.
    @discardableResult
    public func generateSigningKeysIfMissing(algorithms: [SignatureAlgorithm] = [.es256, .edDSA]) throws -> [StoredSigningKey] {
        try prepare()
        let present = Set(try signingKeys().map(\.key.algorithm))
        return try algorithms.filter { !present.contains($0) }.map { try generateSigningKey($0) }
    }

    /// Writes a secret file once: `<path>/<name>`, mode 0600, created atomically; an existing file is never replaced.
    /// - Parameters:
    ///   - name: A plain file name (no `/`), e.g. ``operatorTokenFileName``.
    ///   - contents: The secret text.
    /// - Throws: ``StoreError/Code/conflict`` when the file exists, ``StoreError/Code/rejected`` for a name that is not
    ///   a plain file name, ``StoreError/Code/unavailable`` when it cannot be written.
    public func writeSecretOnce(name: String, contents: String) throws {
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.contains("\0") else {
            throw StoreError(.rejected, "'\(name)' is not a plain file name")
        }
        try prepare()
        try Self.createFileOnce(at: path + "/" + name, contents: Data(contents.utf8))
    }
}

// MARK: - Files

extension DataDirectory {
    static func createDirectoryIfMissing(_ directory: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StoreError(.unavailable, "\(directory) exists and is not a directory")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
            // The umask may only remove bits, but set the mode explicitly so the folder never ends up wider.
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
        } catch {
            throw StoreError(.unavailable, "cannot create \(directory): \(error.localizedDescription)")
        }
    }

    static func loadKey(at file: String) throws -> StoredSigningKey {
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue
        guard let size, size <= maximumKeyFileSize else {
            throw StoreError(.unavailable, "key file \(file) is unreadable or larger than \(maximumKeyFileSize) bytes")
        }
        guard let bytes = FileManager.default.contents(atPath: file) else {
            throw StoreError(.unavailable, "cannot read key file \(file)")
        }
        let jwk: JWK
        do {
            jwk = try JSONDecoder().decode(JWK.self, from: bytes)
        } catch {
            // The decoder's message may quote the content, which is secret.
            throw StoreError(.unavailable, "key file \(file) is not JWK JSON")
        }
        do {
            let key = try SigningKey(jwk: jwk)
            return StoredSigningKey(keyID: jwk.kid ?? key.verificationKey.thumbprint, key: key)
        } catch {
            throw StoreError(.unavailable, "key file \(file) is not a usable private key: \(error.reason)")
        }
    }

    /// Creates `file` with `contents` and mode 0600, or fails if it exists.
    ///
    /// The bytes go to a temporary file in the same folder (created 0600 by `open(2)`, so the secret is never
    /// readable by others, not even briefly), are fsynced, and are then hard-linked to the final name: `link(2)`
    /// fails when the name exists, which makes the no-overwrite check and the publication one atomic step.
    static func createFileOnce(at file: String, contents: Data) throws {
        let directory = (file as NSString).deletingLastPathComponent
        let temporary = directory + "/.tmp-" + UUID().uuidString
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(.unavailable, "cannot create a file in \(directory): \(lastErrorMessage())")
        }
        defer { unlink(temporary) }
        do {
            defer { close(descriptor) }
            try writeAll(contents, to: descriptor, describing: file)
            guard fchmod(descriptor, 0o600) == 0, fsync(descriptor) == 0 else {
                throw StoreError(.unavailable, "cannot write \(file): \(lastErrorMessage())")
            }
        }
        guard link(temporary, file) == 0 else {
            if errno == EEXIST {
                throw StoreError(.conflict, "\(file) exists already and is not replaced")
            }
            throw StoreError(.unavailable, "cannot create \(file): \(lastErrorMessage())")
        }
        // Make the new directory entry durable too.
        DurableWrites.syncDirectory(directory)
    }

    private static func writeAll(_ contents: Data, to descriptor: Int32, describing file: String) throws {
        if let failure = contents.withUnsafeBytes({ DurableWrites.writeAll($0, to: descriptor) }) {
            throw StoreError(.unavailable, "cannot write \(file): \(DurableWrites.message(failure))")
        }
    }

    private static func lastErrorMessage() -> String {
        String(cString: strerror(errno))
    }
}
