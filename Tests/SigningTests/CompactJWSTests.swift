import Foundation
import Testing

@testable import Signing

@Suite("Compact JWS and vc+jwt")
struct CompactJWSTests {
    let exampleKey: VerificationKey

    init() throws {
        exampleKey = try VerificationKey(jwk: ietfExampleJWK.publicKey)
    }

    @Test("the IETF draft's Status List Token verifies with the example key")
    func ietfExampleVerifies() throws {
        let jws = try CompactJWS(parsing: ietfExampleStatusListJWT)
        #expect(jws.header.algorithm == "ES256")
        #expect(jws.header.keyID == "12")
        #expect(jws.header.type == "statuslist+jwt")
        #expect(jws.header.certificateChain == nil)
        #expect(String(decoding: jws.header.rawJSON, as: UTF8.self) == #"{"alg":"ES256","kid":"12","typ":"statuslist+jwt"}"#)
        try jws.verify(with: exampleKey, expectedType: "statuslist+jwt")
        try jws.verify(with: exampleKey, expectedType: "application/statuslist+jwt")
        let payload = try jws.payloadJSON()
        #expect(payload["sub"] == "https://example.com/statuslists/1")
        #expect(payload["status_list"]?["lst"] == "eNrbuRgAAhcBXQ")
        #expect(payload["ttl"]?.integerValue == 43200)
    }

    @Test("tampering with any segment of the example fails")
    func ietfExampleTampered() throws {
        let parts = ietfExampleStatusListJWT.split(separator: ".").map(String.init)
        let otherPayload = Base64URL.encode(
            Data(
                #"{"exp":2291720170,"iat":1686920170,"iss":"https://example.com","status_list":{"bits":1,"lst":"eNrbuRgAAhcBXg"},"sub":"https://example.com/statuslists/1","ttl":43200}"#
                    .utf8
            )
        )
        let otherHeader = Base64URL.encode(Data(#"{"alg":"ES256","kid":"13","typ":"statuslist+jwt"}"#.utf8))
        var signature = try Base64URL.decode(parts[2])
        signature[5] ^= 0x01
        for tampered in [
            [parts[0], otherPayload, parts[2]], [otherHeader, parts[1], parts[2]], [parts[0], parts[1], Base64URL.encode(signature)],
        ] {
            let jws = try CompactJWS(parsing: tampered.joined(separator: "."))
            expectSigningError(.badSignature) { try jws.verify(with: exampleKey) }
        }
        let otherKey = SigningKey.generate(.es256).verificationKey
        expectSigningError(.badSignature) { try CompactJWS(parsing: ietfExampleStatusListJWT).verify(with: otherKey) }
    }

    @Test("wrong typ, alg none and alg/key mismatch are rejected")
    func headerChecks() throws {
        let jws = try CompactJWS(parsing: ietfExampleStatusListJWT)
        expectSigningError(.invalidClaims) { try jws.verify(with: exampleKey, expectedType: "vc+jwt") }
        expectSigningError(.algorithmMismatch) { try jws.verify(with: SigningKey.generate(.edDSA).verificationKey) }
        expectSigningError(.algorithmMismatch) { try jws.verify(with: SigningKey.generate(.es384).verificationKey) }

        let parts = ietfExampleStatusListJWT.split(separator: ".").map(String.init)
        for alg in ["none", "None", "NONE"] {
            let header = Base64URL.encode(Data(#"{"alg":"\#(alg)","typ":"statuslist+jwt"}"#.utf8))
            let unsecured = try CompactJWS(parsing: "\(header).\(parts[1]).\(parts[2])")
            expectSigningError(.unsupportedAlgorithm) { try unsecured.verify(with: exampleKey) }
        }
        let hs256 = Base64URL.encode(Data(#"{"alg":"HS256"}"#.utf8))
        expectSigningError(.unsupportedAlgorithm) { try CompactJWS(parsing: "\(hs256).\(parts[1]).\(parts[2])").verify(with: exampleKey) }
        // The classic alg:none token with an empty signature does not even parse.
        let none = Base64URL.encode(Data(#"{"alg":"none"}"#.utf8))
        expectSigningError(.malformed) { _ = try CompactJWS(parsing: "\(none).\(parts[1]).") }
    }

    @Test(
        "malformed compact serialisations are rejected",
        arguments: [
            "a.b", "a.b.c.d", "", "..", "eyJhbGciOiJFUzI1NiJ9..", "eyJhbGciOiJFUzI1NiJ9.e30.sig+nature", "eyJhbGciOiJFUzI1NiJ9.e3=.c2ln",
            "eyJhbGciOiJFUzI1NiJ9.e30.c2ln.", "eyJhbGciOiJFUzI1NiJ9 .e30.c2ln", "bm90IGpzb24.e30.c2ln", "e30.e30.c2ln",
            "WyJFUzI1NiJd.e30.c2ln", "eyJhbGciOiJFUzI1NiIsImFsZyI6IkVTMjU2In0.e30.c2ln", "eyJhbGciOiJFUzI1NiIsImtpZCI6MX0.e30.c2ln",
        ]
    )
    func malformed(compact: String) {
        expectSigningError(.malformed) { _ = try CompactJWS(parsing: compact) }
    }

    @Test("sign then verify round-trips with typ, kid, x5c and extra protected members", arguments: SignatureAlgorithm.allCases)
    func roundTrip(algorithm: SignatureAlgorithm) throws {
        let key = SigningKey.generate(algorithm)
        let certificate = Data([0x30, 0x82, 0x01, 0x0a, 0xff])
        let compact = try CompactJWS.sign(
            json: ["iss": "https://issuer.example", "iat": 1_700_000_000],
            key: key,
            type: "statuslist+jwt",
            keyID: "k1",
            certificateChain: [certificate],
            additionalHeader: ["sigT": "2025-01-01T00:00:00Z", "crit": ["sigT"]]
        )
        let jws = try CompactJWS(parsing: compact)
        #expect(jws.header.algorithm == algorithm.rawValue)
        #expect(jws.header.type == "statuslist+jwt")
        #expect(jws.header.keyID == "k1")
        #expect(jws.header.certificateChain == [certificate])
        #expect(jws.header["sigT"] == "2025-01-01T00:00:00Z")
        #expect(jws.header.critical == ["sigT"])
        #expect(String(decoding: jws.payload, as: UTF8.self) == #"{"iat":1700000000,"iss":"https://issuer.example"}"#)
        try jws.verify(with: key.verificationKey, expectedType: "statuslist+jwt", understoodCriticalHeaders: ["sigT"])
        // A crit member the verifier does not process must fail closed.
        expectSigningError(.unsupportedAlgorithm) { try jws.verify(with: key.verificationKey) }
        expectSigningError(.badSignature) {
            try jws.verify(with: SigningKey.generate(algorithm).verificationKey, understoodCriticalHeaders: ["sigT"])
        }
    }

    @Test("raw and Encodable payloads; header member conflicts")
    func payloadForms() throws {
        let key = SigningKey.generate(.edDSA)
        let raw = Data([0, 1, 2, 255])
        let compact = try CompactJWS.sign(payload: raw, key: key)
        let jws = try CompactJWS(parsing: compact)
        #expect(jws.payload == raw)
        #expect(jws.header.type == nil)
        try jws.verify(with: key.verificationKey)
        expectSigningError(.invalidClaims) { try jws.verify(with: key.verificationKey, expectedType: "statuslist+jwt") }

        struct Claims: Codable {
            var sub: String
            var ttl: Int
        }
        let encodable = try CompactJWS.sign(claims: Claims(sub: "s", ttl: 60), key: key, type: "JWT")
        #expect(try CompactJWS(parsing: encodable).payloadJSON() == ["sub": "s", "ttl": 60])

        expectSigningError(.malformed) { _ = try CompactJWS.sign(payload: raw, key: key, additionalHeader: ["alg": "none"]) }
        expectSigningError(.malformed) { _ = try CompactJWS.sign(payload: raw, key: key, type: "JWT", additionalHeader: ["typ": "x"]) }
    }

    @Test("b64:false and invalid crit headers are refused")
    func unsupportedHeaders() throws {
        let key = SigningKey.generate(.es256)
        let b64 = try CompactJWS.sign(payload: Data("x".utf8), key: key, additionalHeader: ["b64": false, "crit": ["b64"]])
        expectSigningError(.unsupportedAlgorithm) {
            try CompactJWS(parsing: b64).verify(with: key.verificationKey, understoodCriticalHeaders: ["b64"])
        }
        for crit: JSONValue in [[], ["alg"], ["missing"], [1]] {
            let compact = try CompactJWS.sign(payload: Data("x".utf8), key: key, additionalHeader: ["crit": crit])
            expectSigningError(.malformed) { _ = try CompactJWS(parsing: compact) }
        }
    }

    @Test("media type comparison follows RFC 7515 §4.1.9")
    func mediaTypes() {
        #expect(CompactJWS.mediaTypesMatch("statuslist+jwt", "application/statuslist+jwt"))
        #expect(CompactJWS.mediaTypesMatch("VC+JWT", "vc+jwt"))
        #expect(!CompactJWS.mediaTypesMatch("vc+jwt", "vp+jwt"))
    }

    static let credential: JSONValue = [
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "did:web:issuer.example",
        "validFrom": "2024-01-01T00:00:00Z",
        "validUntil": "2030-01-01T00:00:00Z",
        "credentialSubject": ["id": "https://issuer.example/status/1#list", "type": "BitstringStatusList"],
    ]

    @Test("vc+jwt: payload is the credential, typ vc+jwt, no cty")
    func vcJWT() throws {
        let key = SigningKey.generate(.es256)
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        let compact = try VerifiableCredentialJWT.sign(credential: Self.credential, key: key, keyID: "did:web:issuer.example#k1")
        let jws = try CompactJWS(parsing: compact)
        #expect(jws.header.type == "vc+jwt")
        #expect(jws.header.contentType == nil)
        #expect(try jws.payloadJSON() == Self.credential)

        let verified = try VerifiableCredentialJWT.verify(compact, key: key.verificationKey, at: now)
        #expect(verified.credential == Self.credential)
        #expect(verified.jws.header.keyID == "did:web:issuer.example#k1")

        let byKid = try VerifiableCredentialJWT.verify(compact, at: now) { header in
            guard header.keyID == "did:web:issuer.example#k1" else { throw SigningError(.unknownKey) }
            return key.verificationKey
        }
        #expect(byKid.credential == Self.credential)

        expectSigningError(.badSignature) {
            _ = try VerifiableCredentialJWT.verify(compact, key: SigningKey.generate(.es256).verificationKey, at: now)
        }
        expectSigningError(.expired) {
            _ = try VerifiableCredentialJWT.verify(compact, key: key.verificationKey, at: Date(timeIntervalSince1970: 1_900_000_000))
        }
        expectSigningError(.expired) {
            _ = try VerifiableCredentialJWT.verify(compact, key: key.verificationKey, at: Date(timeIntervalSince1970: 1_600_000_000))
        }
        // Another typ (the draft's status list token) is not a vc+jwt.
        let statusList = try CompactJWS.sign(json: Self.credential, key: key, type: "statuslist+jwt")
        expectSigningError(.invalidClaims) { _ = try VerifiableCredentialJWT.verify(statusList, key: key.verificationKey, at: now) }
        let withCty = try CompactJWS.sign(json: Self.credential, key: key, type: "vc+jwt", additionalHeader: ["cty": "vc"])
        expectSigningError(.invalidClaims) { _ = try VerifiableCredentialJWT.verify(withCty, key: key.verificationKey, at: now) }
        expectSigningError(.malformed) {
            _ = try VerifiableCredentialJWT.sign(credential: ["type": ["VerifiableCredential"]], key: key)
        }
        expectSigningError(.malformed) {
            _ = try VerifiableCredentialJWT.sign(credential: Self.credential, key: key, additionalHeader: ["cty": "vc"])
        }
    }
}
