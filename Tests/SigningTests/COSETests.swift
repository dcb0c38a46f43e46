import Crypto
import Foundation
import Testing

@testable import Signing

private func bytes(fromHex hex: String) -> Data {
    var data = Data()
    var index = hex.startIndex
    while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
        guard let byte = UInt8(hex[index..<next], radix: 16) else { break }
        data.append(byte)
        index = next
    }
    return data
}

private func hex(_ data: Data) -> String {
    data.map { String(format: "%02x", $0) }.joined()
}

private func base64URLDecoded(_ text: String) -> Data? {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    return Data(base64Encoded: base64)
}

/// Examples and key from draft-ietf-oauth-status-list, copied from
/// Tests/StatusListSecuringTests/Vectors/ietf-draft-examples.json and specs/status-lists.md §2.3–2.4.
private enum DraftExample {
    /// The Status List Token CWT (§5.2 example).
    static let statusListCWT =
        "d2845820a2012610781a6170706c69636174696f6e2f7374617475736c6973742b637774a1044231325850a502782168747470733a2f2f"
        + "6578616d706c652e636f6d2f7374617475736c697374732f31061a648c5bea041a8898dfea19fffe19a8c019fffda26462697473016"
        + "36c73744a78dadbb918000217015d584093fa4d01032b18c35e2fe1101b77fd6cc9440022caa4694450c4e4e9feab4e99d1fa6d977"
        + "2ce2bf3a12e0323ded7c982c5e101a5e67f0cbc1e2b6f57ce99c279"

    /// The Referenced Token CWT (§6 example).
    static let referencedTokenCWT =
        "d28443a10126a1044231325866a502653132333435017368747470733a2f2f6578616d706c652e636f6d061a648c5bea041a8898dfea"
        + "19ffffa16b7374617475735f6c697374a2636964780063757269782168747470733a2f2f6578616d706c652e636f6d2f7374617475"
        + "736c697374732f315840340f7efea10f1a36dc4797636a17b4dd4848b68997d1d10e8cceb3a38ff33b3dda72964a83989f6cf98560"
        + "c2fc97a08bc8977cc6b0f84cfedab93d3e4481e938"

    static let x = "I3HWm_0Ds1dPMI-IWmf4mBmH-YaeAVbPVu7vB27CxXo"
    static let y = "6N_d5Elj9bs1htgV3okJKIdbHEpkgTmAluYKJemzn1M"
    /// The private scalar from the draft's src/util.py (specs/status-lists.md §2.3).
    static let d = "xzUEdsyLosZF0acZGRAjTKImb0lQvAvssDK5XIZELd0"

    static let statusList: CBOR = ["bits": 1, "lst": .byteString(bytes(fromHex: "78dadbb918000217015d"))]

    static let statusListClaims: CBOR = [
        2: "https://example.com/statuslists/1",
        6: 1_686_920_170,
        4: 2_291_720_170,
        65534: 43200,
        65533: statusList,
    ]

    static func publicKey() throws -> VerificationKey {
        let x = try #require(base64URLDecoded(x))
        let y = try #require(base64URLDecoded(y))
        let point = try P256.Signing.PublicKey(x963Representation: Data([0x04]) + x + y)
        return VerificationKey(storage: .p256(point))
    }

    static func privateKey() throws -> SigningKey {
        let scalar = try #require(base64URLDecoded(d))
        return SigningKey(storage: .p256(try P256.Signing.PrivateKey(rawRepresentation: scalar)))
    }
}

/// Builds a COSE_Sign1 by hand, for structures ``COSESign1/sign`` refuses to produce.
private func handMadeSign1(
    protected: CBOR,
    unprotected: CBOR = [:],
    payload: Data = Data("payload".utf8),
    signedWith key: SigningKey? = nil
) throws -> Data {
    let protectedBytes = protected == [:] ? Data() : protected.encoded()
    var signature = Data(repeating: 0, count: 64)
    if let key {
        signature = try key.sign(COSESign1.signatureStructure(protectedHeaderBytes: protectedBytes, payload: payload))
    }
    let message: CBOR = .tagged(18, [.byteString(protectedBytes), unprotected, .byteString(payload), .byteString(signature)])
    return message.encoded()
}

@Suite("COSE_Sign1")
struct COSETests {
    @Test("The draft's Status List Token CWT parses to the documented headers and claims")
    func parsesStatusListExample() throws {
        let encoded = bytes(fromHex: DraftExample.statusListCWT)
        let message = try COSESign1.parse(encoded)
        #expect(message.isTagged)
        #expect(hex(message.protectedHeaderBytes) == "a2012610781a6170706c69636174696f6e2f7374617475736c6973742b637774")
        #expect(CBOR.map(message.protectedHeader) == [1: -7, 16: "application/statuslist+cwt"])
        #expect(CBOR.map(message.unprotectedHeader) == [4: .byteString(Data("12".utf8))])
        #expect(message.algorithm == .es256)
        #expect(message.typ == "application/statuslist+cwt")
        #expect(message.kid == Data("12".utf8))
        #expect(message.x5chain == nil)
        #expect(message.signature.count == 64)

        let claims = try CBOR.decode(message.payload)
        #expect(claims == DraftExample.statusListClaims)
        #expect(claims[65533]?["bits"]?.int == 1)
        #expect(claims[4]?.int == 2_291_720_170)
        // The example's claim order is not the sorted one; insertion order reproduces the bytes.
        #expect(claims.encoded() == message.payload)
        #expect(claims.encoded(.coreDeterministic) != message.payload)
    }

    @Test("The draft's Status List Token CWT verifies with the example key")
    func verifiesStatusListExample() throws {
        let message = try COSESign1.parse(bytes(fromHex: DraftExample.statusListCWT))
        try message.verify(with: DraftExample.publicKey())
        #expect(try DraftExample.privateKey().verificationKey == DraftExample.publicKey())
    }

    @Test("The draft's Referenced Token CWT parses and verifies with the same key")
    func referencedTokenExample() throws {
        let message = try COSESign1.parse(bytes(fromHex: DraftExample.referencedTokenCWT))
        #expect(CBOR.map(message.protectedHeader) == [1: -7])
        #expect(message.typ == nil)
        #expect(message.kid == Data("12".utf8))
        let claims = try CBOR.decode(message.payload)
        let expected: CBOR = [
            2: "12345",
            1: "https://example.com",
            6: 1_686_920_170,
            4: 2_291_720_170,
            65535: ["status_list": ["idx": 0, "uri": "https://example.com/statuslists/1"]],
        ]
        #expect(claims == expected)
        try message.verify(with: DraftExample.publicKey())
    }

    @Test("Signing the example claims with the example key reproduces every byte but the signature")
    func reproducesExampleBytes() throws {
        let signed = try COSESign1.sign(
            payload: DraftExample.statusListClaims.encoded(),
            key: DraftExample.privateKey(),
            typ: "application/statuslist+cwt",
            kid: Data("12".utf8)
        )
        let example = bytes(fromHex: DraftExample.statusListCWT)
        // ECDSA signatures are randomised: compare everything before the 64 signature bytes.
        #expect(signed.count == example.count)
        #expect(hex(signed.dropLast(64)) == hex(example.dropLast(64)))
        try COSESign1.parse(signed).verify(with: DraftExample.publicKey())
    }

    @Test("Tampering with the payload, protected header or signature breaks verification")
    func tamperingFails() throws {
        let example = bytes(fromHex: DraftExample.statusListCWT)
        let key = try DraftExample.publicKey()

        // Payload: "https://example.com/..." becomes "https://examplf.com/...".
        let payloadOffset = try #require(example.range(of: Data("example.com/statuslists".utf8))).lowerBound + 6
        var tamperedPayload = example
        tamperedPayload[payloadOffset] ^= 0x03
        #expect(throws: SigningError(.badSignature)) { try COSESign1.parse(tamperedPayload).verify(with: key) }

        // Protected header: "statuslist+cwt" becomes "statuslist+cwu".
        let typOffset = try #require(example.range(of: Data("+cwt".utf8))).upperBound - 1
        var tamperedHeader = example
        tamperedHeader[typOffset] ^= 0x01
        #expect(throws: SigningError(.badSignature)) { try COSESign1.parse(tamperedHeader).verify(with: key) }

        var tamperedSignature = example
        tamperedSignature[tamperedSignature.endIndex - 1] ^= 0x01
        #expect(throws: SigningError(.badSignature)) { try COSESign1.parse(tamperedSignature).verify(with: key) }

        // The unprotected header is not signed: changing the kid leaves the signature valid.
        let kidOffset = try #require(example.range(of: bytes(fromHex: "a1044231"))).upperBound
        var otherKid = example
        otherKid[kidOffset] = UInt8(ascii: "3")
        let relabeled = try COSESign1.parse(otherKid)
        #expect(relabeled.kid == Data("13".utf8))
        try relabeled.verify(with: key)
    }

    @Test("A key of the right algorithm but the wrong value fails; a key of another algorithm is refused")
    func wrongKeys() throws {
        let message = try COSESign1.parse(bytes(fromHex: DraftExample.statusListCWT))
        #expect(throws: SigningError(.badSignature)) { try message.verify(with: SigningKey.generate(.es256).verificationKey) }
        #expect(throws: SigningError(.invalidKey)) { try message.verify(with: SigningKey.generate(.es384).verificationKey) }
        #expect(throws: SigningError(.invalidKey)) { try message.verify(with: SigningKey.generate(.edDSA).verificationKey) }
    }

    @Test("Tag 18 is required by default; the CWT tag 61 and other tags are rejected")
    func tagHandling() throws {
        let example = bytes(fromHex: DraftExample.statusListCWT)
        let untagged = example.dropFirst()
        let missingTag = #expect(throws: SigningError(.malformed)) { try COSESign1.parse(untagged) }
        #expect(missingTag?.reason.contains("tag 18") == true)

        let optional = try COSESign1.parse(untagged, tagPolicy: .optional)
        #expect(!optional.isTagged)
        try optional.verify(with: DraftExample.publicKey())

        for policy in [COSESign1.TagPolicy.required, .optional] {
            let cwtWrapped = #expect(throws: SigningError(.malformed)) { try COSESign1.parse(bytes(fromHex: "d83d") + example, tagPolicy: policy) }
            #expect(cwtWrapped?.reason.contains("61") == true)
            // COSE_Mac0 (17) and arbitrary tags around the array are not a COSE_Sign1.
            #expect(throws: SigningError(.malformed)) { try COSESign1.parse(bytes(fromHex: "d1") + untagged, tagPolicy: policy) }
            #expect(throws: SigningError(.malformed)) { try COSESign1.parse(bytes(fromHex: "c1") + untagged, tagPolicy: policy) }
            // Tag 18 around tag 18 leaves no array inside.
            #expect(throws: SigningError(.malformed)) { try COSESign1.parse(bytes(fromHex: "d2") + example, tagPolicy: policy) }
        }
    }

    @Test("Sign then verify round-trips", arguments: SignatureAlgorithm.allCases)
    func signAndVerify(algorithm: SignatureAlgorithm) throws {
        let key = SigningKey.generate(algorithm)
        let payload = DraftExample.statusListClaims.encoded()
        let signed = try COSESign1.sign(
            payload: payload,
            key: key,
            typ: "application/statuslist+cwt",
            kid: Data("key-1".utf8),
            protectedHeader: [(key: 3, value: "application/cwt")],
            unprotectedHeader: [(key: "note", value: "unsigned")]
        )
        #expect(signed.first == 0xd2)
        let message = try COSESign1.parse(signed)
        #expect(message.algorithm == algorithm)
        #expect(message.protectedHeader.first?.value.int == algorithm.coseAlgorithmIdentifier)
        #expect(message.typ == "application/statuslist+cwt")
        #expect(message.headerValue(3) == "application/cwt")
        #expect(message.headerValue("note") == "unsigned")
        #expect(message.kid == Data("key-1".utf8))
        #expect(message.payload == payload)
        #expect(message.signature.count == (algorithm == .es384 ? 96 : 64))
        try message.verify(with: key.verificationKey)
        #expect(throws: SigningError(.badSignature)) { try message.verify(with: SigningKey.generate(algorithm).verificationKey) }
    }

    @Test("COSE algorithm identifiers")
    func algorithmIdentifiers() {
        #expect(SignatureAlgorithm.es256.coseAlgorithmIdentifier == -7)
        #expect(SignatureAlgorithm.es384.coseAlgorithmIdentifier == -35)
        #expect(SignatureAlgorithm.edDSA.coseAlgorithmIdentifier == -8)
        for algorithm in SignatureAlgorithm.allCases {
            #expect(SignatureAlgorithm(coseAlgorithmIdentifier: algorithm.coseAlgorithmIdentifier) == algorithm)
        }
        #expect(SignatureAlgorithm(coseAlgorithmIdentifier: -19) == .edDSA)
        #expect(SignatureAlgorithm(coseAlgorithmIdentifier: -257) == nil)
        #expect(SignatureAlgorithm(coseAlgorithmIdentifier: -36) == nil)
    }

    @Test("External AAD is bound into the signature")
    func externalAAD() throws {
        let key = SigningKey.generate(.es256)
        let aad = Data("context".utf8)
        let message = try COSESign1.parse(COSESign1.sign(payload: Data("p".utf8), key: key, externalAAD: aad))
        try message.verify(with: key.verificationKey, externalAAD: aad)
        #expect(throws: SigningError(.badSignature)) { try message.verify(with: key.verificationKey) }
    }

    @Test("x5chain is a byte string for one certificate and an array for several")
    func certificateChain() throws {
        let key = SigningKey.generate(.es256)
        let leaf = Data([0x30, 0x01, 0x01])
        let intermediate = Data([0x30, 0x01, 0x02])
        let single = try COSESign1.parse(COSESign1.sign(payload: Data(), key: key, x5chain: [leaf]))
        #expect(single.headerValue(33) == .byteString(leaf))
        #expect(single.x5chain == [leaf])
        let chain = try COSESign1.parse(COSESign1.sign(payload: Data(), key: key, x5chain: [leaf, intermediate]))
        #expect(chain.headerValue(33) == [.byteString(leaf), .byteString(intermediate)])
        #expect(chain.x5chain == [leaf, intermediate])
        try chain.verify(with: key.verificationKey)
    }

    @Test("Signing refuses a header label given twice")
    func duplicateLabelsOnSign() {
        let key = SigningKey.generate(.es256)
        #expect(throws: SigningError(.malformed)) {
            try COSESign1.sign(payload: Data(), key: key, protectedHeader: [(key: 1, value: -35)])
        }
        #expect(throws: SigningError(.malformed)) {
            try COSESign1.sign(payload: Data(), key: key, typ: "a", unprotectedHeader: [(key: 16, value: "b")])
        }
    }

    @Test("Unknown, textual or missing algorithms are refused")
    func algorithmProblems() throws {
        let key = SigningKey.generate(.es256)
        let rs256 = try COSESign1.parse(handMadeSign1(protected: [1: -257], signedWith: key))
        #expect(rs256.algorithm == nil)
        #expect(throws: SigningError(.unsupportedAlgorithm)) { try rs256.verify(with: key.verificationKey) }

        let textual = try COSESign1.parse(handMadeSign1(protected: [1: "ES256"], signedWith: key))
        #expect(throws: SigningError(.unsupportedAlgorithm)) { try textual.verify(with: key.verificationKey) }

        let empty = try COSESign1.parse(handMadeSign1(protected: [:], signedWith: key))
        #expect(empty.protectedHeaderBytes.isEmpty)
        #expect(throws: SigningError(.malformed)) { try empty.verify(with: key.verificationKey) }

        // alg only in the unprotected header could be swapped by anyone.
        let unprotectedAlgorithm = try COSESign1.parse(handMadeSign1(protected: [:], unprotected: [1: -7], signedWith: key))
        #expect(unprotectedAlgorithm.algorithm == nil)
        #expect(throws: SigningError(.malformed)) { try unprotectedAlgorithm.verify(with: key.verificationKey) }

        let critical = try COSESign1.parse(handMadeSign1(protected: [1: -7, 2: [99], 99: 0], signedWith: key))
        #expect(throws: SigningError(.invalidClaims)) { try critical.verify(with: key.verificationKey) }

        // Control: the same hand-made structure with a known alg verifies.
        try COSESign1.parse(handMadeSign1(protected: [1: -7], signedWith: key)).verify(with: key.verificationKey)
    }

    @Test("Structures that are not a COSE_Sign1 are rejected when parsed")
    func malformedStructures() throws {
        let signature = CBOR.byteString(Data(repeating: 0, count: 64))
        let protected = CBOR.byteString(CBOR.map([(key: 1, value: -7)]).encoded())
        let payload = CBOR.byteString(Data("p".utf8))
        let cases: [(CBOR, String)] = [
            (.tagged(18, [protected, [:], payload]), "array of 4"),
            (.tagged(18, [protected, [:], payload, signature, signature]), "array of 4"),
            (.tagged(18, ["x": 1]), "array of 4"),
            (.tagged(18, [[1: -7], [:], payload, signature]), "protected header is not a byte string"),
            (.tagged(18, [.byteString(Data([0x01])), [:], payload, signature]), "does not encode a map"),
            (.tagged(18, [.byteString(Data([0xa1, 0x01])), [:], payload, signature]), "map of 1 entries exceeds"),
            (.tagged(18, [.byteString(Data([0xa1, 0x18, 0x64])), [:], payload, signature]), "unexpected end"),
            (.tagged(18, [protected, [], payload, signature]), "unprotected header is not a map"),
            (.tagged(18, [protected, [:], .null, signature]), "detached"),
            (.tagged(18, [protected, [:], "text", signature]), "payload is not a byte string"),
            (.tagged(18, [protected, [:], payload, .null]), "signature is not a byte string"),
            (.tagged(18, [protected, [1: -7], payload, signature]), "both protected and unprotected"),
            (.tagged(18, [protected, [4: "12"], payload, signature]), "invalid value"),
            (.tagged(18, [protected, [2: [4]], payload, signature]), "crit must be in the protected header"),
            (.tagged(18, [.byteString(CBOR.map([(key: 1, value: -7), (key: 2, value: [])]).encoded()), [:], payload, signature]), "invalid value"),
            (.tagged(18, [.byteString(CBOR.map([(key: 1, value: 1.5)]).encoded()), [:], payload, signature]), "invalid value"),
            (.tagged(18, [protected, [33: []], payload, signature]), "invalid value"),
        ]
        for (message, reason) in cases {
            let error = #expect(throws: SigningError(.malformed), "\(message)") { try COSESign1.parse(message.encoded()) }
            #expect(error?.reason.contains(reason) == true, "\(message): \(error?.reason ?? "none")")
        }
        // Bytes after the message, and messages cut short.
        let example = bytes(fromHex: DraftExample.statusListCWT)
        #expect(throws: SigningError(.malformed)) { try COSESign1.parse(example + [0x00]) }
        #expect(throws: SigningError(.malformed)) { try COSESign1.parse(example.dropLast()) }
        #expect(throws: SigningError(.malformed)) { try COSESign1.parse(Data()) }
    }
}
