import Foundation
import Signing
import StatusList
import StatusListSecuring
import Testing

@testable import Client
import StandingTestSupport

/// The credential's own proof: `standing verify` never reports an unsigned, forged or unchecked credential as valid.
@Suite struct CredentialProofTests {
    /// An issuer with a `did:key`.
    struct Issuer {
        let key: SigningKey
        var did: String { DIDKey(key: key.verificationKey).did }
        var method: String { DIDKey(key: key.verificationKey).verificationMethodID }

        init(_ algorithm: SignatureAlgorithm) {
            key = SigningKey.generate(algorithm)
        }
    }

    /// A W3C credential (unsigned) from `issuer` with one status entry and a claim to tamper with.
    static func credential(issuer: String, status: JSONValue?) -> JSONValue {
        var members: [String: JSONValue] = [
            "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential", "ExampleDegree"],
            "issuer": .string(issuer), "id": "urn:uuid:7d8a4a5e-0c55-4d7b-9a59-000000000002",
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": ["id": "did:example:holder", "degree": "Bachelor of Science"],
        ]
        if let status { members["credentialStatus"] = status }
        return .object(members)
    }

    static func signedDataIntegrity(_ credential: JSONValue, by issuer: Issuer, method: String? = nil) throws -> Data {
        try DataIntegrity.sign(
            document: credential,
            key: issuer.key,
            verificationMethod: method ?? issuer.method,
            created: Date().addingTimeInterval(-60)
        ).canonicalData()
    }

    /// A server with one revocation list and the files the CLI runs need.
    struct World {
        let server: TestServer
        let directory: URL
        let w3cStatus: JSONValue
        let ietfStatus: JSONValue

        static func start() async throws -> World {
            let server = try await TestServer.start()
            let list = try await server.createList()
            let entry = try #require(try await server.allocateEntries(list).first)
            let directory = temporaryDirectory("credential-proof")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return World(
                server: server,
                directory: directory,
                w3cStatus: try CredentialTests.json(try #require(entry["credentialStatus"] as? [String: Any])),
                ietfStatus: try CredentialTests.json(try #require(entry["status"] as? [String: Any]))
            )
        }

        func stop() async {
            await server.stopAndRemove()
            try? FileManager.default.removeItem(at: directory)
        }

        /// Runs `standing verify` on a credential, trusting the service's DID for lists plus `trust`.
        func verify(_ credential: Data, name: String, trust: [String], _ extra: [String] = []) async throws -> CommandResult {
            let file = directory.appendingPathComponent(name)
            try credential.write(to: file)
            let trusts = ([server.did] + trust).flatMap { ["--trust", $0] }
            return try await runStanding(
                ["verify", file.path, "--cache-dir", directory.appendingPathComponent("cache").path] + trusts + extra
            )
        }
    }

    @Test("correctly signed vc+jwt, eddsa-jcs-2022, ecdsa-jcs-2019 and IETF JWT credentials verify: exit 0")
    func signedCredentialsAreValid() async throws {
        let world = try await World.start()
        defer { Task { await world.stop() } }
        let p256 = Issuer(.es256)
        let ed25519 = Issuer(.edDSA)

        let vcJWT = try VerifiableCredentialJWT.sign(
            credential: Self.credential(issuer: p256.did, status: world.w3cStatus),
            key: p256.key,
            keyID: p256.method
        )
        let eddsa = try Self.signedDataIntegrity(Self.credential(issuer: ed25519.did, status: world.w3cStatus), by: ed25519)
        let ecdsa = try Self.signedDataIntegrity(Self.credential(issuer: p256.did, status: world.w3cStatus), by: p256)
        let ietf = try CompactJWS.sign(
            json: ["iss": .string(ed25519.did), "iat": .number(Date().timeIntervalSince1970.rounded(.down)), "status": world.ietfStatus],
            key: ed25519.key,
            keyID: ed25519.method
        )
        let cases: [(name: String, body: Data, issuer: Issuer, method: String)] = [
            ("vc.jwt", Data(vcJWT.utf8), p256, "vc+jwt"),
            ("eddsa.json", eddsa, ed25519, "Data Integrity eddsa-jcs-2022"),
            ("ecdsa.json", ecdsa, p256, "Data Integrity ecdsa-jcs-2019"),
            ("token.jwt", Data(ietf.utf8), ed25519, "JWT"),
        ]
        for (name, body, issuer, method) in cases {
            let result = try await world.verify(body, name: name, trust: [issuer.did])
            #expect(result.status == 0, "\(name): \(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("proof       verified with key \(issuer.method) (\(method))"), "\(name): \(result.stdout)")
            #expect(result.stdout.contains(": VALID (value 0") && result.stdout.contains("result      VALID"), "\(name): \(result.stdout)")
        }

        // Without --trust, the issuer's did:key verifies the proof (and the lists, which the service signed, do not).
        let issuerOnly = try await runStanding([
            "verify", world.directory.appendingPathComponent("eddsa.json").path, "--json",
            "--cache-dir", world.directory.appendingPathComponent("cache").path,
        ])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(issuerOnly.stdout.utf8)) as? [String: Any])
        let proof = try #require(report["proof"] as? [String: Any])
        #expect(proof["state"] as? String == "verified" && proof["keyID"] as? String == ed25519.method, "\(issuerOnly.stdout)")
        // A did:key is its own key: --trust naming only the service (for the lists) does not stop it verifying.
        let serviceOnly = try await runStanding([
            "verify", world.directory.appendingPathComponent("ecdsa.json").path, "--trust", world.server.did,
            "--cache-dir", world.directory.appendingPathComponent("cache").path,
        ])
        #expect(serviceOnly.status == 0 && serviceOnly.stdout.contains("verified with key \(p256.method)"), "\(serviceOnly.stdout)")
    }

    @Test("unsigned and tampered credentials are refused; --status-only checks the status alone and says so")
    func unsignedAndTamperedAreRefused() async throws {
        let world = try await World.start()
        defer { Task { await world.stop() } }
        let issuer = Issuer(.edDSA)
        let unsigned = try Self.credential(issuer: issuer.did, status: world.w3cStatus).canonicalData()

        let refused = try await world.verify(unsigned, name: "unsigned.json", trust: [issuer.did])
        #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stdout.contains("proof       none: the credential carries no proof"), "\(refused.stdout)")
        #expect(refused.stdout.contains("result      UNVERIFIED"), "\(refused.stdout)")

        let statusOnly = try await world.verify(unsigned, name: "unsigned.json", trust: [issuer.did], ["--status-only"])
        #expect(statusOnly.status == 0, "\(statusOnly.stdout)\(statusOnly.stderr)")
        #expect(statusOnly.stdout.contains("proof       not checked: status-only check"), "\(statusOnly.stdout)")
        #expect(statusOnly.stdout.contains("result      VALID"), "\(statusOnly.stdout)")

        // One claim changed after signing.
        let signed = String(decoding: try Self.signedDataIntegrity(JSONValue(parsing: unsigned), by: issuer), as: UTF8.self)
        #expect(signed.contains("\"Bachelor of Science\""))
        let tampered = Data(signed.replacingOccurrences(of: "\"Bachelor of Science\"", with: "\"Doctor of Science\"").utf8)
        let forged = try await world.verify(tampered, name: "tampered.json", trust: [issuer.did])
        #expect(forged.status == 2, "\(forged.stdout)\(forged.stderr)")
        #expect(forged.stdout.contains("proof       FAILED (Data Integrity eddsa-jcs-2022)"), "\(forged.stdout)")
        #expect(forged.stdout.contains("changed after signing"), "\(forged.stdout)")

        // The same for a vc+jwt: one payload character changed, signature kept.
        let jwt = try VerifiableCredentialJWT.sign(credential: JSONValue(parsing: unsigned), key: issuer.key, keyID: issuer.method)
        var parts = jwt.split(separator: ".").map(String.init)
        var payload = try Base64URL.decode(parts[1])
        let range = try #require(payload.range(of: Data("Bachelor".utf8)))
        payload.replaceSubrange(range, with: Data("Master!!".utf8))
        parts[1] = Base64URL.encode(payload)
        let forgedJWT = try await world.verify(Data(parts.joined(separator: ".").utf8), name: "tampered.jwt", trust: [issuer.did])
        #expect(forgedJWT.status == 2 && forgedJWT.stdout.contains("proof       FAILED (vc+jwt)"), "\(forgedJWT.stdout)")
    }

    @Test("a credential signed with a key that is not the issuer's is refused, saying so")
    func anotherKeyIsRefused() async throws {
        let world = try await World.start()
        defer { Task { await world.stop() } }
        let issuer = Issuer(.edDSA)
        let impostor = Issuer(.edDSA)
        let credential = Self.credential(issuer: issuer.did, status: world.w3cStatus)

        // Signed by another DID's key, naming it.
        let foreign = try Self.signedDataIntegrity(credential, by: impostor)
        let refused = try await world.verify(foreign, name: "foreign.json", trust: [issuer.did, impostor.did])
        #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
        #expect(
            refused.stdout.contains("signed with \(impostor.method), a key of \(impostor.did), not of the issuer \(issuer.did)"),
            "\(refused.stdout)"
        )
        // Signed by another key while naming the issuer's: the signature does not verify with the issuer's key.
        let claimed = try Self.signedDataIntegrity(credential, by: impostor, method: issuer.method)
        let mismatch = try await world.verify(claimed, name: "claimed.json", trust: [issuer.did])
        #expect(mismatch.status == 2 && mismatch.stdout.contains("does not verify with \(issuer.method)"), "\(mismatch.stdout)")
        // A vc+jwt whose kid is not among the trusted keys.
        let jwt = try VerifiableCredentialJWT.sign(credential: credential, key: impostor.key, keyID: "stranger")
        let unknown = try await world.verify(Data(jwt.utf8), name: "stranger.jwt", trust: [issuer.did])
        #expect(unknown.status == 2 && unknown.stdout.contains("signed with kid 'stranger', which is not a key of"), "\(unknown.stdout)")
    }

    @Test("proofs Standing does not verify are reported as not checked, with what to try")
    func notCheckedProofs() async throws {
        let verifier = CredentialStatusVerifier(client: makeClient())
        let issuer = Issuer(.edDSA)
        func check(_ data: Data, trust: TrustSource? = nil) async throws -> ProofCheck {
            await verifier.verifyProof(try ParsedCredential(parsing: data), trust: trust, at: Date())
        }
        // Another cryptosuite.
        let signed = try Self.signedDataIntegrity(Self.credential(issuer: issuer.did, status: nil), by: issuer)
        guard case .object(var members) = try JSONValue(parsing: signed) else { throw TestFailure("not an object") }
        guard case .object(var proof) = members["proof"] else { throw TestFailure("no proof") }
        proof["cryptosuite"] = "eddsa-rdfc-2022"
        members["proof"] = .object(proof)
        let rdfc = try await check(try JSONValue.object(members).canonicalData())
        #expect(rdfc.state == .notVerified && rdfc.detail.contains("suite eddsa-rdfc-2022 is not supported"), "\(rdfc)")
        // Proof sets.
        members["proof"] = .array([.object(proof), .object(proof)])
        let set = try await check(try JSONValue.object(members).canonicalData())
        #expect(set.state == .notVerified && set.detail.contains("proof sets"), "\(set)")
        // SD-JWT VC.
        let sd = try CredentialTests.sdJWT(issuer: issuer.did, reference: ["idx": 1, "uri": "https://s/1"], key: issuer.key)
        let sdCheck = try await check(Data(sd.utf8))
        #expect(sdCheck.state == .notVerified && sdCheck.detail.contains("SD-JWT VC is not supported"), "\(sdCheck)")
        // An issuer whose keys cannot be resolved: the message says --trust FILE exists.
        let https = try VerifiableCredentialJWT.sign(
            credential: Self.credential(issuer: "https://university.example", status: nil),
            key: issuer.key,
            keyID: "k1"
        )
        let noKeys = try await check(Data(https.utf8))
        #expect(noKeys.state == .notVerified && noKeys.detail.contains("--trust FILE"), "\(noKeys)")
        let closed = try await CraftedServer.start()
        let unreachable = "did:web:127.0.0.1%3A\(closed.port)"
        await closed.stop()
        let unresolvable = try VerifiableCredentialJWT.sign(
            credential: Self.credential(issuer: unreachable, status: nil),
            key: issuer.key,
            keyID: "\(unreachable)#key-1"
        )
        let offline = try await check(Data(unresolvable.utf8))
        #expect(offline.state == .notVerified && offline.detail.contains("pass --trust FILE"), "\(offline)")
        // alg none is no signature at all.
        let header = Base64URL.encode(Data(#"{"alg":"none","typ":"vc+jwt"}"#.utf8))
        let body = Base64URL.encode(try Self.credential(issuer: issuer.did, status: nil).canonicalData())
        let none = try await check(Data("\(header).\(body).AAAA".utf8))
        #expect(none.state == .failed && none.detail.contains("alg none"), "\(none)")
        // The verdict: an unsigned credential is never valid; a status-only check does not look at the proof.
        let unsigned = try ParsedCredential(parsing: try Self.credential(issuer: issuer.did, status: nil).canonicalData())
        let report = await verifier.verify(unsigned, trust: nil)
        #expect(report.verdict == .unverified && report.exitCode == 2 && report.proof.state == .absent, "\(report.text)")
        let statusOnly = await CredentialStatusVerifier(client: makeClient(), statusOnly: true).verify(unsigned, trust: nil)
        #expect(statusOnly.verdict == .valid && statusOnly.exitCode == 0 && statusOnly.proof.state == .skipped, "\(statusOnly.text)")
    }
}
