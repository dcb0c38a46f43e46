import ArgumentParser
import Client
import Foundation
import Signing
import StandingAPI

extension Client.ExampleCredential.Securing: ExpressibleByArgument {}

extension Standing {
    /// `standing credentials issue`: a signed example credential with a freshly allocated status entry.
    struct Credentials: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue example credentials to try verification with.", subcommands: [Issue.self])

        struct Issue: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Allocate a status entry and sign a small credential carrying it with the issuer's key.",
                discussion: """
                    The entry comes from the service at STANDING_SERVER with STANDING_TOKEN (an issuer or operator \
                    token), from your current list for --purpose or from --list. The credential is a W3C VCDM 2.0 \
                    credential secured as vc+jwt (default) or with a Data Integrity proof (--format data-integrity: \
                    ecdsa-jcs-2019 for an ES256 key, eddsa-jcs-2022 for Ed25519), signed locally: the key never \
                    leaves this machine. Verify it with `standing verify FILE --trust ISSUER.pub.jwk --trust \
                    SERVICE-JWKS`, revoke it with `standing revoke LIST INDEX`.
                    """
            )
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The issuer's private JWK file (signs locally).") var key: String
            @Option(help: "The issuer's DID (did:web:... or did:key:...).") var issuer: String
            @OptionGroup var allocation: AllocationOptions
            @Option(help: "How the credential is secured.") var format = ExampleCredential.Securing.vcJWT
            @Option(help: "The holder's DID.") var subject = "did:example:learner"
            @Option(help: "A credential type besides VerifiableCredential (repeatable).") var type: [String] = ["MicroCredential"]
            @Option(help: "The achievement's name.") var achievement = "Example micro-credential"
            @Option(help: "The EQF level (1-8) the credential attests.") var eqf: Int?
            @Option(help: "The jurisdiction, ISO 3166-1 alpha-3 (e.g. ESP).") var jurisdiction: String?
            @Option(help: "Write the credential here (default: standard output).") var out: String?

            func validate() throws {
                if allocation.purpose != nil, allocation.list != nil { throw ValidationError("give at most one of --purpose and --list") }
                if let eqf, !(1...8).contains(eqf) { throw ValidationError("--eqf must be 1-8, got \(eqf)") }
                guard issuer.hasPrefix("did:") else { throw ValidationError("--issuer must be a DID such as did:web:uni.example.es") }
            }

            func run() async throws {
                let (signingKey, keyID) = try LocalFiles.signingKey(key)
                let (entry, statusJSON) = try await allocation.allocate(connection).firstEntryToEmbed()
                let credential = ExampleCredential(
                    issuer: issuer, subject: subject, types: type, achievement: achievement, eqfLevel: eqf, jurisdiction: jurisdiction,
                    validFrom: Date(), credentialStatus: statusJSON)
                let text = try credential.signed(with: signingKey, keyID: keyID, as: format)
                let where_ = "list \(entry.list) index \(entry.index)"
                guard let out else {
                    print(text, terminator: "")
                    return
                }
                try LocalFiles.writeNewFile(out, Data(text.utf8))
                print("wrote a \(format.rawValue) credential to \(out), status entry \(where_), signed by \(issuer)#\(keyID)")
                print("revoke it with: standing revoke \(entry.list) \(entry.index)")
            }
        }
    }
}
