import Foundation
import Signing
import StandingTestSupport
import StatusList
import StatusListSecuring
import Testing

@testable import Client

/// The issuer binding of issue 12: a credential's list must be signed by its issuer, by a key its DID document lists,
/// or by the leaf of an x5c chain to a trust anchor; otherwise a STATUS_VERIFICATION_ERROR says which binding failed.
@Suite struct IssuerBindingTests {
    /// DIDs and keys hosted on a crafted loopback server: the service (`did:web:HOST`), an issuer with its own key
    /// (`:issuers:uni`), and an issuer whose DID document also lists the service's key (`:issuers:delegating`).
    struct World {
        let server: CraftedServer
        let serviceKey = SigningKey.generate(.es256)
        let uniKey = SigningKey.generate(.edDSA)
        let delegatingKey = SigningKey.generate(.es256)

        var serviceDID: String { "did:web:127.0.0.1%3A\(server.port)" }
        var uniDID: String { serviceDID + ":issuers:uni" }
        var delegatingDID: String { serviceDID + ":issuers:delegating" }

        var service: StatusListSigningKey { StatusListSigningKey(key: serviceKey, keyID: "svc", verificationMethod: "\(serviceDID)#svc") }
        var uni: StatusListSigningKey { StatusListSigningKey(key: uniKey, keyID: "uni-key", verificationMethod: "\(uniDID)#uni-key") }

        static func start() async throws -> World {
            let world = World(server: try await CraftedServer.start())
            try world.publish(
                DIDDocument(id: world.serviceDID, keys: [world.serviceKey.verificationKey.jwk(keyID: "svc")]),
                at: "/.well-known/did.json"
            )
            try world.publish(DIDDocument(id: world.uniDID, keys: [world.uniKey.verificationKey.jwk(keyID: "uni-key")]), at: "/issuers/uni/did.json")
            // Form 2 of issue 12: the issuer publishes the key the service holds for it, under the same kid.
            try world.publish(
                DIDDocument(
                    id: world.delegatingDID,
                    keys: [world.delegatingKey.verificationKey.jwk(keyID: "own"), world.serviceKey.verificationKey.jwk(keyID: "svc")]
                ),
                at: "/issuers/delegating/did.json"
            )
            return world
        }

        func publish(_ document: DIDDocument, at path: String) throws {
            server.serve(path, try JSONEncoder().encode(document), mediaType: "application/did+json")
        }

        /// Serves a list at `/lists/NAME`, issued by `issuer` and signed by `signer`, in `format`; returns its URL.
        func list(_ name: String, _ format: VerifiedStatusList.Format, issuer: String, signer: StatusListSigningKey) throws -> String {
            let url = "\(server.baseURL)/lists/\(name)"
            let statement = StatusListStatement(
                url: url,
                issuer: issuer,
                bitstring: try bitstring(set: [5: 1]),
                purposes: [.revocation],
                issuedAt: Date().addingTimeInterval(-60),
                validUntil: Date().addingTimeInterval(3600),
                ttlSeconds: 60
            )
            let body: Data
            switch format {
            case .w3cDataIntegrity:
                body = try StatusListSigner.dataIntegrityCredential(
                    try StatusListSigner.w3cCredential(statement, level: 6),
                    signer: signer,
                    created: statement.issuedAt
                )
            case .w3cJWT:
                body = Data(try StatusListSigner.credentialJWT(try StatusListSigner.w3cCredential(statement, level: 6), signer: signer).utf8)
            case .ietfJWT:
                body = Data(try StatusListSigner.statusListJWT(statement, signer: signer, level: 9).utf8)
            case .ietfCWT:
                body = try StatusListSigner.statusListCWT(statement, signer: signer, level: 9)
            }
            server.serve("/lists/\(name)", body, mediaType: format.rawValue)
            return url
        }

        func stop() async { await server.stop() }
    }

    static let formats = VerifiedStatusList.Format.allCases

    /// Fetches a list as a credential of `issuer` refers to it, with the binding required.
    static func fetch(
        _ url: String,
        _ format: VerifiedStatusList.Format,
        issuer: String,
        trust: TrustSource,
        client: StandingClient = makeClient()
    ) async throws(StatusClientError) -> CachedList {
        try await client.fetchList(
            url: url,
            preferring: format,
            trust: trust,
            options: FetchOptions(preferredFormat: format, credentialIssuer: issuer)
        )
    }

    @Test("(a) a list issued and signed by the credential's issuer is bound to it", arguments: formats)
    func issuerSigned(format: VerifiedStatusList.Format) async throws {
        let world = try await World.start()
        defer { Task { await world.stop() } }
        let url = try world.list("a", format, issuer: world.uniDID, signer: world.uni)
        let client = makeClient()
        let list = try await Self.fetch(url, format, issuer: world.uniDID, trust: .did(world.uniDID), client: client)
        #expect(list.list.issuer == world.uniDID && list.list.bitstring[5] == 1)
        #expect(try await client.issuerBinding(of: list, credentialIssuer: world.uniDID, trust: .did(world.uniDID)) == .issuer(world.uniDID))
        // The service's list for a service credential (today's lists): binding (a) too.
        let serviceURL = try world.list("svc", format, issuer: world.serviceDID, signer: world.service)
        _ = try await Self.fetch(serviceURL, format, issuer: world.serviceDID, trust: .did(world.serviceDID))
    }

    @Test("(b) a list the service signed with a key the issuer's DID document lists is bound to the issuer", arguments: formats)
    func delegatedKey(format: VerifiedStatusList.Format) async throws {
        let world = try await World.start()
        defer { Task { await world.stop() } }
        let url = try world.list("b", format, issuer: world.serviceDID, signer: world.service)
        let client = makeClient()
        // Verified with the service's DID document (the proof's method is the service's); bound by the issuer's document.
        let list = try await Self.fetch(url, format, issuer: world.delegatingDID, trust: .did(world.serviceDID), client: client)
        let binding = try await client.issuerBinding(of: list, credentialIssuer: world.delegatingDID, trust: .did(world.serviceDID))
        #expect(binding == .delegatedKey(credentialIssuer: world.delegatingDID, listIssuer: world.serviceDID))
        #expect(world.server.requests("/issuers/delegating/did.json").count == 1, "the issuer's DID document was fetched once")

        // What standing verify does without --trust: the issuer's own DID, plus the DID the list names for its signer
        // (the service's), whose key the issuer's document lists.
        let own = makeClient()
        let viaIssuer = try await Self.fetch(url, format, issuer: world.delegatingDID, trust: .did(world.delegatingDID), client: own)
        #expect(viaIssuer.list.issuer == world.serviceDID)
        // That list, authorised with the service's keys for the binding, does not answer a plain request trusting the
        // issuer's DID alone, whose document has no method under the proof's DID URL.
        if format == .w3cDataIntegrity {
            await expectFailure(.statusVerificationError) {
                try await own.fetchList(
                    url: url,
                    preferring: format,
                    trust: .did(world.delegatingDID),
                    options: FetchOptions(preferredFormat: format)
                )
            }
        }
    }

    @Test("a list of another issuer fails, naming the binding", arguments: formats)
    func foreignList(format: VerifiedStatusList.Format) async throws {
        let world = try await World.start()
        defer { Task { await world.stop() } }
        let url = try world.list("foreign", format, issuer: world.serviceDID, signer: world.service)
        let error = await expectFailure(.statusVerificationError, .issuerNotBound) {
            try await Self.fetch(url, format, issuer: world.uniDID, trust: .did(world.serviceDID))
        }
        #expect(
            error?.reason
                == "status list issued by \(world.serviceDID), credential issued by \(world.uniDID); "
                + "no key of \(world.uniDID)'s DID document signed it and no x5c chain to a trust anchor",
            "\(String(describing: error))"
        )
        // Verified against the issuer's own DID only (what standing verify does without --trust): the same binding fails.
        let own = await expectFailure(.statusVerificationError, .issuerNotBound) {
            try await Self.fetch(url, format, issuer: world.uniDID, trust: .did(world.uniDID))
        }
        #expect(own?.reason == error?.reason, "\(String(describing: own))")
        // A credential issuer that is no DID has no document to list keys.
        let noDID = await expectFailure(.statusVerificationError, .issuerNotBound) {
            try await Self.fetch(url, format, issuer: "https://university.example", trust: .did(world.serviceDID))
        }
        #expect(noDID?.reason.contains("not a did:web or did:key") == true, "\(String(describing: noDID))")
    }

    @Test("a verification method of another DID does not borrow the issuer's key by fragment")
    func noFragmentBorrowing() async throws {
        let world = try await World.start()
        defer { Task { await world.stop() } }
        // Signed with uni's key, but the proof claims the service's method with uni's fragment.
        let impostor = StatusListSigningKey(key: world.uniKey, keyID: "uni-key", verificationMethod: "\(world.serviceDID)#uni-key")
        let url = try world.list("impostor", .w3cDataIntegrity, issuer: world.serviceDID, signer: impostor)
        await expectFailure(.statusVerificationError) {
            try await Self.fetch(url, .w3cDataIntegrity, issuer: world.uniDID, trust: .anyOf([.did(world.uniDID), .did(world.serviceDID)]))
        }
    }

    @Test(
        "(c) a list whose x5c chain validates to a configured anchor is bound; without the anchor it is not",
        arguments: [
            VerifiedStatusList.Format.ietfJWT, .ietfCWT,
        ]
    )
    func certificateBinding(format: VerifiedStatusList.Format) async throws {
        let world = try await World.start()
        defer { Task { await world.stop() } }
        let pki = try CertificateChainTests.PKI()
        let path = "/lists/x5c"
        let url = "\(world.server.baseURL)\(path)"
        let chain = [pki.leaf.derEncoded, pki.ca.derEncoded]
        world.server.serve(
            path,
            format == .ietfJWT
                ? try CertificateChainTests.jwt(url: url, key: pki.leafKey, chain: chain)
                : try CertificateChainTests.cwt(url: url, key: pki.leafKey, chain: chain),
            mediaType: format.rawValue
        )
        let anchored = makeClient { $0.verification.trustAnchors = [pki.ca] }
        let list = try await Self.fetch(url, format, issuer: world.uniDID, trust: .did(world.uniDID), client: anchored)
        #expect(list.list.certificatePath?.count == 2)
        let binding = try await anchored.issuerBinding(of: list, credentialIssuer: world.uniDID, trust: .did(world.uniDID))
        #expect(binding == .certificate(leaf: pki.leaf.subject, anchor: pki.ca.subject, usage: nil))

        // No anchor configured: the chain is ignored, and no key of the issuer's document signed the list.
        let error = await expectFailure(.statusVerificationError, .issuerNotBound) {
            try await Self.fetch(url, format, issuer: world.uniDID, trust: .did(world.uniDID))
        }
        #expect(error?.reason.contains("no x5c chain to a trust anchor") == true, "\(String(describing: error))")
        // A status-signing usage required that the leaf lacks: the chain is refused.
        let strict = makeClient {
            $0.verification.trustAnchors = [pki.ca]
            $0.verification.statusSigningUsage = "1.3.6.1.4.1.55555.1.3"
        }
        let usage = await expectFailure(.statusVerificationError, .verificationFailed) {
            try await Self.fetch(url, format, issuer: world.uniDID, trust: .did(world.uniDID), client: strict)
        }
        #expect(usage?.reason.contains("no extended key usage") == true, "\(String(describing: usage))")
    }

    @Test("CredentialStatusVerifier binds lists without --trust, and with it only when required")
    func credentialVerifier() async throws {
        let world = try await World.start()
        defer { Task { await world.stop() } }
        let url = try world.list("cred", .w3cDataIntegrity, issuer: world.serviceDID, signer: world.service)
        let entry: JSONValue = [
            "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "5", "statusListCredential": .string(url),
        ]
        let credential: JSONValue = [
            "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "issuer": .string(world.uniDID),
            "credentialSubject": ["id": "did:example:holder"], "credentialStatus": [entry],
        ]
        let parsed = try ParsedCredential(parsing: credential.canonicalData())
        // Without trust: the issuer's own DID; the service-signed list is not bound to uni.
        let unbound = await CredentialStatusVerifier(client: makeClient(), statusOnly: true).verify(parsed, trust: nil)
        #expect(unbound.verdict == .error && unbound.entries.first?.error?.code == "issuerNotBound", "\(unbound.text)")
        #expect(unbound.text.contains("credential issued by \(world.uniDID); no key of \(world.uniDID)'s DID document signed it"), "\(unbound.text)")
        // The caller's trust vouches for the service key (the behaviour before issuer binding)...
        let vouched = await CredentialStatusVerifier(client: makeClient(), statusOnly: true).verify(parsed, trust: .did(world.serviceDID))
        #expect(vouched.verdict == .revoked, "\(vouched.text)")
        // ...unless the binding is required whatever the trust.
        let required = await CredentialStatusVerifier(client: makeClient { $0.verification.issuerBinding = .always }, statusOnly: true)
            .verify(parsed, trust: .did(world.serviceDID))
        #expect(required.verdict == .error && required.entries.first?.error?.code == "issuerNotBound", "\(required.text)")
    }

    @Test("standing verify --trust-anchor binds an x5c-signed list; bad anchors and EKU are one-line errors")
    func verifyCommand() async throws {
        let world = try await World.start()
        defer { Task { await world.stop() } }
        let pki = try CertificateChainTests.PKI()
        let url = "\(world.server.baseURL)/lists/cli"
        world.server.serve(
            "/lists/cli",
            try CertificateChainTests.jwt(url: url, key: pki.leafKey, chain: [pki.leaf.derEncoded, pki.ca.derEncoded]),
            mediaType: "application/statuslist+jwt"
        )
        let directory = temporaryDirectory("binding-cli")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // An SD-JWT VC of uni's (its proof is not checked: --status-only) whose status is in the x5c-signed list.
        let token = try CredentialTests.sdJWT(issuer: world.uniDID, reference: ["idx": 3, "uri": url], key: world.uniKey)
        let credential = directory.appendingPathComponent("cred.sdjwt")
        try Data(token.utf8).write(to: credential)
        let anchors = directory.appendingPathComponent("anchors.pem")
        // Several certificates in one file: an unrelated CA, then the list's.
        try Data((try CertificateChainTests.PKI().ca.pemEncoded + pki.ca.pemEncoded).utf8).write(to: anchors)
        let common = ["verify", credential.path, "--status-only", "--cache-dir", directory.appendingPathComponent("cache").path]

        let bound = try await runStanding(common + ["--trust-anchor", anchors.path])
        #expect(bound.status == 0, "\(bound.stdout)\(bound.stderr)")
        #expect(bound.stdout.contains("result      VALID"), "\(bound.stdout)")

        // Without the anchor: uni's own keys did not sign it, and nothing else binds it.
        let unbound = try await runStanding(common)
        #expect(unbound.status == 2, "\(unbound.stdout)\(unbound.stderr)")
        #expect(unbound.stdout.contains("not bound to the credential's issuer \(world.uniDID)"), "\(unbound.stdout)")
        // A status-signing usage the leaf lacks.
        let usage = try await runStanding(common + ["--trust-anchor", anchors.path, "--status-signing-eku", "1.3.6.1.4.1.55555.1.3"])
        #expect(usage.status == 2 && usage.stdout.contains("no extended key usage"), "\(usage.stdout)\(usage.stderr)")

        // Unusable options: one line on stderr, exit 2.
        let notPEM = directory.appendingPathComponent("not.pem")
        try Data("hello".utf8).write(to: notPEM)
        for (arguments, message) in [
            (["--trust-anchor", directory.appendingPathComponent("missing.pem").path], "--trust-anchor: cannot read"),
            (["--trust-anchor", notPEM.path], "--trust-anchor: \(notPEM.path) holds no usable PEM certificates"),
            (["--status-signing-eku", "not-an-oid"], "--status-signing-eku: 'not-an-oid' is not a dotted object identifier"),
        ] {
            let result = try await runStanding(common + arguments)
            #expect(result.status == 2, "\(arguments): \(result.stdout)\(result.stderr)")
            #expect(result.stderr.hasPrefix("error: \(message)") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }
}
