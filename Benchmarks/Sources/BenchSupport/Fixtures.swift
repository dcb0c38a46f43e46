import Foundation
import Signing
import StatusList
import StatusListSecuring

/// SplitMix64: a tiny seeded generator, so every run benchmarks the same lists.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates the generator from a seed.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The list sizes the issue asks for: the W3C minimum (16 KiB) and a 1M-entry list (128 KiB).
public let benchmarkSizes = [131_072, 1_048_576]

/// The compression levels whose size/time trade-off is recorded.
public let benchmarkLevels = [1, 6, 9]

/// The seed of every random list (fixed so runs are comparable).
public let benchmarkSeed: UInt64 = 0x5EED_0001

/// A 1-bit list of `entries` entries with exactly `entries / 100` randomly chosen entries set (1 %, seeded).
public struct ListFixture: Sendable {
    /// The number of entries.
    public let entries: Int
    /// How many entries are set.
    public let setCount: Int
    /// The list.
    public let bitstring: Bitstring
    /// The W3C (MSB-first) bytes, as gzip compresses them.
    public let msbFirstBytes: [UInt8]
    /// The IETF (LSB-first) bytes, as zlib compresses them.
    public let lsbFirstBytes: [UInt8]

    /// Builds the list.
    /// - Parameters:
    ///   - entries: The list size.
    ///   - seed: The random seed.
    /// - Throws: ``StatusListError`` for a size the library rejects.
    public init(entries: Int, seed: UInt64 = benchmarkSeed) throws {
        var generator = SplitMix64(seed: seed ^ UInt64(entries))
        var list = try Bitstring(count: entries, entrySize: .one)
        let target = entries / 100
        var chosen = Set<Int>(minimumCapacity: target)
        while chosen.count < target {
            let index = Int.random(in: 0..<entries, using: &generator)
            if chosen.insert(index).inserted { try list.set(1, at: index) }
        }
        self.entries = entries
        self.setCount = target
        self.bitstring = list
        self.msbFirstBytes = list.msbFirstBytes
        self.lsbFirstBytes = list.lsbFirstBytes
    }
}

/// The four signed representations of a status list.
public enum SecuredFormat: String, CaseIterable, Sendable, Codable {
    /// W3C credential with a Data Integrity proof (`eddsa-jcs-2022` / `ecdsa-jcs-2019`).
    case w3cDataIntegrity = "w3c-di"
    /// W3C credential as `vc+jwt`.
    case w3cJWT = "w3c-jwt"
    /// IETF Status List Token, JWT.
    case ietfJWT = "ietf-jwt"
    /// IETF Status List Token, CWT.
    case ietfCWT = "ietf-cwt"

    /// The family's compression container.
    public var container: ZlibBaseline.Container { isW3C ? .gzip : .zlib }

    /// W3C (gzip, MSB-first) or IETF (zlib, LSB-first).
    public var isW3C: Bool { self == .w3cDataIntegrity || self == .w3cJWT }

    /// The level Standing publishes this family at by default.
    public var defaultLevel: Int { isW3C ? Bitstring.defaultW3CCompressionLevel : Bitstring.defaultIETFCompressionLevel }
}

/// A signing identity plus the trust anchors that verify it.
public struct SignerFixture: Sendable {
    /// The algorithm name used in figure names (`ES256`, `EdDSA`).
    public let name: String
    /// The signing identity.
    public let signer: StatusListSigningKey
    /// The verifier's trusted keys (by `kid` and by verification method).
    public let trustedKeys: TrustedKeys

    /// Generates a fresh key.
    public init(_ algorithm: SignatureAlgorithm) {
        let key = SigningKey.generate(algorithm)
        let keyID = "key-\(algorithm.rawValue.lowercased())"
        let method = "\(Statements.issuer)#\(keyID)"
        signer = StatusListSigningKey(key: key, keyID: keyID, verificationMethod: method)
        var keys = TrustedKeys()
        keys.add(key.verificationKey, keyID: keyID, verificationMethod: method)
        trustedKeys = keys
        name = algorithm.rawValue
    }
}

/// The statement every benchmark signs, and how each representation is produced and checked.
public enum Statements {
    /// The list URL (`id` / `sub`).
    public static let url = "https://status.example.com/lists/1"
    /// The issuer DID.
    public static let issuer = "did:web:status.example.com"
    /// A fixed issue time, so runs sign identical bytes.
    public static let issuedAt = Date(timeIntervalSince1970: 1_767_225_600)
    /// The time verification is checked at (a minute after issuance).
    public static let verifiedAt = issuedAt.addingTimeInterval(60)

    /// The statement for a list.
    public static func statement(_ list: ListFixture) -> StatusListStatement {
        StatusListStatement(
            url: url,
            issuer: issuer,
            bitstring: list.bitstring,
            purposes: [.revocation],
            issuedAt: issuedAt,
            validUntil: issuedAt.addingTimeInterval(86_400),
            ttlSeconds: 300
        )
    }

    /// Encodes and signs the statement in one representation (the whole publication step).
    /// - Throws: Whatever the signer throws.
    public static func secure(
        _ statement: StatusListStatement,
        as format: SecuredFormat,
        signer: StatusListSigningKey,
        level: Int
    ) throws -> Data {
        switch format {
        case .w3cDataIntegrity:
            let credential = try StatusListSigner.w3cCredential(statement, level: level)
            return try StatusListSigner.dataIntegrityCredential(credential, signer: signer, created: statement.issuedAt)
        case .w3cJWT:
            let credential = try StatusListSigner.w3cCredential(statement, level: level)
            return Data(try StatusListSigner.credentialJWT(credential, signer: signer).utf8)
        case .ietfJWT:
            return Data(try StatusListSigner.statusListJWT(statement, signer: signer, level: level).utf8)
        case .ietfCWT:
            return try StatusListSigner.statusListCWT(statement, signer: signer, level: level)
        }
    }

    /// Verifies a secured list the way a relying party does (signature, claims, decompression, layout).
    /// - Returns: The verified list.
    /// - Throws: ``StatusVerificationError``.
    public static func verify(_ body: Data, as format: SecuredFormat, trustedKeys: TrustedKeys) throws -> VerifiedStatusList {
        switch format {
        case .w3cDataIntegrity:
            return try StatusListVerifier.verifyW3CDataIntegrity(body, trustedKeys: trustedKeys, at: verifiedAt)
        case .w3cJWT:
            return try StatusListVerifier.verifyW3CJWT(String(decoding: body, as: UTF8.self), trustedKeys: trustedKeys, at: verifiedAt)
        case .ietfJWT:
            return try StatusListVerifier.verifyIETFJWT(
                String(decoding: body, as: UTF8.self),
                expectedURI: url,
                trustedKeys: trustedKeys,
                at: verifiedAt
            )
        case .ietfCWT:
            return try StatusListVerifier.verifyIETFCWT(body, expectedURI: url, trustedKeys: trustedKeys, at: verifiedAt)
        }
    }
}

/// Only the `status_list` claim of an IETF JWT payload, for the verification breakdown.
public struct StatusListClaimOnly: Decodable, Sendable {
    /// The claim.
    public let statusList: IETFStatusList

    enum CodingKeys: String, CodingKey {
        case statusList = "status_list"
    }
}

/// A fixed 32-byte key for the index allocator benchmarks.
public let allocatorKey: [UInt8] = (0..<32).map { UInt8($0 &* 7 &+ 3) }
