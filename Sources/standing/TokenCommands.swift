import ArgumentParser
import Foundation
import NIOHTTP1
import Store

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
                var body: [String: Any] = ["role": role.rawValue]
                if let principal { body["principal"] = principal }
                if let label { body["label"] = label }
                let result = try await AdminClient(options: connection).send(.POST, "/admin/tokens", body: body)
                if connection.json { return try AdminClient.printJSON(result) }
                try output.report(result as? [String: Any])
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "ls", abstract: "List tokens (never their secrets).")
            @OptionGroup var connection: ConnectionOptions

            func run() async throws {
                let result = try await AdminClient(options: connection).send(.GET, "/admin/tokens")
                if connection.json { return try AdminClient.printJSON(result) }
                for token in (result as? [String: Any])?["tokens"] as? [[String: Any]] ?? [] {
                    let revoked = token["revokedAt"].map { "  revoked \($0)" } ?? ""
                    print("\(token["id"] ?? "")  \(token["role"] ?? "")  \(token["principal"] ?? "")  \(token["label"] ?? "")\(revoked)")
                }
            }
        }

        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a token by id.")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The token id (tok_...).") var id: String

            func run() async throws {
                _ = try await AdminClient(options: connection).send(.DELETE, "/admin/tokens/\(id)")
                if !connection.json { print("revoked \(id)") }
            }
        }
    }
}

/// Where a newly issued token's secret goes: one line to paste (`export STANDING_TOKEN=…`), or a 0600 file.
struct IssuedTokenOutput: ParsableArguments {
    @Option(help: "Write the secret to this new file (mode 0600) instead of printing it.") var tokenOut: String?

    /// Prints what was issued; the secret is shown (or written) once, since the service keeps only its hash.
    func report(_ answer: [String: Any]?) throws {
        let token = answer?["token"] as? [String: Any]
        let secret = answer?["secret"] as? String ?? ""
        print("token \(token?["id"] ?? "") for \(token?["role"] ?? "") \(token?["principal"] ?? "")")
        if let tokenOut {
            try writeSecretFile(tokenOut, Data((secret + "\n").utf8))
            print("secret written to \(tokenOut) (mode 0600); use it with: export STANDING_TOKEN=$(cat \(tokenOut))")
        } else {
            print("the secret is shown once; to act with this token, run:")
            print("export STANDING_TOKEN=\(secret)")
        }
    }
}
