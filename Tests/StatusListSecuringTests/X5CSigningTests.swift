import Foundation
import Signing
import StatusList
import StatusListSecuring
import Testing

/// A signer with an X.509 chain: the IETF tokens carry it as JWS `x5c` (RFC 7515 §4.1.6, standard base64) and COSE
/// `x5chain` (header 33, RFC 9360 §2) in the protected header, beside `kid`; without a chain nothing changes.
@Suite("IETF Status List Tokens with an x5c chain")
struct X5CSigningTests {
    /// A CA, an intermediate CA and a status-signing leaf for ``Fixture``'s ES256 key.
    struct Chain {
        let root: X509Certificate
        let intermediate: X509Certificate
        let leaf: X509Certificate

        /// Leaf first, anchor left out (OpenID4VC HAIP 1.0 §6.1).
        var der: [Data] { [leaf.derEncoded, intermediate.derEncoded] }

        init(for key: SigningKey) throws {
            let rootKey = SigningKey.generate(.es256)
            let intermediateKey = SigningKey.generate(.es384)
            root = try X509Certificate.selfSigned(
                name: CertificateName(commonName: "Test Root CA", country: "ES"), key: rootKey,
                validFrom: Fixture.issuedAt.addingTimeInterval(-86_400), validUntil: Fixture.validUntil.addingTimeInterval(86_400 * 365))
            intermediate = try X509Certificate.issue(
                name: CertificateName(commonName: "Test Issuing CA"), publicKey: intermediateKey.verificationKey, issuer: root,
                issuerKey: rootKey, validFrom: Fixture.issuedAt.addingTimeInterval(-3_600),
                validUntil: Fixture.validUntil.addingTimeInterval(86_400 * 30), isCertificateAuthority: true)
            leaf = try X509Certificate.issue(
                name: CertificateName(commonName: "Status signer"), publicKey: key.verificationKey, issuer: intermediate,
                issuerKey: intermediateKey, validFrom: Fixture.issuedAt.addingTimeInterval(-60), validUntil: Fixture.validUntil)
        }
    }

    static func chainedSigner(_ algorithm: SignatureAlgorithm, certificates: Int = 2) throws -> StatusListSigningKey {
        var signer = Fixture.signer(algorithm)
        signer.certificateChain = Array(try Chain(for: signer.key).der.prefix(certificates))
        return signer
    }

    @Test("JWT: x5c is the chain in standard base64, kid stays, the token verifies with the leaf's key", arguments: SignatureAlgorithm.allCases)
    func jwtCarriesChain(algorithm: SignatureAlgorithm) throws {
        let signer = try Self.chainedSigner(algorithm)
        let token = try StatusListSigner.statusListJWT(Fixture.statement(), signer: signer, level: 9)
        let jws = try CompactJWS(parsing: token)
        #expect(jws.header.certificateChain == signer.certificateChain)
        #expect(jws.header.keyID == signer.keyID)
        #expect(jws.header.type == StatusListSigner.statusListJWTType)
        // RFC 7515 §4.1.6: each entry is base64 (RFC 4648 §4, padded alphabet with + and /), not base64url.
        let x5cValues = try #require(jws.header["x5c"]?.arrayValue)
        let x5c = x5cValues.compactMap(\.stringValue)
        #expect(x5c == signer.certificateChain.map { $0.base64EncodedString() })
        let leafKey = try X509Certificate(derEncoded: signer.certificateChain[0]).publicKey()
        #expect(leafKey == signer.key.verificationKey)
        try jws.verify(with: leafKey, expectedType: StatusListSigner.statusListJWTType)

        // The payload is the same as without a chain: only the header changes.
        let plain = try CompactJWS(parsing: try StatusListSigner.statusListJWT(Fixture.statement(), signer: Fixture.signer(algorithm), level: 9))
        #expect(plain.header.certificateChain == nil)
        #expect(plain.payload == jws.payload)
        // And the existing verifier, trusting the kid, still accepts the token.
        let verified = try StatusListVerifier.verifyIETFJWT(token, expectedURI: Fixture.url, trustedKeys: try Fixture.jwksTrust(signer), at: Fixture.verifyTime)
        #expect(verified.bitstring == Fixture.oneBitList)
    }

    @Test("CWT: x5chain (33) is protected, one certificate a bstr, several an array of bstr; kid stays unprotected", arguments: [1, 2])
    func cwtCarriesChain(certificates: Int) throws {
        let signer = try Self.chainedSigner(.es256, certificates: certificates)
        let token = try StatusListSigner.statusListCWT(Fixture.statement(), signer: signer, level: 9)
        let message = try COSESign1.parse(token)
        let chainValue: CBOR = certificates == 1 ? .byteString(signer.certificateChain[0]) : .array(signer.certificateChain.map(CBOR.byteString))
        let expectedProtected: CBOR = .map([
            (key: COSEHeaderParameter.algorithm, value: CBOR(Int64(-7))),
            (key: COSEHeaderParameter.type, value: .textString(StatusListSigner.statusListCWTType)),
            (key: COSEHeaderParameter.x5chain, value: chainValue),
        ])
        #expect(message.protectedHeaderBytes == expectedProtected.encoded())
        #expect(message.protectedHeader.contains { $0.key == COSEHeaderParameter.x5chain })
        #expect(!message.unprotectedHeader.contains { $0.key == COSEHeaderParameter.x5chain })
        #expect(message.x5chain == signer.certificateChain)
        #expect(message.unprotectedHeader.map(\.key) == [COSEHeaderParameter.keyIdentifier])
        #expect(message.kid == Data(signer.keyID.utf8))
        try message.verify(with: try X509Certificate(derEncoded: signer.certificateChain[0]).publicKey())

        let verified = try StatusListVerifier.verifyIETFCWT(token, expectedURI: Fixture.url, trustedKeys: try Fixture.jwksTrust(signer), at: Fixture.verifyTime)
        #expect(verified.bitstring == Fixture.oneBitList)
    }

    @Test("without a chain the tokens have neither x5c nor x5chain (the draft-example test checks the exact bytes)")
    func noChainNoHeader() throws {
        let signer = Fixture.signer(.es256)
        #expect(signer.certificateChain.isEmpty)
        let jws = try CompactJWS(parsing: try StatusListSigner.statusListJWT(Fixture.statement(), signer: signer, level: 9))
        #expect(jws.header["x5c"] == nil)
        #expect(Set(jws.header.json.keys) == ["alg", "kid", "typ"])
        let message = try COSESign1.parse(try StatusListSigner.statusListCWT(Fixture.statement(), signer: signer, level: 9))
        #expect(message.x5chain == nil)
        #expect(message.protectedHeader.map(\.key) == [COSEHeaderParameter.algorithm, COSEHeaderParameter.type])
    }

    @Test("the chain is signed over: altering x5c in a JWT breaks its signature")
    func chainIsProtected() throws {
        let signer = try Self.chainedSigner(.es256)
        let token = try StatusListSigner.statusListJWT(Fixture.statement(), signer: signer, level: 9)
        let jws = try CompactJWS(parsing: token)
        var header = jws.header.json
        header["x5c"] = .array([.string(signer.certificateChain[0].base64EncodedString())])
        let forgedHeader = Base64URL.encode(try JSONValue.object(header).canonicalData())
        let parts = token.split(separator: ".")
        let forged = try CompactJWS(parsing: [forgedHeader, String(parts[1]), String(parts[2])].joined(separator: "."))
        #expect(throws: SigningError(.badSignature)) { try forged.verify(with: signer.key.verificationKey) }
    }
}
