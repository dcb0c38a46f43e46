import Foundation
import Signing
import StatusList
import StatusListSecuring
import Testing

/// How TrustedKeys finds keys by `kid` and by Data Integrity verification method.
@Suite("TrustedKeys")
struct TrustedKeysTests {
    static let did = Fixture.did

    @Test("a JWK Set trusts its keys by kid, and by thumbprint when they have none")
    func jwks() throws {
        let first = SigningKey.generate(.es256).verificationKey
        let second = SigningKey.generate(.edDSA).verificationKey
        let keys = try TrustedKeys(jwks: JWKSet(keys: [first.jwk(keyID: "a"), second.jwk(keyID: nil)]))
        #expect(keys.key(keyID: "a") == first)
        #expect(keys.key(keyID: second.thumbprint) == second)
        #expect(keys.key(keyID: "b") == nil)
        #expect(keys.key(keyID: nil) == nil, "two keys: a missing kid is ambiguous")
        // A verification method matches a JWKS key by its fragment.
        #expect(keys.key(verificationMethod: "\(Self.did)#a") == first)
        #expect(keys.key(verificationMethod: "a") == first)
        #expect(!keys.isEmpty)
        #expect(TrustedKeys().isEmpty)
    }

    @Test("a DID document trusts its assertion methods, by method id and by fragment")
    func didDocument() throws {
        let assertion = SigningKey.generate(.es256).verificationKey
        let document = try DIDDocument(id: Self.did, keys: [assertion.jwk(keyID: "key-1")])
        let keys = try TrustedKeys(didDocument: document)
        #expect(keys.key(verificationMethod: "\(Self.did)#key-1") == assertion)
        #expect(keys.key(keyID: "key-1") == assertion)
        #expect(keys.key(keyID: nil) == assertion, "one key: a missing kid resolves to it")
    }

    @Test("methods that are only for authentication are not trusted for status lists")
    func authenticationOnly() throws {
        let assertion = SigningKey.generate(.es256).verificationKey
        let authentication = SigningKey.generate(.es256).verificationKey
        var document = try DIDDocument(id: Self.did, keys: [assertion.jwk(keyID: "sign"), authentication.jwk(keyID: "login")])
        document.assertionMethod = ["\(Self.did)#sign"]
        let keys = try TrustedKeys(didDocument: document)
        #expect(keys.key(verificationMethod: "\(Self.did)#sign") == assertion)
        #expect(keys.key(verificationMethod: "\(Self.did)#login") == nil)
        #expect(keys.key(keyID: "login") == nil)
    }

    @Test("a DID document with relative method references (#kid) is understood")
    func relativeReferences() throws {
        let signer = Fixture.signer(.edDSA)
        let jwk = signer.key.verificationKey.jwk(keyID: signer.keyID)
        let jwkJSON = String(decoding: try JSONEncoder().encode(jwk), as: UTF8.self)
        // Relative ids are common in published did:web documents.
        let json = """
            {"@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"], "id": "\(Self.did)",
             "verificationMethod": [{"id": "#\(signer.keyID)", "type": "JsonWebKey", "controller": "\(Self.did)", "publicKeyJwk": \(jwkJSON)}],
             "assertionMethod": ["#\(signer.keyID)"]}
            """
        let document = try JSONDecoder().decode(DIDDocument.self, from: Data(json.utf8))
        let keys = try TrustedKeys(didDocument: document)
        #expect(keys.key(verificationMethod: Fixture.verificationMethod) == signer.key.verificationKey)

        // Mixed: absolute method id, relative assertionMethod reference.
        let mixed = json.replacingOccurrences(of: "\"id\": \"#\(signer.keyID)\"", with: "\"id\": \"\(Fixture.verificationMethod)\"")
        #expect(mixed != json)
        let mixedKeys = try TrustedKeys(didDocument: JSONDecoder().decode(DIDDocument.self, from: Data(mixed.utf8)))
        #expect(mixedKeys.key(verificationMethod: Fixture.verificationMethod) == signer.key.verificationKey)

        // And a Data Integrity credential whose proof names did:web:...#key-1 verifies with it.
        let body = try Fixture.secured(Fixture.statement(), as: .w3cDataIntegrity, signer: signer)
        let list = try StatusListVerifier.verify(body, mediaType: nil, expectedURL: Fixture.url, trustedKeys: keys, at: Fixture.verifyTime)
        #expect(list.keyID == Fixture.verificationMethod)
    }

    @Test("a method controlled by another DID is not trusted")
    func foreignController() throws {
        let key = SigningKey.generate(.es256).verificationKey
        var document = try DIDDocument(id: Self.did, keys: [key.jwk(keyID: "key-1")])
        document.verificationMethod[0].controller = "did:web:other.example"
        let keys = try TrustedKeys(didDocument: document)
        #expect(keys.key(verificationMethod: "\(Self.did)#key-1") == nil)
    }

    @Test("a vc+jwt whose kid is the full DID URL resolves through the fragment", arguments: [true, false])
    func didURLKid(useDIDDocument: Bool) throws {
        let signer = Fixture.signer(.es256, keyID: Fixture.keyID)
        let credential = try StatusListSigner.w3cCredential(Fixture.statement(), level: 6)
        let withDIDURL = StatusListSigningKey(key: signer.key, keyID: Fixture.verificationMethod, verificationMethod: Fixture.verificationMethod)
        let token = try StatusListSigner.credentialJWT(credential, signer: withDIDURL)
        let keys = try useDIDDocument ? Fixture.didTrust(signer) : Fixture.jwksTrust(signer)
        let list = try StatusListVerifier.verify(
            Data(token.utf8),
            mediaType: nil,
            expectedURL: Fixture.url,
            trustedKeys: keys,
            at: Fixture.verifyTime
        )
        #expect(list.keyID == Fixture.verificationMethod)
    }

    @Test("add and merge: the first key registered under a kid wins")
    func addAndMerge() throws {
        let first = SigningKey.generate(.es256).verificationKey
        let second = SigningKey.generate(.es256).verificationKey
        var keys = TrustedKeys()
        keys.add(first, keyID: "k", verificationMethod: "did:web:a.example#k")
        var other = TrustedKeys()
        other.add(second, keyID: "k")
        other.add(second, keyID: "k2")
        keys.merge(other)
        #expect(keys.key(keyID: "k") == first)
        #expect(keys.key(keyID: "k2") == second)
        #expect(keys.key(verificationMethod: "did:web:a.example#k") == first)
    }
}
