import Foundation
import Signing
import StatusList
import StatusListSecuring
import Testing

@testable import Client
import StandingTestSupport

/// Lists no honest service would serve, from a server that serves whatever a test sets.
@Suite struct HardeningTests {
    let factory = ListFactory()

    func entry(
        _ url: String,
        index: Int,
        purpose: StatusPurpose = .revocation,
        size: Int? = nil,
        messages: [StatusMessage]? = nil
    ) throws
        -> BitstringStatusListEntry
    {
        try BitstringStatusListEntry(
            statusPurpose: purpose,
            statusListIndex: index,
            statusListCredential: url,
            statusSize: size,
            statusMessage: messages
        )
    }

    @Test(arguments: VerifiedStatusList.Format.allCases)
    func everySecuringFormVerifiesAndReads(_ format: VerifiedStatusList.Format) async throws {
        let server = try await CraftedServer.start()
        defer { Task { await server.stop() } }
        let url = "\(server.baseURL)/list"
        let list = factory.statement(url: url, bitstring: try bitstring(set: [7: 1]))
        server.serve("/list", try factory.body(list, format), mediaType: format.mediaType)
        let client = makeClient()
        let revoked: StatusCheck
        let valid: StatusCheck
        if format.isW3C {
            revoked = try await client.checkStatus(try entry(url, index: 7), trust: factory.trust, options: .init(preferredFormat: format))
            valid = try await client.checkStatus(try entry(url, index: 8), trust: factory.trust, options: .init(preferredFormat: format))
        } else {
            revoked = try await client.checkStatus(
                try StatusListReference(idx: 7, uri: url),
                trust: factory.trust,
                options: .init(preferredFormat: format)
            )
            valid = try await client.checkStatus(
                try StatusListReference(idx: 8, uri: url),
                trust: factory.trust,
                options: .init(preferredFormat: format)
            )
        }
        #expect(revoked.status == 1 && !revoked.valid)
        #expect(valid.status == 0 && valid.valid)
        #expect(revoked.list.mediaType == format.rawValue)
        #expect(revoked.source == .network && !revoked.fromCache)
        #expect(valid.source == .memory && valid.fromCache)
        #expect(revoked.list.ttlSeconds == 60 && revoked.list.validUntil != nil && revoked.list.issuedAt != nil)
        #expect(revoked.list.keyID != nil && revoked.list.issuer == factory.issuer)
        #expect(server.requests("/list").count == 1)
        // The Accept header asks for the preferred form first.
        #expect(server.requests("/list").first?.header("Accept")?.hasPrefix(format.rawValue) == true)
    }

    @Test func listSignedWithAnotherKeyIsAVerificationError() async throws {
        let server = try await CraftedServer.start()
        defer { Task { await server.stop() } }
        let url = "\(server.baseURL)/list"
        let impostor = ListFactory(keyID: factory.keyID, issuer: factory.issuer)
        server.serve("/list", try impostor.body(impostor.statement(url: url, bitstring: try bitstring()), .w3cJWT), mediaType: "application/vc+jwt")
        let client = makeClient()
        await expectFailure(.statusVerificationError, .verificationFailed) {
            try await client.checkStatus(try entry(url, index: 1), trust: factory.trust)
        }
        // An unknown kid is the same kind of failure.
        let stranger = ListFactory(keyID: "other-key")
        server.serve(
            "/list",
            try stranger.body(stranger.statement(url: url, bitstring: try bitstring()), .ietfJWT),
            mediaType: "application/statuslist+jwt"
        )
        await expectFailure(.statusVerificationError, .verificationFailed) {
            try await makeClient().checkStatus(try StatusListReference(idx: 1, uri: url), trust: factory.trust)
        }
    }

    @Test func tamperedListsFailVerification() async throws {
        let server = try await CraftedServer.start()
        defer { Task { await server.stop() } }
        let url = "\(server.baseURL)/list"
        let statement = factory.statement(url: url, bitstring: try bitstring(set: [3: 1]))
        // vc+jwt: one payload character changed, signature kept.
        var jwt = String(decoding: try factory.body(statement, .w3cJWT), as: UTF8.self)
        let parts = jwt.split(separator: ".").map(String.init)
        var payload = Array(parts[1])
        let position = payload.count / 2
        payload[position] = payload[position] == "A" ? "B" : "A"
        jwt = [parts[0], String(payload), parts[2]].joined(separator: ".")
        server.serve("/jwt", Data(jwt.utf8), mediaType: "application/vc+jwt")
        // Data Integrity: the ttl changed after signing.
        let signed = String(decoding: try factory.body(statement, .w3cDataIntegrity), as: UTF8.self)
        #expect(signed.contains("\"ttl\":60000"))
        server.serve("/di", Data(signed.replacingOccurrences(of: "\"ttl\":60000", with: "\"ttl\":60001").utf8), mediaType: "application/vc")
        let client = makeClient { $0.verification.requiresW3CListIDMatch = false }
        for path in ["/jwt", "/di"] {
            await expectFailure(.statusVerificationError) {
                try await client.fetchList(url: server.baseURL + path, preferring: .w3cJWT, trust: factory.trust)
            }
        }
    }

    @Test func listTooShortIsALengthError() async throws {
        let server = try await CraftedServer.start()
        defer { Task { await server.stop() } }
        let url = "\(server.baseURL)/short"
        server.serve(
            "/short",
            try factory.body(factory.statement(url: url, bitstring: try bitstring(count: 1024)), .w3cDataIntegrity),
            mediaType: "application/vc"
        )
        await expectFailure(.statusListLengthError, .listTooShort) {
            try await makeClient().checkStatus(try entry(url, index: 1), trust: factory.trust)
        }
        // An ecosystem with a lower bound may lower the minimum.
        let lenient = makeClient { $0.verification.minimumW3CEntries = 1024 }
        #expect(try await lenient.checkStatus(try entry(url, index: 1), trust: factory.trust).valid)
    }

    @Test func indexOutOfRangeIsARangeError() async throws {
        let server = try await CraftedServer.start()
        defer { Task { await server.stop() } }
        let w3c = "\(server.baseURL)/w3c"
        let ietf = "\(server.baseURL)/ietf"
        server.serve("/w3c", try factory.body(factory.statement(url: w3c, bitstring: try bitstring()), .w3cJWT), mediaType: "application/vc+jwt")
        server.serve(
            "/ietf",
            try factory.body(factory.statement(url: ietf, bitstring: try bitstring(count: 16)), .ietfCWT),
            mediaType: "application/statuslist+cwt"
        )
        let client = makeClient()
        await expectFailure(.rangeError, .indexOutOfRange) {
            try await client.checkStatus(try entry(w3c, index: Bitstring.w3cMinimumEntries), trust: factory.trust)
        }
        await expectFailure(.rangeError, .indexOutOfRange) {
            try await client.checkStatus(try StatusListReference(idx: 16, uri: ietf), trust: factory.trust, options: .init(preferredFormat: .ietfCWT))
        }
        #expect(try await client.checkStatus(try StatusListReference(idx: 15, uri: ietf), trust: factory.trust).valid)
    }

    @Test(arguments: VerifiedStatusList.Format.allCases)
    func expiredListIsRefused(_ format: VerifiedStatusList.Format) async throws {
        let server = try await CraftedServer.start()
        defer { Task { await server.stop() } }
        let url = "\(server.baseURL)/old"
        let statement = factory.statement(
            url: url,
            bitstring: try bitstring(),
            issuedAt: Date().addingTimeInterval(-7200),
            validUntil: Date().addingTimeInterval(-3600)
        )
        server.serve("/old", try factory.body(statement, format), mediaType: format.mediaType)
        let error = await expectFailure(.statusVerificationError) {
            try await makeClient().fetchList(url: url, preferring: format, trust: factory.trust)
        }
        #expect(error?.reason.contains("expired") == true, "\(String(describing: error))")
    }

    @Test func decompressionBombsAreRejected() async throws {
        let server = try await CraftedServer.start()
        defer { Task { await server.stop() } }
        // 32 MiB of zeros, twice the default decoded-size cap, compressed to a few tens of kilobytes.
        let bombURL = "\(server.baseURL)/bomb"
        let bomb = try bitstring(count: 32 << 23)
        let body = try factory.body(factory.statement(url: bombURL, bitstring: bomb), .w3cJWT, level: 9)
        #expect(body.count < 200_000)
        server.serve("/bomb", body, mediaType: "application/vc+jwt")
        let error = await expectFailure(.malformedValueError, .malformed) {
            try await makeClient().checkStatus(try entry(bombURL, index: 0), trust: factory.trust)
        }
        #expect(error?.reason.contains("\(Bitstring.defaultMaximumDecodedBytes)") == true, "\(String(describing: error))")

        // The ratio cap: 4 MiB decoded from a few kilobytes is refused when the ratio is capped at 50:1 ...
        let ratioURL = "\(server.baseURL)/ratio"
        let ratioBody = try factory.body(factory.statement(url: ratioURL, bitstring: try bitstring(count: 4 << 23)), .ietfJWT, level: 9)
        server.serve("/ratio", ratioBody, mediaType: "application/statuslist+jwt")
        let strict = makeClient {
            $0.verification.maximumExpansionRatio = 50
            $0.verification.expansionAllowanceBytes = 64 * 1024
        }
        await expectFailure(.malformedValueError, .malformed) {
            try await strict.checkStatus(try StatusListReference(idx: 0, uri: ratioURL), trust: factory.trust)
        }
        // ... while an ordinary list (16 KiB decoded) stays within the allowance, and the default client takes both.
        let normalURL = "\(server.baseURL)/normal"
        server.serve(
            "/normal",
            try factory.body(factory.statement(url: normalURL, bitstring: try bitstring()), .ietfJWT, level: 9),
            mediaType: "application/statuslist+jwt"
        )
        #expect(try await strict.checkStatus(try StatusListReference(idx: 0, uri: normalURL), trust: factory.trust).valid)
        #expect(try await makeClient().checkStatus(try StatusListReference(idx: 0, uri: ratioURL), trust: factory.trust).valid)
    }

    @Test func corruptChecksumIsMalformed() async throws {
        let server = try await CraftedServer.start()
        defer { Task { await server.stop() } }
        let url = "\(server.baseURL)/crc"
        var compressed = try bitstring(count: 1024).ietfCompressed(level: 9)
        compressed[compressed.count - 1] ^= 0xFF
        let claims: JSONValue = [
            "sub": .string(url), "iat": .number(Date().timeIntervalSince1970.rounded(.down) - 10), "ttl": 60,
            "exp": .number(Date().timeIntervalSince1970.rounded(.down) + 3600),
            "status_list": ["bits": 1, "lst": .string(Base64URL.encode(compressed))],
        ]
        let token = try CompactJWS.sign(json: claims, key: factory.key, type: "statuslist+jwt", keyID: factory.keyID)
        server.serve("/crc", Data(token.utf8), mediaType: "application/statuslist+jwt")
        let error = await expectFailure(.malformedValueError, .malformed) {
            try await makeClient().checkStatus(try StatusListReference(idx: 0, uri: url), trust: factory.trust)
        }
        #expect(
            error?.reason.lowercased().contains("check") == true || error?.reason.lowercased().contains("corrupt") == true,
            "\(String(describing: error))"
        )
    }

    @Test func redirectsAreFollowedWithinLimitsAndSubMustBeTheReferencedURI() async throws {
        let server = try await CraftedServer.start()
        defer { Task { await server.stop() } }
        let original = "\(server.baseURL)/old-home"
        // The token at the new place names the URI the credential referenced: accepted.
        server.redirect("/old-home", to: "/new-home", status: 301)
        server.serve(
            "/new-home",
            try factory.body(factory.statement(url: original, bitstring: try bitstring(count: 16, set: [2: 1])), .ietfJWT),
            mediaType: "application/statuslist+jwt"
        )
        let client = makeClient()
        let check = try await client.checkStatus(try StatusListReference(idx: 2, uri: original), trust: factory.trust)
        #expect(check.status == 1)
        #expect(check.list.url == original && check.list.retrievedFrom == "\(server.baseURL)/new-home")

        // A token whose sub is its own (redirected) URL is not the referenced list.
        let moved = "\(server.baseURL)/moved"
        server.redirect("/moved", to: "/elsewhere", status: 307)
        server.serve(
            "/elsewhere",
            try factory.body(factory.statement(url: "\(server.baseURL)/elsewhere", bitstring: try bitstring(count: 16)), .ietfJWT),
            mediaType: "application/statuslist+jwt"
        )
        let mismatch = await expectFailure(.statusVerificationError, .verificationFailed) {
            try await client.checkStatus(try StatusListReference(idx: 0, uri: moved), trust: factory.trust)
        }
        #expect(mismatch?.reason.contains("sub") == true)

        // Too many redirects, a loop, and a redirect to plain http elsewhere.
        for hop in 1...4 { server.redirect("/chain\(hop)", to: "/chain\(hop + 1)") }
        server.serve("/chain5", Data(), mediaType: "application/statuslist+jwt")
        server.redirect("/loop-a", to: "/loop-b")
        server.redirect("/loop-b", to: "/loop-a")
        server.redirect("/downgrade", to: "http://status.example.com/list")
        for path in ["/chain1", "/loop-a"] {
            await expectFailure(.statusRetrievalError, .tooManyRedirects) {
                try await client.fetchList(url: server.baseURL + path, preferring: .ietfJWT, trust: factory.trust)
            }
        }
        #expect(server.requests().filter { $0.path.hasPrefix("/chain") }.count == 4, "the initial request and 3 redirects")
        await expectFailure(.statusRetrievalError, .insecureURL) {
            try await client.fetchList(url: server.baseURL + "/downgrade", preferring: .ietfJWT, trust: factory.trust)
        }
    }

    @Test func w3cCredentialIdMustBeTheReferencedURL() async throws {
        let server = try await CraftedServer.start()
        defer { Task { await server.stop() } }
        let url = "\(server.baseURL)/list-a"
        let statement = factory.statement(url: url, bitstring: try bitstring())
        server.serve("/list-a", try factory.w3cJWT(id: "\(server.baseURL)/list-b", statement: statement), mediaType: "application/vc+jwt")
        await expectFailure(.statusVerificationError, .subjectMismatch) {
            try await makeClient().checkStatus(try entry(url, index: 0), trust: factory.trust)
        }
        let lenient = makeClient { $0.verification.requiresW3CListIDMatch = false }
        #expect(try await lenient.checkStatus(try entry(url, index: 0), trust: factory.trust).valid)
    }

    @Test func transportFailuresAreRetrievalErrors() async throws {
        let server = try await CraftedServer.start()
        defer { Task { await server.stop() } }
        let statement = factory.statement(url: "\(server.baseURL)/big", bitstring: try bitstring())
        server.serve("/big", try factory.body(statement, .w3cDataIntegrity) + Data(repeating: 0x20, count: 20_000), mediaType: "application/vc")
        server.set(
            "/gzip",
            CraftedResponse(headers: [("Content-Type", "application/statuslist+jwt"), ("Content-Encoding", "gzip")], body: Data([0x1F, 0x8B]))
        )
        server.serve("/slow", Data("x".utf8), mediaType: "application/statuslist+jwt", delay: .seconds(10))
        server.serve(
            "/ietf-here",
            try factory.body(factory.statement(url: "\(server.baseURL)/ietf-here", bitstring: try bitstring()), .ietfJWT),
            mediaType: "application/statuslist+jwt"
        )
        // Only the slow case gets the short timeout: on a loaded machine (CI runs every suite at once on 2 cores) an
        // immediate answer can take longer than 300 ms, and the fetcher counts an answer after its deadline as late.
        let client = makeClient {
            $0.fetching.maximumResponseBytes = 10_000
            $0.fetching.timeout = .seconds(30)
        }
        let impatient = makeClient {
            $0.fetching.maximumResponseBytes = 10_000
            $0.fetching.timeout = .milliseconds(300)
        }
        let cases: [(String, StatusClientError.Code, StandingClient)] = [
            ("/big", .responseTooLarge, client), ("/gzip", .unsupportedContentEncoding, client), ("/slow", .timeout, impatient),
            ("/missing", .httpStatus, client),
        ]
        for (path, code, client) in cases {
            await expectFailure(.statusRetrievalError, code) {
                try await client.fetchList(url: server.baseURL + path, preferring: .ietfJWT, trust: factory.trust)
            }
        }
        // A W3C entry whose URL serves an IETF token: not the referenced kind of list.
        await expectFailure(.statusRetrievalError, .unrecognisedFormat) {
            try await makeClient().checkStatus(try entry("\(server.baseURL)/ietf-here", index: 0), trust: factory.trust)
        }
        // Nothing listens on a port that was just closed.
        let closed = try await CraftedServer.start()
        let closedURL = closed.baseURL + "/list"
        await closed.stop()
        await expectFailure(.statusRetrievalError, .unreachable) {
            try await client.fetchList(url: closedURL, preferring: .ietfJWT, trust: factory.trust)
        }
    }

    @Test func onlyHTTPSOrLoopbackHTTPIsFetched() async throws {
        let transport = CountingTransport()
        let client = makeClient(transport: transport)
        for url in ["http://status.example.com/list", "ftp://127.0.0.1/list", "https://user:pw@status.example.com/list"] {
            await expectFailure(.statusRetrievalError, .insecureURL) {
                try await client.fetchList(url: url, preferring: .ietfJWT, trust: factory.trust)
            }
        }
        #expect(transport.exchanges().isEmpty)
        let strict = makeClient(transport: transport) { $0.fetching.allowsLoopbackHTTP = false }
        await expectFailure(.statusRetrievalError, .insecureURL) {
            try await strict.fetchList(url: "http://127.0.0.1:9/list", preferring: .ietfJWT, trust: factory.trust)
        }
        #expect(transport.exchanges().isEmpty)
    }

    @Test func concurrentChecksOfOneListShareOneRequest() async throws {
        let server = try await CraftedServer.start()
        defer { Task { await server.stop() } }
        let url = "\(server.baseURL)/shared"
        server.serve(
            "/shared",
            try factory.body(factory.statement(url: url, bitstring: try bitstring(set: [5: 1])), .w3cJWT),
            mediaType: "application/vc+jwt",
            delay: .milliseconds(300)
        )
        let client = makeClient()
        let trust = factory.trust
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<8 {
                let entry = try entry(url, index: index)
                group.addTask { try await client.checkStatus(entry, trust: trust).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.sorted() == [0, 0, 0, 0, 0, 0, 0, 1])
        #expect(server.requests("/shared").count == 1)
    }

    @Test func messageListsWithTwoBitEntries() async throws {
        let server = try await CraftedServer.start()
        defer { Task { await server.stop() } }
        let url = "\(server.baseURL)/messages"
        let list = factory.statement(
            url: url,
            bitstring: try bitstring(count: Bitstring.w3cMinimumEntries, size: .two, set: [10: 2, 11: 3]),
            purposes: [.message]
        )
        server.serve("/messages", try factory.body(list, .w3cDataIntegrity), mediaType: "application/vc")
        let messages = try ["pending", "accepted", "rejected", "undefined"].enumerated().map {
            try StatusMessage(value: $0.offset, message: $0.element)
        }
        let client = makeClient()
        let rejected = try await client.checkStatus(try entry(url, index: 10, purpose: .message, size: 2, messages: messages), trust: factory.trust)
        #expect(rejected.status == 2 && rejected.message == "rejected" && rejected.purpose == "message" && !rejected.valid)
        #expect(rejected.list.bitsPerEntry == 2 && rejected.list.entryCount == Bitstring.w3cMinimumEntries)
        let pending = try await client.checkStatus(try entry(url, index: 12, purpose: .message, size: 2, messages: messages), trust: factory.trust)
        #expect(pending.status == 0 && pending.message == "pending" && pending.valid)
        // The wrong purpose for the list is a verification error.
        await expectFailure(.statusVerificationError, .verificationFailed) {
            try await client.checkStatus(try entry(url, index: 10, purpose: .revocation, size: 2, messages: messages), trust: factory.trust)
        }
        #expect(server.requests("/messages").count == 1)
    }

    /// One deadline covers the whole fetch, body included: a server that sends its head at once and then one byte a
    /// second (which AsyncHTTPClient's own deadline does not stop once the head is in) fails at the deadline.
    @Test func bodyDrippedAByteASecondTimesOut() async throws {
        let server = try await CraftedServer.start()
        defer { Task { await server.stop() } }
        let url = "\(server.baseURL)/drip"
        let body = try factory.body(factory.statement(url: url, bitstring: try bitstring()), .ietfJWT)
        server.set("/drip", CraftedResponse(headers: [("Content-Type", "application/statuslist+jwt")], body: body, drip: .seconds(1)))
        let client = makeClient { $0.fetching.timeout = .seconds(2) }
        let started = ContinuousClock.now
        let error = await expectFailure(.statusRetrievalError, .timeout) {
            try await client.checkStatus(try StatusListReference(idx: 1, uri: url), trust: factory.trust)
        }
        let elapsed = ContinuousClock.now - started
        // The body would take minutes (a byte a second); the fetch ends at its 2 s deadline, with room for a machine
        // running every suite at once.
        #expect(elapsed < .seconds(30), "took \(elapsed)")
        #expect(error?.reason.contains("within the 2.0 seconds timeout") == true, "\(String(describing: error))")
        #expect(server.requests("/drip").count == 1)

        // The CLI: --timeout bounds each fetch the same way and reports a retrieval error.
        let directory = temporaryDirectory("drip")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let credential = directory.appendingPathComponent("token.json")
        try JSONSerialization.data(withJSONObject: ["iss": "https://issuer.example", "status": ["status_list": ["idx": 1, "uri": url]]])
            .write(to: credential)
        let jwk = directory.appendingPathComponent("list-key.jwk")
        try JSONValue(encoding: factory.key.verificationKey.jwk(keyID: factory.keyID)).canonicalData().write(to: jwk)
        let cliStarted = ContinuousClock.now
        let result = try await runStanding([
            "verify", credential.path, "--status-only", "--timeout", "2", "--trust", jwk.path,
            "--cache-dir", directory.appendingPathComponent("cache").path,
        ])
        #expect(ContinuousClock.now - cliStarted < .seconds(40), "the CLI took \(ContinuousClock.now - cliStarted)")
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("STATUS_RETRIEVAL_ERROR") && result.stdout.contains("timeout"), "\(result.stdout)")
    }
}

/// Lists that carry their signer's certificate chain, checked against pinned anchors.
@Suite struct CertificateChainTests {
    struct PKI {
        let caKey = SigningKey.generate(.es256)
        let leafKey = SigningKey.generate(.es256)
        let ca: X509Certificate
        let leaf: X509Certificate

        init() throws {
            let now = Date()
            ca = try X509Certificate.selfSigned(
                name: CertificateName(commonName: "Status Test CA"),
                key: caKey,
                validFrom: now.addingTimeInterval(-3600),
                validUntil: now.addingTimeInterval(86_400)
            )
            leaf = try X509Certificate.issue(
                name: CertificateName(commonName: "Status list signer"),
                publicKey: leafKey.verificationKey,
                issuer: ca,
                issuerKey: caKey,
                validFrom: now.addingTimeInterval(-3600),
                validUntil: now.addingTimeInterval(86_400)
            )
        }
    }

    static func compressedList() throws -> [UInt8] { try bitstring(count: 16, set: [4: 1]).ietfCompressed(level: 9) }

    static func jwt(url: String, key: SigningKey, chain: [Data]?, keyID: String? = nil) throws -> Data {
        let now = Date().timeIntervalSince1970.rounded(.down)
        let claims: JSONValue = [
            "sub": .string(url), "iat": .number(now - 10), "exp": .number(now + 3600), "ttl": 60,
            "status_list": ["bits": 1, "lst": .string(Base64URL.encode(try compressedList()))],
        ]
        return Data(try CompactJWS.sign(json: claims, key: key, type: "statuslist+jwt", keyID: keyID, certificateChain: chain).utf8)
    }

    static func cwt(url: String, key: SigningKey, chain: [Data]) throws -> Data {
        let now = Int64(Date().timeIntervalSince1970)
        let claims: CBOR = .map([
            (key: CBOR(Int64(2)), value: .textString(url)),
            (key: CBOR(Int64(6)), value: CBOR(now - 10)),
            (key: CBOR(Int64(4)), value: CBOR(now + 3600)),
            (key: CBOR(Int64(65534)), value: CBOR(Int64(60))),
            (
                key: CBOR(Int64(65533)),
                value: .map([
                    (key: .textString("bits"), value: CBOR(Int64(1))), (key: .textString("lst"), value: .byteString(Data(try compressedList()))),
                ])
            ),
        ])
        return try COSESign1.sign(payload: claims.encoded(), key: key, typ: "application/statuslist+cwt", x5chain: chain)
    }

    @Test func chainsToAPinnedAnchorVerify() async throws {
        let pki = try PKI()
        let server = try await CraftedServer.start()
        defer { Task { await server.stop() } }
        let jwtURL = "\(server.baseURL)/jwt"
        let cwtURL = "\(server.baseURL)/cwt"
        server.serve(
            "/jwt",
            try Self.jwt(url: jwtURL, key: pki.leafKey, chain: [pki.leaf.derEncoded, pki.ca.derEncoded]),
            mediaType: "application/statuslist+jwt"
        )
        server.serve("/cwt", try Self.cwt(url: cwtURL, key: pki.leafKey, chain: [pki.leaf.derEncoded]), mediaType: "application/statuslist+cwt")
        let client = makeClient()
        let trust = TrustSource.x5c(anchors: [pki.ca])
        let jwt = try await client.checkStatus(try StatusListReference(idx: 4, uri: jwtURL), trust: trust)
        #expect(jwt.status == 1 && jwt.source == .network)
        #expect(try await client.checkStatus(try StatusListReference(idx: 3, uri: jwtURL), trust: trust).source == .memory)
        let cwt = try await client.checkStatus(try StatusListReference(idx: 4, uri: cwtURL), trust: trust, options: .init(preferredFormat: .ietfCWT))
        #expect(cwt.status == 1)

        // Another anchor: the chain does not validate.
        let other = try PKI()
        let error = await expectFailure(.statusVerificationError, .verificationFailed) {
            try await makeClient().checkStatus(try StatusListReference(idx: 4, uri: jwtURL), trust: .x5c(anchors: [other.ca]))
        }
        #expect(error?.reason.contains("does not validate") == true, "\(String(describing: error))")
        // A chain whose leaf did not sign the list.
        server.serve(
            "/swapped",
            try Self.jwt(url: "\(server.baseURL)/swapped", key: other.leafKey, chain: [pki.leaf.derEncoded]),
            mediaType: "application/statuslist+jwt"
        )
        await expectFailure(.statusVerificationError, .verificationFailed) {
            try await makeClient().checkStatus(try StatusListReference(idx: 4, uri: "\(server.baseURL)/swapped"), trust: trust)
        }
        // No chain at all: nothing to trust.
        server.serve(
            "/plain",
            try Self.jwt(url: "\(server.baseURL)/plain", key: pki.leafKey, chain: nil, keyID: "k"),
            mediaType: "application/statuslist+jwt"
        )
        await expectFailure(.statusVerificationError, .verificationFailed) {
            try await makeClient().checkStatus(try StatusListReference(idx: 4, uri: "\(server.baseURL)/plain"), trust: trust)
        }
    }
}
