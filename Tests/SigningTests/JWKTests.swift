import Crypto
import Foundation
import Testing

@testable import Signing

@Suite("JWK import, export and thumbprints")
struct JWKTests {
    @Test("RFC 8037 §A.3 Ed25519 thumbprint")
    func rfc8037Thumbprint() throws {
        #expect(try rfc8037JWK.thumbprint() == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
        let key = try VerificationKey(jwk: rfc8037JWK)
        #expect(key.thumbprint == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
        #expect(key.jwk.kid == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
    }

    @Test("RFC 8037 §A.4: the imported private key reproduces the Ed25519 JWS exactly")
    func rfc8037Signature() throws {
        let key = try SigningKey(jwk: rfc8037JWK)
        let jws = try CompactJWS.sign(payload: Data("Example of Ed25519 signing".utf8), key: key)
        #expect(
            jws
                == "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        )
    }

    @Test("EC thumbprint equals the JCS-based computation over crv, kty, x, y")
    func ecThumbprint() throws {
        let key = try VerificationKey(jwk: ietfExampleJWK)
        let expectedInput =
            #"{"crv":"P-256","kty":"EC","x":"I3HWm_0Ds1dPMI-IWmf4mBmH-YaeAVbPVu7vB27CxXo","y":"6N_d5Elj9bs1htgV3okJKIdbHEpkgTmAluYKJemzn1M"}"#
        let manual = Base64URL.encode(Data(SHA256.hash(data: Data(expectedInput.utf8))))
        #expect(key.thumbprint == manual)
        #expect(try ietfExampleJWK.thumbprint() == manual)
        // kid, alg, use and d do not enter the thumbprint.
        var decorated = ietfExampleJWK
        decorated.alg = "ES256"
        decorated.use = "sig"
        #expect(try decorated.thumbprint() == manual)
    }

    @Test("private JWK round-trips for every algorithm", arguments: SignatureAlgorithm.allCases)
    func privateRoundTrip(algorithm: SignatureAlgorithm) throws {
        let key = SigningKey.generate(algorithm)
        let jwk = try key.jwk
        #expect(jwk.d != nil)
        #expect(jwk.kid == key.verificationKey.thumbprint)
        #expect(jwk.alg == algorithm.rawValue)
        let imported = try SigningKey(jwk: jwk)
        #expect(imported.verificationKey == key.verificationKey)
        let message = Data("round trip".utf8)
        #expect(key.verificationKey.isValidSignature(try imported.sign(message), for: message))
        // JSON round trip keeps every member.
        let decoded = try JSONDecoder().decode(JWK.self, from: JSONEncoder().encode(jwk))
        #expect(decoded == jwk)
    }

    @Test("public JWK has no d and round-trips", arguments: SignatureAlgorithm.allCases)
    func publicRoundTrip(algorithm: SignatureAlgorithm) throws {
        let key = SigningKey.generate(algorithm).verificationKey
        let jwk = key.jwk
        #expect(jwk.d == nil)
        #expect(try VerificationKey(jwk: jwk) == key)
        #expect(try VerificationKey(algorithm: algorithm, rawRepresentation: key.rawRepresentation) == key)
        #expect(try VerificationKey(algorithm: algorithm, rawRepresentation: key.compressedRepresentation) == key)
        let (x, y) = key.coordinates
        #expect(try VerificationKey(algorithm: algorithm, x: x, y: y) == key)
        #expect(try VerificationKey(multikey: key.multikey) == key)
        let encoded = try JSONEncoder().encode(jwk)
        #expect(!String(decoding: encoded, as: UTF8.self).contains("\"d\""))
    }

    @Test("IETF example key imports from its JWK and matches its public part")
    func ietfExampleKey() throws {
        let signingKey = try SigningKey(jwk: ietfExampleJWK)
        #expect(signingKey.algorithm == .es256)
        #expect(signingKey.verificationKey == (try VerificationKey(jwk: ietfExampleJWK.publicKey)))
        #expect(try signingKey.jwk(keyID: "12").d == ietfExampleJWK.d)
        #expect(try signingKey.jwk(keyID: "12").x == ietfExampleJWK.x)
    }

    @Test("strict validation rejects bad key material")
    func rejectsBadKeys() throws {
        var wrongLength = ietfExampleJWK.publicKey
        wrongLength.x = Base64URL.encode(Data(repeating: 1, count: 31))
        expectSigningError(.invalidKey) { _ = try VerificationKey(jwk: wrongLength) }

        var offCurve = ietfExampleJWK.publicKey
        offCurve.y = Base64URL.encode(Data(repeating: 7, count: 32))
        expectSigningError(.invalidKey) { _ = try VerificationKey(jwk: offCurve) }

        var missingY = ietfExampleJWK.publicKey
        missingY.y = nil
        expectSigningError(.invalidKey) { _ = try VerificationKey(jwk: missingY) }

        var notBase64 = ietfExampleJWK.publicKey
        notBase64.x = "I3HWm_0Ds1dPMI+IWmf4mBmH/YaeAVbPVu7vB27CxXo"
        expectSigningError(.invalidKey) { _ = try VerificationKey(jwk: notBase64) }

        var wrongAlg = ietfExampleJWK.publicKey
        wrongAlg.alg = "ES384"
        expectSigningError(.invalidKey) { _ = try VerificationKey(jwk: wrongAlg) }

        var encryptionUse = ietfExampleJWK.publicKey
        encryptionUse.use = "enc"
        expectSigningError(.invalidKey) { _ = try VerificationKey(jwk: encryptionUse) }

        var okpWithY = rfc8037JWK.publicKey
        okpWithY.y = okpWithY.x
        expectSigningError(.invalidKey) { _ = try VerificationKey(jwk: okpWithY) }

        var shortEd = rfc8037JWK.publicKey
        shortEd.x = Base64URL.encode(Data(repeating: 1, count: 33))
        expectSigningError(.invalidKey) { _ = try VerificationKey(jwk: shortEd) }

        expectSigningError(.unsupportedAlgorithm) {
            _ = try VerificationKey(jwk: JWK(kty: "EC", crv: "secp256k1", x: ietfExampleJWK.x, y: ietfExampleJWK.y))
        }
        expectSigningError(.unsupportedAlgorithm) { _ = try VerificationKey(jwk: JWK(kty: "RSA", crv: "", x: "")) }

        expectSigningError(.invalidKey) { _ = try SigningKey(jwk: ietfExampleJWK.publicKey) }

        var foreignD = ietfExampleJWK
        foreignD.d = try SigningKey.generate(.es256).jwk.d
        expectSigningError(.invalidKey) { _ = try SigningKey(jwk: foreignD) }

        var foreignEdD = rfc8037JWK
        foreignEdD.d = try SigningKey.generate(.edDSA).jwk.d
        expectSigningError(.invalidKey) { _ = try SigningKey(jwk: foreignEdD) }

        var zeroScalar = ietfExampleJWK
        zeroScalar.d = Base64URL.encode(Data(repeating: 0, count: 32))
        expectSigningError(.invalidKey) { _ = try SigningKey(jwk: zeroScalar) }

        expectSigningError(.invalidKey) { _ = try VerificationKey(algorithm: .es256, rawRepresentation: Data(repeating: 4, count: 65)) }
        expectSigningError(.invalidKey) { _ = try VerificationKey(algorithm: .es384, rawRepresentation: Data(repeating: 2, count: 33)) }
        expectSigningError(.invalidKey) { _ = try VerificationKey(algorithm: .edDSA, rawRepresentation: Data(repeating: 2, count: 31)) }
    }

    @Test("descriptions never show d")
    func redaction() throws {
        let jwk = try SigningKey.generate(.es256).jwk
        let d = jwk.d ?? "missing"
        #expect(!jwk.description.contains(d))
        #expect(!String(reflecting: jwk).contains(d))
        #expect(!"\(jwk)".contains(d))
        #expect(jwk.description.contains("<redacted>"))
    }

    @Test("JWKSet strips private parts, skips foreign keys and finds keys by kid")
    func jwkSet() throws {
        let signingKey = SigningKey.generate(.edDSA)
        let set = JWKSet(keys: [try signingKey.jwk, ietfExampleJWK])
        #expect(set.keys.allSatisfy { $0.d == nil })
        let encoded = try JSONEncoder().encode(set)
        #expect(!String(decoding: encoded, as: UTF8.self).contains("\"d\""))
        #expect(try set.verificationKey(withID: "12") == (try VerificationKey(jwk: ietfExampleJWK)))
        #expect(try set.verificationKey(withID: signingKey.verificationKey.thumbprint) == signingKey.verificationKey)
        expectSigningError(.unknownKey) { _ = try set.verificationKey(withID: "nope") }

        let foreign = #"""
            {"keys":[{"kty":"RSA","n":"0vx7","e":"AQAB","kid":"rsa"},
                     {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","kid":"ed"}]}
            """#
        let decoded = try JSONDecoder().decode(JWKSet.self, from: Data(foreign.utf8))
        #expect(decoded.keys.count == 1)
        #expect(decoded.keys.first?.kid == "ed")
        #expect(decoded.keys.first?.d == nil)
    }
}
