import ArgumentParser
import Client
import Foundation
import Signing
import StandingAPI

extension SigningIdentityKind: ExpressibleByArgument {}

extension Standing {
    /// `standing identities create|show|ls|activate|import-chain` (operator): whose signature an issuer's lists carry.
    struct Identities: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issuers' signing identities (operator): lists an issuer owns are signed by its identity.",
            subcommands: [Create.self, Show.self, List.self, Activate.self, ImportChain.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Give an issuer a signing identity with a key the service holds.",
                discussion: """
                    hosted: the service serves did:web:HOST:issuers:NAME and signs at once. did-web: prints the \
                    verification method to add to the issuer's own DID document; then `standing identities activate`. \
                    x509: writes a CSR (--csr-out) for the issuer's CA; then `standing identities import-chain`.
                    """)
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The issuer principal.") var issuer: String
            @Option(help: "hosted, did-web or x509.") var kind: SigningIdentityKind
            @Option(help: "did-web: the issuer's own did:web DID (x509: optional, else the hosted DID).") var did: String?
            @Option(help: "x509: write the certificate signing request (PEM) to this new file.") var csrOut: String?
            @Option(help: "x509: the CSR's common name (default: the issuer).") var commonName: String?
            @Option(help: "x509: the CSR's organisation.") var organization: String?
            @Option(help: "x509: the CSR's two-letter country.") var country: String?
            @Flag(help: "Switch lists the issuer owns already from the service's signature to this identity.") var switchExistingLists = false

            func validate() throws {
                if kind == .x509, csrOut == nil, !connection.json {
                    throw ValidationError("--kind x509 needs --csr-out FILE: the certificate signing request for the issuer's CA goes there")
                }
                if kind != .x509, csrOut != nil { throw ValidationError("--csr-out is for --kind x509") }
            }

            func run() async throws {
                let created = try await connection.admin().createIdentity(
                    CreateIdentityRequest(
                        issuer: issuer, kind: kind, did: did, commonName: commonName, organization: organization, country: country,
                        switchExistingLists: switchExistingLists ? true : nil))
                if let csrOut, let csr = created.certificateSigningRequest {
                    try LocalFiles.writeNewFile(csrOut, Data(csr.utf8))
                }
                if try connection.printJSON(created) { return }
                printIdentity(created)
                if let csrOut { print("certificate signing request written to \(csrOut)") }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show an issuer's signing identity, its keys and what to do next.")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The issuer principal.") var issuer: String

            func run() async throws {
                let identity = try await connection.admin().identity(issuer: issuer)
                if try connection.printJSON(identity) { return }
                printIdentity(identity)
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "ls", abstract: "List issuers' signing identities.")
            @OptionGroup var connection: ConnectionOptions

            func run() async throws {
                let identities = try await connection.admin().identities()
                if try connection.printJSON(IdentitiesPage(identities: identities)) { return }
                for identity in identities {
                    print("\(identity.issuer)\t\(identity.kind.rawValue)\t\(identity.active ? "active" : "pending")\t\(identity.did)")
                }
            }
        }

        struct Activate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Check that the issuer's DID document publishes the pending key, then activate it (did-web).")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The issuer principal.") var issuer: String
            @Flag(help: "Fetch did:web:127.0.0.1… documents over plain http (local set-ups and tests).") var allowLoopbackHttp = false

            func run() async throws {
                let admin = try connection.admin()
                let identity = try await admin.identity(issuer: issuer)
                try await admin.checkPublished(identity, allowLoopbackHTTP: allowLoopbackHttp)
                let activated = try await admin.activateIdentity(issuer: issuer, keyId: identity.verificationMethodToPublish?.id.split(separator: "#").last.map(String.init))
                if try connection.printJSON(activated) { return }
                print("the DID document at \(identity.didDocumentURL) publishes the key; activated")
                printIdentity(activated)
            }
        }

        struct ImportChain: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "import-chain", abstract: "Import the certificate chain (PEM, leaf first) the issuer's CA returned (x509).")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The issuer principal.") var issuer: String
            @Argument(help: "The chain, PEM, leaf first.") var chain: String

            func run() async throws {
                let pem = String(decoding: try LocalFiles.contents(of: chain), as: UTF8.self)
                let imported = try await connection.admin().importChain(issuer: issuer, pem: pem)
                if try connection.printJSON(imported) { return }
                for note in imported.notes { print("note: \(note)") }
                printIdentity(imported)
            }
        }
    }
}

extension Standing.Keys {
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "New signing keys for the service, or for one issuer's identity (operator).",
            discussion: """
                The new key signs every publication from now on and every affected list is re-signed; old keys stay in \
                the JWKS and DID documents until everything they signed has expired. A did-web or x509 identity keeps \
                signing with its current key until the new one is activated or its chain imported.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The issuer whose identity key rotates; the service's own keys when left out.") var issuer: String?
        @Option(help: "x509: write the new key's certificate signing request to this new file.") var csrOut: String?

        func run() async throws {
            let admin = try connection.admin()
            guard let issuer else {
                let rotated = try await admin.rotateServiceKeys()
                if try connection.printJSON(rotated) { return }
                print("service keys rotated for \(rotated.did); \(rotated.listsResigned) lists are being re-signed")
                for key in rotated.keys { print(keyLine(key)) }
                return
            }
            let rotated = try await admin.rotateKeys(issuer: issuer)
            if let csrOut, let csr = rotated.certificateSigningRequest { try LocalFiles.writeNewFile(csrOut, Data(csr.utf8)) }
            if try connection.printJSON(rotated) { return }
            printIdentity(rotated)
            if let csrOut { print("certificate signing request written to \(csrOut)") }
        }
    }

    struct CSR: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "csr", abstract: "Write the certificate signing request of an x509 identity's key waiting for a certificate.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The issuer principal.") var issuer: String
        @Option(help: "Write the CSR (PEM) to this new file; standard output when left out.") var out: String?

        func run() async throws {
            let csr = try await connection.admin().certificateSigningRequest(issuer: issuer)
            guard let out else { return print(csr, terminator: "") }
            try LocalFiles.writeNewFile(out, Data(csr.utf8))
            print("certificate signing request written to \(out)")
        }
    }
}

/// One key as a line: id, algorithm, state and dates.
func keyLine(_ key: IdentityKeyInfo) -> String {
    var line = "  \(key.kid)  \(key.algorithm)  \(key.signing ? "signing" : key.state.rawValue)"
    if let supersededAt = key.supersededAt { line += "  superseded \(supersededAt.formatted(.iso8601))" }
    if let retiresAt = key.retiresAt { line += "  retires \(retiresAt.formatted(.iso8601))" }
    if let certificate = key.certificate { line += "  certificate \(certificate.subject) (by \(certificate.issuer), until \(certificate.notAfter.formatted(.iso8601)))" }
    return line
}

/// An identity for people: what it is, its keys, and what to do next (with what to publish).
func printIdentity(_ identity: SigningIdentityInfo) {
    print("issuer    \(identity.issuer)")
    print("kind      \(identity.kind.rawValue)")
    print("DID       \(identity.did)")
    print("document  \(identity.didDocumentURL)")
    print("signing   \(identity.active ? "yes: the issuer's lists carry this identity" : "not yet: the issuer's lists carry the service's signature")")
    print("keys")
    for key in identity.keys { print(keyLine(key)) }
    if let method = identity.verificationMethodToPublish, let text = try? LocalFiles.prettyJSON(method) {
        print("publish this verification method in the issuer's DID document (and its id under assertionMethod):")
        print(String(decoding: text, as: UTF8.self), terminator: "")
    }
    for step in identity.nextSteps { print("next: \(step)") }
}
