import ArgumentParser
import Client
import Foundation

/// Options every command that talks to a running service shares.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Service base URL. Env STANDING_SERVER; default http://127.0.0.1:8080.")
    var server: String?
    @Option(name: .long, help: "API token. Env STANDING_TOKEN.")
    var token: String?
    @OptionGroup var output: JSONOutput

    var json: Bool { output.json }

    var serverURL: String {
        var url = server ?? ProcessInfo.processInfo.environment["STANDING_SERVER"] ?? "http://127.0.0.1:8080"
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    var resolvedToken: String? { token ?? ProcessInfo.processInfo.environment["STANDING_TOKEN"] }

    /// The admin client, with the token (or the error that says where to find one).
    func admin() throws -> StandingAdminClient {
        guard let resolvedToken else {
            throw CLIError("no token: pass --token or set STANDING_TOKEN (the operator token is in DATA_DIR/operator-token)")
        }
        return StandingAdminClient(serverURL: serverURL, token: resolvedToken)
    }

    /// A client for public reads (a token is sent nowhere).
    var reader: RegistryAuthoring { RegistryAuthoring(client: StandingAdminClient(serverURL: serverURL, token: nil)) }

    /// A registry author with the token.
    func author() throws -> RegistryAuthoring { RegistryAuthoring(client: try admin()) }

    /// Prints `value` as pretty JSON when `--json` was given; tells whether it did.
    func printJSON(_ value: some Encodable) throws -> Bool { try output.printJSON(value) }
}

/// `--json`: what a command prints, text or JSON.
struct JSONOutput: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    /// Prints `value` as pretty JSON when `--json` was given; tells whether it did.
    func printJSON(_ value: some Encodable) throws -> Bool {
        guard json else { return false }
        print(String(decoding: try LocalFiles.prettyJSON(value), as: UTF8.self), terminator: "")
        return true
    }
}

/// A failure the CLI reports as one line and a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
