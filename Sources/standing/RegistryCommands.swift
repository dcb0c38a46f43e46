import ArgumentParser
import Foundation
import Client
import StandingAPI
import Signing
import TrustRegistry

extension Standing {
    /// `standing keys generate|public|lote-certificate`: keys made and kept locally; `standing keys rotate|csr`: the
    /// service's keys and issuers' identity keys, which the service holds.
    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Local signing keys (generate, public, lote-certificate) and the service's keys (rotate, csr).", subcommands: [Generate.self, Public.self, LoTECertificate.self, Rotate.self, CSR.self])

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
            @OptionGroup var output: JSONOutput

            func validate() throws {
                guard (name == nil) != (out == nil) else { throw ValidationError("give exactly one of --name and --out") }
                if let name, name.isEmpty || name.contains("/") || name.hasPrefix(".") {
                    throw ValidationError("--name must be a plain name such as 'root' (it becomes \(LocalFiles.keyFolder)/NAME.jwk)")
                }
            }

            func run() async throws {
                let key = try LocalFiles.generateKey(alg.signatureAlgorithm, keyID: kid, to: name.map { .named($0) } ?? .file(out ?? ""))
                if output.json { return print(key.publicJWK, terminator: "") }
                print("private key written to \(key.path) (mode 0600); keep it there")
                print("kid      \(key.keyID)")
                print("did:key  \(key.didKey)")
                print("public JWK (hand out only this; `standing keys public \(key.path)` prints it again):")
                print(key.publicJWK, terminator: "")
            }
        }

        struct Public: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "public", abstract: "Print the public JWK of a key file (what others may have)."
            )
            @Argument(help: "A private or public JWK file.") var file: String

            func run() async throws {
                print(String(decoding: try LocalFiles.prettyJSON(try LocalFiles.jwk(file).publicKey), as: UTF8.self), terminator: "")
            }
        }
    }

    /// `standing registry init|log|verify|import|import-deqar`.
    struct RegistryCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "registry",
            abstract: "Initialise, import, read and verify the trusted-issuer registry.",
            subcommands: [Initialise.self, Log.self, VerifyRegistry.self, Import.self, ImportDEQAR.self]
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
                let root = try RegistryAuthoring.Signer(did: did, keyFile: key)
                let entity = try entityOptions.entity(
                    did: did, role: .rootAuthority, key: root.key.verificationKey.jwk(keyID: root.fileKid), defaultName: did,
                    defaultCountry: "EU")
                let scope = try scopeOptions.scope(.rootAuthority)
                let period = try scopeOptions.period(.rootAuthority)
                let (grant, recorded) = try await connection.author().initialise(
                    root: entity, signer: root, scope: scope, validFrom: period.from, validUntil: period.until)
                if try connection.printJSON(Accredited(grant.accreditationId, recorded)) { return }
                print("registry initialised by \(did): root authorisation \(grant.accreditationId) (seq \(recorded.seq))")
            }
        }

        struct Log: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print the registry's event log (public).")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "Only events after this sequence number.") var since: Int = 0

            struct Page: Encodable {
                let head: Int
                let events: [JSONValue]
            }

            func run() async throws {
                let log = try await connection.reader.log(after: max(0, since))
                if try connection.printJSON(Page(head: log.head, events: try log.events.map { try JSONValue(parsing: try $0.jsonData()) })) {
                    return
                }
                if log.events.isEmpty { return print("no events after seq \(since) (head \(log.head))") }
                for event in log.events { print(event.logLine) }
            }
        }

        struct VerifyRegistry: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "verify",
                abstract: "Check the log's hash chain and signatures, the signed snapshot and the signed LoTE (exit 1 on any failure)."
            )
            @OptionGroup var connection: ConnectionOptions

            func run() async throws {
                let report = await connection.reader.verificationReport()
                print(report.text)
                if report.failures > 0 { throw ExitCode(1) }
            }
        }

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Submit the pre-signed statements of a standing-registry-import/v1 file in order (operator token).",
                discussion: "Statements the registry already holds are skipped, so an import can be repeated or resumed."
            )
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The import file, e.g. Registry/example.json.") var file: String

            struct Summary: Encodable {
                let recorded: [RecordedStatement]
                let alreadyRecorded: Int
            }

            func run() async throws {
                let steps = try await connection.author().importStatements(try LocalFiles.contents(of: file), name: file) { step in
                    if !connection.json { print(step.line) }
                }
                let recorded = steps.compactMap { if case .recorded(let event) = $0 { event } else { nil } }
                let already = steps.count - recorded.count
                if try connection.printJSON(Summary(recorded: recorded, alreadyRecorded: already)) { return }
                print("imported \(recorded.count) statements" + (already > 0 ? ", \(already) already recorded" : ""))
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

            struct Registered: Encodable {
                let accreditationId: String
                let seq: Int
                let token: TokenInfo
                let secret: String
            }

            func run() async throws {
                // Local files first: a wrong key file is named before anything is asked of the server.
                let (rootKey, fileKid) = try LocalFiles.signingKey(key)
                let bodyKey = try LocalFiles.publicJWK(publicKey)
                let author = try connection.author()
                let body = try entityOptions.entity(did: did, role: .accreditationBody, key: bodyKey)
                let period = try scopeOptions.period()
                let (grant, recorded) = try await author.registerBody(
                    body, scope: try scopeOptions.scope(), validFrom: period.from, validUntil: period.until,
                    signer: { RegistryAuthoring.Signer(did: $0, key: rootKey, fileKid: fileKid) }, root: root)
                let created = try await author.client.createToken(
                    CreateTokenRequest(role: .accreditationBody, principal: did, label: "accreditation body \(did)"))
                if try connection.printJSON(Registered(accreditationId: grant.accreditationId, seq: recorded.seq, token: created.token, secret: created.secret)) {
                    return
                }
                print("registered \(did): accreditation \(grant.accreditationId) (seq \(recorded.seq))")
                try output.report(created)
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

        struct Already: Encodable {
            let accreditationId: String
            let alreadyAccredited = true
            let status: String
        }

        func run() async throws {
            let bodySigner = try RegistryAuthoring.Signer(did: body, keyFile: key)
            let subjectPublicKey = try subjectKey.map(LocalFiles.publicJWK)
            let scope = try scopeOptions.scope()
            let period = try scopeOptions.period()
            let outcome = try await connection.author().accredit(
                subject: subject, role: role.accreditationRole, scope: scope, validFrom: period.from, validUntil: period.until,
                startedByDefault: scopeOptions.from == nil, signer: bodySigner
            ) { subjectRole in
                try ScopeInput.subjectKey(of: subject, given: subjectPublicKey).map { try entityOptions.entity(did: subject, role: subjectRole, key: $0) }
            }
            switch outcome {
            case .alreadyAccredited(let id, let status):
                if try connection.printJSON(Already(accreditationId: id, status: status)) { return }
                print(
                    "already accredited: \(subject) holds accreditation \(id) from \(body) with this role, "
                        + "scope and period (\(status)); nothing was submitted")
            case .recorded(let grant, let recorded):
                if try connection.printJSON(Accredited(grant.accreditationId, recorded)) { return }
                print("accredited \(subject) as \(grant.role.rawValue): accreditation \(grant.accreditationId) (seq \(recorded.seq))")
            }
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
                let dids = try await connection.reader.issuers()
                if try connection.printJSON(dids) { return }
                if dids.isEmpty { return print("no issuers") }
                for did in dids { print(did) }
            }
        }

        struct ShowIssuer: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a DID's accreditations: status, scope, period.")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The DID.") var did: String

            struct Answer: Encodable {
                let did: String
                let accreditations: [RegistryAuthoring.IssuerAccreditation]
            }

            func run() async throws {
                let shown = try await connection.reader.accreditations(of: did)
                if try connection.printJSON(Answer(did: did, accreditations: shown)) { return }
                print(RegistryAuthoring.IssuerAccreditation.text(of: did, shown))
            }
        }
    }
}

/// A recorded statement that created an accreditation, as `--json` prints it.
struct Accredited: Encodable {
    let accreditationId: String
    let seq: Int
    let hash: String
    let kind: String
    let target: String

    init(_ accreditationId: String, _ recorded: RecordedStatement) {
        self.accreditationId = accreditationId
        (seq, hash, kind, target) = (recorded.seq, recorded.hash, recorded.kind, recorded.target)
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
        let signing = try RegistryAuthoring.Signer(did: signer, keyFile: key)
        let recorded = try await connection.author().changeLifecycle(action, of: id, reason: reason, signer: signing)
        if try connection.printJSON(recorded) { return }
        print("\(id): \(action.resultingStatus.rawValue) (seq \(recorded.seq))")
    }
}
