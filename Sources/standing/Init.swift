import ArgumentParser
import Foundation
import Logging
import Server
import Signing
import Store

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
            let configuration = try settings.resolvedConfiguration()
            var logger = Logger(label: "standing")
            logger.logLevel = .warning
            let installation = try await openInstallation(configuration: configuration, intent: .initialise, logger: logger)
            let directory = DataDirectory(path: configuration.dataDirectory)
            print("initialised \(directory.path)")
            print("service DID  \(installation.keys.did)")
            print("keys         \(installation.keys.keys.map { "\($0.kid) (\($0.signingKey.algorithm.rawValue))" }.joined(separator: ", "))")
            print("operator token in \(directory.operatorTokenPath) (mode 0600)")
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
