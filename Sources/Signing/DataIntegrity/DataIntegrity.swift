import Crypto
import Foundation

/// W3C Data Integrity proofs with the JCS cryptosuites: `eddsa-jcs-2022` (vc-di-eddsa) and `ecdsa-jcs-2019`
/// (vc-di-ecdsa, P-256 and P-384).
///
/// Both suites hash the same way: `hashData = H(JCS(proofConfig)) || H(JCS(unsecuredDocument))`, where `H` is
/// SHA-256, or SHA-384 for P-384 keys, and `proofConfig` is the proof without `proofValue`, carrying the document's
/// `@context` when the document has one. Ed25519 signs `hashData` itself; ECDSA signs it with the curve's usual
/// digest, exactly as `SigningKey.sign` does (the W3C test vectors confirm both). `proofValue` is
/// multibase base58btc.
public enum DataIntegrity {
    /// The proof type of every Data Integrity proof.
    public static let proofType = "DataIntegrityProof"
    /// The usual proof purpose for credentials and status lists.
    public static let assertionMethod = "assertionMethod"

    /// The JCS cryptosuites Standing implements.
    public enum Cryptosuite: String, Sendable, Hashable, CaseIterable {
        /// Ed25519 over JCS (vc-di-eddsa §3.3).
        case eddsaJCS2022 = "eddsa-jcs-2022"
        /// ECDSA P-256/P-384 over JCS (vc-di-ecdsa §3.3).
        case ecdsaJCS2019 = "ecdsa-jcs-2019"

        /// The cryptosuite for a key: `eddsa-jcs-2022` for Ed25519, `ecdsa-jcs-2019` for P-256 and P-384.
        /// - Parameter algorithm: The key's algorithm.
        public init(for algorithm: SignatureAlgorithm) {
            self = algorithm == .edDSA ? .eddsaJCS2022 : .ecdsaJCS2019
        }

        /// Whether a key of `algorithm` may sign or verify with this suite.
        /// - Parameter algorithm: The key's algorithm.
        /// - Returns: `true` for Ed25519 with `eddsa-jcs-2022` and for P-256/P-384 with `ecdsa-jcs-2019`.
        public func supports(_ algorithm: SignatureAlgorithm) -> Bool {
            switch self {
            case .eddsaJCS2022: algorithm == .edDSA
            case .ecdsaJCS2019: algorithm == .es256 || algorithm == .es384
            }
        }
    }

    /// What a successful verification established.
    public struct VerifiedProof: Sendable, Hashable {
        /// The proof's verification method id.
        public let verificationMethod: String
        /// The key the resolver returned for it, which checked the signature.
        public let key: VerificationKey
        /// The proof's cryptosuite.
        public let cryptosuite: Cryptosuite
        /// The proof's purpose (equal to the expected one).
        public let proofPurpose: String
        /// The proof's `created`, if present.
        public let created: Date?
        /// The proof's `expires`, if present.
        public let expires: Date?
        /// The proof object as it appeared in the document.
        public let proof: JSONValue
        /// The document without its proof.
        public let unsecuredDocument: JSONValue
    }

    /// Adds a Data Integrity proof to a document.
    /// - Parameters:
    ///   - document: A JSON object without a `proof` member.
    ///   - key: The signing key; Ed25519 selects `eddsa-jcs-2022`, P-256/P-384 `ecdsa-jcs-2019`.
    ///   - verificationMethod: The DID URL of the key, e.g. `did:web:example.com#kid`.
    ///   - created: The proof's creation time, written to the second (`2024-01-02T03:04:05Z`).
    ///   - expires: An optional expiry time for the proof.
    ///   - proofPurpose: The proof purpose, normally `assertionMethod`.
    /// - Returns: The document with the `proof` member added.
    /// - Throws: ``SigningError/Code/malformed`` when `document` is not an object or already has a proof;
    ///   ``SigningError/Code/signingFailed`` if the primitive fails.
    public static func sign(
        document: JSONValue,
        key: SigningKey,
        verificationMethod: String,
        created: Date,
        expires: Date? = nil,
        proofPurpose: String = assertionMethod
    ) throws(SigningError) -> JSONValue {
        guard var members = document.objectValue else {
            throw SigningError(.malformed, "a Data Integrity document must be a JSON object")
        }
        guard members["proof"] == nil else {
            throw SigningError(.malformed, "document already has a proof; proof sets and chains are not supported")
        }
        let cryptosuite = Cryptosuite(for: key.algorithm)
        var proof: [String: JSONValue] = [
            "type": .string(proofType),
            "cryptosuite": .string(cryptosuite.rawValue),
            "created": .string(timestamp(created)),
            "verificationMethod": .string(verificationMethod),
            "proofPurpose": .string(proofPurpose),
        ]
        if let expires { proof["expires"] = .string(timestamp(expires)) }
        let hashData = try hashData(document: members, proofOptions: proof, algorithm: key.algorithm)
        let signature = try key.sign(hashData)
        proof["proofValue"] = .string(Multibase.encodeBase58BTC(signature))
        if let context = members["@context"] { proof["@context"] = context }
        members["proof"] = .object(proof)
        return .object(members)
    }

    /// Verifies the Data Integrity proof of a document.
    ///
    /// Checks, in order: the proof's shape, `type` `DataIntegrityProof`, a supported `cryptosuite`, `proofPurpose`,
    /// `created` (not after `at`, allowing `clockSkew`) and `expires` (not before `at`), the proof's `@context` being
    /// a prefix of the document's, the key the resolver returns matching the suite, and finally the signature.
    /// - Parameters:
    ///   - document: The secured document, a JSON object with one `proof` object.
    ///   - expectedPurpose: The purpose the caller relies on, normally `assertionMethod`.
    ///   - at: The time to check `created` and `expires` against.
    ///   - clockSkew: How far in the future `created` may lie, for clocks that disagree.
    ///   - resolveKey: Maps the proof's verification method id to a trusted key, e.g.
    ///     ``DIDKey/resolveVerificationMethod(_:)`` or a DID document lookup. A non-``SigningError`` it throws is
    ///     reported as ``SigningError/Code/unknownKey``.
    /// - Returns: What was verified.
    /// - Throws: ``SigningError`` with ``SigningError/Code/malformed`` for a missing or misshapen proof or proof sets,
    ///   ``SigningError/Code/unsupportedAlgorithm`` for another type or cryptosuite or a key the suite cannot use,
    ///   ``SigningError/Code/invalidClaims`` for another purpose, a context mismatch or a future `created`,
    ///   ``SigningError/Code/expired`` past `expires`, ``SigningError/Code/unknownKey`` from the resolver and
    ///   ``SigningError/Code/badSignature`` when the signature does not verify.
    public static func verify(
        document: JSONValue,
        expectedPurpose: String = assertionMethod,
        at: Date = Date(),
        clockSkew: TimeInterval = 300,
        resolveKey: (String) throws -> VerificationKey
    ) throws(SigningError) -> VerifiedProof {
        guard var unsecured = document.objectValue else {
            throw SigningError(.malformed, "a Data Integrity document must be a JSON object")
        }
        guard let proofValue = unsecured.removeValue(forKey: "proof") else {
            throw SigningError(.malformed, "document has no proof")
        }
        guard var proofOptions = proofValue.objectValue else {
            throw SigningError(.malformed, "proof must be a single object; proof sets are not supported")
        }
        guard let encodedSignature = proofOptions.removeValue(forKey: "proofValue")?.stringValue else {
            throw SigningError(.malformed, "proof has no string proofValue")
        }
        guard proofOptions["type"]?.stringValue == proofType else {
            throw SigningError(.unsupportedAlgorithm, "proof type is not \(proofType)")
        }
        guard let suiteName = proofOptions["cryptosuite"]?.stringValue, let cryptosuite = Cryptosuite(rawValue: suiteName)
        else {
            throw SigningError(.unsupportedAlgorithm, "proof cryptosuite is not one of eddsa-jcs-2022, ecdsa-jcs-2019")
        }
        guard let purpose = proofOptions["proofPurpose"]?.stringValue else {
            throw SigningError(.malformed, "proof has no proofPurpose")
        }
        guard purpose == expectedPurpose else {
            throw SigningError(.invalidClaims, "proof purpose is \(purpose), expected \(expectedPurpose)")
        }
        guard let verificationMethod = proofOptions["verificationMethod"]?.stringValue else {
            throw SigningError(.malformed, "proof has no verificationMethod")
        }
        let created = try optionalTimestamp(proofOptions["created"], named: "created")
        let expires = try optionalTimestamp(proofOptions["expires"], named: "expires")
        if let created, created > at.addingTimeInterval(clockSkew) {
            throw SigningError(.invalidClaims, "proof was created in the future (\(timestamp(created)))")
        }
        if let expires, expires <= at {
            throw SigningError(.expired, "proof expired at \(timestamp(expires))")
        }
        if let proofContext = proofOptions["@context"] {
            try requireContextPrefix(proofContext, of: unsecured["@context"])
            // vc-di-eddsa/ecdsa §3.3.2 step 4: the document is hashed with the context the proof was made under.
            unsecured["@context"] = proofContext
        }

        let key: VerificationKey
        do {
            key = try resolveKey(verificationMethod)
        } catch let error as SigningError {
            throw error
        } catch {
            throw SigningError(.unknownKey, "verification method \(verificationMethod) did not resolve: \(error)")
        }
        guard cryptosuite.supports(key.algorithm) else {
            throw SigningError(.unsupportedAlgorithm, "\(cryptosuite.rawValue) cannot use a \(key.algorithm.rawValue) key")
        }
        let signature: Data
        do {
            signature = try Multibase.decodeBase58BTC(encodedSignature)
        } catch {
            throw SigningError(.malformed, "proofValue is not multibase base58btc: \(error.reason)")
        }
        let hashData = try hashData(document: unsecured, proofOptions: proofOptions, algorithm: key.algorithm)
        guard signature.count == key.algorithm.signatureLength, key.isValidSignature(signature, for: hashData) else {
            throw SigningError(.badSignature, "Data Integrity proof does not verify with \(verificationMethod)")
        }
        unsecured["@context"] = document["@context"]
        return VerifiedProof(
            verificationMethod: verificationMethod,
            key: key,
            cryptosuite: cryptosuite,
            proofPurpose: purpose,
            created: created,
            expires: expires,
            proof: proofValue,
            unsecuredDocument: .object(unsecured)
        )
    }

    /// `H(JCS(proofConfig)) || H(JCS(document))` with `proofConfig` = proof options plus the document's `@context`.
    static func hashData(
        document: [String: JSONValue],
        proofOptions: [String: JSONValue],
        algorithm: SignatureAlgorithm
    ) throws(SigningError) -> Data {
        var proofConfig = proofOptions
        proofConfig.removeValue(forKey: "proofValue")
        proofConfig["@context"] = document["@context"]
        let canonicalConfig = try JSONValue.object(proofConfig).canonicalData()
        let canonicalDocument = try JSONValue.object(document).canonicalData()
        switch algorithm {
        case .es384:
            return Data(SHA384.hash(data: canonicalConfig)) + Data(SHA384.hash(data: canonicalDocument))
        case .es256, .edDSA:
            return Data(SHA256.hash(data: canonicalConfig)) + Data(SHA256.hash(data: canonicalDocument))
        }
    }

    private static func requireContextPrefix(_ proofContext: JSONValue, of documentContext: JSONValue?) throws(SigningError) {
        let proofEntries = proofContext.arrayValue ?? [proofContext]
        let documentEntries = documentContext.map { $0.arrayValue ?? [$0] } ?? []
        guard documentEntries.starts(with: proofEntries) else {
            throw SigningError(.invalidClaims, "the proof's @context is not a prefix of the document's @context")
        }
    }

    private static func optionalTimestamp(_ value: JSONValue?, named name: String) throws(SigningError) -> Date? {
        guard let value else { return nil }
        guard let text = value.stringValue, let date = parseTimestamp(text) else {
            throw SigningError(.malformed, "proof \(name) is not an XML Schema dateTimeStamp")
        }
        return date
    }

    /// Formats a time as an XML Schema `dateTimeStamp` in UTC, to the second: `2024-01-02T03:04:05Z`.
    /// - Parameter date: The time.
    /// - Returns: The timestamp text.
    public static func timestamp(_ date: Date) -> String {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)).formatted(.iso8601)
    }

    /// Parses an XML Schema `dateTimeStamp` (RFC 3339 with a mandatory time zone, optional fractional seconds).
    /// - Parameter text: The timestamp.
    /// - Returns: The time, or `nil` when `text` is not a timestamp.
    public static func parseTimestamp(_ text: String) -> Date? {
        guard text.count <= 64 else { return nil }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
