import ArgumentParser
import Client
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TrustRegistry

extension Standing.RegistryCommand {
    /// `standing registry import-deqar FILE --map MAP`: a DEQAR export as signed registry statements.
    struct ImportDEQAR: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-deqar",
            abstract: "Import a DEQAR export: registered agencies as bodies, positive reports as accreditations (signed locally).",
            discussion: """
                FILE is JSON in the shapes of DEQAR's Web API: {"agencies": [...], "institutions": [...], "reports": [...]}. \
                DEQAR has no DIDs or keys, so --map names them: each agency's DID and private key file (it signs its \
                accreditations here), each institution's DID and public key (by DEQARINST id; none needed for a did:key). \
                Agencies and institutions without a DID, negative or not-applicable decisions and expired reports are \
                skipped and listed. QF-EHEA cycles map to EQF (short 5, first 6, second 7, third 8). Running it again \
                changes only what changed in the export; --dry-run prints the plan and signs nothing.
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The DEQAR export (JSON).") var file: String
        @Option(help: "The identifier map: DIDs and keys of agencies and institutions (JSON).") var map: String
        @Option(help: "The root authority's private JWK file (signs body registrations; not needed when no body changes).")
        var rootKey: String?
        @Option(parsing: .upToNextOption, help: "Credential types of the bodies and accreditations (repeat or comma-separate).")
        var types: [String] = []
        @Flag(help: "Print what would change; sign and send nothing.") var dryRun = false

        func run() async throws {
            let export = try DEQARExport(parsing: try LocalFiles.contents(of: file), name: file)
            let identifiers = try DEQARIdentifierMap(contentsOf: map)
            let chosenTypes = ScopeInput.splitValues(types)
            let options = DEQARImportOptions(
                credentialTypes: chosenTypes.isEmpty ? DEQARImportOptions.defaultCredentialTypes : Set(chosenTypes))
            let plan: DEQARPlan
            if dryRun {
                plan = try await connection.reader.planDEQARImport(export, map: identifiers, options: options)
            } else {
                let showProgress = isatty(STDERR_FILENO) == 1 && !connection.json
                plan = try await connection.author().importDEQAR(export, map: identifiers, options: options, rootKeyFile: rootKey) { step in
                    guard showProgress else { return }
                    FileHandle.standardError.write(Data("\r\u{1B}[K[\(step.done)/\(step.total)] \(step.line)".utf8))
                    if step.done == step.total { FileHandle.standardError.write(Data("\n".utf8)) }
                }
            }
            if try connection.printJSON(plan) { return }
            for line in plan.lines { print(line) }
            print(plan.summary(dryRun: dryRun))
        }
    }
}
