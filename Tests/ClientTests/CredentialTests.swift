import Foundation
import NIOHTTP1
import Signing
import StatusList
import StatusListSecuring
import Testing

@testable import Client
import StandingTestSupport

/// Parsing credentials, the credential-level verdict, the registry extension point, and `standing verify`.
@Suite struct CredentialTests {
    static let context: JSONValue = ["https://www.w3.org/ns/credentials/v2"]

    /// A W3C VC (unsigned) with the given status entries.
    static func credential(issuer: String, status: [JSONValue], validUntil: String? = nil) -> JSONValue {
        var members: [String: JSONValue] = [
            "@context": context, "type": ["VerifiableCredential", "ExampleDegree"], "issuer": .string(issuer),
            "id": "urn:uuid:3f1f5a36-5b9c-4c7c-9d0f-000000000001", "credentialSubject": ["id": "did:example:holder"],
            "credentialStatus": .array(status),
        ]
        if let validUntil { members["validUntil"] = .string(validUntil) }
        return .object(members)
    }

    static func json(_ object: [String: Any]) throws -> JSONValue {
        try JSONValue(parsing: JSONSerialization.data(withJSONObject: object))
    }

    /// A compact SD-JWT VC with an IETF status claim and one disclosure.
    static func sdJWT(issuer: String, reference: [String: Any], key: SigningKey) throws -> String {
        let claims: JSONValue = [
            "iss": .string(issuer), "vct": "https://credentials.example/degree", "_sd_alg": "sha-256", "_sd": ["dGVzdA"],
            "status": ["status_list": try json(reference)],
        ]
        let jws = try CompactJWS.sign(json: claims, key: key, type: "dc+sd-jwt", keyID: "sd-key")
        return jws + "~WyJzYWx0IiwgIm5hbWUiLCAiQWRhIl0~"
    }

    // MARK: Parsing

    @Test func parsesEveryForm() throws {
        let key = SigningKey.generate(.es256)
        let entry: JSONValue = [
            "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "42",
            "statusListCredential": "https://status.example/lists/1",
        ]
        let other: JSONValue = ["type": "StatusList2021Entry", "statusPurpose": "revocation", "statusListIndex": "1"]
        let malformed: JSONValue = [
            "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "042", "statusListCredential": "https://s/1",
        ]
        var vc = Self.credential(issuer: "did:web:issuer.example", status: [entry, other, malformed])
        let parsed = try ParsedCredential(parsing: try vc.canonicalData())
        #expect(parsed.form == .w3cJSON && parsed.issuer == "did:web:issuer.example" && parsed.types.contains("ExampleDegree"))
        #expect(parsed.statusReferences.count == 3)
        guard case .w3c(let first) = parsed.statusReferences[0] else { throw TestFailure("not a W3C entry") }
        #expect(first.statusListIndex == 42)
        guard case .unusable(let type, let error) = parsed.statusReferences[1] else { throw TestFailure("not unusable") }
        #expect(type == "StatusList2021Entry" && error.code == .unsupported)
        guard case .unusable(_, let indexError) = parsed.statusReferences[2] else { throw TestFailure("not unusable") }
        #expect(indexError.kind == .malformedValueError)

        // Issuer as an object, as vc+jwt.
        guard case .object(var members) = vc else { throw TestFailure("not an object") }
        members["issuer"] = ["id": "did:web:issuer.example", "name": "Example University"]
        members["credentialStatus"] = entry
        vc = .object(members)
        let jwt = try VerifiableCredentialJWT.sign(credential: vc, key: key, keyID: "k")
        let secured = try ParsedCredential(parsing: Data(jwt.utf8))
        #expect(secured.form == .w3cJWT && secured.issuer == "did:web:issuer.example" && secured.statusReferences.count == 1)

        // SD-JWT VC and a plain JWT with an IETF status claim.
        let sd = try ParsedCredential(
            parsing: Data(try Self.sdJWT(issuer: "https://issuer.example", reference: ["idx": 3, "uri": "https://s/1"], key: key).utf8)
        )
        #expect(sd.form == .sdJWT && sd.types == ["https://credentials.example/degree"])
        #expect(sd.statusReferences == [.ietf(try StatusListReference(idx: 3, uri: "https://s/1"))])
        let plain = try CompactJWS.sign(
            json: ["iss": "did:web:x", "exp": 1_000, "status": ["status_list": ["idx": 0, "uri": "https://s/2"]]],
            key: key
        )
        let token = try ParsedCredential(parsing: Data(plain.utf8))
        #expect(token.form == .jwt && token.validUntil == Date(timeIntervalSince1970: 1_000))
        // A VCDM 1.1 VC-JWT: the credential in the vc claim.
        let legacy = try CompactJWS.sign(json: ["iss": "did:web:legacy", "vc": vc], key: key, type: "JWT")
        let legacyParsed = try ParsedCredential(parsing: Data(legacy.utf8))
        #expect(legacyParsed.form == .w3cJWT && legacyParsed.issuer == "did:web:legacy" && legacyParsed.statusReferences.count == 1)

        for (input, code) in [
            (Data([0xD2, 0x84, 0x43]), StatusClientError.Code.unsupported), (Data("not a credential".utf8), .unsupported),
            (Data("{\"a\":".utf8), .malformed), (Data("a.b.c".utf8), .malformed), (Data("  ".utf8), .malformed),
        ] {
            #expect(throws: StatusClientError(code, kind: .malformedValueError, "")) { try ParsedCredential(parsing: input) }
        }
    }

    // MARK: Verification against the service

    struct Accreditation: IssuerAccreditationChecking {
        let accredited: Bool
        func accreditation(of issuer: String, credentialTypes: [String], at time: Date) async throws(StatusClientError) -> AccreditationResult {
            AccreditationResult(accredited: accredited, registry: "test-registry", detail: "types \(credentialTypes.joined(separator: ","))")
        }
    }

    @Test func verdictsForCredentials() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let revocation = try await server.createList()
        let suspension = try await server.createList(["purpose": "suspension"])
        let revocationEntry = try #require(try await server.allocateEntries(revocation).first)
        let suspensionEntry = try #require(try await server.allocateEntries(suspension).first)
        let statuses = try [revocationEntry, suspensionEntry].map { try Self.json(try #require($0["credentialStatus"] as? [String: Any])) }
        let unsigned = Self.credential(issuer: server.did, status: statuses)
        let client = makeClient()
        // The status checks below are of unsigned credentials: status-only.
        let verifier = CredentialStatusVerifier(client: client, statusOnly: true)

        // Unsigned, trusting the issuer's did:web by default: never valid, whatever its status...
        let refused = await CredentialStatusVerifier(client: client).verify(try ParsedCredential(parsing: unsigned.canonicalData()), trust: nil)
        #expect(refused.verdict == .unverified && refused.exitCode == 2, "\(refused.text)")
        #expect(refused.proof.state == .absent && refused.entries.allSatisfy { $0.verdict == .valid })
        #expect(refused.text.contains("result      UNVERIFIED") && refused.text.contains("none: the credential carries no proof"))
        // ...unless only the status is asked for, which the report says.
        let valid = await verifier.verify(try ParsedCredential(parsing: unsigned.canonicalData()), trust: nil)
        #expect(valid.verdict == .valid && valid.exitCode == 0, "\(valid.text)")
        #expect(valid.proof.state == .skipped && valid.entries.count == 2 && valid.entries.allSatisfy { $0.verdict == .valid })
        #expect(valid.text.contains("result      VALID") && valid.text.contains("not checked: status-only check"))

        try await server.setStatus(suspension, try #require(suspensionEntry["index"] as? Int), 1)
        let suspended = await verifier.verify(
            try ParsedCredential(parsing: unsigned.canonicalData()),
            trust: nil,
            options: .init(policy: .revalidate)
        )
        #expect(suspended.verdict == .suspended && suspended.exitCode == 1, "\(suspended.text)")
        try await server.setStatus(revocation, try #require(revocationEntry["index"] as? Int), 1)
        let revoked = await verifier.verify(try ParsedCredential(parsing: unsigned.canonicalData()), trust: nil, options: .init(policy: .revalidate))
        #expect(revoked.verdict == .revoked && revoked.text.contains("REVOKED (value 1"), "\(revoked.text)")

        // A vc+jwt signed by a key the caller trusts besides the service's DID: the proof is verified.
        let issuerKey = SigningKey.generate(.es256)
        var trusted = TrustedKeys()
        trusted.add(issuerKey.verificationKey, keyID: "issuer-key")
        let fresh = try #require(try await server.allocateEntries(revocation).first)
        let freshStatus = try Self.json(try #require(fresh["credentialStatus"] as? [String: Any]))
        let vc = Self.credential(issuer: "https://university.example", status: [freshStatus])
        let jwt = try VerifiableCredentialJWT.sign(credential: vc, key: issuerKey, keyID: "issuer-key")
        let trust = TrustSource.anyOf([.did(server.did), .keys(trusted)])
        // A new client: the cached list (fetched as application/vc) would otherwise answer.
        let jwtVerifier = CredentialStatusVerifier(client: makeClient())
        let signed = await jwtVerifier.verify(try ParsedCredential(parsing: Data(jwt.utf8)), trust: trust)
        #expect(signed.verdict == .valid && signed.proof.state == .verified && signed.proof.method == "vc+jwt", "\(signed.text)")
        #expect(signed.entries.first?.check?.list.mediaType == "application/vc+jwt", "the list in the credential's securing form")
        // The same credential with a broken signature: an error (exit 2), whatever the status says.
        var characters = Array(jwt)
        characters[characters.count - 10] = characters[characters.count - 10] == "A" ? "B" : "A"
        let broken = String(characters)
        let forged = await jwtVerifier.verify(try ParsedCredential(parsing: Data(broken.utf8)), trust: trust)
        #expect(forged.verdict == .error && forged.exitCode == 2 && forged.proof.state == .failed, "\(forged.text)")
        // Without --trust and a non-DID issuer there is nothing to verify against.
        let untrusted = await jwtVerifier.verify(try ParsedCredential(parsing: Data(jwt.utf8)), trust: nil)
        #expect(untrusted.verdict == .unverified && untrusted.exitCode == 2, "\(untrusted.text)")
        #expect(untrusted.proof.state == .notVerified && untrusted.entries.first?.error?.code == "invalidArgument", "\(untrusted.text)")

        // An expired credential is invalid whatever its status.
        let expiredVC = Self.credential(issuer: server.did, status: [freshStatus], validUntil: "2020-01-01T00:00:00Z")
        let expired = await verifier.verify(try ParsedCredential(parsing: expiredVC.canonicalData()), trust: nil)
        #expect(expired.verdict == .invalid && expired.notes.contains { $0.contains("expired") })

        // The registry extension point.
        let freshVC = Self.credential(issuer: server.did, status: [freshStatus])
        let notAccredited = await CredentialStatusVerifier(client: client, accreditation: Accreditation(accredited: false), statusOnly: true)
            .verify(try ParsedCredential(parsing: freshVC.canonicalData()), trust: nil)
        #expect(notAccredited.verdict == .notAccredited && notAccredited.exitCode == 1 && notAccredited.text.contains("issuer accredited: no"))
        let accredited = await CredentialStatusVerifier(client: client, accreditation: Accreditation(accredited: true), statusOnly: true)
            .verify(try ParsedCredential(parsing: freshVC.canonicalData()), trust: nil)
        #expect(accredited.verdict == .valid && accredited.accreditation?.detail == "types VerifiableCredential,ExampleDegree")
    }

    @Test func sdJWTWithAnIETFStatusClaim() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stopAndRemove() } }
        let list = try await server.createList(["purpose": "message", "statusSize": 2])
        let allocated = try #require(try await server.allocateEntries(list).first)
        let reference = try #require(allocated["status"] as? [String: Any])
        let statusList = try #require(reference["status_list"] as? [String: Any])
        let token = try Self.sdJWT(issuer: server.did, reference: statusList, key: SigningKey.generate(.edDSA))
        let client = makeClient()
        // SD-JWT VC proofs are not verified: never valid, but the status is read.
        let report = await CredentialStatusVerifier(client: client).verify(try ParsedCredential(parsing: Data(token.utf8)), trust: nil)
        #expect(report.verdict == .unverified && report.proof.state == .notVerified, "\(report.text)")
        #expect(report.text.contains("not checked: SD-JWT VC is not supported"))
        #expect(report.entries.first?.check?.list.mediaType == "application/statuslist+jwt")
        let verifier = CredentialStatusVerifier(client: client, statusOnly: true)
        #expect(await verifier.verify(try ParsedCredential(parsing: Data(token.utf8)), trust: nil).verdict == .valid)
        try await server.setStatus(list, try #require(allocated["index"] as? Int), 2)
        let suspended = await verifier.verify(try ParsedCredential(parsing: Data(token.utf8)), trust: nil, options: .init(policy: .revalidate))
        #expect(suspended.verdict == .suspended && suspended.entries.first?.check?.message == "SUSPENDED")
    }

    // MARK: The CLI

    @Test func standingVerifyOnlineThenOffline() async throws {
        let server = try await TestServer.start()
        let list = try await server.createList()
        let allocated = try #require(try await server.allocateEntries(list).first)
        let status = try Self.json(try #require(allocated["credentialStatus"] as? [String: Any]))
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("credential.json")
        try Self.credential(issuer: server.did, status: [status]).canonicalData().write(to: file)
        // The credential is unsigned: only its status is checked (the proof is refused in CredentialProofTests).
        let cache = ["--cache-dir", directory.appendingPathComponent("cache").path, "--status-only"]

        let valid = try await runStanding(["verify", file.path] + cache)
        #expect(valid.status == 0, "\(valid.stdout)\(valid.stderr)")
        #expect(valid.stdout.contains("result      VALID") && valid.stdout.contains("fetched now"))
        #expect(valid.stdout.contains("proof       not checked: status-only check"))
        try await server.setStatus(list, try #require(allocated["index"] as? Int), 1)
        // With --cached the copy answers within its ttl; by default a cached list is revalidated, so the change shows.
        let cached = try await runStanding(["verify", file.path, "--cached"] + cache)
        #expect(cached.status == 0 && cached.stdout.contains("from cache (disk)"), "\(cached.stdout)")
        let refreshed = try await runStanding(["verify", file.path, "--json"] + cache)
        #expect(refreshed.status == 1, "\(refreshed.stdout)\(refreshed.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(refreshed.stdout.utf8)) as? [String: Any])
        #expect(report["verdict"] as? String == "revoked")
        let entry = try #require((report["entries"] as? [[String: Any]])?.first)
        #expect((entry["check"] as? [String: Any])?["source"] as? String == "network")

        await server.stopAndRemove()
        let offline = try await runStanding(["verify", file.path, "--offline"] + cache)
        #expect(
            offline.status == 1 && offline.stdout.contains("REVOKED") && offline.stdout.contains("from cache"),
            "\(offline.stdout)\(offline.stderr)"
        )
        let online = try await runStanding(["verify", file.path, "--refresh"] + cache)
        #expect(online.status == 2 && online.stdout.contains("STATUS_RETRIEVAL_ERROR"), "\(online.stdout)\(online.stderr)")

        // No registry snapshot cached: the accreditation cannot be answered offline; the revocation still decides.
        let registry = try await runStanding(["verify", file.path, "--offline", "--registry", "https://registry.example"] + cache)
        #expect(
            registry.status == 1 && registry.stdout.contains("issuer accredited: ERROR STATUS_RETRIEVAL_ERROR"),
            "\(registry.stdout)\(registry.stderr)"
        )
        try Data("{\"credentialStatus\":".utf8).write(to: file)
        let malformed = try await runStanding(["verify", file.path] + cache)
        #expect(malformed.status == 2 && malformed.stderr.contains("MALFORMED_VALUE_ERROR"), "\(malformed.stderr)")
        let conflicting = try await runStanding(["verify", file.path, "--offline", "--refresh"])
        #expect(conflicting.status != 0)
    }
}
