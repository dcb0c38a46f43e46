import ArgumentParser
import Foundation
import NIOHTTP1
import Signing
import TrustRegistry

extension Standing {
    /// `standing keys generate`: a signing key for the registry, made and kept locally.
    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Manage local signing keys.", subcommands: [Generate.self, Public.self, LoTECertificate.self])

        struct Generate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Generate a private JWK (mode 0600) and print its public JWK; nothing leaves this machine.",
                discussion: """
                    With --name the key goes to standing-keys/NAME.jwk (a 0700 folder that git ignores in this \
                    repository); with --out, to that file. Existing files are never overwritten. Hand others only the \
                    public part: `standing keys public FILE > NAME.pub.jwk`.
                    """
            )
            @Option(help: "Write the key to standing-keys/NAME.jwk.") var name: String?
            @Option(help: "Write the key to this file instead.") var out: String?
            @Option(help: "The signature algorithm.") var alg = KeyAlgorithm.ES256
            @Option(help: "Key id (default: the RFC 7638 thumbprint).") var kid: String?
            @Flag(help: "Print JSON instead of text.") var json = false

            static let folder = "standing-keys"

            func validate() throws {
                guard (name == nil) != (out == nil) else { throw ValidationError("give exactly one of --name and --out") }
                if let name, name.isEmpty || name.contains("/") || name.hasPrefix(".") {
                    throw ValidationError("--name must be a plain name such as 'root' (it becomes \(Self.folder)/NAME.jwk)")
                }
            }

            func run() async throws {
                let path: String
                if let name {
                    try createPrivateFolder(Self.folder)
                    path = Self.folder + "/" + name + ".jwk"
                } else {
                    path = out ?? ""
                }
                let key = SigningKey.generate(alg.signatureAlgorithm)
                let keyID = kid ?? key.verificationKey.thumbprint
                try writeSecretFile(path, try prettyJSON(key.jwk(keyID: keyID)))
                let publicJWK = String(decoding: try prettyJSON(key.verificationKey.jwk(keyID: keyID)), as: UTF8.self)
                if json { return print(publicJWK, terminator: "") }
                print("private key written to \(path) (mode 0600); keep it there")
                print("kid      \(keyID)")
                print("did:key  \(key.verificationKey.didKey.did)")
                print("public JWK (hand out only this; `standing keys public \(path)` prints it again):")
                print(publicJWK, terminator: "")
            }
        }

        struct Public: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "public", abstract: "Print the public JWK of a key file (what others may have)."
            )
            @Argument(help: "A private or public JWK file.") var file: String

            func run() async throws {
                let jwk = try readJWK(file).publicKey
                print(String(decoding: try prettyJSON(jwk), as: UTF8.self), terminator: "")
            }
        }
    }

    /// `standing registry init|log|verify|import`.
    struct RegistryCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "registry",
            abstract: "Initialise, import, read and verify the trusted-issuer registry.",
            subcommands: [Initialise.self, Log.self, VerifyRegistry.self, Import.self]
        )

        struct Initialise: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "init",
                abstract: "Found the registry: the root authority's self-signed authorisation (operator token)."
            )
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The root authority's DID.") var did: String
            @Option(help: "The root authority's private JWK file (signs locally).") var key: String
            @OptionGroup var entityOptions: EntityOptions
            @OptionGroup var scopeOptions: ScopeOptions

            func run() async throws {
                let (signingKey, fileKid) = try readSigningKey(key)
                let entity = try entityOptions.entity(
                    did: did,
                    role: .rootAuthority,
                    key: signingKey.verificationKey.jwk(keyID: fileKid),
                    defaultName: did,
                    defaultCountry: "EU"
                )
                let scope = try scopeOptions.scope(
                    defaultTypes: ["VerifiableCredential", "VerifiableAttestation", "EuropeanDigitalCredential", "MicroCredential", "Diploma"],
                    defaultEQF: ["1-8"],
                    defaultJurisdictions: euMemberStates
                )
                let period = try scopeOptions.period(defaultYears: 10)
                let grant = AccreditationGrant(
                    subject: did,
                    role: .rootTAO,
                    scope: [scope],
                    validFrom: period.from,
                    validUntil: period.until,
                    parentAccreditationId: nil
                )
                let recorded = try await signAndSubmit(
                    signer: did, key: signingKey, fileKid: fileKid, registered: entity, connection: connection
                ) { () throws(RegistryError) in
                    try RegistryStatement.initialise(root: entity, grant: grant, registryBaseURL: connection.serverURL)
                }
                if connection.json { return try AdminClient.printJSON(recorded.merging(["accreditationId": grant.accreditationId]) { $1 }) }
                print("registry initialised by \(did): root authorisation \(grant.accreditationId) (seq \(recorded["seq"] ?? ""))")
            }
        }

        struct Log: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print the registry's event log (public).")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "Only events after this sequence number.") var since: Int = 0

            func run() async throws {
                let log = try await RegistryReader(options: connection).log(after: max(0, since))
                if connection.json {
                    let events = try log.events.map { try JSONSerialization.jsonObject(with: try $0.jsonData()) }
                    return try AdminClient.printJSON(["head": log.head, "events": events])
                }
                if log.events.isEmpty { return print("no events after seq \(since) (head \(log.head))") }
                for event in log.events {
                    let kind = event.kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                    print("\(event.seq)  \(RegistryTime.format(event.at))  \(kind) \(event.target)  \(event.hash)")
                }
            }
        }

        struct VerifyRegistry: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "verify",
                abstract: "Check the log's hash chain and signatures, the signed snapshot and the signed LoTE (exit 1 on any failure)."
            )
            @OptionGroup var connection: ConnectionOptions

            func run() async throws {
                let reader = RegistryReader(options: connection)
                var failures = 0
                func report(_ ok: Bool, _ line: String) {
                    print((ok ? "ok    " : "FAIL  ") + line)
                    if !ok { failures += 1 }
                }

                // 1. The log: every event re-applied under the registry's rules (signatures, scopes, hash chain).
                var hashes = [Int: String]()
                var replayed: RegistryState?
                do {
                    let log = try await reader.log()
                    for event in log.events { hashes[event.seq] = event.hash }
                    do {
                        let state = try RegistryState.replay(log.events)
                        replayed = state
                        report(true, "log: \(log.events.count) events replayed, signatures and hash chain verified, head \(state.headHash)")
                        report(state.seq == log.head, "log head: the server reports seq \(log.head), the replay reached seq \(state.seq)")
                    } catch {
                        report(false, "log: \(error.reason)")
                    }
                } catch {
                    report(false, "log: \(error)")
                }

                // 2. The wallet snapshot: signed by the service key, and the state the log says.
                do {
                    let jwks = try await reader.get("/.well-known/jwks.json")
                    let keys = try JSONValue(parsing: jwks).decode(JWKSet.self)
                    let compact = String(decoding: try await reader.get("/registry/v1/snapshot", accept: "application/jwt"), as: UTF8.self)
                    let snapshot = try WalletSigning.verifySnapshot(compact.trimmingCharacters(in: .whitespacesAndNewlines), keys: keys)
                    report(true, "snapshot: signature verified with the service JWKS (seq \(snapshot.seq))")
                    if replayed != nil {
                        let matches = hashes[snapshot.seq] == snapshot.head && snapshot.rootAuthority == replayed?.rootAuthority
                        report(matches, "snapshot: seq \(snapshot.seq) head \(snapshot.head) \(matches ? "matches" : "does not match") the log")
                    }
                } catch {
                    report(false, "snapshot: \(error)")
                }

                // 3. The LoTE: JAdES with x5c. The leaf is self-signed, so it can only anchor itself.
                do {
                    let compact = String(decoding: try await reader.get("/lote", accept: "application/jwt"), as: UTF8.self)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                    let jws = try CompactJWS(parsing: compact)
                    guard let der = jws.header.certificateChain, !der.isEmpty else { throw CLIError("the JAdES header has no x5c") }
                    let chain = try X509Certificate.parseChain(der: der)
                    guard let anchor = chain.last else { throw CLIError("the x5c chain is empty") }
                    let verified = try await LoTESigning.verify(compact, trustAnchors: [anchor])
                    let sequence = verified.document.LoTE.ListAndSchemeInformation.LoTESequenceNumber
                    report(true, "lote: JAdES signature and x5c verified (x5c self-signed; pin the certificate to trust it)")
                    report(sequence >= 1, "lote: LoTESequenceNumber \(sequence)")
                } catch let error as RegistryError {
                    report(false, "lote: \(error.reason)")
                } catch let error as SigningError {
                    report(false, "lote: \(error.reason)")
                } catch {
                    report(false, "lote: \(error)")
                }

                if failures > 0 {
                    print("registry verification failed (\(failures) check\(failures == 1 ? "" : "s"))")
                    throw ExitCode(1)
                }
                print("registry verified")
            }
        }

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Submit the pre-signed statements of a standing-registry-import/v1 file in order (operator token).",
                discussion: "Statements the registry already holds are skipped, so an import can be repeated or resumed."
            )
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The import file, e.g. Registry/example.json.") var file: String

            func run() async throws {
                let data: Data
                do {
                    data = try Data(contentsOf: URL(fileURLWithPath: file))
                } catch {
                    throw CLIError("cannot read \(file): \(error.localizedDescription)")
                }
                guard let document = try? JSONValue(parsing: data), document["format"]?.stringValue == "standing-registry-import/v1",
                    let statements = document["statements"]?.arrayValue
                else {
                    throw CLIError("\(file) is not a standing-registry-import/v1 file")
                }
                // Merge: statements the registry holds already (the same signed bytes) are skipped, so an import can be
                // repeated, or resumed after a failure, without conflicts.
                let log = try await RegistryReader(options: connection).log()
                let recordedAt = Dictionary(log.events.map { ($0.evidence, $0.seq) }, uniquingKeysWith: { first, _ in first })
                var recorded = [[String: Any]]()
                var alreadyRecorded = 0
                for (index, statement) in statements.enumerated() {
                    guard let jws = statement["jws"]?.stringValue else { throw CLIError("statement \(index + 1) has no jws") }
                    if let seq = recordedAt[jws] {
                        alreadyRecorded += 1
                        if !connection.json { print("seq \(seq)  already recorded") }
                        continue
                    }
                    let result: [String: Any]
                    do {
                        result = try await submitStatement(jws, connection: connection)
                    } catch {
                        var advice = ""
                        if alreadyRecorded == 0, recorded.isEmpty, !log.events.isEmpty {
                            let root = (try? await RegistryReader(options: connection).replayedState().rootAuthority) ?? nil
                            advice = "; the registry at \(connection.serverURL) already holds another registry (root \(root ?? "unknown"), "
                                + "\(log.head) events) and \(file) starts a new one: import it into a fresh data directory "
                                + "(`standing serve --data-dir NEW-DIR`), or import only statements that extend this registry"
                        } else if index > 0 {
                            advice = "; statements 1-\(index) are in the registry, so running the import again resumes here"
                        }
                        throw CLIError("statement \(index + 1) of \(statements.count) refused: \(error)\(advice)")
                    }
                    recorded.append(result)
                    if !connection.json {
                        print("seq \(result["seq"] ?? "")  \(result["kind"] ?? "")  \(result["target"] ?? "")")
                    }
                }
                if connection.json { return try AdminClient.printJSON(["recorded": recorded, "alreadyRecorded": alreadyRecorded]) }
                print("imported \(recorded.count) statements" + (alreadyRecorded > 0 ? ", \(alreadyRecorded) already recorded" : ""))
            }
        }
    }

    /// `standing bodies add`.
    struct Bodies: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register accreditation bodies (root authority).", subcommands: [Add.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Register a body (signed locally by the root key), then issue its accreditation-body token (printed once)."
            )
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The body's DID.") var did: String
            @Option(help: "The body's public JWK file.") var publicKey: String
            @OptionGroup var entityOptions: EntityOptions
            @OptionGroup var scopeOptions: ScopeOptions
            @Option(help: "The root authority's private JWK file (signs locally).") var key: String
            @Option(help: "The root authority's DID (default: the registry's).") var root: String?
            @OptionGroup var output: IssuedTokenOutput

            func run() async throws {
                // Local files first: a wrong key file is named before anything is asked of the server.
                let (signingKey, fileKid) = try readSigningKey(key)
                let bodyKey = try readPublicJWK(publicKey)
                let state = try await RegistryReader(options: connection).replayedState()
                guard let rootDID = root ?? state.rootAuthority, let parent = state.rootAuthorisationId else {
                    throw CLIError("the registry has no root authority yet; run 'standing registry init' first")
                }
                let body = try entityOptions.entity(did: did, role: .accreditationBody, key: bodyKey)
                let scope = try scopeOptions.scope()
                let period = try scopeOptions.period()
                let grant = AccreditationGrant(
                    subject: did,
                    role: .tao,
                    scope: [scope],
                    validFrom: period.from,
                    validUntil: period.until,
                    parentAccreditationId: parent
                )
                let recorded = try await signAndSubmit(
                    signer: rootDID, key: signingKey, fileKid: fileKid, registered: state.entity(rootDID), connection: connection
                ) { () throws(RegistryError) in
                    try RegistryStatement.registerBody(
                        rootAuthority: rootDID,
                        body: state.entity(did) == nil ? body : nil,
                        grant: grant,
                        registryBaseURL: connection.serverURL
                    )
                }
                let token = try await AdminClient(options: connection).send(
                    .POST,
                    "/admin/tokens",
                    body: ["role": "accreditation-body", "principal": did, "label": "accreditation body \(did)"]
                )
                let tokenObject = token as? [String: Any]
                if connection.json {
                    return try AdminClient.printJSON([
                        "accreditationId": grant.accreditationId, "seq": recorded["seq"] ?? 0, "token": tokenObject?["token"] ?? [:],
                        "secret": tokenObject?["secret"] ?? "",
                    ])
                }
                print("registered \(did): accreditation \(grant.accreditationId) (seq \(recorded["seq"] ?? ""))")
                try output.report(tokenObject)
            }
        }
    }

    /// `standing accredit`: an accreditation body accredits an issuer (TI) or sub-body (TAO).
    struct Accredit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Accredit an issuer or sub-body: the statement is signed locally with the body's key (body token)."
        )
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The accredited DID.") var subject: String
        @Option(help: "The subject's public JWK file (not needed for a did:key or an already registered subject).") var subjectKey: String?
        @OptionGroup var entityOptions: EntityOptions
        @OptionGroup var scopeOptions: ScopeOptions
        @Option(help: "The body's private JWK file (signs locally).") var key: String
        @Option(help: "The accrediting body's DID.") var body: String
        @Option(help: "TI (issuer) or TAO (sub-body).") var role = AccreditedRole.TI

        func run() async throws {
            let accreditationRole = role.accreditationRole
            let (signingKey, fileKid) = try readSigningKey(key)
            let subjectPublicKey = try subjectKey.map(readPublicJWK)
            let state = try await RegistryReader(options: connection).replayedState()
            guard let rootDID = state.rootAuthority else { throw CLIError("the registry has no root authority yet") }
            var subjectEntity: Entity?
            if state.entity(subject) == nil {
                let jwk: JWK
                if let subjectPublicKey {
                    jwk = subjectPublicKey
                } else if subject.hasPrefix(DIDKey.prefix), let didKey = try? DIDKey(subject) {
                    jwk = didKey.key.jwk(keyID: nil)
                } else {
                    throw CLIError("\(subject) is not registered yet: give --subject-key (its public JWK file)")
                }
                subjectEntity = try entityOptions.entity(did: subject, role: accreditationRole.subjectRole, key: jwk)
            }
            let scope = try scopeOptions.scope()
            let period = try scopeOptions.period()
            // The body's covering accreditation; when none covers the grant, the body's latest one, so the registry
            // names the rule the grant breaks.
            let parent =
                state.parentCandidates(body: body, scope: [scope], validFrom: period.from, validUntil: period.until, at: Date()).first
                ?? state.accreditations(of: body).last(where: { $0.role.mayAccredit })?.accreditationId
            guard let parent else { throw CLIError("\(body) holds no accreditation that allows it to accredit") }
            let grant = AccreditationGrant(
                subject: subject,
                role: accreditationRole,
                scope: [scope],
                validFrom: period.from,
                validUntil: period.until,
                parentAccreditationId: parent
            )
            // Idempotent: the same accreditation again is reported, not added (the registry would refuse it too).
            if let existing = state.accreditation(duplicating: grant, by: body, startedBy: scopeOptions.from == nil ? period.from : nil) {
                let status = existing.status(at: Date()).publishedStatus.rawValue
                if connection.json {
                    return try AdminClient.printJSON(["accreditationId": existing.accreditationId, "alreadyAccredited": true, "status": status])
                }
                return print(
                    "already accredited: \(subject) holds accreditation \(existing.accreditationId) from \(body) with this role, "
                        + "scope and period (\(status)); nothing was submitted")
            }
            let recorded = try await signAndSubmit(
                signer: body, key: signingKey, fileKid: fileKid, registered: state.entity(body), connection: connection
            ) { () throws(RegistryError) in
                try RegistryStatement.accredit(
                    accreditor: body,
                    grant: grant,
                    subjectEntity: subjectEntity,
                    rootAuthority: rootDID,
                    registryBaseURL: connection.serverURL
                )
            }
            if connection.json { return try AdminClient.printJSON(recorded.merging(["accreditationId": grant.accreditationId]) { $1 }) }
            print("accredited \(subject) as \(accreditationRole.rawValue): accreditation \(grant.accreditationId) (seq \(recorded["seq"] ?? ""))")
        }
    }

    /// `standing accreditations suspend|reinstate|revoke`.
    struct Accreditations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Suspend, reinstate or revoke an accreditation (signed locally by its accreditor or the root authority).",
            subcommands: [SuspendAccreditation.self, ReinstateAccreditation.self, RevokeAccreditation.self]
        )

        struct SuspendAccreditation: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "suspend", abstract: "Suspend an accreditation (reversible).")
            @OptionGroup var change: LifecycleOptions
            func run() async throws { try await change.submit(.suspend) }
        }

        struct ReinstateAccreditation: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "reinstate", abstract: "Reinstate a suspended accreditation.")
            @OptionGroup var change: LifecycleOptions
            func run() async throws { try await change.submit(.reinstate) }
        }

        struct RevokeAccreditation: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke an accreditation (final).")
            @OptionGroup var change: LifecycleOptions
            func run() async throws { try await change.submit(.revoke) }
        }
    }

    /// `standing issuers ls|show` (public EBSI TIR v5 view).
    struct Issuers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the trusted-issuer registry (EBSI TIR v5).",
            subcommands: [ListIssuers.self, ShowIssuer.self]
        )

        struct ListIssuers: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "ls", abstract: "List every accredited DID.")
            @OptionGroup var connection: ConnectionOptions

            func run() async throws {
                let items = try await RegistryReader(options: connection).ebsiItems("/trusted-issuers-registry/v5/issuers") { $0["did"]?.stringValue }
                let dids = items.compactMap { $0["did"]?.stringValue }
                if connection.json { return try AdminClient.printJSON(dids) }
                if dids.isEmpty { return print("no issuers") }
                for did in dids { print(did) }
            }
        }

        struct ShowIssuer: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a DID's accreditations: status, scope, period.")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The DID.") var did: String

            func run() async throws {
                let reader = RegistryReader(options: connection)
                let base = "/trusted-issuers-registry/v5/issuers/" + percentEncoded(did) + "/attributes"
                let ids = try await reader.ebsiItems(base) { $0["id"]?.stringValue }.compactMap { $0["id"]?.stringValue }
                var shown = [[String: Any]]()
                for id in ids {
                    let revisions = try await reader.ebsiItems(base + "/" + id + "/revisions") { $0["seq"]?.integerValue.map(String.init) }
                    guard let latest = revisions.last else { continue }
                    let status = latest["status"]?.stringValue ?? "unknown"
                    var entry: [String: Any] = [
                        "id": id, "status": status, "accreditedBy": latest["tao"]?.stringValue ?? "",
                        "issuerType": latest["issuerType"]?.stringValue ?? "",
                    ]
                    if let reason = latest["reason"]?.stringValue { entry["reason"] = reason }
                    // The body is the signed accreditation itself: scope and period come from what the accreditor signed.
                    if let body = latest["body"]?.stringValue, let statement = try? SignedStatement(parsing: body),
                        case .accreditation(let grant, _) = statement.content
                    {
                        entry["role"] = grant.role.rawValue
                        entry["validFrom"] = RegistryTime.format(grant.validFrom)
                        entry["validUntil"] = RegistryTime.format(grant.validUntil)
                        entry["scope"] = grant.scope.map(describe)
                        let now = Date()
                        if status == "active", now >= grant.validUntil { entry["status"] = "expired" }
                        if status == "active", now < grant.validFrom { entry["status"] = "not yet valid" }
                    }
                    shown.append(entry)
                }
                if connection.json { return try AdminClient.printJSON(["did": did, "accreditations": shown]) }
                print(did)
                if shown.isEmpty { return print("  no accreditations") }
                for entry in shown {
                    let reason = (entry["reason"] as? String).map { " (\($0))" } ?? ""
                    print("  \(entry["id"] ?? "")  \(entry["role"] ?? entry["issuerType"] ?? "")  \(entry["status"] ?? "")\(reason)")
                    print("    accredited by \(entry["accreditedBy"] ?? "")")
                    print("    period        \(entry["validFrom"] ?? "?") .. \(entry["validUntil"] ?? "?")")
                    for scope in entry["scope"] as? [String] ?? [] { print("    scope         \(scope)") }
                }
            }
        }
    }
}

/// The arguments of a lifecycle statement.
struct LifecycleOptions: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The accreditation id (64 hex characters).") var id: String
    @Option(help: "Why (required to suspend or revoke).") var reason: String?
    @Option(help: "The signer's private JWK file (signs locally).") var key: String
    @Option(help: "The signer's DID: the accreditor or the root authority.") var signer: String

    func submit(_ action: LifecycleAction) async throws {
        let (signingKey, fileKid) = try readSigningKey(key)
        let state = try await RegistryReader(options: connection).replayedState()
        guard let rootDID = state.rootAuthority else { throw CLIError("the registry has no root authority yet") }
        guard let record = state.accreditation(id) else { throw CLIError("no accreditation has id \(id)") }
        let recorded = try await signAndSubmit(
            signer: signer, key: signingKey, fileKid: fileKid, registered: state.entity(signer), connection: connection
        ) { () throws(RegistryError) in
            try RegistryStatement.lifecycle(
                signer: signer,
                change: LifecycleChange(action: action, targetId: id, subject: record.subject, reason: reason),
                rootAuthority: rootDID
            )
        }
        if connection.json { return try AdminClient.printJSON(recorded) }
        print("\(id): \(action.resultingStatus.rawValue) (seq \(recorded["seq"] ?? ""))")
    }
}
