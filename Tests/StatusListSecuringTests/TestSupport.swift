import Foundation
import Signing
import StatusList
import StatusListSecuring
import Testing

/// The IETF draft's example tokens and key (Vectors/ietf-draft-examples.json, spec status-lists.md §2.3).
struct DraftExamples: Decodable, Sendable {
    /// The example P-256 public key, `kid` "12".
    let exampleKeyPublicJWK: JWK
    /// The example `statuslist+jwt`.
    let jwt: String
    /// The example CWT, hex.
    let cwtHex: String
    /// The lists of the draft; the first is the 16-entry 1-bit list the example tokens carry.
    let lists: [DraftList]

    struct DraftList: Decodable, Sendable {
        let name: String
        let bits: Int
        let lst: String
        let size: Int
        let statuses: [String: Int]
    }

    enum CodingKeys: String, CodingKey {
        case exampleKeyPublicJWK = "example_key_public_jwk"
        case jwt
        case cwtHex = "cwt_hex"
        case lists
    }

    /// The private scalar of the example key, from status-lists.md §2.3 (oauth-wg/draft-ietf-oauth-status-list:src/util.py).
    static let examplePrivateD = "xzUEdsyLosZF0acZGRAjTKImb0lQvAvssDK5XIZELd0"
    /// The example tokens' `sub`.
    static let uri = "https://example.com/statuslists/1"
    /// The example tokens' `iss`.
    static let issuer = "https://example.com"
    static let issuedAt: Int64 = 1_686_920_170
    static let expiresAt: Int64 = 2_291_720_170
    static let ttl = 43_200
    /// A time inside the tokens' validity window.
    static let validTime = Date(timeIntervalSince1970: 1_700_000_000)
    /// The statuses of the example tokens' list, in index order (draft §4.1).
    static let statuses: [UInt8] = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]

    static let shared: DraftExamples = {
        do {
            return try JSONDecoder().decode(DraftExamples.self, from: Data(contentsOf: vectorURL("ietf-draft-examples.json")))
        } catch {
            fatalError("cannot load Vectors/ietf-draft-examples.json: \(error)")
        }
    }()

    var cwt: Data { Data(hex: cwtHex) }

    /// The example public key.
    var verificationKey: VerificationKey {
        get throws { try VerificationKey(jwk: exampleKeyPublicJWK) }
    }

    /// The example private key (public part from the vector, `d` from the spec).
    var signingKey: SigningKey {
        get throws {
            var jwk = exampleKeyPublicJWK
            jwk.d = Self.examplePrivateD
            return try SigningKey(jwk: jwk)
        }
    }

    /// Trusts the example key under `kid` (default "12", the tokens' `kid`).
    func trustedKeys(keyID: String = "12") throws -> TrustedKeys {
        var keys = TrustedKeys()
        keys.add(try verificationKey, keyID: keyID)
        return keys
    }
}

/// The URL of a file in the target's Vectors folder.
func vectorURL(_ name: String) -> URL {
    if let url = Bundle.module.url(forResource: "Vectors/\(name)", withExtension: nil) { return url }
    guard let base = Bundle.module.resourceURL else { fatalError("test bundle has no resources") }
    return base.appendingPathComponent("Vectors/\(name)")
}

extension Data {
    /// Decodes lowercase or uppercase hex; test fixtures only.
    init(hex: String) {
        var bytes = [UInt8]()
        var iterator = hex.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let byte = UInt8(String([high, low]), radix: 16) else { fatalError("bad hex fixture") }
            bytes.append(byte)
        }
        self.init(bytes)
    }

    var hex: String { map { String(format: "%02x", $0) }.joined() }
}

/// Runs `body`, expecting a ``StatusVerificationError`` of `kind`; returns it for further checks.
@discardableResult
func expectVerificationError(
    _ kind: StatusValidationErrorKind,
    _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> StatusVerificationError? {
    do {
        try body()
        Issue.record("expected \(kind.rawValue), but nothing was thrown. \(comment?.rawValue ?? "")", sourceLocation: sourceLocation)
        return nil
    } catch let error as StatusVerificationError {
        #expect(error.kind == kind, "expected \(kind.rawValue), got \(error). \(comment?.rawValue ?? "")", sourceLocation: sourceLocation)
        #expect(!error.detail.isEmpty, "the error has no detail", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected StatusVerificationError \(kind.rawValue), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Base64url without padding (test-side helper, independent of the code under test).
func base64URL(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

func base64URLDecode(_ text: some StringProtocol) -> Data? {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    return Data(base64Encoded: base64)
}

/// Replaces the payload of a compact JWS, keeping header and signature.
func replacingPayload(of compact: String, with payload: Data) -> String {
    let parts = compact.split(separator: ".", omittingEmptySubsequences: false)
    return "\(parts[0]).\(base64URL(payload)).\(parts[2])"
}

/// The decoded payload of a compact JWS.
func payload(of compact: String) -> Data {
    let parts = compact.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3, let data = base64URLDecode(parts[1]) else { fatalError("not a compact JWS fixture") }
    return data
}

extension JSONValue {
    /// A copy with the member at `path` replaced (or removed when `value` is nil); objects only.
    func setting(_ path: [String], to value: JSONValue?) -> JSONValue {
        guard let key = path.first, var members = objectValue else { return self }
        if path.count == 1 {
            members[key] = value
        } else {
            members[key] = (members[key] ?? .object([:])).setting(Array(path.dropFirst()), to: value)
        }
        return .object(members)
    }
}

/// A deterministic generator (SplitMix64) so the lists' set bits are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// Our own issuer: a did:web, its keys, and statements to sign.
enum Fixture {
    static let did = "did:web:status.example"
    static let url = "https://status.example/status/abc"
    static let keyID = "key-1"
    static let verificationMethod = "\(did)#\(keyID)"
    /// Whole seconds, so every representation (XML dateTime, NumericDate) carries them exactly.
    static let issuedAt = Date(timeIntervalSince1970: 1_750_000_000)
    static let validUntil = Date(timeIntervalSince1970: 1_750_086_400)
    static let verifyTime = Date(timeIntervalSince1970: 1_750_003_600)
    static let ttlSeconds = 3_600

    /// One key per algorithm for the whole run (key generation is cheap, but stable keys ease debugging).
    static let keys: [SignatureAlgorithm: SigningKey] = [
        .es256: SigningKey.generate(.es256), .edDSA: SigningKey.generate(.edDSA), .es384: SigningKey.generate(.es384),
    ]

    static func signer(_ algorithm: SignatureAlgorithm, keyID: String = keyID) -> StatusListSigningKey {
        let key = keys[algorithm] ?? SigningKey.generate(algorithm)
        return StatusListSigningKey(key: key, keyID: keyID, verificationMethod: "\(did)#\(keyID)")
    }

    /// Trust in `signer`'s public key through a JWK Set.
    static func jwksTrust(_ signer: StatusListSigningKey) throws -> TrustedKeys {
        try TrustedKeys(jwks: JWKSet(keys: [signer.key.verificationKey.jwk(keyID: signer.keyID)]))
    }

    /// Trust in `signer`'s public key through the issuer's DID document.
    static func didTrust(_ signer: StatusListSigningKey) throws -> TrustedKeys {
        try TrustedKeys(didDocument: DIDDocument(id: did, keys: [signer.key.verificationKey.jwk(keyID: signer.keyID)]))
    }

    /// Set indices of the 1-bit list (deterministic, spread over the list, including both ends).
    static let revokedIndices: [Int] = {
        var generator = SeededGenerator(seed: 0x5EED)
        var indices = Set([0, 7, 8, 131_071])
        while indices.count < 200 { indices.insert(Int.random(in: 0..<131_072, using: &generator)) }
        return indices.sorted()
    }()

    /// A 131,072-entry 1-bit list with ``revokedIndices`` set.
    static let oneBitList: Bitstring = {
        do {
            var list = try Bitstring(count: 131_072, entrySize: .one)
            for index in revokedIndices { try list.set(1, at: index) }
            return list
        } catch {
            fatalError("fixture list: \(error)")
        }
    }()

    /// A 131,072-entry 2-bit list whose entry i (i < 4096) is i % 4, then zeros except the last entry (3).
    static let twoBitList: Bitstring = {
        do {
            var list = try Bitstring(count: 131_072, entrySize: .two)
            for index in 0..<4_096 { try list.set(UInt8(index % 4), at: index) }
            try list.set(3, at: 131_071)
            return list
        } catch {
            fatalError("fixture list: \(error)")
        }
    }()

    static func statement(
        _ bitstring: Bitstring = oneBitList,
        purposes: [StatusPurpose] = [.revocation],
        issuedAt: Date = issuedAt,
        validUntil: Date = validUntil,
        ttlSeconds: Int = ttlSeconds
    ) -> StatusListStatement {
        StatusListStatement(
            url: url,
            issuer: did,
            bitstring: bitstring,
            purposes: purposes,
            issuedAt: issuedAt,
            validUntil: validUntil,
            ttlSeconds: ttlSeconds
        )
    }

    /// The statement in one securing form, as the bytes a server would return.
    static func secured(_ statement: StatusListStatement, as format: VerifiedStatusList.Format, signer: StatusListSigningKey) throws -> Data {
        switch format {
        case .w3cDataIntegrity:
            let credential = try StatusListSigner.w3cCredential(statement, level: 6)
            return try StatusListSigner.dataIntegrityCredential(credential, signer: signer, created: statement.issuedAt)
        case .w3cJWT:
            let credential = try StatusListSigner.w3cCredential(statement, level: 6)
            return Data(try StatusListSigner.credentialJWT(credential, signer: signer).utf8)
        case .ietfJWT:
            return Data(try StatusListSigner.statusListJWT(statement, signer: signer, level: 9).utf8)
        case .ietfCWT:
            return try StatusListSigner.statusListCWT(statement, signer: signer, level: 9)
        }
    }

    /// A W3C entry of `purpose` pointing at ``url``.
    static func entry(
        _ index: Int,
        purpose: StatusPurpose = .revocation,
        statusSize: Int? = nil,
        messages: [StatusMessage]? = nil
    ) throws -> BitstringStatusListEntry {
        try BitstringStatusListEntry(
            statusPurpose: purpose,
            statusListIndex: index,
            statusListCredential: url,
            statusSize: statusSize,
            statusMessage: messages
        )
    }

    /// The four messages of a 2-bit `message` entry.
    static let messages: [StatusMessage] = {
        do {
            return try [
                StatusMessage(value: 0, message: "pending_review"),
                StatusMessage(value: 1, message: "accepted"),
                StatusMessage(value: 2, message: "rejected"),
                StatusMessage(value: 3, message: "undefined"),
            ]
        } catch {
            fatalError("fixture messages: \(error)")
        }
    }()
}

extension VerifiedStatusList.Format: CustomTestStringConvertible {
    public var testDescription: String {
        switch self {
        case .w3cDataIntegrity: "W3C Data Integrity"
        case .w3cJWT: "W3C vc+jwt"
        case .ietfJWT: "IETF statuslist+jwt"
        case .ietfCWT: "IETF statuslist+cwt"
        }
    }
}
