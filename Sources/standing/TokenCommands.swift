import ArgumentParser
import Client
import Foundation
import StandingAPI

extension Standing {
    /// `standing tokens create|ls|revoke` (operator).
    struct Tokens: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage API tokens (operator).", subcommands: [Create.self, List.self, Revoke.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create a token; its secret is printed once.")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "What the token may do.") var role: PrincipalRole
            @Option(help: "The issuer or body id the token acts for.") var principal: String?
            @Option(help: "A note for listings.") var label: String?
            @OptionGroup var output: IssuedTokenOutput

            func run() async throws {
                let created = try await connection.admin().createToken(CreateTokenRequest(role: role, principal: principal, label: label))
                if try !connection.printJSON(created) { try output.report(created) }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "ls", abstract: "List tokens (never their secrets).")
            @OptionGroup var connection: ConnectionOptions

            func run() async throws {
                let tokens = try await connection.admin().tokens()
                if try connection.printJSON(TokensPage(tokens: tokens)) { return }
                for token in tokens { print(token.line) }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a token by id.")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The token id (tok_...).") var id: String

            func run() async throws {
                try await connection.admin().revokeToken(id)
                if !connection.json { print("revoked \(id)") }
            }
        }
    }
}

/// Where a newly issued token's secret goes: one line to paste (`export STANDING_TOKEN=…`), or a 0600 file.
struct IssuedTokenOutput: ParsableArguments {
    @Option(help: "Write the secret to this new file (mode 0600) instead of printing it.") var tokenOut: String?

    /// Prints what was issued; the secret is shown (or written) once, since the service keeps only its hash.
    func report(_ created: CreatedToken) throws {
        try created.handOver(secretFile: tokenOut) { print($0) }
    }
}
