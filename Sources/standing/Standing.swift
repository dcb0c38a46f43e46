import ArgumentParser
import Foundation
import Server

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
            Database.self,
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
            Identities.self,
            RegistryCommand.self,
            Bodies.self,
            Accredit.self,
            Accreditations.self,
            Issuers.self,
        ]
    )

    /// argument-parser's entry point, except that a mistyped option is named even when a required option is also
    /// missing (argument-parser reports the missing one first, and `--purpos revocation` would read as "missing
    /// --purpose" without a word about the typo).
    static func main() async {
        FreedMemory.limitArenas(toCores: ServerConfiguration.allowedCPUCount() ?? ProcessInfo.processInfo.activeProcessorCount)
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try await asyncParseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if fullMessage(for: error).contains("Missing expected argument"), let unknown = unknownOption(in: arguments) {
                // argument-parser's layout, with the full command path in the usage line.
                var standardError = StandardError()
                print("Error: \(unknown.message)\nUsage: \(usageString(for: unknown.command))", to: &standardError)
                print("  See 'standing \(unknown.path) --help' for more information.", to: &standardError)
                exit(withError: ExitCode.validationFailure)
            }
            exit(withError: error)
        }
    }

    /// The first `--option` that the addressed command does not have, with the nearest one it does have.
    static func unknownOption(in arguments: [String]) -> (command: any ParsableCommand.Type, path: String, message: String)? {
        var command: any ParsableCommand.Type = Standing.self
        var path: [String] = []
        for argument in arguments where !argument.hasPrefix("-") {
            guard let subcommand = command.configuration.subcommands.first(where: { $0._commandName == argument }) else { break }
            command = subcommand
            path.append(argument)
        }
        let help = helpMessage(for: command, includeHidden: true, columns: 10_000)
        var known: Set<String> = ["--help", "--version"]
        var name = ""
        for character in help + " " {
            if character.isLetter || character.isNumber || character == "-" {
                name.append(character)
            } else {
                if name.hasPrefix("--"), name.count > 2 { known.insert(name) }
                name = ""
            }
        }
        for argument in arguments where argument.hasPrefix("--") && argument.count > 2 {
            let option = String(argument.prefix { $0 != "=" })
            guard !known.contains(option) else { continue }
            let nearest = known.min { editDistance(option, $0) < editDistance(option, $1) }
            let suggestion = nearest.map { editDistance(option, $0) <= 3 ? " Did you mean '\($0)'?" : "" } ?? ""
            return (command, path.joined(separator: " "), "Unknown option '\(option)'.\(suggestion)")
        }
        return nil
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// Standard error as a `TextOutputStream`, for `print(_:to:)`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}
