import Foundation
import Signing
import StatusList
import StatusListSecuring
import Testing

/// The W3C Bitstring Status List validation algorithm (REC §3.2, status-lists.md §1.3) over secured credentials:
/// proof failures, purpose, minimum length, range, validity period.
@Suite("W3C status list validation")
struct W3CValidationTests {
    static let w3cFormats: [VerifiedStatusList.Format] = [.w3cDataIntegrity, .w3cJWT]
    static let algorithms: [SignatureAlgorithm] = [.es256, .edDSA]

    private func verify(
        _ body: Data,
        format: VerifiedStatusList.Format,
        trustedKeys: TrustedKeys,
        statusSize: StatusSize = .one,
        at: Date = Fixture.verifyTime,
        limits: StatusListVerifier.Limits = .init()
    ) throws(StatusVerificationError) -> VerifiedStatusList {
        try StatusListVerifier.verify(
            body,
            mediaType: format.rawValue,
            expectedURL: Fixture.url,
            trustedKeys: trustedKeys,
            statusSize: statusSize,
            at: at,
            limits: limits
        )
    }

    @Test("the entry's purpose must be one of the list's (step 3)", arguments: w3cFormats)
    func purposeMismatch(format: VerifiedStatusList.Format) throws {
        let signer = Fixture.signer(.es256)
        let list = try verify(
            try Fixture.secured(Fixture.statement(), as: format, signer: signer),
            format: format,
            trustedKeys: try Fixture.jwksTrust(signer)
        )
        let error = expectVerificationError(.statusVerificationError) { _ = try list.check(Fixture.entry(0, purpose: .suspension)) }
        #expect(error?.detail.contains("suspension") == true)
        #expect(error?.detail.contains("revocation") == true)
        expectVerificationError(.statusVerificationError) { _ = try list.check(Fixture.entry(0, purpose: "Revocation")) }
    }

    @Test("a list shorter than 131,072 entries is a STATUS_LIST_LENGTH_ERROR (step 5)", arguments: w3cFormats, algorithms)
    func listTooShort(format: VerifiedStatusList.Format, algorithm: SignatureAlgorithm) throws {
        let signer = Fixture.signer(algorithm)
        var short = try Bitstring(count: 16_384, entrySize: .one)
        try short.set(1, at: 5)
        let list = try verify(
            try Fixture.secured(Fixture.statement(short), as: format, signer: signer),
            format: format,
            trustedKeys: try Fixture.didTrust(signer)
        )
        #expect(list.bitstring.count == 16_384)
        let error = expectVerificationError(.statusListLengthError) { _ = try list.check(Fixture.entry(5)) }
        #expect(error?.detail.contains("16384") == true)
        #expect(error?.detail.contains("131072") == true)
        // An ecosystem may lower the minimum (step 1).
        #expect(try list.check(Fixture.entry(5), minimumEntries: 16_384).status == 1)
        // One entry short of the minimum still fails.
        expectVerificationError(.statusListLengthError) { _ = try list.check(Fixture.entry(5), minimumEntries: 16_385) }
    }

    @Test("a 2-bit list must hold 131,072 entries, not 131,072 bits", arguments: w3cFormats)
    func twoBitMinimumCountsEntries(format: VerifiedStatusList.Format) throws {
        let signer = Fixture.signer(.edDSA)
        // 16 KiB of 2-bit entries: the §2.2 byte minimum is met, the §3.2 step 5 entry minimum is not.
        let halfSize = try Bitstring(count: 65_536, entrySize: .two)
        let list = try verify(
            try Fixture.secured(Fixture.statement(halfSize, purposes: [.message]), as: format, signer: signer),
            format: format,
            trustedKeys: try Fixture.jwksTrust(signer),
            statusSize: .two
        )
        expectVerificationError(.statusListLengthError) {
            _ = try list.check(Fixture.entry(0, purpose: .message, statusSize: 2, messages: Fixture.messages))
        }
    }

    @Test("an index beyond the end is a RANGE_ERROR (step 6)", arguments: w3cFormats)
    func indexBeyondEnd(format: VerifiedStatusList.Format) throws {
        let signer = Fixture.signer(.es256)
        let list = try verify(
            try Fixture.secured(Fixture.statement(), as: format, signer: signer),
            format: format,
            trustedKeys: try Fixture.jwksTrust(signer)
        )
        #expect(try list.check(Fixture.entry(131_071)).status == 1)
        for index in [131_072, 131_073, 1 << 40, Int.max] {
            let error = expectVerificationError(.rangeError) { _ = try list.check(Fixture.entry(index)) }
            #expect(error?.detail.contains("\(index)") == true)
        }
        // The same for a 2-bit message list: 131,072 entries, index 131,072 is out.
        let twoBit = try verify(
            try Fixture.secured(Fixture.statement(Fixture.twoBitList, purposes: [.message]), as: format, signer: signer),
            format: format,
            trustedKeys: try Fixture.jwksTrust(signer),
            statusSize: .two
        )
        expectVerificationError(.rangeError) {
            _ = try twoBit.check(Fixture.entry(131_072, purpose: .message, statusSize: 2, messages: Fixture.messages))
        }
    }

    @Test("an entry whose statusSize differs from the size the list was decoded with is rejected", arguments: w3cFormats)
    func statusSizeMismatch(format: VerifiedStatusList.Format) throws {
        let signer = Fixture.signer(.es256)
        let list = try verify(
            try Fixture.secured(Fixture.statement(), as: format, signer: signer),
            format: format,
            trustedKeys: try Fixture.jwksTrust(signer)
        )
        expectVerificationError(.statusVerificationError) {
            _ = try list.check(Fixture.entry(0, purpose: .revocation, statusSize: 2, messages: Fixture.messages))
        }
    }

    @Test("a W3C list cannot answer an IETF reference", arguments: w3cFormats)
    func ietfReferenceAgainstW3CList(format: VerifiedStatusList.Format) throws {
        let signer = Fixture.signer(.es256)
        let list = try verify(
            try Fixture.secured(Fixture.statement(), as: format, signer: signer),
            format: format,
            trustedKeys: try Fixture.jwksTrust(signer)
        )
        expectVerificationError(.statusVerificationError) { _ = try list.check(StatusListReference(idx: 0, uri: Fixture.url)) }
    }

    @Test("outside validFrom..validUntil the list does not verify", arguments: w3cFormats)
    func validityPeriod(format: VerifiedStatusList.Format) throws {
        let signer = Fixture.signer(.edDSA)
        let body = try Fixture.secured(Fixture.statement(), as: format, signer: signer)
        let keys = try Fixture.jwksTrust(signer)
        // validUntil is exactly one day after validFrom.
        _ = try verify(body, format: format, trustedKeys: keys, at: Fixture.validUntil)
        for late in [Fixture.validUntil.addingTimeInterval(1), Fixture.validUntil.addingTimeInterval(86_400 * 30)] {
            let error = expectVerificationError(.statusVerificationError) { _ = try verify(body, format: format, trustedKeys: keys, at: late) }
            #expect(error?.detail.contains("2025-06-16T15:06:40Z") == true, "the message names validUntil")
        }
    }

    @Test("validFrom in the future beyond the clock skew is rejected, within it accepted", arguments: w3cFormats)
    func notYetValid(format: VerifiedStatusList.Format) throws {
        let signer = Fixture.signer(.es256)
        let statement = Fixture.statement()
        // The proof is made earlier than validFrom so only validFrom decides.
        let credential = try StatusListSigner.w3cCredential(statement, level: 6)
        let body: Data =
            switch format {
            case .w3cDataIntegrity:
                try StatusListSigner.dataIntegrityCredential(credential, signer: signer, created: statement.issuedAt.addingTimeInterval(-7_200))
            default: Data(try StatusListSigner.credentialJWT(credential, signer: signer).utf8)
            }
        let keys = try Fixture.jwksTrust(signer)
        _ = try verify(body, format: format, trustedKeys: keys, at: statement.issuedAt.addingTimeInterval(-60))
        let error = expectVerificationError(.statusVerificationError) {
            _ = try verify(body, format: format, trustedKeys: keys, at: statement.issuedAt.addingTimeInterval(-3_600))
        }
        #expect(error?.detail.contains("valid") == true)
        var strict = StatusListVerifier.Limits()
        strict.clockSkew = 0
        expectVerificationError(.statusVerificationError) {
            _ = try verify(body, format: format, trustedKeys: keys, at: statement.issuedAt.addingTimeInterval(-1), limits: strict)
        }
    }

    @Test("a Data Integrity credential changed after signing is a STATUS_VERIFICATION_ERROR", arguments: algorithms)
    func tamperedDataIntegrity(algorithm: SignatureAlgorithm) throws {
        let signer = Fixture.signer(algorithm)
        let body = try Fixture.secured(Fixture.statement(), as: .w3cDataIntegrity, signer: signer)
        let document = try JSONValue(parsing: body)
        // A well-formed encodedList for a list with one bit fewer: only the proof can tell.
        var fewer = Fixture.oneBitList
        try fewer.set(0, at: Fixture.revokedIndices[0])
        let tampered: [(String, JSONValue)] = [
            ("encodedList", document.setting(["credentialSubject", "encodedList"], to: .string(try fewer.w3cEncodedList()))),
            ("statusPurpose", document.setting(["credentialSubject", "statusPurpose"], to: "suspension")),
            ("validUntil", document.setting(["validUntil"], to: "2030-01-01T00:00:00Z")),
            ("issuer", document.setting(["issuer"], to: "did:web:evil.example")),
            ("ttl", document.setting(["credentialSubject", "ttl"], to: 1)),
            ("added member", document.setting(["name"], to: "extra")),
            ("proof created", document.setting(["proof", "created"], to: "2025-06-15T15:06:41Z")),
            (
                "proofValue",
                document.setting(
                    ["proof", "proofValue"],
                    to: "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKKy1h6mbb1tx7SZNVR"
                )
            ),
        ]
        let keys = try Fixture.didTrust(signer)
        for (name, document) in tampered {
            let bytes = try document.canonicalData()
            expectVerificationError(.statusVerificationError, "\(name)") { _ = try verify(bytes, format: .w3cDataIntegrity, trustedKeys: keys) }
        }
        // The untouched document, re-serialised, still verifies (the proof covers the canonical form).
        _ = try verify(try document.canonicalData(), format: .w3cDataIntegrity, trustedKeys: keys)
    }

    @Test("a vc+jwt whose payload changed after signing is a STATUS_VERIFICATION_ERROR", arguments: algorithms)
    func tamperedCredentialJWT(algorithm: SignatureAlgorithm) throws {
        let signer = Fixture.signer(algorithm)
        let token = String(decoding: try Fixture.secured(Fixture.statement(), as: .w3cJWT, signer: signer), as: UTF8.self)
        let credential = try JSONValue(parsing: payload(of: token))
        var fewer = Fixture.oneBitList
        try fewer.set(0, at: Fixture.revokedIndices[0])
        let changed = credential.setting(["credentialSubject", "encodedList"], to: .string(try fewer.w3cEncodedList()))
        let tampered = replacingPayload(of: token, with: try changed.canonicalData())
        expectVerificationError(.statusVerificationError) {
            _ = try verify(Data(tampered.utf8), format: .w3cJWT, trustedKeys: try Fixture.jwksTrust(signer))
        }
    }

    @Test("a credential signed by another key is a STATUS_VERIFICATION_ERROR", arguments: w3cFormats, algorithms)
    func signedByAnotherKey(format: VerifiedStatusList.Format, algorithm: SignatureAlgorithm) throws {
        let trusted = Fixture.signer(algorithm)
        // Same kid and verification method, different key material.
        let impostor = StatusListSigningKey(key: SigningKey.generate(algorithm), keyID: trusted.keyID, verificationMethod: trusted.verificationMethod)
        let body = try Fixture.secured(Fixture.statement(), as: format, signer: impostor)
        for keys in [try Fixture.jwksTrust(trusted), try Fixture.didTrust(trusted)] {
            expectVerificationError(.statusVerificationError) { _ = try verify(body, format: format, trustedKeys: keys) }
        }
        // And a key under a verification method / kid nobody trusts.
        let stranger = StatusListSigningKey(
            key: SigningKey.generate(algorithm),
            keyID: "key-9",
            verificationMethod: "did:web:other.example#key-9"
        )
        let strangerBody = try Fixture.secured(Fixture.statement(), as: format, signer: stranger)
        let error = expectVerificationError(.statusVerificationError) {
            _ = try verify(strangerBody, format: format, trustedKeys: try Fixture.didTrust(trusted))
        }
        #expect(error?.detail.contains("key-9") == true, "the message names the unknown key")
    }

    @Test("a Data Integrity proof for another purpose than assertionMethod is rejected")
    func proofPurpose() throws {
        let signer = Fixture.signer(.edDSA)
        let credential = try JSONValue(encoding: try StatusListSigner.w3cCredential(Fixture.statement(), level: 6))
        let secured = try DataIntegrity.sign(
            document: credential,
            key: signer.key,
            verificationMethod: signer.verificationMethod,
            created: Fixture.issuedAt,
            proofPurpose: "authentication"
        )
        expectVerificationError(.statusVerificationError) {
            _ = try verify(try secured.canonicalData(), format: .w3cDataIntegrity, trustedKeys: try Fixture.didTrust(signer))
        }
    }

    @Test("an expired Data Integrity proof is rejected even when the list is still valid")
    func expiredProof() throws {
        let signer = Fixture.signer(.es256)
        let credential = try JSONValue(encoding: try StatusListSigner.w3cCredential(Fixture.statement(), level: 6))
        let secured = try DataIntegrity.sign(
            document: credential,
            key: signer.key,
            verificationMethod: signer.verificationMethod,
            created: Fixture.issuedAt,
            expires: Fixture.issuedAt.addingTimeInterval(60)
        )
        expectVerificationError(.statusVerificationError) {
            _ = try verify(try secured.canonicalData(), format: .w3cDataIntegrity, trustedKeys: try Fixture.didTrust(signer))
        }
    }
}
