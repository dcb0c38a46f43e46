import BenchSupport
import Client
import ExtrasBase64
import Foundation
import Signing
import StatusList
import StatusListSecuring

// ClientReport: the Client library's figures.
//  1. Checks against a cached 1M-entry list: `CachedList.check` (synchronous, in-process; target <= 100 ns) and
//     `StandingClient.checkStatus` on a memory-cache hit (actor hop included), against a raw shift-and-mask read.
//  2. Cold fetch + verify + decode of the 1M-entry list (IETF JWT, W3C Data Integrity) from a loopback server with a
//     fresh client (no cache) each time, next to the in-process verification and decoding steps.
// It also writes the served JWT and its public key, for the independent Python decoder (client/decode.py).
//
// Usage: ClientReport [--quick] [output.json] [fixture-directory]

let arguments = Array(CommandLine.arguments.dropFirst())
let quick = arguments.contains("--quick")
let positional = arguments.filter { !$0.hasPrefix("--") }
let outputPath = positional.first ?? ".build/bench-results/client-report.json"
let fixtureDirectory = URL(fileURLWithPath: positional.count > 1 ? positional[1] : ".build/bench-results/client-fixture", isDirectory: true)
let rounds = quick ? 5 : 21


struct Figure: Codable {
    var name: String
    var nanoseconds: Double
    var p25: Double
    var p75: Double
    var rounds: Int
    var batch: Int
    var note: String
}

var figures: [Figure] = []

func nanoseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
}

/// One measured operation: `batch(n)` makes n calls and returns nanoseconds per call. A batch is timed where it runs,
/// so a synchronous operation is timed in a synchronous loop (top-level globals are main-actor isolated: an async loop
/// calling into them would time a main-actor hop per call, not the operation).
struct Operation {
    var name: String
    var note: String
    var batch: (Int) async throws -> Double
}

/// Nanoseconds per call of `iterations` synchronous calls of `body(i)`.
func timeBatch(_ iterations: Int, _ body: (Int) throws -> Int) rethrows -> Double {
    let clock = ContinuousClock()
    var sink = 0
    let start = clock.now
    for index in 0..<iterations { sink &+= try body(index) }
    let elapsed = clock.now - start
    consume(sink)
    return nanoseconds(elapsed) / Double(iterations)
}

/// Nanoseconds per `checkStatus` of `iterations` calls, from a nonisolated context (the global executor, as in a
/// server handler): each call is a hop onto the client actor and back.
nonisolated func timeActorChecks(
    _ iterations: Int,
    client: StandingClient,
    references: [StatusListReference],
    trust: TrustSource
) async throws -> Double {
    let clock = ContinuousClock()
    var sink = 0
    let mask = references.count - 1
    let start = clock.now
    for index in 0..<iterations { sink &+= try await client.checkStatus(references[index & mask], trust: trust).status }
    let elapsed = clock.now - start
    consume(sink)
    return nanoseconds(elapsed) / Double(iterations)
}

/// Nanoseconds per call of `iterations` sequential async calls (the cold fetches: milliseconds each).
@MainActor func timeAsyncBatch(_ iterations: Int, _ body: () async throws -> Int) async rethrows -> Double {
    let clock = ContinuousClock()
    var sink = 0
    let start = clock.now
    for _ in 0..<iterations { sink &+= try await body() }
    let elapsed = clock.now - start
    consume(sink)
    return nanoseconds(elapsed) / Double(iterations)
}

/// Runs the operations in rotating order, round after round (so load from other processes hits all alike), each in
/// batches of about `batchTarget`, and records the median time per call with its interquartile range.
func measure(_ operations: [Operation], rounds: Int, batchTarget: Duration) async throws -> [Figure] {
    var figures: [Figure] = []
    var batches: [Int] = []
    for operation in operations {
        _ = try await operation.batch(3)
        let single = try await operation.batch(3)
        batches.append(max(1, Int(nanoseconds(batchTarget) / max(single, 1))))
    }
    var times = Array(repeating: [Double](), count: operations.count)
    for round in 0..<rounds {
        for offset in 0..<operations.count {
            let index = (offset + round) % operations.count
            times[index].append(try await operations[index].batch(batches[index]))
        }
    }
    for (index, operation) in operations.enumerated() {
        let figure = Figure(
            name: operation.name,
            nanoseconds: percentile(times[index], 0.5),
            p25: percentile(times[index], 0.25),
            p75: percentile(times[index], 0.75),
            rounds: rounds,
            batch: batches[index],
            note: operation.note
        )
        figures.append(figure)
        print(String(format: "%-70@ %12.1f ns  [%0.1f-%0.1f]  batch %d", figure.name as NSString, figure.nanoseconds, figure.p25, figure.p75, figure.batch))
    }
    return figures
}

struct Failure: Error, CustomStringConvertible {
    var description: String
}

// MARK: Fixture: a 1M-entry list signed as IETF JWT (ES256, level 9) and W3C Data Integrity (ES256, level 6)

let server = try await LoopbackServer.start()
let base = server.baseURL
let fixture = try ListFixture(entries: 1_048_576)
let signer = SignerFixture(.es256)
let ietfURL = base + "/lists/ietf"
let w3cURL = base + "/lists/w3c"

func statement(_ url: String) -> StatusListStatement {
    StatusListStatement(
        url: url,
        issuer: Statements.issuer,
        bitstring: fixture.bitstring,
        purposes: [.revocation],
        issuedAt: Statements.issuedAt,
        validUntil: Statements.issuedAt.addingTimeInterval(86_400),
        ttlSeconds: 300
    )
}

let jwt = try Statements.secure(statement(ietfURL), as: .ietfJWT, signer: signer.signer, level: Bitstring.defaultIETFCompressionLevel)
let credential = try Statements.secure(
    statement(w3cURL),
    as: .w3cDataIntegrity,
    signer: signer.signer,
    level: Bitstring.defaultW3CCompressionLevel
)
let publicJWK = signer.signer.key.verificationKey.jwk(keyID: signer.signer.keyID)
server.serve("/lists/ietf", jwt, mediaType: VerifiedStatusList.Format.ietfJWT.rawValue)
server.serve("/lists/w3c", credential, mediaType: VerifiedStatusList.Format.w3cDataIntegrity.rawValue)
server.serve("/jwks.json", try JSONEncoder().encode(JWKSet(keys: [publicJWK])), mediaType: "application/jwk-set+json")

try FileManager.default.createDirectory(at: fixtureDirectory, withIntermediateDirectories: true)
try jwt.write(to: fixtureDirectory.appendingPathComponent("list-1m.jwt"))
try JSONEncoder().encode(publicJWK).write(to: fixtureDirectory.appendingPathComponent("key.jwk.json"))
print("served \(jwt.count) B IETF JWT and \(credential.count) B W3C DI credential on \(base)")

/// A client with no disk cache, whose clock is the fixture's verification time (the lists are signed for a fixed date).
func makeClient() -> StandingClient {
    var configuration = StandingClient.Configuration()
    configuration.now = { Statements.verifiedAt }
    return StandingClient(configuration: configuration)
}

let keysTrust = TrustSource.keys(signer.trustedKeys)
guard let jwksURL = URL(string: base + "/jwks.json") else { throw Failure(description: "bad JWKS URL") }
let jwksTrust = TrustSource.jwks(jwksURL)

// MARK: 1. Checks against a cached list

let warmClient = makeClient()
let cachedIETF = try await warmClient.fetchList(url: ietfURL, preferring: .ietfJWT, trust: jwksTrust)
let cachedW3C = try await warmClient.fetchList(url: w3cURL, preferring: .w3cDataIntegrity, trust: keysTrust)
_ = try await warmClient.fetchList(url: ietfURL, preferring: .ietfJWT, trust: keysTrust)

let sampleCount = 1 << 16
let sampleMask = sampleCount - 1
var generator = SplitMix64(seed: 0xC11E_4701)
let indices = (0..<sampleCount).map { _ in Int.random(in: 0..<fixture.entries, using: &generator) }
let references = try indices.map { try StatusListReference(idx: $0, uri: ietfURL) }
let entries = try indices.map {
    try BitstringStatusListEntry(statusPurpose: .revocation, statusListIndex: $0, statusListCredential: w3cURL)
}
let lsbFirst = fixture.lsbFirstBytes

// The checks must agree with the list they were built from (a wrong answer would make the timing meaningless).
for sample in 0..<1_000 {
    let expected = Int((lsbFirst[indices[sample] >> 3] >> (indices[sample] & 7)) & 1)
    let ietf = try cachedIETF.check(references[sample]).status
    let w3c = try cachedW3C.check(entries[sample]).status
    let viaActor = try await warmClient.checkStatus(references[sample], trust: jwksTrust).status
    guard ietf == expected, w3c == expected, viaActor == expected else {
        throw Failure(description: "check disagrees with the fixture at \(indices[sample])")
    }
}

print("== cached checks (65,536 random indices of the 1M list, ns per check)")
figures += try await measure(
    [
        Operation(name: "raw LSB-first [UInt8] shift-and-mask read (baseline)", note: "no validation, no result struct") { n in
            timeBatch(n) { i in
                let index = indices[i & sampleMask]
                return Int((lsbFirst[index >> 3] >> (index & 7)) & 1)
            }
        },
        Operation(name: "Bitstring subscript read", note: "the verified list's bitstring, no reference checks") { n in
            timeBatch(n) { i in Int(cachedIETF.list.bitstring[indices[i & sampleMask]]) }
        },
        Operation(name: "TARGET CachedList.check(StatusListReference) IETF", note: "synchronous, in-process; target <= 100 ns") { n in
            try timeBatch(n) { i in try cachedIETF.check(references[i & sampleMask]).status }
        },
        Operation(name: "CachedList.check(BitstringStatusListEntry) W3C", note: "synchronous, in-process") { n in
            try timeBatch(n) { i in try cachedW3C.check(entries[i & sampleMask]).status }
        },
        Operation(name: "StandingClient.checkStatus memory hit, trust .jwks (fast path)", note: "actor hop + cache lookup + check") {
            n in
            try await timeActorChecks(n, client: warmClient, references: references, trust: jwksTrust)
        },
        Operation(name: "StandingClient.checkStatus memory hit, trust .keys (no fast path)", note: "actor hop + re-authorisation") {
            n in
            try await timeActorChecks(n, client: warmClient, references: references, trust: keysTrust)
        },
    ],
    rounds: rounds,
    batchTarget: .milliseconds(10)
)

// MARK: 2. Cold fetch + verify + decode, and its in-process parts

let jwtText = String(decoding: jwt, as: UTF8.self)
let jwtBytes = Array(jwt)
let lstCompressed: [UInt8] = try {
    let utf8 = jwtBytes
    guard let first = utf8.firstIndex(of: UInt8(ascii: ".")), let second = utf8[(first + 1)...].firstIndex(of: UInt8(ascii: "."))
    else { throw Failure(description: "not a JWS") }
    let payload = try Base64.decode(bytes: utf8[(first + 1)..<second], options: [.base64UrlAlphabet, .omitPaddingCharacter])
    let claim = try JSONDecoder().decode(StatusListClaimOnly.self, from: Data(payload))
    return try Base64.decode(bytes: claim.statusList.lst.utf8, options: [.base64UrlAlphabet, .omitPaddingCharacter])
}()

/// Standing's decoding of the JWT without the signature, the same steps decode.py times: split on the byte `.`,
/// base64url of the payload, JSON, then `IETFStatusList.bitstring()` (base64url of `lst`, checked inflate, layout).
func decodeOnly() throws -> Int {
    guard let first = jwtBytes.firstIndex(of: UInt8(ascii: ".")),
        let second = jwtBytes[(first + 1)...].firstIndex(of: UInt8(ascii: "."))
    else { throw Failure(description: "not a JWS") }
    let payload = try Base64.decode(bytes: jwtBytes[(first + 1)..<second], options: [.base64UrlAlphabet, .omitPaddingCharacter])
    let claim = try JSONDecoder().decode(StatusListClaimOnly.self, from: Data(payload))
    return try claim.statusList.bitstring().count
}

print("== cold fetch + verify + decode of the 1M list, and its parts (ns per call)")
figures += try await measure(
    [
        Operation(name: "TARGET cold fetch+verify+decode IETF JWT ES256 (fresh client, loopback)", note: "report") { n in
            try await timeAsyncBatch(n) { try await makeClient().fetchList(url: ietfURL, preferring: .ietfJWT, trust: keysTrust).metadata.entryCount }
        },
        Operation(name: "cold fetch+verify+decode IETF JWT ES256, trust .jwks (fresh client: JWKS GET, then list GET)", note: "two round trips") { n in
            try await timeAsyncBatch(n) { try await makeClient().fetchList(url: ietfURL, preferring: .ietfJWT, trust: jwksTrust).metadata.entryCount }
        },
        Operation(name: "TARGET cold fetch+verify+decode W3C DI ES256 (fresh client, loopback)", note: "report") { n in
            try await timeAsyncBatch(n) { try await makeClient().fetchList(url: w3cURL, preferring: .w3cDataIntegrity, trust: keysTrust).metadata.entryCount }
        },
        Operation(name: "in-process verify+decode IETF JWT (StatusListVerifier.verifyIETFJWT)", note: "no HTTP, no client") { n in
            try timeBatch(n) { _ in
                try StatusListVerifier.verifyIETFJWT(jwtText, expectedURI: ietfURL, trustedKeys: signer.trustedKeys, at: Statements.verifiedAt)
                    .bitstring.count
            }
        },
        Operation(name: "in-process verify+decode W3C DI (StatusListVerifier.verifyW3CDataIntegrity)", note: "no HTTP, no client") {
            n in
            try timeBatch(n) { _ in
                try StatusListVerifier.verifyW3CDataIntegrity(credential, trustedKeys: signer.trustedKeys, at: Statements.verifiedAt)
                    .bitstring.count
            }
        },
        Operation(name: "in-process decode only IETF JWT (byte split, base64url, JSON, bitstring())", note: "compare with decode.py") { n in
            try timeBatch(n) { _ in try decodeOnly() }
        },
        Operation(name: "zlib inflate alone of the lst bytes (baseline)", note: "one inflate(Z_FINISH) into a known-size buffer") { n in
            try timeBatch(n) { _ in try ZlibBaseline.inflate(lstCompressed, container: .zlib, decompressedSize: fixture.entries / 8).count }
        },
    ],
    rounds: quick ? 5 : 15,
    batchTarget: .milliseconds(30)
)


struct Report: Codable {
    var generated: String
    var entries: Int
    var jwtBytes: Int
    var credentialBytes: Int
    var figures: [Figure]
}

let report = Report(
    generated: ISO8601DateFormatter().string(from: Date()),
    entries: fixture.entries,
    jwtBytes: jwt.count,
    credentialBytes: credential.count,
    figures: figures
)
let encoder = JSONEncoder()
encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
try encoder.encode(report).write(to: URL(fileURLWithPath: outputPath))
await server.stop()
print("wrote \(outputPath)")
