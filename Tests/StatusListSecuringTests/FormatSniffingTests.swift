import Foundation
import Signing
import StatusList
import StatusListSecuring
import Testing

/// `verify(_:mediaType: nil, ...)` tells the two JWT forms apart by parsing the JWS once and goes on from that parse:
/// the outcome must be that of the explicit verifier for the sniffed form, for good and for broken tokens.
@Suite("JWT format sniffing without a media type")
struct FormatSniffingTests {
    static let signer = Fixture.signer(.es256)

    private func verifyUnlabelled(_ body: Data) throws(StatusVerificationError) -> VerifiedStatusList {
        let keys: TrustedKeys
        do { keys = try Fixture.jwksTrust(Self.signer) } catch { throw StatusVerificationError(.statusVerificationError, "fixture: \(error)") }
        return try StatusListVerifier.verify(body, mediaType: nil, expectedURL: Fixture.url, trustedKeys: keys, at: Fixture.verifyTime)
    }

    @Test("unlabelled statuslist+jwt and vc+jwt bodies verify like their explicit verifiers, whitespace around them or not")
    func goodTokens() throws {
        let keys = try Fixture.jwksTrust(Self.signer)
        let statusListJWT = try Fixture.secured(Fixture.statement(), as: .ietfJWT, signer: Self.signer)
        let vcJWT = try Fixture.secured(Fixture.statement(), as: .w3cJWT, signer: Self.signer)
        let explicitIETF = try StatusListVerifier.verifyIETFJWT(
            String(decoding: statusListJWT, as: UTF8.self),
            expectedURI: Fixture.url,
            trustedKeys: keys,
            at: Fixture.verifyTime
        )
        let explicitW3C = try StatusListVerifier.verifyW3CJWT(String(decoding: vcJWT, as: UTF8.self), trustedKeys: keys, at: Fixture.verifyTime)
        for (body, explicit) in [(statusListJWT, explicitIETF), (vcJWT, explicitW3C)] {
            for wrapped in [body, Data(" \n".utf8) + body + Data("\r\n".utf8)] {
                let sniffed = try verifyUnlabelled(wrapped)
                #expect(sniffed.format == explicit.format)
                #expect(sniffed.bitstring == explicit.bitstring && sniffed.bitstring == Fixture.oneBitList)
                #expect(sniffed.url == explicit.url && sniffed.keyID == explicit.keyID && sniffed.validUntil == explicit.validUntil)
                #expect(try StatusListVerifier.format(of: wrapped, mediaType: nil) == explicit.format)
            }
        }
    }

    @Test("a JWS that does not parse is sniffed as vc+jwt, as before, and fails with the W3C verifier's error")
    func brokenTokens() throws {
        let keys = try Fixture.jwksTrust(Self.signer)
        let token = String(decoding: try Fixture.secured(Fixture.statement(), as: .ietfJWT, signer: Self.signer), as: UTF8.self)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        // The header says statuslist+jwt in each, but the token as a whole is not a compact JWS.
        let broken = [
            parts[0] + "." + parts[1] + "=." + parts[2],
            parts[0] + "." + parts[1],
            parts[0] + "." + parts[1] + "." + parts[2] + ".x",
            parts[0] + "." + parts[1] + ".",
            parts[0] + "." + parts[1] + "." + parts[2].dropLast() + "\u{301}",
        ]
        for text in broken {
            let body = Data(text.utf8)
            #expect(try StatusListVerifier.format(of: body, mediaType: nil) == .w3cJWT)
            let expected = expectVerificationError(.statusVerificationError, "\(text.suffix(12))") {
                _ = try StatusListVerifier.verifyW3CJWT(text, trustedKeys: keys, at: Fixture.verifyTime)
            }
            let sniffed = expectVerificationError(.statusVerificationError, "\(text.suffix(12))") { _ = try verifyUnlabelled(body) }
            #expect(sniffed?.detail == expected?.detail)
        }
    }

    @Test("an unlabelled token with a bad signature or another typ is refused after the single parse")
    func refusedTokens() throws {
        let token = String(decoding: try Fixture.secured(Fixture.statement(), as: .ietfJWT, signer: Self.signer), as: UTF8.self)
        let tampered = replacingPayload(of: token, with: payload(of: token) + Data(" ".utf8))
        expectVerificationError(.statusVerificationError) { _ = try verifyUnlabelled(Data(tampered.utf8)) }
        let claims = try JSONValue(parsing: payload(of: token))
        let otherType = try CompactJWS.sign(json: claims, key: Self.signer.key, type: "JWT", keyID: Self.signer.keyID)
        // typ JWT is not statuslist+jwt, so the body goes down the vc+jwt path, whose typ check refuses it.
        #expect(try StatusListVerifier.format(of: Data(otherType.utf8), mediaType: nil) == .w3cJWT)
        expectVerificationError(.statusVerificationError) { _ = try verifyUnlabelled(Data(otherType.utf8)) }
    }
}
