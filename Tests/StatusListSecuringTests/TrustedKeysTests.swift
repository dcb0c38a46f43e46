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

/// TrustedKeys matches a DID key only by its full DID URL, and says where each key came from.
@Suite("TrustedKeys provenance")
struct TrustedKeysProvenanceTests {
    @Test("a verification method of another DID never finds a DID key with the same fragment")
    func noCrossDIDFragmentMatch() throws {
        let key = SigningKey.generate(.es256).verificationKey
        let keys = try TrustedKeys(didDocument: DIDDocument(id: "did:web:a.example", keys: [key.jwk(keyID: "key-1")]))
        #expect(keys.key(verificationMethod: "did:web:a.example#key-1") == key)
        #expect(keys.key(verificationMethod: "did:web:b.example#key-1") == nil, "another DID's method")
        #expect(keys.key(keyID: "did:web:b.example#key-1") == nil, "a DID URL kid of another DID")
        #expect(keys.key(keyID: "key-1") == key, "a bare kid names the fragment")
        #expect(keys.controllers(of: key) == ["did:web:a.example"] && !keys.isPinned(key) && keys.contains(key))

        // A Data Integrity list whose proof names did:web:b...#key-1, signed with a's key, does not verify.
        let signer = StatusListSigningKey(key: try #require(Fixture.keys[.es256]), keyID: "key-1", verificationMethod: "did:web:b.example#key-1")
        let aKeys = try TrustedKeys(didDocument: DIDDocument(id: "did:web:a.example", keys: [signer.key.verificationKey.jwk(keyID: "key-1")]))
        let body = try Fixture.secured(Fixture.statement(), as: .w3cDataIntegrity, signer: signer)
        let error = expectVerificationError(.statusVerificationError) {
            _ = try StatusListVerifier.verify(body, mediaType: nil, expectedURL: Fixture.url, trustedKeys: aKeys, at: Fixture.verifyTime)
        }
        #expect(error?.detail.contains("did:web:b.example#key-1") == true, "\(String(describing: error))")
    }

    @Test("pinned keys match a method by fragment and belong to no DID; merged sets keep every controller")
    func provenance() throws {
        let shared = SigningKey.generate(.es256).verificationKey
        let pinned = try TrustedKeys(jwks: JWKSet(keys: [shared.jwk(keyID: "k")]))
        #expect(pinned.key(verificationMethod: "did:web:any.example#k") == shared && pinned.isPinned(shared))
        #expect(pinned.controllers(of: shared).isEmpty)
        var merged = try TrustedKeys(didDocument: DIDDocument(id: "did:web:service.example", keys: [shared.jwk(keyID: "s")]))
        merged.merge(try TrustedKeys(didDocument: DIDDocument(id: "did:web:uni.example", keys: [shared.jwk(keyID: "u")])))
        #expect(merged.controllers(of: shared) == ["did:web:service.example", "did:web:uni.example"])
        #expect(!merged.isPinned(shared))
        let didKey = TrustedKeys(didKey: shared.didKey)
        #expect(didKey.controllers(of: shared) == [shared.didKey.did])
        #expect(didKey.key(verificationMethod: shared.didKey.verificationMethodID) == shared)
    }
}
