import Foundation
import ProcessTestSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A throw-away SoftHSM2 token store for the tests of this process: a temporary folder with its own configuration
/// and token directory, and one initialised token per label in ``tokenLabels``.
///
/// SoftHSM2 reads `SOFTHSM2_CONF` once, when the module is first initialised in a process, and every test target runs
/// in the same process: so the store is made once, with every token the tests use, before any test loads the module.
/// Each test uses its own token label, so tests running in parallel do not see each other's keys or logins.
public enum SoftHSM {
    /// The labels of the tokens made, one per test that needs a token of its own.
    public static let tokenLabels = [
        "hardware-keys", "hardware-wrong-pin", "hardware-pin-file", "server-init", "server-rotate", "server-wrong-pin", "cli-init",
        "server-live",
    ]
    /// The user PIN of every token.
    public static let pin = "standing-test-pin"
    /// The security officer PIN of every token.
    static let securityOfficerPIN = "standing-test-so-pin"

    /// Where Debian's `softhsm2` package puts the module.
    static let moduleCandidates = ["/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"]
    static let utilityCandidates = ["/usr/bin/softhsm2-util", "/usr/local/bin/softhsm2-util"]

    /// The message a test skips with when SoftHSM2 is missing.
    public static let missingMessage =
        "SoftHSM2 is not installed: install Debian's softhsm2 and libp11-kit-dev (apt-get install softhsm2 libp11-kit-dev; .ci/run does)"

    /// Whether the module and `softhsm2-util` are installed.
    public static var isInstalled: Bool {
        moduleCandidates.contains { FileManager.default.fileExists(atPath: $0) }
            && utilityCandidates.contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The prepared store.
    public struct Store: Sendable {
        /// The module to load.
        public let modulePath: String
        /// A file holding ``SoftHSM/pin`` followed by a newline, as operators write PIN files.
        public let pinFile: String
        /// The temporary folder holding the configuration, the tokens and the PIN file.
        public let directory: String
        /// The SoftHSM2 configuration file, for `SOFTHSM2_CONF` of child processes.
        public var configurationFile: String { directory + "/softhsm2.conf" }
    }

    /// The store, made on first use. Throws when SoftHSM2 is installed but the store cannot be made.
    public static func store() throws -> Store {
        try prepared.get()
    }

    private static let prepared: Result<Store, SetupError> = Result { try prepare() }.mapError { $0 as? SetupError ?? SetupError("\($0)") }

    struct SetupError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    private static func prepare() throws -> Store {
        guard let module = moduleCandidates.first(where: { FileManager.default.fileExists(atPath: $0) }),
            let utility = utilityCandidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { throw SetupError(missingMessage) }
        let directory = NSTemporaryDirectory() + "standing-softhsm-" + UUID().uuidString
        let tokens = directory + "/tokens"
        try FileManager.default.createDirectory(atPath: tokens, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let configuration = directory + "/softhsm2.conf"
        try """
            directories.tokendir = \(tokens)
            objectstore.backend = file
            log.level = ERROR
            slots.removable = false

            """.write(toFile: configuration, atomically: true, encoding: .utf8)
        // Before any test initialises the module in this process: SoftHSM2 reads the variable then, and only then.
        ChildProcess.spawnLock.withLock { _ = setenv("SOFTHSM2_CONF", configuration, 1) }
        for label in tokenLabels {
            var environment = ProcessInfo.processInfo.environment
            environment["SOFTHSM2_CONF"] = configuration
            let result = try ChildProcess.runBlocking(
                URL(fileURLWithPath: utility),
                arguments: ["--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", securityOfficerPIN],
                environment: environment)
            guard result.status == 0 else {
                throw SetupError("softhsm2-util --init-token --label \(label) failed (\(result.status)): \(result.output)\(result.errorOutput)")
            }
        }
        let pinFile = directory + "/user.pin"
        try (pin + "\n").write(toFile: pinFile, atomically: true, encoding: .utf8)
        chmod(pinFile, 0o600)
        removeAtExit = directory
        atexit { if let directory = SoftHSM.removeAtExit { try? FileManager.default.removeItem(atPath: directory) } }
        return Store(modulePath: module, pinFile: pinFile, directory: directory)
    }

    nonisolated(unsafe) private static var removeAtExit: String?
}
