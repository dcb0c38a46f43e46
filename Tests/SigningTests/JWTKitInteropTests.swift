import Foundation
import JWTKit
import Testing

@testable import Signing

/// Cross-checks the hand-written compact JWS against jwt-kit, an independent implementation, in both directions.
@Suite("Interoperability with jwt-kit")
struct JWTKitInteropTests {
    struct Claims: JWTPayload, Equatable {
        var sub: SubjectClaim
        var iat: IssuedAtClaim

        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    private func jwtKitJWK(_ jwk: Signing.JWK) throws -> JWTKit.JWK {
        try JWTKit.JWK(json: String(decoding: JSONEncoder().encode(jwk), as: UTF8.self))
    }

    @Test("jwt-kit verifies what CompactJWS signs", arguments: SignatureAlgorithm.allCases)
    func jwtKitVerifiesOurs(algorithm: SignatureAlgorithm) async throws {
        let key = SigningKey.generate(algorithm)
        let keys = JWTKeyCollection()
        try await keys.add(jwk: jwtKitJWK(key.verificationKey.jwk))
        let token = try CompactJWS.sign(
            json: ["sub": "https://example.com/statuslists/1", "iat": 1_686_920_170],
            key: key,
            type: "statuslist+jwt",
            keyID: key.verificationKey.thumbprint
        )
        let claims = try await keys.verify(token, as: Claims.self)
        #expect(claims.sub.value == "https://example.com/statuslists/1")
        #expect(claims.iat.value == Date(timeIntervalSince1970: 1_686_920_170))
    }

    @Test("CompactJWS verifies what jwt-kit signs", arguments: SignatureAlgorithm.allCases)
    func weVerifyJWTKit(algorithm: SignatureAlgorithm) async throws {
        let key = SigningKey.generate(algorithm)
        let keys = JWTKeyCollection()
        try await keys.add(jwk: jwtKitJWK(key.jwk))
        let token = try await keys.sign(
            Claims(sub: "https://example.com/statuslists/1", iat: IssuedAtClaim(value: Date(timeIntervalSince1970: 1_686_920_170))),
            kid: JWKIdentifier(string: key.verificationKey.thumbprint),
            header: ["typ": "statuslist+jwt"]
        )
        let jws = try CompactJWS(parsing: token)
        try jws.verify(with: key.verificationKey, expectedType: "statuslist+jwt")
        #expect(try jws.payloadJSON()["sub"] == "https://example.com/statuslists/1")
        #expect(jws.header.keyID == key.verificationKey.thumbprint)
    }
}
