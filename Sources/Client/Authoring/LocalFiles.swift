import Foundation
import Signing
import StatusListSecuring

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files on the user's machine: key files (private keys never leave it), secret files, trust anchors.
public enum LocalFiles {
    /// Reads a private JWK file (as `standing keys generate` writes it).
    /// - Returns: The key and its key id (the file's `kid`, else its thumbprint).
    public static func signingKey(_ path: String) throws -> (key: SigningKey, kid: String) {
        let jwk = try jwk(path)
        guard jwk.isPrivate else { throw AuthoringError("\(path) holds a public key; signing needs the private JWK") }
        do {
            let key = try SigningKey(jwk: jwk)
            return (key, jwk.kid ?? key.verificationKey.thumbprint)
        } catch {
            throw AuthoringError("\(path) is not a usable private key: \(error.reason)")
        }
    }

    /// Reads a public JWK from a file (a JWK or a JWKS's first key). A private key is refused: where a public key is
    /// asked for, the file is usually someone else's, and a private one there means it has left its owner's machine.
    public static func publicJWK(_ path: String) throws -> JWK {
        let file = try jwk(path)
        guard !file.isPrivate else {
            let stem = (path as NSString).deletingPathExtension
            throw AuthoringError(
                "\(path) holds a private key, which stays with its owner: give its public part "
                    + "(`standing keys public \(path) > \(stem).pub.jwk`)")
        }
        let jwk = file.publicKey
        do {
            _ = try VerificationKey(jwk: jwk)
        } catch {
            throw AuthoringError("\(path) is not a usable public key: \(error.reason)")
        }
        return jwk
    }

    /// The contents of a file; `-` reads standard input.
    /// - Throws: ``AuthoringError`` "cannot read PATH: why".
    public static func contents(of path: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw AuthoringError("cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// Reads a JWK file, or the first key of a JWKS file.
    public static func jwk(_ path: String) throws -> JWK {
        let data = try contents(of: path)
        do {
            let document = try JSONValue(parsing: data)
            if let first = document["keys"]?.arrayValue?.first { return try first.decode(JWK.self) }
            return try document.decode(JWK.self)
        } catch {
            throw AuthoringError("\(path) is not a JWK: \(error.reason)")
        }
    }

    /// Pretty, sorted JSON with a final newline, as key files are written and printed.
    public static func prettyJSON(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(value) + Data("\n".utf8)
    }

    /// Creates `path` as a folder with mode 0700 unless it exists.
    public static func createPrivateFolder(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw AuthoringError("\(path) exists and is not a folder") }
            return
        }
        guard mkdir(path, 0o700) == 0 else { throw AuthoringError("cannot create \(path): \(String(cString: strerror(errno)))") }
    }

    /// Writes `data` to a new file with mode 0600; refuses to overwrite.
    public static func writeSecretFile(_ path: String, _ data: Data) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw AuthoringError("\(path) exists; refusing to overwrite a key file") }
            throw AuthoringError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == data.count else { throw AuthoringError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    /// Writes `data` to a new file; an existing file is not replaced.
    /// - Throws: ``AuthoringError`` "cannot write PATH: why (an existing file is not replaced)".
    public static func writeNewFile(_ path: String, _ data: Data) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
        } catch {
            throw AuthoringError("cannot write \(path): \(error.localizedDescription) (an existing file is not replaced)")
        }
    }

    /// The folder `standing keys generate --name` keeps private keys in (mode 0700).
    public static let keyFolder = "standing-keys"

    /// Where a generated key goes.
    public enum KeyDestination: Sendable {
        /// `standing-keys/NAME.jwk` (``keyFolder``, created with mode 0700).
        case named(String)
        /// This file.
        case file(String)
    }

    /// A key made by ``generateKey(_:keyID:to:)``: where its private part is, and what may be handed out.
    public struct GeneratedKey: Sendable {
        /// The private JWK file (mode 0600).
        public var path: String
        /// The key id: the one asked for, else the RFC 7638 thumbprint.
        public var keyID: String
        /// The key as a did:key.
        public var didKey: String
        /// The public JWK, pretty JSON with a final newline.
        public var publicJWK: String
    }

    /// Generates a signing key and writes its private JWK to a new file with mode 0600 (never overwriting one).
    /// - Parameter keyID: The `kid`; the key's thumbprint when nil.
    /// - Throws: ``AuthoringError`` when the file exists or cannot be written.
    public static func generateKey(_ algorithm: SignatureAlgorithm, keyID: String?, to destination: KeyDestination) throws -> GeneratedKey {
        let path: String
        switch destination {
        case .named(let name):
            try createPrivateFolder(keyFolder)
            path = keyFolder + "/" + name + ".jwk"
        case .file(let file):
            path = file
        }
        let key = SigningKey.generate(algorithm)
        let keyID = keyID ?? key.verificationKey.thumbprint
        try writeSecretFile(path, try prettyJSON(key.jwk(keyID: keyID)))
        return GeneratedKey(
            path: path, keyID: keyID, didKey: key.verificationKey.didKey.did,
            publicJWK: String(decoding: try prettyJSON(key.verificationKey.jwk(keyID: keyID)), as: UTF8.self))
    }

    /// One `--trust` value: a DID, a JWKS URL, or a file holding a JWKS, a DID document, a single JWK, or PEM
    /// certificates (anchors the `x5c` chains of lists must validate to).
    public static func trustSource(_ value: String) throws -> TrustSource {
        if value.hasPrefix("did:") { return .did(value) }
        if value.hasPrefix("https://") || value.hasPrefix("http://") {
            guard let url = URL(string: value) else { throw AuthoringError("--trust: '\(value)' is not a URL") }
            return .jwks(url)
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: value))
        } catch {
            throw AuthoringError("--trust: cannot read \(value): \(error.localizedDescription)")
        }
        if let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN CERTIFICATE-----") {
            do {
                return .x5c(anchors: try X509Certificate.parseChain(pem: text))
            } catch {
                throw AuthoringError("--trust: \(value) holds no usable PEM certificates: \(error.reason)")
            }
        }
        do {
            let document = try JSONValue(parsing: data)
            if document["keys"] != nil { return .keys(try TrustedKeys(jwks: try document.decode(JWKSet.self))) }
            if document["verificationMethod"] != nil { return .keys(try TrustedKeys(didDocument: try document.decode(DIDDocument.self))) }
            if document["kty"] != nil {
                let jwk = try document.decode(JWK.self)
                let key = try VerificationKey(jwk: jwk)
                var keys = TrustedKeys()
                keys.add(key, keyID: jwk.kid ?? key.thumbprint)
                return .keys(keys)
            }
        } catch {
            throw AuthoringError("--trust: \(value) is not a usable JWKS, DID document or JWK: \(error)")
        }
        throw AuthoringError("--trust: \(value) is neither a JWKS ({\"keys\": ...}), a DID document, a JWK nor PEM certificates")
    }
}
