import Foundation
import NIOHTTP1
import Signing
import StandingAPI
import StatusListSecuring
import Store
import Testing

@testable import Server
import StandingTestSupport

/// An x509 signing identity end to end: the CSR the service makes for the issuer's key, a CA certifying it, the chain
/// import (checked: key, usage), then the issuer's Status List Tokens carry the chain as `x5c` (JWT) and `x5chain`
/// (CWT) and verify with the leaf's key.
@Suite struct X509IdentityTests {
    /// A placeholder for `id-kp-oauthStatusSigning` (still `{ id-kp TBD }`): the server's setting.
    static let usage = "1.3.6.1.5.5.7.3.99"

    @Test(arguments: [["issuer": "uni", "kind": "x509", "country": "ESP"], ["issuer": "uni", "kind": "x509", "commonName": ""]])
    func aSubjectTheCSRCannotNameIsRefusedBeforeAnythingIsStored(body: [String: String]) async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let refused = try await server.admin(.POST, "/admin/identities", json: body)
        #expect(refused.status == 400 && refused.text.contains("certificate subject"), "\(refused.text)")
        #expect(try await server.admin(.GET, "/admin/identities/uni").status == 404)
        #expect(try await server.store.signingIdentities().isEmpty)
        let keyFolder = server.directory.appendingPathComponent("keys/issuers")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: keyFolder.path)) ?? []).isEmpty, "no key generated")
    }

    @Test func anX509IdentitySignsWithItsCheckedChainOnceImported() async throws {
        let server = try await TestServer.start(configure: { $0.statusSigningUsage = Self.usage })
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "revocation", "owner": "uni", "id": "uni-x509"])
        let created = try await server.admin(
            .POST, "/admin/identities",
            json: [
                "issuer": "uni", "kind": "x509", "switchExistingLists": true, "commonName": "Status signer", "organization": "Universidad",
                "country": "ES",
            ])
        #expect(created.status == 201, "\(created.text)")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let identity = try decoder.decode(SigningIdentityInfo.self, from: created.body)
        let request = try VerifiedCertificateSigningRequest(pemEncoded: try #require(identity.certificateSigningRequest))
        #expect(request.subject == "CN=Status signer,O=Universidad,C=ES")
        let again = try await server.admin(.GET, "/admin/identities/uni/csr")
        #expect(again.status == 200 && again.header("Content-Type") == "application/pkcs10", "\(again.text)")
        #expect(try VerifiedCertificateSigningRequest(pemEncoded: again.text).publicKey == request.publicKey)

        // The issuer's CA: a root the verifier pins and an issuing CA that certifies the requested key.
        let now = Date()
        let rootKey = SigningKey.generate(.es256)
        let root = try X509Certificate.selfSigned(
            name: CertificateName(commonName: "Universidad Root CA"), key: rootKey, validFrom: now.addingTimeInterval(-3_600),
            validUntil: now.addingTimeInterval(86_400 * 365))
        let issuingKey = SigningKey.generate(.es256)
        let issuing = try X509Certificate.issue(
            name: CertificateName(commonName: "Universidad Issuing CA"), publicKey: issuingKey.verificationKey, issuer: root, issuerKey: rootKey,
            validFrom: now.addingTimeInterval(-3_600), validUntil: now.addingTimeInterval(86_400 * 90), isCertificateAuthority: true)
        func leaf(usages: [String], key: VerificationKey = request.publicKey) throws -> X509Certificate {
            try X509Certificate.issue(
                name: CertificateName(commonName: "Status signer", organization: "Universidad", country: "ES"), publicKey: key, issuer: issuing,
                issuerKey: issuingKey, validFrom: now.addingTimeInterval(-600), validUntil: now.addingTimeInterval(86_400 * 30),
                extendedKeyUsages: usages)
        }

        // Refused: without the configured usage, and for another key; the identity keeps waiting.
        let withoutUsage = try await server.admin(.POST, "/admin/identities/uni/chain", json: ["pem": try leaf(usages: []).pemEncoded + issuing.pemEncoded])
        #expect(withoutUsage.status == 400, "\(withoutUsage.text)")
        #expect(withoutUsage.text.contains("lacks the status-signing extended key usage \(Self.usage)"), "\(withoutUsage.text)")
        let otherKey = try leaf(usages: [Self.usage], key: SigningKey.generate(.es256).verificationKey)
        let forOtherKey = try await server.admin(.POST, "/admin/identities/uni/chain", json: ["pem": otherKey.pemEncoded + issuing.pemEncoded])
        #expect(forOtherKey.status == 400 && forOtherKey.text.contains("the chain is for another key"), "\(forOtherKey.text)")

        let certified = try leaf(usages: [Self.usage])
        let imported = try await server.admin(.POST, "/admin/identities/uni/chain", json: ["pem": certified.pemEncoded + issuing.pemEncoded])
        #expect(imported.status == 200, "\(imported.text)")
        let chain = [certified.derEncoded, issuing.derEncoded]

        // The issuer's list is re-signed with the chain in both IETF forms.
        let jwtURL = "/status/\(list)"
        let carriesChain = try await eventually(timeout: .seconds(5)) {
            let response = try await server.request(.GET, jwtURL, headers: [("Accept", "application/statuslist+jwt")])
            return (try? CompactJWS(parsing: response.text))?.header.certificateChain == chain
        }
        #expect(carriesChain)
        let jws = try CompactJWS(parsing: try await server.request(.GET, jwtURL, headers: [("Accept", "application/statuslist+jwt")]).text)
        try jws.verify(with: try certified.publicKey(), expectedType: StatusListSigner.statusListJWTType)
        let path = try await CertificateChainVerification.validate(chain: try X509Certificate.parseChain(der: chain), anchors: [root], at: Date())
        #expect(path.last == root)
        let cwt = try COSESign1.parse(try await server.request(.GET, jwtURL, headers: [("Accept", "application/statuslist+cwt")]).body)
        #expect(cwt.protectedHeader.contains { $0.key == COSEHeaderParameter.x5chain })
        #expect(cwt.x5chain == chain)
        try cwt.verify(with: try certified.publicKey())
    }
}
