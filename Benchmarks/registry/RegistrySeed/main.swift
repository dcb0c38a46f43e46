import Foundation
import Signing
import Store
import TrustRegistry

// Seeds a Standing data directory with a large trust registry, the way the server itself would have recorded it:
// every statement is built with TrustRegistry's builders, signed with a throw-away key, applied with
// `RegistryState.apply` (the same verification a submit does) and appended to the store's event log. The server
// replays (and re-verifies) the whole log when it starts. Submitting 60,000 statements over HTTP is not an option at
// this scale: each recorded write re-signs the whole snapshot, so seeding that way is quadratic.
//
// Usage: RegistrySeed <data dir> <issuers> <accreditations> <out dir>
// Writes <out dir>/seed.json: the DIDs, timings, and pre-signed lifecycle statements for the change-feed probe.

struct Arguments {
    let dataDirectory: String
    let issuers: Int
    let accreditations: Int
    let output: String

    init() throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 5, let issuers = Int(arguments[2]), let accreditations = Int(arguments[3]), issuers > 0,
            accreditations >= issuers
        else {
            throw SeedFailure("usage: RegistrySeed <data dir> <issuers> <accreditations (>= issuers)> <out dir>")
        }
        dataDirectory = arguments[1]
        self.issuers = issuers
        self.accreditations = accreditations
        output = arguments[4]
    }
}

struct SeedFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A signer with a throw-away key.
struct Party {
    let key: SigningKey
    let entity: Entity
    var did: String { entity.did }
    var keyID: String { entity.did + "#key-1" }

    init(did: String, role: EntityRole, name: String, country: String) throws {
        key = SigningKey.generate(.es256)
        entity = try Entity(
            did: did,
            role: role,
            keys: [key.verificationKey.jwk(keyID: "key-1")],
            names: ["en": name],
            country: country,
            website: "https://" + (did.split(separator: ":").dropFirst(2).first.map(String.init) ?? "example.org")
        ).validated()
    }

    func sign(_ statement: RegistryStatement) throws -> String { try statement.sign(with: key, keyID: keyID) }
}

let baseTypes: Set<String> = ["VerifiableCredential", "VerifiableAttestation", "EuropeanDigitalCredential"]
let credentialTypes = (0..<20).map { "BenchCredential\($0)" }
let countries = ["ESP", "NLD", "BEL", "DEU", "FRA", "ITA", "PRT", "AUT", "POL", "SWE"]
let baseURL = "http://127.0.0.1"

func seconds(_ start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

let arguments = try Arguments()
let now = RegistryTime.truncated(Date())
let periodStart = now.addingTimeInterval(-30 * 86_400)
let store = try SQLiteStore(path: DataDirectory(path: arguments.dataDirectory).databasePath)
var state = RegistryState()
var signing = 0.0
var applying = 0.0
var appending = 0.0

@MainActor func record(_ compact: String) async throws -> RegistryEvent {
    let applyStart = ContinuousClock.now
    let event = try state.apply(statement: compact, at: Date())
    applying += seconds(applyStart)
    let appendStart = ContinuousClock.now
    try await store.appendRegistryEvent(RegistryEventRecord(seq: event.seq, hash: event.hash, at: event.at, event: try event.jsonData()))
    appending += seconds(appendStart)
    return event
}

@MainActor func signed(_ party: Party, _ statement: RegistryStatement) throws -> String {
    let start = ContinuousClock.now
    defer { signing += seconds(start) }
    return try party.sign(statement)
}

let total = ContinuousClock.now
let root = try Party(did: "did:web:root.bench.example", role: .rootAuthority, name: "Bench Root", country: "BE")
let rootGrant = AccreditationGrant(
    subject: root.did,
    role: .rootTAO,
    scope: [
        Scope(
            credentialTypes: baseTypes.union(credentialTypes),
            schemaIds: [],
            eqfLevels: Set((1...8).map(RegistryVocabulary.eqfLevel)),
            jurisdictions: Set(countries.map(RegistryVocabulary.country))
        )
    ],
    validFrom: periodStart,
    validUntil: now.addingTimeInterval(10 * 365 * 86_400),
    parentAccreditationId: nil
)
_ = try await record(
    try signed(root, try RegistryStatement.initialise(root: root.entity, grant: rootGrant, registryBaseURL: baseURL, issuedAt: now))
)

var bodies: [(party: Party, accreditationId: String)] = []
for (index, country) in countries.enumerated() {
    let body = try Party(
        did: "did:web:body\(index).bench.example",
        role: .accreditationBody,
        name: "Body \(index)",
        country: String(country.prefix(2))
    )
    let grant = AccreditationGrant(
        subject: body.did,
        role: .tao,
        scope: [
            Scope(
                credentialTypes: baseTypes.union(credentialTypes),
                schemaIds: [],
                eqfLevels: Set((1...8).map(RegistryVocabulary.eqfLevel)),
                jurisdictions: [RegistryVocabulary.country(country)]
            )
        ],
        validFrom: periodStart,
        validUntil: now.addingTimeInterval(5 * 365 * 86_400),
        parentAccreditationId: rootGrant.accreditationId
    )
    _ = try await record(
        try signed(
            root,
            try RegistryStatement.registerBody(rootAuthority: root.did, body: body.entity, grant: grant, registryBaseURL: baseURL, issuedAt: now)
        )
    )
    bodies.append((body, grant.accreditationId))
}

// Accreditation k of issuer i: body (i + k) mod 10, credential type (i * 7 + k) mod 20, EQF 4-7.
var issuerDIDs: [String] = []
var firstAccreditation: [(id: String, subject: String, body: Int)] = []
let perIssuer = arguments.accreditations / arguments.issuers
let extra = arguments.accreditations % arguments.issuers
for issuerIndex in 0..<arguments.issuers {
    let issuer = try Party(did: "did:web:issuer\(issuerIndex).bench.example", role: .issuer, name: "Issuer \(issuerIndex)", country: "BE")
    issuerDIDs.append(issuer.did)
    for k in 0..<(perIssuer + (issuerIndex < extra ? 1 : 0)) {
        let bodyIndex = (issuerIndex + k) % bodies.count
        let body = bodies[bodyIndex]
        let grant = AccreditationGrant(
            subject: issuer.did,
            role: .ti,
            scope: [
                Scope(
                    credentialTypes: baseTypes.union([credentialTypes[(issuerIndex * 7 + k) % credentialTypes.count]]),
                    schemaIds: [],
                    eqfLevels: Set((4...7).map(RegistryVocabulary.eqfLevel)),
                    jurisdictions: [RegistryVocabulary.country(countries[bodyIndex])]
                )
            ],
            validFrom: periodStart,
            validUntil: now.addingTimeInterval(3 * 365 * 86_400),
            parentAccreditationId: body.accreditationId
        )
        let statement = try RegistryStatement.accredit(
            accreditor: body.party.did,
            grant: grant,
            subjectEntity: k == 0 ? issuer.entity : nil,
            rootAuthority: root.did,
            registryBaseURL: baseURL,
            issuedAt: now
        )
        _ = try await record(try signed(body.party, statement))
        if k == 0 { firstAccreditation.append((grant.accreditationId, issuer.did, bodyIndex)) }
    }
    if issuerIndex % 1000 == 999 {
        FileHandle.standardError.write(Data("seeded \(issuerIndex + 1) issuers, seq \(state.seq), \(Int(seconds(total))) s\n".utf8))
    }
}
let seedSeconds = seconds(total)

// In-process: the full wallet snapshot build and its signature at this size (what every recorded write pays).
let service = SigningKey.generate(.es256)
var buildTimes: [Double] = []
var signTimes: [Double] = []
var verifyTimes: [Double] = []
var snapshotBytes = 0
var snapshotPayloadBytes = 0
let serviceKeys = JWKSet(keys: [service.verificationKey.jwk(keyID: "bench")])
for _ in 0..<3 {
    let buildStart = ContinuousClock.now
    let snapshot = try state.walletSnapshot(issuedAt: Date())
    buildTimes.append(seconds(buildStart))
    let signStart = ContinuousClock.now
    let compact = try WalletSigning.sign(snapshot.body, key: service, keyID: "bench")
    signTimes.append(seconds(signStart))
    snapshotBytes = compact.utf8.count
    snapshotPayloadBytes = try snapshot.body.compactPayload().count
    // What a wallet does with the fetched JWS: ES256, inflate, decode (the client adds only the transfer).
    let verifyStart = ContinuousClock.now
    let verified = try WalletSigning.verifySnapshot(compact, keys: serviceKeys)
    verifyTimes.append(seconds(verifyStart))
    guard verified == snapshot.body else { throw SeedFailure("the verified snapshot differs from the one signed") }
}
// The same-run baseline: the version-1 form (named JSON, uncompressed payload) at this size.
let version1Bytes = try CompactJWS.sign(
    json: try JSONValue(encoding: try state.walletSnapshot(issuedAt: Date()).body), key: service, type: "registry-snapshot+jwt", keyID: "bench"
).utf8.count

// Pre-signed suspend/reinstate pairs for the change-feed probe (signed by the accreditor, iat now).
var probes: [[String: String]] = []
for probe in firstAccreditation.prefix(40) {
    let body = bodies[probe.body].party
    for action in [LifecycleAction.suspend, .reinstate] {
        let statement = try RegistryStatement.lifecycle(
            signer: body.did,
            change: LifecycleChange(action: action, targetId: probe.id, subject: probe.subject, reason: action == .suspend ? "benchmark probe" : nil),
            rootAuthority: root.did,
            issuedAt: RegistryTime.truncated(Date())
        )
        probes.append(["action": action.rawValue, "body": body.did, "statement": try body.sign(statement)])
    }
}

let summary: [String: Any] = [
    "rootAuthority": root.did,
    "bodies": bodies.map(\.party.did),
    "issuers": issuerDIDs,
    "credentialTypes": credentialTypes,
    "countries": countries,
    "issuerCount": arguments.issuers,
    "accreditationCount": arguments.accreditations,
    "events": state.seq,
    "seedSeconds": seedSeconds,
    "signSeconds": signing,
    "applySeconds": applying,
    "appendSeconds": appending,
    "snapshotBuildSeconds": buildTimes,
    "snapshotSignSeconds": signTimes,
    "snapshotBytes": snapshotBytes,
    "snapshotPayloadBytes": snapshotPayloadBytes,
    "snapshotVerifySeconds": verifyTimes,
    "snapshotVersion1Bytes": version1Bytes,
    "probes": probes,
]
try FileManager.default.createDirectory(atPath: arguments.output, withIntermediateDirectories: true)
try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]).write(to: URL(fileURLWithPath: arguments.output + "/seed.json"))
print(
    "seeded \(state.seq) events in \(String(format: "%.1f", seedSeconds)) s; snapshot build \(buildTimes), sign \(signTimes), verify \(verifyTimes), \(snapshotBytes) bytes (version 1: \(version1Bytes))"
)
