import Foundation
import Signing
import StatusList
import StatusListSecuring
import Testing

/// The IETF Status List Token rules beyond the signature (draft §5.1, §5.2, §8.3; status-lists.md §2.3, §2.7, §4.5):
/// JWT `typ`, CWT `typ`, tag 18, `lst` as a byte string, required claims.
@Suite("IETF Status List Token rules")
struct IETFTokenTests {
    static let signer = Fixture.signer(.es256)

    static var keys: TrustedKeys {
        get throws { try Fixture.jwksTrust(signer) }
    }

    private func verifyJWT(_ token: String, at: Date = Fixture.verifyTime) throws(StatusVerificationError) -> VerifiedStatusList {
        let keys: TrustedKeys
        do { keys = try Self.keys } catch { throw StatusVerificationError(.statusVerificationError, "fixture: \(error)") }
        return try StatusListVerifier.verifyIETFJWT(token, expectedURI: Fixture.url, trustedKeys: keys, at: at)
    }

    private func verifyCWT(_ bytes: Data, at: Date = Fixture.verifyTime) throws(StatusVerificationError) -> VerifiedStatusList {
        let keys: TrustedKeys
        do { keys = try Self.keys } catch { throw StatusVerificationError(.statusVerificationError, "fixture: \(error)") }
        return try StatusListVerifier.verifyIETFCWT(bytes, expectedURI: Fixture.url, trustedKeys: keys, at: at)
    }

    // MARK: JWT

    /// The JSON claims of a valid token for ``Fixture/url``, to alter.
    private static func jwtClaims() throws -> JSONValue {
        [
            "sub": .string(Fixture.url),
            "iss": .string(Fixture.did),
            "iat": .number(Fixture.issuedAt.timeIntervalSince1970),
            "exp": .number(Fixture.validUntil.timeIntervalSince1970),
            "ttl": 3_600,
            "status_list": ["bits": 1, "lst": .string(try Fixture.oneBitList.ietfEncodedList())],
        ]
    }

    private static func signJWT(_ claims: JSONValue, type: String? = StatusListSigner.statusListJWTType) throws -> String {
        try CompactJWS.sign(json: claims, key: signer.key, type: type, keyID: signer.keyID)
    }

    @Test("hand-built claims verify (the fixture is sound)")
    func handBuiltJWT() throws {
        let list = try verifyJWT(try Self.signJWT(try Self.jwtClaims()))
        #expect(list.bitstring == Fixture.oneBitList)
    }

    @Test("typ must be statuslist+jwt (application/ prefix optional, case-insensitive)")
    func jwtType() throws {
        let claims = try Self.jwtClaims()
        for accepted in ["statuslist+jwt", "application/statuslist+jwt", "StatusList+JWT"] {
            #expect(try verifyJWT(try Self.signJWT(claims, type: accepted)).format == .ietfJWT, "typ \(accepted)")
        }
        for rejected: String? in ["JWT", "vc+jwt", "statuslist+cwt", "application/jwt", "", nil] {
            let error = expectVerificationError(.statusVerificationError, "typ \(rejected ?? "absent")") {
                _ = try verifyJWT(try Self.signJWT(claims, type: rejected))
            }
            #expect(error?.detail.contains("typ") == true)
        }
    }

    @Test("a vc+jwt given as statuslist+jwt, and a statuslist+jwt given as vc+jwt, are rejected")
    func jwtTypeConfusion() throws {
        let keys = try Self.keys
        let vcJWT = try Fixture.secured(Fixture.statement(), as: .w3cJWT, signer: Self.signer)
        let statusListJWT = try Fixture.secured(Fixture.statement(), as: .ietfJWT, signer: Self.signer)
        expectVerificationError(.statusVerificationError) {
            _ = try StatusListVerifier.verify(
                vcJWT,
                mediaType: "application/statuslist+jwt",
                expectedURL: Fixture.url,
                trustedKeys: keys,
                at: Fixture.verifyTime
            )
        }
        expectVerificationError(.statusVerificationError) {
            _ = try StatusListVerifier.verifyIETFJWT(
                String(decoding: vcJWT, as: UTF8.self),
                expectedURI: Fixture.url,
                trustedKeys: keys,
                at: Fixture.verifyTime
            )
        }
        // A status list token is not a credential, whatever the media type claims.
        do {
            _ = try StatusListVerifier.verify(
                statusListJWT,
                mediaType: "application/vc+jwt",
                expectedURL: Fixture.url,
                trustedKeys: keys,
                at: Fixture.verifyTime
            )
            Issue.record("a statuslist+jwt verified as a vc+jwt")
        } catch {
            #expect([.statusVerificationError, .malformedValueError].contains(error.kind), "\(error)")
        }
        // Sniffing tells them apart by typ.
        #expect(try StatusListVerifier.format(of: vcJWT, mediaType: nil) == .w3cJWT)
        #expect(try StatusListVerifier.format(of: statusListJWT, mediaType: nil) == .ietfJWT)
    }

    @Test("missing or mistyped required JWT claims are a MALFORMED_VALUE_ERROR naming the claim")
    func jwtRequiredClaims() throws {
        let claims = try Self.jwtClaims()
        let cases: [(String, JSONValue)] = [
            ("sub", claims.setting(["sub"], to: nil)),
            ("iat", claims.setting(["iat"], to: nil)),
            ("status_list", claims.setting(["status_list"], to: nil)),
            ("sub", claims.setting(["sub"], to: 42)),
            ("iat", claims.setting(["iat"], to: "yesterday")),
            ("exp", claims.setting(["exp"], to: "tomorrow")),
            ("bits", claims.setting(["status_list", "bits"], to: 3)),
            ("lst", claims.setting(["status_list", "lst"], to: nil)),
            ("lst", claims.setting(["status_list", "lst"], to: "not base64url!")),
        ]
        for (claim, altered) in cases {
            let error = expectVerificationError(.malformedValueError, "\(claim)") { _ = try verifyJWT(try Self.signJWT(altered)) }
            #expect(error?.detail.contains(claim) == true, "\(error?.detail ?? "") should name \(claim)")
        }
        let negativeTTL = expectVerificationError(.malformedValueError) { _ = try verifyJWT(try Self.signJWT(claims.setting(["ttl"], to: -1))) }
        #expect(negativeTTL?.detail.contains("ttl") == true)
        // exp and ttl are only RECOMMENDED.
        let minimal = claims.setting(["exp"], to: nil).setting(["ttl"], to: nil).setting(["iss"], to: nil)
        let list = try verifyJWT(try Self.signJWT(minimal))
        #expect(list.validUntil == nil)
        #expect(list.ttlSeconds == nil)
        #expect(list.issuer == nil)
    }

    @Test("a JWT without kid is verified with the only trusted key, and refused when several keys are trusted")
    func jwtWithoutKid() throws {
        let token = try CompactJWS.sign(json: try Self.jwtClaims(), key: Self.signer.key, type: StatusListSigner.statusListJWTType)
        _ = try verifyJWT(token)
        var two = try Self.keys
        two.add(SigningKey.generate(.es256).verificationKey, keyID: "key-2")
        let error = expectVerificationError(.statusVerificationError) {
            _ = try StatusListVerifier.verifyIETFJWT(token, expectedURI: Fixture.url, trustedKeys: two, at: Fixture.verifyTime)
        }
        #expect(error?.detail.contains("kid") == true)
    }

    // MARK: CWT

    /// The claims of a valid CWT for ``Fixture/url`` as ordered entries, to alter.
    private static func cwtClaims(lst: CBOR? = nil) throws -> [(key: CBOR, value: CBOR)] {
        let list = try lst ?? .byteString(Data(Fixture.oneBitList.ietfCompressed()))
        return [
            (key: 2, value: .textString(Fixture.url)),
            (key: 1, value: .textString(Fixture.did)),
            (key: 6, value: CBOR(Int64(Fixture.issuedAt.timeIntervalSince1970))),
            (key: 4, value: CBOR(Int64(Fixture.validUntil.timeIntervalSince1970))),
            (key: 65534, value: 3_600),
            (key: 65533, value: ["bits": 1, "lst": list]),
        ]
    }

    private static func replacing(_ label: Int64, with value: CBOR?, in claims: [(key: CBOR, value: CBOR)]) -> [(key: CBOR, value: CBOR)] {
        var result = claims.filter { $0.key != CBOR(label) }
        if let value { result.append((key: CBOR(label), value: value)) }
        return result
    }

    /// Signs a CWT whose protected header has `typ` as given (text, number or absent).
    private static func signCWT(_ claims: [(key: CBOR, value: CBOR)], typ: CBOR? = .textString(StatusListSigner.statusListCWTType)) throws -> Data {
        try COSESign1.sign(
            payload: CBOR.map(claims).encoded(),
            key: signer.key,
            kid: Data(signer.keyID.utf8),
            protectedHeader: typ.map { [(key: COSEHeaderParameter.type, value: $0)] } ?? []
        )
    }

    @Test("hand-built CWT claims verify (the fixture is sound)")
    func handBuiltCWT() throws {
        let list = try verifyCWT(try Self.signCWT(try Self.cwtClaims()))
        #expect(list.bitstring == Fixture.oneBitList)
        #expect(list.ttlSeconds == 3_600)
    }

    @Test("the CWT typ must be present and be the full media type application/statuslist+cwt")
    func cwtType() throws {
        let claims = try Self.cwtClaims()
        for accepted in ["application/statuslist+cwt", "Application/StatusList+CWT"] {
            _ = try verifyCWT(try Self.signCWT(claims, typ: .textString(accepted)))
        }
        // The short form is JOSE's convention; COSE typ (RFC 9596) carries the media type itself (adorsys bug #1).
        // A number would be a CoAP Content-Format, and the draft's is still TBD.
        let rejected: [CBOR?] = [nil, "statuslist+cwt", "application/cwt", "application/statuslist+jwt", "", 16]
        for typ in rejected {
            let error = expectVerificationError(.statusVerificationError, "typ \(typ.map { "\($0)" } ?? "absent")") {
                _ = try verifyCWT(try Self.signCWT(claims, typ: typ))
            }
            #expect(error?.detail.contains("typ") == true)
        }
        // A byte string is not even a valid typ value (RFC 9596: tstr / uint).
        expectVerificationError(.statusVerificationError) {
            _ = try verifyCWT(try Self.signCWT(claims, typ: .byteString(Data("application/statuslist+cwt".utf8))))
        }
    }

    @Test("the CWT must be COSE_Sign1_Tagged (18): untagged and CWT-tag-61 messages are rejected")
    func cwtTag() throws {
        let tagged = try Self.signCWT(try Self.cwtClaims())
        _ = try verifyCWT(tagged)
        let item = try CBOR.decode(tagged)
        #expect(item.tag == 18)
        let content = try #require(item.tagContent)
        let variants: [(String, Data)] = [
            ("untagged", content.encoded()),
            ("61(18(...))", CBOR.tagged(61, item).encoded()),
            ("61(...)", CBOR.tagged(61, content).encoded()),
            ("17(...) (COSE_Mac0 tag on a Sign1)", CBOR.tagged(17, content).encoded()),
            ("18(18(...))", CBOR.tagged(18, item).encoded()),
        ]
        for (name, bytes) in variants {
            expectVerificationError(.statusVerificationError, "\(name)") { _ = try verifyCWT(bytes) }
            // With the media type, the generic entry point applies the same rule; sniffing never mistakes them for CWT.
            expectVerificationError(.statusVerificationError, "\(name)") {
                _ = try StatusListVerifier.verify(
                    bytes,
                    mediaType: "application/statuslist+cwt",
                    expectedURL: Fixture.url,
                    trustedKeys: try Self.keys,
                    at: Fixture.verifyTime
                )
            }
        }
        let untagged = expectVerificationError(.statusVerificationError) { _ = try verifyCWT(content.encoded()) }
        #expect(untagged?.detail.contains("18") == true)
        let cwtTag = expectVerificationError(.statusVerificationError) { _ = try verifyCWT(CBOR.tagged(61, item).encoded()) }
        #expect(cwtTag?.detail.contains("61") == true)
    }

    @Test("lst must be a byte string, not base64url text (adorsys bug #3)")
    func cwtListMustBeBytes() throws {
        let text = try Fixture.oneBitList.ietfEncodedList()
        for lst: CBOR in [.textString(text), .array([.byteString(Data(try Fixture.oneBitList.ietfCompressed()))]), 7] {
            let error = expectVerificationError(.malformedValueError, "lst \(lst)") {
                _ = try verifyCWT(try Self.signCWT(try Self.cwtClaims(lst: lst)))
            }
            #expect(error?.detail.contains("lst") == true)
        }
    }

    @Test("a malformed status_list claim is a MALFORMED_VALUE_ERROR")
    func cwtMalformedStatusList() throws {
        let claims = try Self.cwtClaims()
        let lst = CBOR.byteString(Data(try Fixture.oneBitList.ietfCompressed()))
        let statusLists: [(String, CBOR?)] = [
            ("absent", nil),
            ("bits 3", ["bits": 3, "lst": lst]),
            ("bits as text", ["bits": "1", "lst": lst]),
            ("no bits", ["lst": lst]),
            ("integer keys", [1: 1, 2: lst]),
            ("not a map", [1, lst]),
            ("zlib garbage", ["bits": 1, "lst": .byteString(Data([0x78, 0xDA, 0xFF, 0xFF]))]),
        ]
        for (name, statusList) in statusLists {
            expectVerificationError(.malformedValueError, "\(name)") {
                _ = try verifyCWT(try Self.signCWT(Self.replacing(65533, with: statusList, in: claims)))
            }
        }
    }

    @Test("missing or mistyped required CWT claims are a MALFORMED_VALUE_ERROR; mistyped optional ones are not ignored")
    func cwtClaimTypes() throws {
        let claims = try Self.cwtClaims()
        let cases: [(String, Int64, CBOR?)] = [
            ("sub", 2, nil), ("sub", 2, 42), ("iat", 6, nil), ("iat", 6, "2025-06-15"),
            // A mistyped exp must not silently disable the expiry check.
            ("exp", 4, "2025-06-16"), ("exp", 4, .byteString(Data([1]))), ("ttl", 65534, "3600"), ("ttl", 65534, -1),
            ("iss", 1, 7),
        ]
        for (claim, label, value) in cases {
            let error = expectVerificationError(.malformedValueError, "\(claim) = \(value.map { "\($0)" } ?? "absent")") {
                _ = try verifyCWT(try Self.signCWT(Self.replacing(label, with: value, in: claims)))
            }
            #expect(error?.detail.contains(claim) == true, "\(error?.detail ?? "") should name \(claim)")
        }
        let notAMap = expectVerificationError(.malformedValueError) {
            _ = try verifyCWT(
                try COSESign1.sign(
                    payload: CBOR.array([1, 2]).encoded(),
                    key: Self.signer.key,
                    typ: StatusListSigner.statusListCWTType,
                    kid: Data(Self.signer.keyID.utf8)
                )
            )
        }
        #expect(notAMap?.detail.contains("map") == true)
        // exp, ttl and iss are optional.
        let minimal = Self.replacing(4, with: nil, in: Self.replacing(65534, with: nil, in: Self.replacing(1, with: nil, in: claims)))
        let list = try verifyCWT(try Self.signCWT(minimal))
        #expect(list.validUntil == nil)
        #expect(list.ttlSeconds == nil)
        #expect(list.issuer == nil)
    }

    @Test("CWT NumericDates may be floating point (RFC 8392 §2); expiry is still enforced")
    func cwtFloatDates() throws {
        let claims = try Self.cwtClaims()
        let exp = Fixture.validUntil.timeIntervalSince1970 + 0.5
        let floatDates = Self.replacing(4, with: .float(exp), in: Self.replacing(6, with: .float(Fixture.issuedAt.timeIntervalSince1970), in: claims))
        let token = try Self.signCWT(floatDates)
        let list = try verifyCWT(token)
        #expect(list.issuedAt == Fixture.issuedAt)
        expectVerificationError(.statusVerificationError) { _ = try verifyCWT(token, at: Date(timeIntervalSince1970: exp + 1)) }
        // Absurd but finite dates are handled without trapping.
        let farFuture = try Self.signCWT(Self.replacing(6, with: .float(1e300), in: claims))
        let future = expectVerificationError(.statusVerificationError) { _ = try verifyCWT(farFuture) }
        #expect(future?.detail.contains("iat") == true)
        let farExpiry = try verifyCWT(try Self.signCWT(Self.replacing(4, with: .float(1e300), in: claims)))
        #expect(farExpiry.validUntil == Date(timeIntervalSince1970: 1e300))
        let pastExpiry = try Self.signCWT(Self.replacing(4, with: .float(-1e300), in: claims))
        expectVerificationError(.statusVerificationError) { _ = try verifyCWT(pastExpiry) }
        for bad: Double in [.nan, .infinity, -.infinity] {
            expectVerificationError(.malformedValueError, "exp \(bad)") {
                _ = try verifyCWT(try Self.signCWT(Self.replacing(4, with: .float(bad), in: claims)))
            }
        }
    }

    @Test("an expired or future CWT is a STATUS_VERIFICATION_ERROR")
    func cwtTimes() throws {
        let token = try Fixture.secured(Fixture.statement(), as: .ietfCWT, signer: Self.signer)
        _ = try verifyCWT(token, at: Fixture.validUntil.addingTimeInterval(-1))
        expectVerificationError(.statusVerificationError) { _ = try verifyCWT(token, at: Fixture.validUntil) }
        expectVerificationError(.statusVerificationError) { _ = try verifyCWT(token, at: Fixture.issuedAt.addingTimeInterval(-3_600)) }
    }

    @Test("a CWT whose kid is unknown, or signed by another key, is a STATUS_VERIFICATION_ERROR")
    func cwtKeys() throws {
        let claims = CBOR.map(try Self.cwtClaims()).encoded()
        let unknownKid = try COSESign1.sign(payload: claims, key: Self.signer.key, typ: StatusListSigner.statusListCWTType, kid: Data("key-2".utf8))
        let error = expectVerificationError(.statusVerificationError) { _ = try verifyCWT(unknownKid) }
        #expect(error?.detail.contains("key-2") == true)
        let impostor = try COSESign1.sign(
            payload: claims,
            key: SigningKey.generate(.es256),
            typ: StatusListSigner.statusListCWTType,
            kid: Data(Self.signer.keyID.utf8)
        )
        expectVerificationError(.statusVerificationError) { _ = try verifyCWT(impostor) }
    }
}
