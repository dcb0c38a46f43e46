import Foundation
import Signing
import StatusList
import StatusListSecuring
import Testing

/// Signed but hostile or malformed lists: decompression bombs and encodings the specifications forbid. A valid
/// signature must never make the verifier decode without limits or accept a malformed value.
@Suite("Hardened decoding through the verifier")
struct HardenedDecodingTests {
    static let signer = Fixture.signer(.edDSA)
    static let oneMiB = 1 << 20

    /// 64 MiB of zeros, signed in the three forms that compress differently (zlib for IETF, gzip for W3C). Built once:
    /// compressing 64 MiB takes a moment, and the compressed bodies are small (about 1000:1).
    struct Bombs: Sendable {
        let jwt: String
        let cwt: Data
        let dataIntegrity: Data
    }

    static let bombs: Bombs = {
        do {
            let statement = Fixture.statement(try Bitstring(count: 64 << 20, entrySize: .eight))
            let credential = try StatusListSigner.w3cCredential(statement, level: 9)
            return Bombs(
                jwt: try StatusListSigner.statusListJWT(statement, signer: signer, level: 9),
                cwt: try StatusListSigner.statusListCWT(statement, signer: signer, level: 9),
                dataIntegrity: try StatusListSigner.dataIntegrityCredential(credential, signer: signer, created: Fixture.issuedAt)
            )
        } catch {
            fatalError("bomb fixture: \(error)")
        }
    }()

    private static var keys: TrustedKeys {
        get throws { try Fixture.jwksTrust(signer) }
    }

    private static func limits(maximumDecodedBytes: Int) -> StatusListVerifier.Limits {
        var limits = StatusListVerifier.Limits()
        limits.maximumDecodedBytes = maximumDecodedBytes
        return limits
    }

    @Test("a signed statuslist+jwt whose lst inflates to 64 MiB is refused at the 1 MiB limit")
    func jwtBomb() throws {
        let jwt = Self.bombs.jwt
        #expect(jwt.utf8.count < 200_000, "the bomb is small on the wire")
        let error = expectVerificationError(.malformedValueError) {
            _ = try StatusListVerifier.verifyIETFJWT(
                jwt,
                expectedURI: Fixture.url,
                trustedKeys: try Self.keys,
                at: Fixture.verifyTime,
                limits: Self.limits(maximumDecodedBytes: Self.oneMiB)
            )
        }
        #expect(error?.detail.contains("1048576") == true, "the message states the limit: \(error?.detail ?? "")")
        // The default limit (16 MiB) refuses it as well.
        let defaultLimit = expectVerificationError(.malformedValueError) {
            _ = try StatusListVerifier.verify(
                Data(jwt.utf8),
                mediaType: nil,
                expectedURL: Fixture.url,
                trustedKeys: try Self.keys,
                at: Fixture.verifyTime
            )
        }
        #expect(defaultLimit?.detail.contains("\(Bitstring.defaultMaximumDecodedBytes)") == true)
    }

    @Test("the same bomb as a CWT and as a W3C Data Integrity credential is refused")
    func otherBombs() throws {
        let limits = Self.limits(maximumDecodedBytes: Self.oneMiB)
        let cwt = expectVerificationError(.malformedValueError) {
            _ = try StatusListVerifier.verifyIETFCWT(
                Self.bombs.cwt,
                expectedURI: Fixture.url,
                trustedKeys: try Self.keys,
                at: Fixture.verifyTime,
                limits: limits
            )
        }
        #expect(cwt?.detail.contains("1048576") == true)
        let w3c = expectVerificationError(.malformedValueError) {
            _ = try StatusListVerifier.verify(
                Self.bombs.dataIntegrity,
                mediaType: nil,
                expectedURL: Fixture.url,
                trustedKeys: try Self.keys,
                statusSize: .eight,
                at: Fixture.verifyTime,
                limits: limits
            )
        }
        #expect(w3c?.detail.contains("1048576") == true)
    }

    @Test(
        "a list of exactly the limit decodes; one byte over is refused",
        arguments: [VerifiedStatusList.Format.ietfJWT, .ietfCWT, .w3cDataIntegrity]
    )
    func limitBoundary(format: VerifiedStatusList.Format) throws {
        var bitstring = try Bitstring(count: Self.oneMiB, entrySize: .eight)
        try bitstring.set(0xAB, at: Self.oneMiB - 1)
        let body = try Fixture.secured(Fixture.statement(bitstring), as: format, signer: Self.signer)
        let list = try StatusListVerifier.verify(
            body,
            mediaType: nil,
            expectedURL: Fixture.url,
            trustedKeys: try Self.keys,
            statusSize: .eight,
            at: Fixture.verifyTime,
            limits: Self.limits(maximumDecodedBytes: Self.oneMiB)
        )
        #expect(list.bitstring.byteCount == Self.oneMiB)
        #expect(list.bitstring[Self.oneMiB - 1] == 0xAB)
        expectVerificationError(.malformedValueError) {
            _ = try StatusListVerifier.verify(
                body,
                mediaType: nil,
                expectedURL: Fixture.url,
                trustedKeys: try Self.keys,
                statusSize: .eight,
                at: Fixture.verifyTime,
                limits: Self.limits(maximumDecodedBytes: Self.oneMiB - 1)
            )
        }
    }

    // MARK: W3C encodedList

    /// The unsigned credential as JSON, with `encodedList` replaced.
    private static func credential(encodedList: JSONValue) throws -> JSONValue {
        let credential = try StatusListSigner.w3cCredential(Fixture.statement(), level: 6)
        return try JSONValue(encoding: credential).setting(["credentialSubject", "encodedList"], to: encodedList)
    }

    /// The credential secured as Data Integrity and as vc+jwt.
    private static func securedForms(_ credential: JSONValue) throws -> [(VerifiedStatusList.Format, Data)] {
        let dataIntegrity = try DataIntegrity.sign(
            document: credential,
            key: signer.key,
            verificationMethod: signer.verificationMethod,
            created: Fixture.issuedAt
        )
        let jwt = try VerifiableCredentialJWT.sign(credential: credential, key: signer.key, keyID: signer.keyID)
        return [(.w3cDataIntegrity, try dataIntegrity.canonicalData()), (.w3cJWT, Data(jwt.utf8))]
    }

    @Test("a signed encodedList without the multibase 'u' prefix is a MALFORMED_VALUE_ERROR")
    func encodedListWithoutPrefix() throws {
        let encoded = try Fixture.oneBitList.w3cEncodedList()
        #expect(encoded.hasPrefix("u"))
        for (format, body) in try Self.securedForms(try Self.credential(encodedList: .string(String(encoded.dropFirst())))) {
            for mediaType in [format.rawValue, nil] {
                let error = expectVerificationError(.malformedValueError, "\(format)") {
                    _ = try StatusListVerifier.verify(
                        body,
                        mediaType: mediaType,
                        expectedURL: Fixture.url,
                        trustedKeys: try Self.keys,
                        at: Fixture.verifyTime
                    )
                }
                #expect(error?.detail.contains("'u'") == true, "\(error?.detail ?? "")")
            }
        }
    }

    @Test("other malformed signed credential subjects are a MALFORMED_VALUE_ERROR")
    func malformedCredentialSubjects() throws {
        let bytes = Fixture.oneBitList.msbFirstBytes
        let zlib = "u" + base64URL(Data(try Bitstring(msbFirstBytes: bytes, entrySize: .one).ietfCompressed()))
        let encoded = try Fixture.oneBitList.w3cEncodedList()
        let base = try Self.credential(encodedList: .string(encoded))
        let cases: [(String, JSONValue)] = [
            ("zlib instead of gzip", base.setting(["credentialSubject", "encodedList"], to: .string(zlib))),
            ("padding", base.setting(["credentialSubject", "encodedList"], to: .string(encoded + "=="))),
            ("base64 alphabet", base.setting(["credentialSubject", "encodedList"], to: .string(encoded.replacingOccurrences(of: "_", with: "/")))),
            ("truncated gzip", base.setting(["credentialSubject", "encodedList"], to: .string(String(encoded.dropLast(8))))),
            ("number", base.setting(["credentialSubject", "encodedList"], to: 5)),
            ("missing encodedList", base.setting(["credentialSubject", "encodedList"], to: nil)),
            ("subject type", base.setting(["credentialSubject", "type"], to: "StatusList2021")),
            ("credential type", base.setting(["type"], to: ["VerifiableCredential"])),
            ("negative ttl", base.setting(["credentialSubject", "ttl"], to: -5)),
            ("validUntil before validFrom", base.setting(["validUntil"], to: "2020-01-01T00:00:00Z")),
        ]
        for (name, credential) in cases {
            for (format, body) in try Self.securedForms(credential) {
                expectVerificationError(.malformedValueError, "\(name), \(format)") {
                    _ = try StatusListVerifier.verify(
                        body,
                        mediaType: format.rawValue,
                        expectedURL: Fixture.url,
                        trustedKeys: try Self.keys,
                        at: Fixture.verifyTime
                    )
                }
            }
        }
        // The base credential itself is fine, so the failures above are the alterations'.
        for (format, body) in try Self.securedForms(base) {
            _ = try StatusListVerifier.verify(
                body,
                mediaType: format.rawValue,
                expectedURL: Fixture.url,
                trustedKeys: try Self.keys,
                at: Fixture.verifyTime
            )
        }
    }

    @Test("a signed IETF lst in gzip instead of zlib is a MALFORMED_VALUE_ERROR")
    func ietfGzip() throws {
        let gzip = try Fixture.oneBitList.w3cEncodedList().dropFirst()
        let claims: JSONValue = [
            "sub": .string(Fixture.url), "iat": .number(Fixture.issuedAt.timeIntervalSince1970),
            "status_list": ["bits": 1, "lst": .string(String(gzip))],
        ]
        let token = try CompactJWS.sign(json: claims, key: Self.signer.key, type: StatusListSigner.statusListJWTType, keyID: Self.signer.keyID)
        let error = expectVerificationError(.malformedValueError) {
            _ = try StatusListVerifier.verifyIETFJWT(token, expectedURI: Fixture.url, trustedKeys: try Self.keys, at: Fixture.verifyTime)
        }
        #expect(error?.detail.lowercased().contains("gzip") == true)
    }
}
