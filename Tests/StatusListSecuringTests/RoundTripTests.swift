import Foundation
import Signing
import StatusList
import StatusListSecuring
import Testing

/// Every representation StatusListSigner produces verifies through StatusListVerifier with our own keys, and comes
/// back with the same entries and metadata.
@Suite("Sign and verify round trips")
struct RoundTripTests {
    static let formats = VerifiedStatusList.Format.allCases
    static let algorithms: [SignatureAlgorithm] = [.es256, .edDSA]

    /// How the verifier comes to trust the issuer's key.
    enum TrustSource: CaseIterable {
        case jwks, didDocument

        func keys(for signer: StatusListSigningKey) throws -> TrustedKeys {
            switch self {
            case .jwks: try Fixture.jwksTrust(signer)
            case .didDocument: try Fixture.didTrust(signer)
            }
        }
    }

    @Test("a 131,072-entry 1-bit list round-trips", arguments: formats, algorithms)
    func oneBitRoundTrip(format: VerifiedStatusList.Format, algorithm: SignatureAlgorithm) throws {
        let signer = Fixture.signer(algorithm)
        let statement = Fixture.statement()
        let body = try Fixture.secured(statement, as: format, signer: signer)
        for source in TrustSource.allCases {
            for mediaType in [format.rawValue, nil] {
                let list = try StatusListVerifier.verify(
                    body,
                    mediaType: mediaType,
                    expectedURL: Fixture.url,
                    trustedKeys: try source.keys(for: signer),
                    at: Fixture.verifyTime
                )
                #expect(list.format == format, "\(source), media type \(mediaType ?? "sniffed")")
                #expect(list.bitstring == statement.bitstring)
                #expect(list.bitstring.nonZeroCount == Fixture.revokedIndices.count)
                #expect(list.url == Fixture.url)
                #expect(list.issuer == Fixture.did)
                #expect(list.issuedAt == Fixture.issuedAt)
                #expect(list.validUntil == Fixture.validUntil)
                #expect(list.ttlSeconds == Fixture.ttlSeconds)
                #expect(list.purposes == (format.isW3C ? [.revocation] : []))
                // Data Integrity names its verification method; JOSE and COSE name the kid.
                #expect(list.keyID == (format == .w3cDataIntegrity ? Fixture.verificationMethod : Fixture.keyID))
            }
        }

        let list = try StatusListVerifier.verify(
            body,
            mediaType: nil,
            expectedURL: Fixture.url,
            trustedKeys: try Fixture.jwksTrust(signer),
            at: Fixture.verifyTime
        )
        let revoked = Set(Fixture.revokedIndices)
        for index in Fixture.revokedIndices.prefix(20) + [1, 2, 9, 65_536, 131_070].filter({ !revoked.contains($0) }) {
            let expected = revoked.contains(index) ? 1 : 0
            let result: StatusCheckResult
            if format.isW3C {
                result = try list.check(Fixture.entry(index))
                #expect(result.purpose == "revocation")
                #expect(result.message == (expected == 1 ? "set" : "unset"))
            } else {
                result = try list.check(StatusListReference(idx: index, uri: Fixture.url))
                #expect(result.purpose == nil)
                #expect(result.message == (expected == 1 ? "INVALID" : "VALID"))
            }
            #expect(result.status == expected, "index \(index)")
            #expect(result.valid == (expected == 0), "index \(index)")
        }
    }

    @Test("a 2-bit list with values 0-3 round-trips; W3C message entries get their messages", arguments: formats, algorithms)
    func twoBitRoundTrip(format: VerifiedStatusList.Format, algorithm: SignatureAlgorithm) throws {
        let signer = Fixture.signer(algorithm)
        let statement = Fixture.statement(Fixture.twoBitList, purposes: [.message])
        let body = try Fixture.secured(statement, as: format, signer: signer)
        let list = try StatusListVerifier.verify(
            body,
            mediaType: nil,
            expectedURL: Fixture.url,
            trustedKeys: try Fixture.didTrust(signer),
            statusSize: .two,
            at: Fixture.verifyTime
        )
        #expect(list.bitstring == Fixture.twoBitList)
        #expect(list.bitstring.entrySize == .two)
        #expect(list.bitstring.count == 131_072)
        let ietfNames = ["VALID", "INVALID", "SUSPENDED", "APPLICATION_SPECIFIC"]
        for index in [0, 1, 2, 3, 4_093, 4_094, 4_095, 4_096, 131_071] {
            let expected = Int(Fixture.twoBitList[index])
            if format.isW3C {
                let result = try list.check(Fixture.entry(index, purpose: .message, statusSize: 2, messages: Fixture.messages))
                #expect(result.status == expected, "index \(index)")
                #expect(result.valid == (expected == 0))
                #expect(result.purpose == "message")
                #expect(result.message == Fixture.messages[expected].message)
            } else {
                let result = try list.check(StatusListReference(idx: index, uri: Fixture.url))
                #expect(result.status == expected, "index \(index)")
                #expect(result.valid == (expected == 0))
                #expect(result.message == ietfNames[expected])
            }
        }
    }

    @Test("signer output has the wire shapes the specifications require", arguments: algorithms)
    func wireShapes(algorithm: SignatureAlgorithm) throws {
        let signer = Fixture.signer(algorithm)
        let statement = Fixture.statement()

        let credential = try JSONValue(parsing: try Fixture.secured(statement, as: .w3cDataIntegrity, signer: signer))
        #expect(credential["id"] == .string(Fixture.url))
        #expect(credential["issuer"] == .string(Fixture.did))
        #expect(credential["validFrom"] == .string("2025-06-15T15:06:40Z"))
        #expect(credential["credentialSubject"]?["ttl"] == .number(Double(Fixture.ttlSeconds * 1000)), "W3C ttl is in milliseconds")
        #expect(credential["credentialSubject"]?["encodedList"]?.stringValue?.hasPrefix("u") == true)
        #expect(credential["proof"]?["verificationMethod"] == .string(Fixture.verificationMethod))
        #expect(credential["proof"]?["cryptosuite"] == .string(algorithm == .edDSA ? "eddsa-jcs-2022" : "ecdsa-jcs-2019"))

        let vcJWT = try CompactJWS(parsing: String(decoding: try Fixture.secured(statement, as: .w3cJWT, signer: signer), as: UTF8.self))
        #expect(vcJWT.header.type == "vc+jwt")
        #expect(vcJWT.header.keyID == Fixture.keyID)
        #expect(vcJWT.header.algorithm == algorithm.rawValue)

        let jwt = try CompactJWS(parsing: String(decoding: try Fixture.secured(statement, as: .ietfJWT, signer: signer), as: UTF8.self))
        #expect(jwt.header.type == "statuslist+jwt")
        let claims = try jwt.payloadJSON()
        #expect(claims["sub"] == .string(Fixture.url))
        #expect(claims["iat"] == .number(Fixture.issuedAt.timeIntervalSince1970))
        #expect(claims["exp"] == .number(Fixture.validUntil.timeIntervalSince1970))
        #expect(claims["ttl"] == .number(Double(Fixture.ttlSeconds)), "IETF ttl is in seconds")
        #expect(claims["status_list"]?["bits"] == .number(1))

        let cwtBytes = try Fixture.secured(statement, as: .ietfCWT, signer: signer)
        #expect(cwtBytes.first == 0xD2, "COSE_Sign1_Tagged (18), never the CWT tag 61")
        let cwt = try COSESign1.parse(cwtBytes)
        #expect(cwt.typ == "application/statuslist+cwt")
        #expect(cwt.algorithm == algorithm)
        let cwtClaims = try CBOR.decode(cwt.payload)
        #expect(cwtClaims[CBOR(Int64(65533))]?[.textString("lst")]?.bytes != nil, "lst is a byte string")
        #expect(cwtClaims[CBOR(Int64(65534))] == CBOR(Int64(Fixture.ttlSeconds)))
    }

    @Test("a W3C list serving several purposes answers each of them", arguments: [VerifiedStatusList.Format.w3cDataIntegrity, .w3cJWT])
    func multiplePurposes(format: VerifiedStatusList.Format) throws {
        let signer = Fixture.signer(.edDSA)
        let body = try Fixture.secured(Fixture.statement(purposes: [.revocation, .suspension]), as: format, signer: signer)
        let list = try StatusListVerifier.verify(
            body,
            mediaType: format.rawValue,
            expectedURL: Fixture.url,
            trustedKeys: try Fixture.jwksTrust(signer),
            at: Fixture.verifyTime
        )
        #expect(list.purposes == [.revocation, .suspension])
        let index = Fixture.revokedIndices[3]
        #expect(try list.check(Fixture.entry(index, purpose: .revocation)).status == 1)
        #expect(try list.check(Fixture.entry(index, purpose: .suspension)).purpose == "suspension")
        expectVerificationError(.statusVerificationError) { _ = try list.check(Fixture.entry(index, purpose: .message, statusSize: 1)) }
    }

    @Test("an ES384 key signs every form too", arguments: formats)
    func es384(format: VerifiedStatusList.Format) throws {
        let signer = Fixture.signer(.es384)
        let body = try Fixture.secured(Fixture.statement(), as: format, signer: signer)
        let list = try StatusListVerifier.verify(
            body,
            mediaType: nil,
            expectedURL: Fixture.url,
            trustedKeys: try Fixture.didTrust(signer),
            at: Fixture.verifyTime
        )
        #expect(list.bitstring == Fixture.oneBitList)
    }
}
