import Foundation
import Testing

@testable import Signing

@Suite("did:key and did:web")
struct DIDTests {
    static let vectorDIDs: [(String, SignatureAlgorithm)] = [
        ("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", .edDSA),
        ("did:key:zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP", .es256),
        ("did:key:z82LkuBieyGShVBhvtE2zoiD6Kma4tJGFtkAhxR5pfkp5QPw4LutoYWhvQCnGjdVn14kujQ", .es384),
    ]

    @Test("did:key from the W3C vectors resolves and re-encodes identically", arguments: vectorDIDs)
    func didKeyVectors(did: String, algorithm: SignatureAlgorithm) throws {
        let didKey = try DIDKey(did)
        #expect(didKey.key.algorithm == algorithm)
        #expect(didKey.did == did)
        let fragment = String(did.dropFirst("did:key:".count))
        #expect(didKey.verificationMethodID == did + "#" + fragment)
        #expect(try DIDKey.resolveVerificationMethod(did + "#" + fragment) == didKey.key)
    }

    @Test("did:key round-trips our keys", arguments: SignatureAlgorithm.allCases)
    func didKeyRoundTrip(algorithm: SignatureAlgorithm) throws {
        let key = SigningKey.generate(algorithm).verificationKey
        let prefix = [SignatureAlgorithm.edDSA: "z6Mk", .es256: "zDna", .es384: "z82L"][algorithm]
        #expect(key.multikey.hasPrefix(try #require(prefix)))
        #expect(try DIDKey(key.didKey.did).key == key)
        #expect(try DIDKey(key.didKey.verificationMethodID).key == key)
    }

    @Test("did:key rejects malformed identifiers")
    func didKeyRejects() throws {
        let valid = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
        expectSigningError(.malformed) { _ = try DIDKey("did:web:example.com") }
        expectSigningError(.malformed) { _ = try DIDKey("did:key:") }
        expectSigningError(.malformed) { _ = try DIDKey("did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ0") }
        expectSigningError(.malformed) { _ = try DIDKey("did:key:\(valid)#zOther") }
        expectSigningError(.malformed) { _ = try DIDKey("did:key:\(valid)/path") }
        expectSigningError(.unsupportedAlgorithm) { _ = try DIDKey("did:key:u\(valid.dropFirst())") }
        // secp256k1-pub (0xe7) is a valid multicodec but not one Standing accepts.
        let secp256k1 = Multibase.encodeBase58BTC(UnsignedVarint.encode(0xe7) + [UInt8](repeating: 2, count: 33))
        expectSigningError(.unsupportedAlgorithm) { _ = try DIDKey("did:key:\(secp256k1)") }
        // Right codec, wrong length.
        let shortEd = Multibase.encodeBase58BTC(UnsignedVarint.encode(0xed) + [UInt8](repeating: 1, count: 31))
        expectSigningError(.invalidKey) { _ = try DIDKey("did:key:\(shortEd)") }
        // P-256 codec with an uncompressed point.
        let uncompressed = SigningKey.generate(.es256).verificationKey.rawRepresentation
        let p256Uncompressed = Multibase.encodeBase58BTC(UnsignedVarint.encode(0x1200) + Array(uncompressed))
        expectSigningError(.invalidKey) { _ = try DIDKey("did:key:\(p256Uncompressed)") }
        // Compressed-point prefix on an x that is not on the curve (x = 1: x³ - 3x + b is not a square mod p).
        var offCurve = [UInt8](repeating: 0, count: 33)
        offCurve[0] = 0x02
        offCurve[32] = 0x01
        let p256OffCurve = Multibase.encodeBase58BTC(UnsignedVarint.encode(0x1200) + offCurve)
        expectSigningError(.invalidKey) { _ = try DIDKey("did:key:\(p256OffCurve)") }
        expectSigningError(.unknownKey) { _ = try DIDKey.resolveVerificationMethod("did:web:example.com#key-1") }
    }

    @Test(
        "did:web from a base URL",
        arguments: [
            ("https://example.com", "did:web:example.com"),
            ("https://example.com/", "did:web:example.com"),
            ("https://Example.COM:8443", "did:web:example.com%3A8443"),
            ("https://example.com/issuers/1", "did:web:example.com:issuers:1"),
            ("https://registry.example.eu:3000/a/b/", "did:web:registry.example.eu%3A3000:a:b"),
            ("https://example.com/user%20one", "did:web:example.com:user%20one"),
        ]
    )
    func didWebFromURL(url: String, did: String) throws {
        #expect(try DIDWeb.did(forBaseURL: try #require(URL(string: url))) == did)
    }

    @Test(
        "did:web rejects URLs that cannot name a DID",
        arguments: ["ftp://example.com", "https://u:p@example.com", "https://example.com/?q=1", "https://example.com/#f"]
    )
    func didWebRejects(url: String) throws {
        let parsed = try #require(URL(string: url))
        expectSigningError(.malformed) { _ = try DIDWeb.did(forBaseURL: parsed) }
    }

    @Test(
        "did:web document URL",
        arguments: [
            ("did:web:example.com", "https://example.com/.well-known/did.json"),
            ("did:web:example.com%3A8443", "https://example.com:8443/.well-known/did.json"),
            ("did:web:example.com:issuers:1", "https://example.com/issuers/1/did.json"),
            ("did:web:example.com#key-1", "https://example.com/.well-known/did.json"),
        ]
    )
    func didWebDocumentURL(did: String, url: String) throws {
        #expect(try DIDWeb.documentURL(for: did).absoluteString == url)
    }

    @Test(
        "did:web document URL rejects malformed DIDs",
        arguments: ["did:key:z6Mk", "did:web:", "did:web:example.com::a", "did:web:exa/mple.com", "did:web:example.com:a%2Fb"]
    )
    func didWebDocumentURLRejects(did: String) {
        expectSigningError(.malformed) { _ = try DIDWeb.documentURL(for: did) }
    }

    @Test("DID document and JWKS agree on kids; lookup honours relationships")
    func didDocument() throws {
        let did = try DIDWeb.did(forBaseURL: try #require(URL(string: "https://issuer.example.com")))
        let ed = SigningKey.generate(.edDSA)
        let p256 = SigningKey.generate(.es256)
        var named = try p256.jwk(keyID: "status-2025")
        named.d = nil
        let document = try DIDWeb.document(did: did, keys: [try ed.jwk, named])
        #expect(document.context == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"])
        #expect(document.verificationMethod.map(\.id) == ["\(did)#\(ed.verificationKey.thumbprint)", "\(did)#status-2025"])
        #expect(document.verificationMethod.allSatisfy { $0.type == "JsonWebKey" && $0.controller == did })
        #expect(document.verificationMethod.allSatisfy { $0.publicKeyJwk?.d == nil })
        #expect(document.assertionMethod == document.verificationMethod.map(\.id))
        #expect(document.authentication == document.verificationMethod.map(\.id))

        let jwks = document.jwks
        #expect(jwks.keys.map(\.kid) == [ed.verificationKey.thumbprint, "status-2025"])
        for method in document.verificationMethod {
            let kid = try #require(method.id.split(separator: "#").last.map(String.init))
            #expect(try jwks.verificationKey(withID: kid) == (try method.verificationKey()))
        }

        #expect(try document.verificationKey(for: "\(did)#status-2025") == p256.verificationKey)
        #expect(try document.verificationKey(for: "#status-2025") == p256.verificationKey)
        expectSigningError(.unknownKey) { _ = try document.verificationKey(for: "\(did)#nope") }
        expectSigningError(.unknownKey) { _ = try document.verificationKey(for: "did:web:other.example#status-2025") }

        // Decoding what we encode gives the same document, with @context as an array.
        let encoded = try JSONEncoder().encode(document)
        #expect(try JSONDecoder().decode(DIDDocument.self, from: encoded) == document)
        let json = try JSONValue(parsing: encoded)
        #expect(json["@context"]?.arrayValue?.count == 2)
    }

    @Test("DID document builder rejects duplicate kids and kids that cannot be fragments")
    func didDocumentRejects() throws {
        let key = SigningKey.generate(.es256).verificationKey
        expectSigningError(.invalidKey) { _ = try DIDDocument(id: "did:web:example.com", keys: [key.jwk, key.jwk]) }
        expectSigningError(.invalidKey) { _ = try DIDDocument(id: "did:web:example.com", keys: [key.jwk(keyID: "a b")]) }
        var broken = key.jwk
        broken.x = "AAAA"
        expectSigningError(.invalidKey) { _ = try DIDDocument(id: "did:web:example.com", keys: [broken]) }
    }

    @Test("foreign DID documents decode: string @context, embedded methods, Multikey, unauthorised methods")
    func foreignDocument() throws {
        let key = SigningKey.generate(.edDSA).verificationKey
        let other = SigningKey.generate(.es256).verificationKey
        let text = """
            {"@context":"https://www.w3.org/ns/did/v1","id":"did:web:example.org","service":[],
             "verificationMethod":[{"id":"did:web:example.org#mk","type":"Multikey","controller":"did:web:example.org",
                                    "publicKeyMultibase":"\(key.multikey)"}],
             "authentication":[{"id":"#auth","type":"JsonWebKey","controller":"did:web:example.org",
                                "publicKeyJwk":\(String(decoding: try JSONEncoder().encode(other.jwk), as: UTF8.self))}],
             "assertionMethod":["#mk"]}
            """
        let document = try JSONDecoder().decode(DIDDocument.self, from: Data(text.utf8))
        #expect(document.context == ["https://www.w3.org/ns/did/v1"])
        #expect(document.verificationMethod.count == 2)
        #expect(try document.verificationKey(for: "did:web:example.org#mk") == key)
        #expect(try document.verificationKey(for: "#auth", relationship: .authentication) == other)
        expectSigningError(.unknownKey) { _ = try document.verificationKey(for: "#auth") }
    }
}
