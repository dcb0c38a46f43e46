import ArgumentParser

/// `standing`: the server, the admin CLI for operators and issuers, and the verifier.
@main
struct Standing: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "standing",
        abstract: "Credential status lists and a trusted-issuer registry: serve, manage, verify.",
        version: "0.1.0",
        subcommands: [
            Serve.self,
            Init.self,
            Lists.self,
            Entries.self,
            Status.self,
            Revoke.self,
            Suspend.self,
            Reinstate.self,
            Tokens.self,
            Audit.self,
            Verify.self,
            Credentials.self,
            Keys.self,
            RegistryCommand.self,
            Bodies.self,
            Accredit.self,
            Accreditations.self,
            Issuers.self,
        ]
    )
}
