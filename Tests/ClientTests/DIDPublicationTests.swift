import Client
import Foundation
import Signing
import Testing

/// The pure check behind `standing identities activate`.
@Suite struct DIDPublicationTests {
    static let did = "did:web:uni.example"

    func method(_ key: SigningKey, kid: String = "k1") -> DIDDocument.VerificationMethod {
        DIDDocument.VerificationMethod(id: "\(Self.did)#\(kid)", type: "JsonWebKey", controller: Self.did, publicKeyJwk: key.verificationKey.jwk(keyID: kid))
    }

    @Test func aDocumentPublishesAKeyOnlyWithTheSameKeyUnderAssertionMethod() throws {
        let key = SigningKey.generate(.es256)
        let expected = method(key)
        let good = DIDDocument(context: [DIDDocument.didContext], id: Self.did, verificationMethod: [expected], authentication: [], assertionMethod: [expected.id])
        try DIDPublication.check(good, publishes: expected)
        let relative = DIDDocument(context: [DIDDocument.didContext], id: Self.did, verificationMethod: [expected], authentication: [], assertionMethod: ["#k1"])
        try DIDPublication.check(relative, publishes: expected)

        let wrongKey = DIDDocument(
            context: [DIDDocument.didContext], id: Self.did, verificationMethod: [method(SigningKey.generate(.es256))], authentication: [],
            assertionMethod: [expected.id])
        #expect(throws: StandingAdminError.self) { try DIDPublication.check(wrongKey, publishes: expected) }
        let notAsserted = DIDDocument(context: [DIDDocument.didContext], id: Self.did, verificationMethod: [expected], authentication: [expected.id], assertionMethod: [])
        #expect(throws: StandingAdminError.self) { try DIDPublication.check(notAsserted, publishes: expected) }
        let otherDID = DIDDocument(context: [DIDDocument.didContext], id: "did:web:other.example", verificationMethod: [expected], authentication: [], assertionMethod: [expected.id])
        #expect(throws: StandingAdminError.self) { try DIDPublication.check(otherDID, publishes: expected) }
    }
}
