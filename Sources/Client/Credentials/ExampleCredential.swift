import Foundation
import Signing

/// A small W3C credential (VCDM 2.0) with a status entry, signed with the issuer's key: what
/// `standing credentials issue` gives a newcomer to verify, revoke and verify again, and a reference for issuers
/// wiring Standing's allocation into their own issuance.
public struct ExampleCredential: Sendable {
    /// How the credential is secured.
    public enum Securing: String, Sendable, CaseIterable {
        /// VC-JOSE-COSE: a compact JWS with `typ: vc+jwt` whose payload is the credential (the default: one line,
        /// every JOSE library reads it).
        case vcJWT = "vc+jwt"
        /// An embedded Data Integrity proof: `ecdsa-jcs-2019` for an ES256 key, `eddsa-jcs-2022` for Ed25519.
        case dataIntegrity = "data-integrity"
    }

    /// The issuer's DID.
    public var issuer: String
    /// The holder's DID.
    public var subject: String
    /// The credential types besides `VerifiableCredential`.
    public var types: [String]
    /// The name of what was achieved.
    public var achievement: String
    /// The EQF level (1-8) the credential attests, if any: read by the accreditation check.
    public var eqfLevel: Int?
    /// The jurisdiction (ISO 3166-1 alpha-3, e.g. `ESP`), if any: read by the accreditation check.
    public var jurisdiction: String?
    /// The start of validity, also the issuance instant the accreditation must hold at.
    public var validFrom: Date
    /// The W3C `credentialStatus` entry the service allocated.
    public var credentialStatus: JSONValue

    /// Creates a credential description.
    public init(
        issuer: String, subject: String, types: [String], achievement: String, eqfLevel: Int?, jurisdiction: String?, validFrom: Date,
        credentialStatus: JSONValue
    ) {
        self.issuer = issuer
        self.subject = subject
        self.types = types
        self.achievement = achievement
        self.eqfLevel = eqfLevel
        self.jurisdiction = jurisdiction
        self.validFrom = validFrom
        self.credentialStatus = credentialStatus
    }

    /// The credential JSON, unsigned.
    public var document: JSONValue {
        var achievement: [String: JSONValue] = ["type": "Achievement", "name": .string(self.achievement)]
        if let eqfLevel { achievement["eqfLevel"] = .string("http://data.europa.eu/snb/eqf/\(eqfLevel)") }
        var subject: [String: JSONValue] = ["id": .string(self.subject), "achievement": .object(achievement)]
        if let jurisdiction {
            subject["jurisdiction"] = .string("http://publications.europa.eu/resource/authority/country/\(jurisdiction)")
        }
        return .object([
            "@context": .array(["https://www.w3.org/ns/credentials/v2"]),
            "type": .array([.string("VerifiableCredential")] + types.filter { $0 != "VerifiableCredential" }.map { .string($0) }),
            "issuer": .string(issuer),
            "validFrom": .string(DataIntegrity.timestamp(validFrom)),
            "credentialSubject": .object(subject),
            "credentialStatus": credentialStatus,
        ])
    }

    /// Signs the credential as `securing` with the issuer's key, named `issuer#keyID` (the verification method a
    /// verifier resolves in the issuer's DID document, or matches by `kid` against a trusted key).
    /// - Parameters:
    ///   - key: The issuer's private key.
    ///   - keyID: The key's id (the JWK `kid`).
    ///   - securing: vc+jwt or Data Integrity.
    /// - Returns: The text of the secured credential: the compact JWS, or the JSON document with its proof.
    /// - Throws: ``SigningError`` when signing fails.
    public func signed(with key: SigningKey, keyID: String, as securing: Securing) throws(SigningError) -> String {
        let verificationMethod = issuer + "#" + keyID
        switch securing {
        case .vcJWT:
            return try VerifiableCredentialJWT.sign(credential: document, key: key, keyID: verificationMethod) + "\n"
        case .dataIntegrity:
            let secured = try DataIntegrity.sign(document: document, key: key, verificationMethod: verificationMethod, created: validFrom)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            guard let data = try? encoder.encode(secured) else { throw SigningError(.malformed, "the credential cannot be encoded") }
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }
}
