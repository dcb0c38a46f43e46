import ArgumentParser
import Foundation
import Server

extension Standing {
    /// `standing init`: initialises an empty data directory without serving.
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Initialise an empty data directory: database, signing keys, LoTE certificate, operator token.",
            discussion: """
                `standing serve` does the same on its first start with an empty data directory. `init` refuses a \
                directory that holds anything of an installation, so a script cannot overwrite one by mistake.
                """
        )

        @OptionGroup var settings: ServerSettingsOptions

        func run() async throws {
            print(try await initialiseInstallation(configuration: try settings.resolvedConfiguration()))
        }
    }
}

extension Standing.Keys {
    /// `standing keys lote-certificate`: a new self-signed LoTE certificate for a stopped installation.
    struct LoTECertificate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lote-certificate",
            abstract: "Write a new self-signed LoTE signing certificate for the service's ES256 key (service stopped)."
        )

        @OptionGroup var settings: ServerSettingsOptions

        func run() async throws {
            let path = try writeSelfSignedLoTECertificate(configuration: try settings.resolvedConfiguration())
            print("wrote a self-signed LoTE certificate to \(path); tell verifiers that pinned the old one")
        }
    }
}
