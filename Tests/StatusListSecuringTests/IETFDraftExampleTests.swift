import Foundation
import Signing
import StatusList
import StatusListSecuring
import Testing

/// The draft's example Status List Tokens (draft-ietf-oauth-status-list §5.1/§5.2 examples, status-lists.md §2.3)
/// through the verifier, and the §8.3 validation rules around them.
@Suite("IETF draft example tokens")
struct IETFDraftExampleTests {
    /// The two example tokens.
    enum Token: String, CaseIterable, CustomTestStringConvertible {
        case jwt, cwt

        var testDescription: String { rawValue }

        var body: Data {
            switch self {
            case .jwt: Data(DraftExamples.shared.jwt.utf8)
            case .cwt: DraftExamples.shared.cwt
            }
        }

        var format: VerifiedStatusList.Format { self == .jwt ? .ietfJWT : .ietfCWT }

        /// Verifies `body` (default: the example) in this token's form.
        func verify(
            _ body: Data? = nil,
            expectedURI: String = DraftExamples.uri,
            trustedKeys: TrustedKeys? = nil,
            at: Date = DraftExamples.validTime,
            limits: StatusListVerifier.Limits = .init()
        ) throws -> VerifiedStatusList {
            let keys = try trustedKeys ?? DraftExamples.shared.trustedKeys()
            let bytes = body ?? self.body
            switch self {
            case .jwt:
                return try StatusListVerifier.verifyIETFJWT(
                    String(decoding: bytes, as: UTF8.self),
                    expectedURI: expectedURI,
                    trustedKeys: keys,
                    at: at,
                    limits: limits
                )
            case .cwt:
                return try StatusListVerifier.verifyIETFCWT(bytes, expectedURI: expectedURI, trustedKeys: keys, at: at, limits: limits)
            }
        }
    }

    @Test("the example token verifies with the example key and carries the documented claims", arguments: Token.allCases)
    func exampleVerifies(token: Token) throws {
        let list = try token.verify()
        #expect(list.format == token.format)
        #expect(list.url == DraftExamples.uri)
        // The JWT example has iss; the CWT example has none.
        #expect(list.issuer == (token == .jwt ? DraftExamples.issuer : nil))
        #expect(list.issuedAt == Date(timeIntervalSince1970: TimeInterval(DraftExamples.issuedAt)))
        #expect(list.validUntil == Date(timeIntervalSince1970: TimeInterval(DraftExamples.expiresAt)))
        #expect(list.ttlSeconds == DraftExamples.ttl)
        #expect(list.keyID == "12")
        #expect(list.purposes.isEmpty)
        #expect(list.bitstring.entrySize == .one)
        #expect(list.bitstring.count == 16)
        #expect((0..<16).map { list.bitstring[$0] } == DraftExamples.statuses)
    }

    @Test("the decoded statuses equal the vector file's statuses for the example list", arguments: Token.allCases)
    func statusesMatchVectorFile(token: Token) throws {
        let vector = try #require(DraftExamples.shared.lists.first { $0.lst == "eNrbuRgAAhcBXQ" })
        let list = try token.verify()
        #expect(list.bitstring.count == vector.size)
        for (index, value) in vector.statuses {
            let index = try #require(Int(index))
            #expect(Int(list.bitstring[index]) == value, "idx \(index)")
        }
    }

    @Test("check(StatusListReference) gives each entry's value and VALID/INVALID", arguments: Token.allCases)
    func checkEveryIndex(token: Token) throws {
        let list = try token.verify()
        for (index, expected) in DraftExamples.statuses.enumerated() {
            let result = try list.check(StatusListReference(idx: index, uri: DraftExamples.uri))
            #expect(result.status == Int(expected), "idx \(index)")
            #expect(result.valid == (expected == 0), "idx \(index)")
            #expect(result.message == (expected == 0 ? "VALID" : "INVALID"), "idx \(index)")
            #expect(result.purpose == nil)
        }
    }

    @Test("an index past the end is a RANGE_ERROR (the referenced token MUST be rejected)", arguments: Token.allCases)
    func indexOutOfRange(token: Token) throws {
        let list = try token.verify()
        for idx in [16, 17, 1 << 20, Int.max] {
            let error = expectVerificationError(.rangeError) { _ = try list.check(StatusListReference(idx: idx, uri: DraftExamples.uri)) }
            #expect(error?.detail.contains("\(idx)") == true)
        }
    }

    @Test("a reference to another uri is a STATUS_VERIFICATION_ERROR", arguments: Token.allCases)
    func referenceToAnotherURI(token: Token) throws {
        let list = try token.verify()
        for uri in ["https://example.com/statuslists/2", "https://example.com/statuslists/1/", "https://EXAMPLE.com/statuslists/1"] {
            expectVerificationError(.statusVerificationError, "uri \(uri)") { _ = try list.check(StatusListReference(idx: 0, uri: uri)) }
        }
    }

    @Test("a token fetched for another uri (sub != uri) is rejected", arguments: Token.allCases)
    func subMustEqualExpectedURI(token: Token) {
        let error = expectVerificationError(.statusVerificationError) {
            _ = try token.verify(expectedURI: "https://example.com/statuslists/2")
        }
        #expect(error?.detail.contains("sub") == true)
    }

    @Test("the validity window: iat (with clock skew) .. exp (exclusive)", arguments: Token.allCases)
    func validityWindow(token: Token) throws {
        let iat = TimeInterval(DraftExamples.issuedAt)
        let exp = TimeInterval(DraftExamples.expiresAt)
        // Inside the window, at its edges, and iat slightly in the future (within the default 300 s skew).
        for time in [iat, iat - 299, exp - 1] {
            _ = try token.verify(at: Date(timeIntervalSince1970: time))
        }
        // RFC 7519 §4.1.4: the current time MUST be before exp, so exp itself is already expired.
        for time in [exp, exp + 1, exp + 86_400 * 365] {
            let error = expectVerificationError(.statusVerificationError, "at \(time)") {
                _ = try token.verify(at: Date(timeIntervalSince1970: time))
            }
            #expect(error?.detail.contains("exp") == true)
        }
        // Issued too far in the future for the skew.
        expectVerificationError(.statusVerificationError) { _ = try token.verify(at: Date(timeIntervalSince1970: iat - 301)) }
        var strict = StatusListVerifier.Limits()
        strict.clockSkew = 0
        expectVerificationError(.statusVerificationError) { _ = try token.verify(at: Date(timeIntervalSince1970: iat - 1), limits: strict) }
    }

    @Test("ttl is capped at Limits.maximumTTLSeconds", arguments: Token.allCases)
    func ttlIsBounded(token: Token) throws {
        var limits = StatusListVerifier.Limits()
        limits.maximumTTLSeconds = 600
        #expect(try token.verify(limits: limits).ttlSeconds == 600)
        limits.maximumTTLSeconds = 43_200
        #expect(try token.verify(limits: limits).ttlSeconds == 43_200)
    }

    @Test("a wrong key, a key of another algorithm, an unknown kid or no keys at all is a STATUS_VERIFICATION_ERROR", arguments: Token.allCases)
    func untrustedKeys(token: Token) throws {
        var otherP256 = TrustedKeys()
        otherP256.add(SigningKey.generate(.es256).verificationKey, keyID: "12")
        var ed25519 = TrustedKeys()
        ed25519.add(SigningKey.generate(.edDSA).verificationKey, keyID: "12")
        let underAnotherKid = try DraftExamples.shared.trustedKeys(keyID: "13")
        for (name, keys) in [("other P-256 key", otherP256), ("Ed25519 key", ed25519), ("kid 13", underAnotherKid), ("empty", TrustedKeys())] {
            expectVerificationError(.statusVerificationError, "\(name)") { _ = try token.verify(trustedKeys: keys) }
        }
        let unknownKid = expectVerificationError(.statusVerificationError) { _ = try token.verify(trustedKeys: underAnotherKid) }
        #expect(unknownKid?.detail.contains("12") == true, "the message names the unknown kid")
    }

    @Test("the example key in a JWK Set (kid 12) verifies both tokens", arguments: Token.allCases)
    func jwksTrust(token: Token) throws {
        let keys = try TrustedKeys(jwks: JWKSet(keys: [DraftExamples.shared.exampleKeyPublicJWK]))
        #expect(try token.verify(trustedKeys: keys).keyID == "12")
    }

    @Test("a tampered JWT payload or signature is a STATUS_VERIFICATION_ERROR")
    func tamperedJWT() throws {
        let jwt = DraftExamples.shared.jwt
        // Same claims except one status bit flipped: eNrbuRgAAhcBXQ is B9 A3; the list below decodes to B8 A3.
        let original = String(decoding: payload(of: jwt), as: UTF8.self)
        let replacement = try Bitstring(lsbFirstBytes: [0xB8, 0xA3], entrySize: .one).ietfEncodedList()
        let flippedStatus = original.replacingOccurrences(of: "eNrbuRgAAhcBXQ", with: replacement)
        #expect(flippedStatus != original)
        let longerTTL = original.replacingOccurrences(of: "43200", with: "86400")
        for tampered in [flippedStatus, longerTTL] {
            let token = replacingPayload(of: jwt, with: Data(tampered.utf8))
            expectVerificationError(.statusVerificationError) { _ = try Token.jwt.verify(Data(token.utf8)) }
        }
        // Flip bits in the middle of the signature (the last character carries padding bits and may not change it).
        var signature = Array(jwt.split(separator: ".")[2])
        signature[10] = signature[10] == "A" ? "B" : "A"
        let badSignature = jwt.split(separator: ".").prefix(2).joined(separator: ".") + "." + String(signature)
        expectVerificationError(.statusVerificationError) { _ = try Token.jwt.verify(Data(badSignature.utf8)) }
        // A truncated signature and an unsigned token.
        let truncated = String(jwt.dropLast(4))
        expectVerificationError(.statusVerificationError) { _ = try Token.jwt.verify(Data(truncated.utf8)) }
        let unsigned = base64URL(Data(#"{"alg":"none","kid":"12","typ":"statuslist+jwt"}"#.utf8)) + "." + jwt.split(separator: ".")[1] + "."
        expectVerificationError(.statusVerificationError) { _ = try Token.jwt.verify(Data(unsigned.utf8)) }
    }

    @Test("a tampered CWT payload, protected header or signature is a STATUS_VERIFICATION_ERROR")
    func tamperedCWT() throws {
        let hex = DraftExamples.shared.cwtHex
        // 65534 (ttl): 43200 -> 43201 inside the signed payload.
        let ttl = hex.replacingOccurrences(of: "19fffe19a8c0", with: "19fffe19a8c1")
        // The last byte of the zlib stream in lst (same length, so the CBOR stays well-formed).
        let lst = hex.replacingOccurrences(of: "78dadbb918000217015d", with: "78dadbb918000217015e")
        // typ "Application/statuslist+cwt" still matches case-insensitively, so only the signature can catch it.
        let typ = hex.replacingOccurrences(of: "6170706c69636174696f6e2f", with: "4170706c69636174696f6e2f")
        var signature = Data(hex: hex)
        signature[signature.count - 1] ^= 0x01
        for (name, tampered) in [("ttl", Data(hex: ttl)), ("lst", Data(hex: lst)), ("typ", Data(hex: typ)), ("signature", signature)] {
            #expect(tampered != DraftExamples.shared.cwt, "\(name) fixture must differ")
            expectVerificationError(.statusVerificationError, "\(name)") { _ = try Token.cwt.verify(tampered) }
        }
    }

    @Test("the generic verify(_:mediaType:) dispatches on the media type and sniffs without one", arguments: Token.allCases)
    func genericDispatch(token: Token) throws {
        let keys = try DraftExamples.shared.trustedKeys()
        let mediaTypes: [String?] = [
            token.format.rawValue, token.format.rawValue.uppercased(), "\(token.format.rawValue); charset=utf-8", nil, "application/octet-stream",
        ]
        for mediaType in mediaTypes {
            let list = try StatusListVerifier.verify(
                token.body,
                mediaType: mediaType,
                expectedURL: DraftExamples.uri,
                trustedKeys: keys,
                at: DraftExamples.validTime
            )
            #expect(list.format == token.format, "media type \(mediaType ?? "none")")
            #expect(list.bitstring.count == 16)
            #expect(try list.check(StatusListReference(idx: 3, uri: DraftExamples.uri)).status == 1)
            #expect(try StatusListVerifier.format(of: token.body, mediaType: mediaType) == token.format)
        }
        // Dispatch applies the same rules: wrong uri, expiry.
        expectVerificationError(.statusVerificationError) {
            _ = try StatusListVerifier.verify(
                token.body,
                mediaType: nil,
                expectedURL: "https://example.com/other",
                trustedKeys: keys,
                at: DraftExamples.validTime
            )
        }
        expectVerificationError(.statusVerificationError) {
            _ = try StatusListVerifier.verify(
                token.body,
                mediaType: nil,
                expectedURL: DraftExamples.uri,
                trustedKeys: keys,
                at: Date(timeIntervalSince1970: TimeInterval(DraftExamples.expiresAt + 1))
            )
        }
    }

    @Test("a JWT body with surrounding whitespace still verifies")
    func jwtWithWhitespace() throws {
        let body = Data("\n \(DraftExamples.shared.jwt)\r\n".utf8)
        let keys = try DraftExamples.shared.trustedKeys()
        for mediaType in ["application/statuslist+jwt", nil] {
            let list = try StatusListVerifier.verify(
                body,
                mediaType: mediaType,
                expectedURL: DraftExamples.uri,
                trustedKeys: keys,
                at: DraftExamples.validTime
            )
            #expect(list.format == .ietfJWT)
        }
    }

    @Test("the JWT given as a CWT and the CWT given as a JWT are rejected")
    func mediaTypeMismatch() throws {
        let keys = try DraftExamples.shared.trustedKeys()
        expectVerificationError(.statusVerificationError) {
            _ = try StatusListVerifier.verify(
                Token.jwt.body,
                mediaType: "application/statuslist+cwt",
                expectedURL: DraftExamples.uri,
                trustedKeys: keys,
                at: DraftExamples.validTime
            )
        }
        do {
            _ = try StatusListVerifier.verify(
                Token.cwt.body,
                mediaType: "application/statuslist+jwt",
                expectedURL: DraftExamples.uri,
                trustedKeys: keys,
                at: DraftExamples.validTime
            )
            Issue.record("a CWT verified as a JWT")
        } catch {
            // Binary CBOR is neither UTF-8 text nor a JWS: malformed or unverifiable, never accepted.
            #expect([.malformedValueError, .statusVerificationError].contains(error.kind))
        }
    }

    @Test("unrecognisable bodies are a STATUS_RETRIEVAL_ERROR when no media type says what they are")
    func unrecognisedBodies() {
        for body in [Data(), Data("<html>".utf8), Data([0x00, 0x01]), Data("   ".utf8)] {
            expectVerificationError(.statusRetrievalError, "body \(body.hex)") { _ = try StatusListVerifier.format(of: body, mediaType: nil) }
            expectVerificationError(.statusRetrievalError, "body \(body.hex)") { _ = try StatusListVerifier.format(of: body, mediaType: "text/html") }
        }
    }

    @Test("an IETF list cannot answer a W3C entry")
    func w3cEntryAgainstIETFList() throws {
        let list = try Token.jwt.verify()
        let entry = try BitstringStatusListEntry(statusPurpose: .revocation, statusListIndex: 0, statusListCredential: DraftExamples.uri)
        expectVerificationError(.statusVerificationError) { _ = try list.check(entry, minimumEntries: 1) }
    }

    @Test("signing the example statement with the example private key reproduces the draft's JWT signing input")
    func signerReproducesDraftJWT() throws {
        let examples = DraftExamples.shared
        let signer = StatusListSigningKey(key: try examples.signingKey, keyID: "12", verificationMethod: "https://example.com#12")
        let statement = StatusListStatement(
            url: DraftExamples.uri,
            issuer: DraftExamples.issuer,
            bitstring: try Bitstring(lsbFirstBytes: [0xB9, 0xA3], entrySize: .one),
            purposes: [],
            issuedAt: Date(timeIntervalSince1970: TimeInterval(DraftExamples.issuedAt)),
            validUntil: Date(timeIntervalSince1970: TimeInterval(DraftExamples.expiresAt)),
            ttlSeconds: DraftExamples.ttl
        )
        let jwt = try StatusListSigner.statusListJWT(statement, signer: signer, level: 9)
        // ES256 signatures are randomised; header and payload are canonical JSON and must match the draft's bytes.
        #expect(jwt.split(separator: ".").prefix(2) == examples.jwt.split(separator: ".").prefix(2))
        #expect(jwt != examples.jwt)
        let list = try Token.jwt.verify(Data(jwt.utf8))
        #expect((0..<16).map { list.bitstring[$0] } == DraftExamples.statuses)

        let cwt = try StatusListSigner.statusListCWT(statement, signer: signer, level: 9)
        let ours = try COSESign1.parse(cwt)
        let theirs = try COSESign1.parse(examples.cwt)
        #expect(ours.protectedHeaderBytes == theirs.protectedHeaderBytes, "protected {1: -7, 16: \"application/statuslist+cwt\"}")
        #expect(ours.kid == Data("12".utf8))
        let claims = try CBOR.decode(ours.payload)
        let exampleClaims = try CBOR.decode(theirs.payload)
        for label: Int64 in [2, 6, 4, 65534, 65533] {
            #expect(claims[CBOR(label)] == exampleClaims[CBOR(label)], "claim \(label)")
        }
        #expect(claims[CBOR(Int64(1))] == .textString(DraftExamples.issuer))
        let verified = try Token.cwt.verify(cwt)
        #expect(verified.issuer == DraftExamples.issuer)
        #expect((0..<16).map { verified.bitstring[$0] } == DraftExamples.statuses)
    }
}
