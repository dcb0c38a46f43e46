import Crypto
import Foundation

/// A JSON Web Key (RFC 7517) for the key types Standing uses: EC P-256 and P-384 (RFC 7518 §6.2) and OKP Ed25519
/// (RFC 8037).
///
/// Decoding only checks the JSON shape; ``VerificationKey/init(jwk:)`` and ``SigningKey/init(jwk:)`` validate the key
/// material. The `description` never shows the private member `d`.
public struct JWK: Codable, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Key type: `EC` or `OKP`.
    public var kty: String
    /// Curve: `P-256`, `P-384` or `Ed25519`.
    public var crv: String
    /// base64url x coordinate (EC) or public key (OKP).
    public var x: String
    /// base64url y coordinate (EC only).
    public var y: String?
    /// base64url private scalar (EC) or seed (OKP); present only in private keys.
    public var d: String?
    /// Key identifier.
    public var kid: String?
    /// Intended JOSE algorithm (`ES256`, `ES384`, `EdDSA`).
    public var alg: String?
    /// Intended use; Standing's keys are `sig`.
    public var use: String?

    /// Creates a JWK from its members, unvalidated.
    /// - Parameters:
    ///   - kty: Key type (`EC`, `OKP`).
    ///   - crv: Curve (`P-256`, `P-384`, `Ed25519`).
    ///   - x: base64url x coordinate or OKP public key.
    ///   - y: base64url y coordinate (EC).
    ///   - d: base64url private part.
    ///   - kid: Key identifier.
    ///   - alg: Intended algorithm.
    ///   - use: Intended use.
    public init(
        kty: String,
        crv: String,
        x: String,
        y: String? = nil,
        d: String? = nil,
        kid: String? = nil,
        alg: String? = nil,
        use: String? = nil
    ) {
        self.kty = kty
        self.crv = crv
        self.x = x
        self.y = y
        self.d = d
        self.kid = kid
        self.alg = alg
        self.use = use
    }

    /// Whether the key carries its private part `d`.
    public var isPrivate: Bool { d != nil }

    /// The same key without its private part.
    public var publicKey: JWK {
        var copy = self
        copy.d = nil
        return copy
    }

    /// The RFC 7638 thumbprint: base64url(SHA-256) of the canonical JSON of the required members
    /// (`crv`, `kty`, `x`, `y` for EC; `crv`, `kty`, `x` for OKP) in lexicographic order.
    /// - Returns: The 43-character thumbprint, Standing's default `kid`.
    /// - Throws: ``SigningError/Code/unsupportedAlgorithm`` for another key type, ``SigningError/Code/invalidKey``
    ///   when an EC key has no `y`.
    public func thumbprint() throws(SigningError) -> String {
        var members: [String: JSONValue] = ["kty": .string(kty), "crv": .string(crv), "x": .string(x)]
        switch kty {
        case "EC":
            guard let y else { throw SigningError(.invalidKey, "EC JWK has no y member") }
            members["y"] = .string(y)
        case "OKP":
            break
        default:
            throw SigningError(.unsupportedAlgorithm, "JWK key type \"\(kty)\" is not EC or OKP")
        }
        let canonical = try JSONValue.object(members).canonicalData()
        return Base64URL.encode(Data(SHA256.hash(data: canonical)))
    }

    /// The signature algorithm this key's type and curve imply, after checking `alg` and `use` agree with it.
    /// - Returns: ``SignatureAlgorithm/es256`` for P-256, ``SignatureAlgorithm/es384`` for P-384,
    ///   ``SignatureAlgorithm/edDSA`` for Ed25519.
    /// - Throws: ``SigningError/Code/unsupportedAlgorithm`` for another type or curve, ``SigningError/Code/invalidKey``
    ///   when `alg` names another algorithm or `use` is not `sig`.
    public func signatureAlgorithm() throws(SigningError) -> SignatureAlgorithm {
        let algorithm: SignatureAlgorithm
        switch (kty, crv) {
        case ("EC", "P-256"): algorithm = .es256
        case ("EC", "P-384"): algorithm = .es384
        case ("OKP", "Ed25519"): algorithm = .edDSA
        default: throw SigningError(.unsupportedAlgorithm, "JWK \(kty)/\(crv) is not P-256, P-384 or Ed25519")
        }
        if let alg {
            // RFC 9864 registers "Ed25519" as the fully specified name for EdDSA over Ed25519.
            let accepted = algorithm == .edDSA ? ["EdDSA", "Ed25519"] : [algorithm.rawValue]
            guard accepted.contains(alg) else {
                throw SigningError(.invalidKey, "JWK alg \"\(alg)\" does not match its \(crv) key")
            }
        }
        if let use, use != "sig" {
            throw SigningError(.invalidKey, "JWK use \"\(use)\" is not \"sig\"")
        }
        return algorithm
    }

    /// A description that never includes the private part.
    public var description: String {
        let optional = [("y", y), ("kid", kid), ("alg", alg), ("use", use)].compactMap { name, value in
            value.map { "\(name): \($0)" }
        }
        let privateMarker = d == nil ? [] : ["d: <redacted>"]
        return "JWK(" + (["kty: \(kty)", "crv: \(crv)", "x: \(x)"] + optional + privateMarker).joined(separator: ", ") + ")"
    }

    /// Same as ``description``: the private part stays out of logs and test output.
    public var debugDescription: String { description }

    static func decodeMember(_ value: String, named name: String, length: Int) throws(SigningError) -> Data {
        let bytes: Data
        do {
            bytes = try Base64URL.decode(value)
        } catch {
            throw SigningError(.invalidKey, "JWK member \(name) is not base64url: \(error.reason)")
        }
        guard bytes.count == length else {
            throw SigningError(.invalidKey, "JWK member \(name) must be \(length) bytes, not \(bytes.count)")
        }
        return bytes
    }
}

extension VerificationKey {
    /// Imports a public key from a JWK, validating it strictly. A private part `d`, if present, is ignored.
    /// - Parameter jwk: An EC P-256/P-384 or OKP Ed25519 key.
    /// - Throws: ``SigningError/Code/unsupportedAlgorithm`` for other key types; ``SigningError/Code/invalidKey`` for
    ///   wrong member lengths, bad base64url, a point not on the curve, or `alg`/`use` that contradict the key.
    public init(jwk: JWK) throws(SigningError) {
        let algorithm = try jwk.signatureAlgorithm()
        let length = algorithm.coordinateLength
        let x = try JWK.decodeMember(jwk.x, named: "x", length: length)
        switch algorithm {
        case .es256, .es384:
            guard let yText = jwk.y else { throw SigningError(.invalidKey, "EC JWK has no y member") }
            let y = try JWK.decodeMember(yText, named: "y", length: length)
            try self.init(algorithm: algorithm, x: x, y: y)
        case .edDSA:
            guard jwk.y == nil else { throw SigningError(.invalidKey, "OKP JWK must not have a y member") }
            try self.init(algorithm: algorithm, x: x, y: nil)
        }
    }

    /// The public JWK with `kid` set to the RFC 7638 thumbprint and `alg` to the key's algorithm.
    public var jwk: JWK { jwk(keyID: thumbprint) }

    /// The public JWK with a chosen key identifier.
    /// - Parameter keyID: The `kid` to set, or `nil` for none.
    /// - Returns: The public JWK (`kty`, `crv`, `x`, `y` for EC, `kid`, `alg`).
    public func jwk(keyID: String?) -> JWK {
        let (x, y) = coordinates
        switch algorithm {
        case .es256:
            return JWK(kty: "EC", crv: "P-256", x: Base64URL.encode(x), y: y.map(Base64URL.encode), kid: keyID, alg: "ES256")
        case .es384:
            return JWK(kty: "EC", crv: "P-384", x: Base64URL.encode(x), y: y.map(Base64URL.encode), kid: keyID, alg: "ES384")
        case .edDSA:
            return JWK(kty: "OKP", crv: "Ed25519", x: Base64URL.encode(x), kid: keyID, alg: "EdDSA")
        }
    }

    /// The RFC 7638 JWK thumbprint of this key, Standing's default `kid`.
    public var thumbprint: String {
        let (x, y) = coordinates
        var members: [String: JSONValue] = ["x": .string(Base64URL.encode(x))]
        switch algorithm {
        case .es256: members.merge(["kty": "EC", "crv": "P-256"]) { _, new in new }
        case .es384: members.merge(["kty": "EC", "crv": "P-384"]) { _, new in new }
        case .edDSA: members.merge(["kty": "OKP", "crv": "Ed25519"]) { _, new in new }
        }
        if let y { members["y"] = .string(Base64URL.encode(y)) }
        // Strings only, so canonicalisation cannot fail; fall back to non-canonical bytes to stay total.
        let canonical = (try? JSONValue.object(members).canonicalData()) ?? Data()
        return Base64URL.encode(Data(SHA256.hash(data: canonical)))
    }
}

extension SigningKey {
    /// Imports a private key from a JWK, validating it strictly, including that `d` matches `x` (and `y`).
    /// - Parameter jwk: An EC P-256/P-384 or OKP Ed25519 key with `d`.
    /// - Throws: ``SigningError/Code/invalidKey`` when `d` is missing or does not belong to the public part, or for
    ///   any problem ``VerificationKey/init(jwk:)`` reports; ``SigningError/Code/unsupportedAlgorithm`` for other
    ///   key types.
    public init(jwk: JWK) throws(SigningError) {
        let publicKey = try VerificationKey(jwk: jwk)
        guard let dText = jwk.d else { throw SigningError(.invalidKey, "JWK has no private member d") }
        let d = try JWK.decodeMember(dText, named: "d", length: publicKey.algorithm.coordinateLength)
        try self.init(algorithm: publicKey.algorithm, privateKeyBytes: d)
        guard verificationKey == publicKey else {
            throw SigningError(.invalidKey, "JWK private member d does not belong to its public key")
        }
    }

    /// The private JWK (with `d`), `kid` set to the RFC 7638 thumbprint of the public key. Keep it secret.
    /// - Throws: ``SigningError/Code/invalidKey`` for an external key (``isExternal``), which cannot be exported.
    public var jwk: JWK {
        get throws(SigningError) { try jwk(keyID: verificationKey.thumbprint) }
    }

    /// The private JWK (with `d`) with a chosen key identifier. Keep it secret.
    /// - Parameter keyID: The `kid` to set, or `nil` for none.
    /// - Returns: The public members plus `d`.
    /// - Throws: ``SigningError/Code/invalidKey`` for an external key (``isExternal``), which cannot be exported.
    public func jwk(keyID: String?) throws(SigningError) -> JWK {
        var jwk = verificationKey.jwk(keyID: keyID)
        jwk.d = Base64URL.encode(try privateKeyBytes)
        return jwk
    }
}

/// A JWK Set (RFC 7517 §5) of public keys.
///
/// Never holds private parts: initialisers and decoding strip `d`. Decoding skips keys whose shape Standing does not
/// understand (RSA, symmetric...) so one foreign key does not make a whole published set unreadable.
public struct JWKSet: Codable, Sendable, Hashable {
    /// The public keys.
    public let keys: [JWK]

    /// Creates a set from JWKs, dropping any private part.
    /// - Parameter keys: The keys.
    public init(keys: [JWK]) {
        self.keys = keys.map(\.publicKey)
    }

    /// Creates a set from public keys, each with `kid` set to its thumbprint.
    /// - Parameter verificationKeys: The keys.
    public init(verificationKeys: [VerificationKey]) {
        self.keys = verificationKeys.map(\.jwk)
    }

    /// The first key with a `kid` equal to `keyID`.
    /// - Parameter keyID: The key identifier.
    /// - Returns: The key, or `nil`.
    public func key(withID keyID: String) -> JWK? {
        keys.first { $0.kid == keyID }
    }

    /// The verification key for `kid`.
    /// - Parameter keyID: The key identifier.
    /// - Returns: The validated public key.
    /// - Throws: ``SigningError/Code/unknownKey`` when no key has that `kid`; any error of
    ///   ``VerificationKey/init(jwk:)``.
    public func verificationKey(withID keyID: String) throws(SigningError) -> VerificationKey {
        guard let jwk = key(withID: keyID) else { throw SigningError(.unknownKey, "no key with kid \"\(keyID)\" in the set") }
        return try VerificationKey(jwk: jwk)
    }

    private enum CodingKeys: String, CodingKey {
        case keys
    }

    private struct LenientJWK: Decodable {
        let jwk: JWK?
        init(from decoder: any Decoder) throws {
            jwk = try? JWK(from: decoder)
        }
    }

    /// Decodes `{"keys": [...]}`, skipping keys without the EC/OKP shape and dropping private parts.
    /// - Parameter decoder: The decoder.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let lenient = try container.decode([LenientJWK].self, forKey: .keys)
        self.keys = lenient.compactMap { $0.jwk?.publicKey }
    }

    /// Encodes `{"keys": [...]}` without private parts.
    /// - Parameter encoder: The encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(keys.map(\.publicKey), forKey: .keys)
    }
}
