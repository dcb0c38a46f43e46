import Foundation
import Signing
import StatusList
import Testing

@testable import StatusListSecuring

/// The IETF `status_list.aggregation_uri` (draft-ietf-oauth-status-list §4.2, §4.3, §9) and the W3C subject's message
/// table (REC §2.2 text, w3c/vc-bitstring-status-list issue 175), signed and verified in every form.
@Suite("aggregation_uri and the W3C subject's message table")
struct AggregationAndSubjectTableTests {
    static let signer = Fixture.signer(.es256)
    static let aggregation = "https://status.example/status/aggregation/did:web:uni.example.es"

    func verify(_ body: Data, _ format: VerifiedStatusList.Format, statusSize: StatusSize = .one) throws -> VerifiedStatusList {
        try StatusListVerifier.verify(
            body, mediaType: format.rawValue, expectedURL: Fixture.url, trustedKeys: try Fixture.jwksTrust(Self.signer),
            statusSize: statusSize, at: Fixture.verifyTime)
    }

    @Test("the token's aggregation_uri is signed into the JWT and the CWT and read back", arguments: [
        VerifiedStatusList.Format.ietfJWT, .ietfCWT,
    ])
    func aggregationURIRoundTrips(format: VerifiedStatusList.Format) throws {
        var statement = Fixture.statement()
        statement.aggregationURI = Self.aggregation
        let list = try verify(try Fixture.secured(statement, as: format, signer: Self.signer), format)
        #expect(list.aggregationURI == Self.aggregation)
        #expect(list.bitstring == statement.bitstring)
        // Without one, nothing is invented.
        #expect(try verify(try Fixture.secured(Fixture.statement(), as: format, signer: Self.signer), format).aggregationURI == nil)
    }

    @Test("in the CWT, aggregation_uri is a text-string member of the StatusList map (§4.3), not a claim of its own")
    func cwtPlacesItInTheStatusListMap() throws {
        var statement = Fixture.statement()
        statement.aggregationURI = Self.aggregation
        let message = try COSESign1.parse(try Fixture.secured(statement, as: .ietfCWT, signer: Self.signer))
        let claims = try CBOR.decode(message.payload)
        let statusList = try #require(claims[CBOR(StatusListSigner.CWTClaim.statusList)])
        #expect(statusList[.textString("aggregation_uri")] == .textString(Self.aggregation))
        #expect(claims.entries?.count == 6, "sub, iss, iat, exp, ttl, status_list: no extra claim")
    }

    @Test("a CWT whose aggregation_uri is not a text string holding an absolute URI is a MALFORMED_VALUE_ERROR", arguments: [
        CBOR(Int64(7)), .textString("relative/path"), .byteString(Data("https://a.example".utf8)),
    ])
    func malformedCWTAggregationURI(value: CBOR) throws {
        let claims: [(key: CBOR, value: CBOR)] = [
            (key: 2, value: .textString(Fixture.url)),
            (key: 6, value: CBOR(Int64(Fixture.issuedAt.timeIntervalSince1970))),
            (key: 4, value: CBOR(Int64(Fixture.validUntil.timeIntervalSince1970))),
            (key: 65533, value: ["bits": 1, "lst": .byteString(Data(try Fixture.oneBitList.ietfCompressed())), "aggregation_uri": value]),
        ]
        let cwt = try COSESign1.sign(
            payload: CBOR.map(claims).encoded(), key: Self.signer.key, kid: Data(Self.signer.keyID.utf8),
            protectedHeader: [(key: COSEHeaderParameter.type, value: .textString(StatusListSigner.statusListCWTType))])
        expectVerificationError(.malformedValueError) { _ = try verify(cwt, .ietfCWT) }
    }

    @Test("a message list's subject carries statusSize and statusMessages in both W3C forms, and verifies", arguments: [
        VerifiedStatusList.Format.w3cDataIntegrity, .w3cJWT,
    ])
    func subjectTableRoundTrips(format: VerifiedStatusList.Format) throws {
        var statement = Fixture.statement(Fixture.twoBitList, purposes: [.message])
        statement.statusMessages = Fixture.messages
        let body = try Fixture.secured(statement, as: format, signer: Self.signer)
        let list = try verify(body, format, statusSize: StatusSize(bits: 2))
        #expect(list.subjectStatusMessages == Fixture.messages)
        // Checked against an entry that carries its own table (the authoritative placement).
        let entry = try Fixture.entry(0, purpose: .message, statusSize: 2, messages: Fixture.messages)
        let result = try list.check(entry)
        #expect(result.message == Fixture.messages[Int(Fixture.twoBitList[0])].message)

        let credential = try StatusListSigner.w3cCredential(statement, level: 6)
        #expect(credential.credentialSubject.statusSize == 2)
        #expect(credential.credentialSubject.statusMessages == Fixture.messages)
    }

    @Test("an entry without a table reads its message from the subject's table when the list states one")
    func subjectTableGivesTheMessageOfAnEntryWithout() throws {
        var statement = Fixture.statement()
        let messages = try [StatusMessage(value: 0, message: "in force"), StatusMessage(value: 1, message: "withdrawn")]
        statement.statusMessages = messages
        let list = try verify(try Fixture.secured(statement, as: .w3cDataIntegrity, signer: Self.signer), .w3cDataIntegrity)
        let revoked = try #require(Fixture.revokedIndices.first)
        #expect(try list.check(try Fixture.entry(revoked)).message == "withdrawn")
        // An entry's own table wins over the subject's.
        let own = try [StatusMessage(value: 0, message: "ok"), StatusMessage(value: 1, message: "gone")]
        #expect(try list.check(try Fixture.entry(revoked, statusSize: 1, messages: own)).message == "gone")
        // Without a subject table, the REC's defaults.
        let plain = try verify(try Fixture.secured(Fixture.statement(), as: .w3cDataIntegrity, signer: Self.signer), .w3cDataIntegrity)
        #expect(try plain.check(try Fixture.entry(revoked)).message == "set")
    }
}
