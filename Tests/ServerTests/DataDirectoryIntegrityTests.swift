import Foundation
import Logging
import NIOHTTP1
@testable import Server
import StandingTestSupport
import Store
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A damaged or shared data directory is refused at start with what to do, never replaced by a new, empty service.
@Suite("Data directory integrity")
struct DataDirectoryIntegrityTests {
    /// Initialises a data directory with a real server (one list, one revoked entry), stops it, and returns it.
    private func initialisedDirectory() async throws -> URL {
        let server = try await TestServer.start()
        let list = try await server.createList()
        let index = try #require(try await server.allocate(list).first)
        try await server.setStatus(list, index, 1)
        await server.stop()
        return server.directory
    }

    private func files(in directory: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        return ((enumerator?.allObjects as? [String]) ?? []).filter { !$0.hasSuffix(DataDirectory.lockFileName) }.sorted()
    }

    private func startRefusal(_ directory: URL) async throws -> String {
        do {
            let server = try await TestServer.start(directory: directory)
            await server.stop()
            Issue.record("the server started on a damaged data directory")
            return ""
        } catch let error as DataDirectoryError {
            return error.description
        }
    }

    /// The damage, applied to an initialised directory, and a phrase the refusal must contain.
    enum Damage: String, CaseIterable, CustomTestStringConvertible {
        case databaseRemoved, databaseTruncated, keysRemoved, oneKeyRemoved, loteCertificateRemoved

        var testDescription: String { rawValue }

        func apply(to directory: URL) throws {
            let data = DataDirectory(path: directory.path)
            let manager = FileManager.default
            switch self {
            case .databaseRemoved:
                for suffix in ["", "-wal", "-shm"] where manager.fileExists(atPath: data.databasePath + suffix) {
                    try manager.removeItem(atPath: data.databasePath + suffix)
                }
            case .databaseTruncated:
                for suffix in ["-wal", "-shm"] where manager.fileExists(atPath: data.databasePath + suffix) {
                    try manager.removeItem(atPath: data.databasePath + suffix)
                }
                #expect(truncate(data.databasePath, 0) == 0)
            case .keysRemoved:
                try manager.removeItem(atPath: data.keysPath)
            case .oneKeyRemoved:
                let first = try #require(try manager.contentsOfDirectory(atPath: data.keysPath).sorted().first)
                try manager.removeItem(atPath: data.keysPath + "/" + first)
            case .loteCertificateRemoved:
                try manager.removeItem(atPath: data.loteCertificatePath)
            }
        }

        var expectedPhrase: String {
            switch self {
            case .databaseRemoved: "no database"
            case .databaseTruncated: "is empty (0 bytes)"
            case .keysRemoved, .oneKeyRemoved: "signing keys are missing"
            case .loteCertificateRemoved: "LoTE signing certificate"
            }
        }
    }

    @Test("a damaged directory is refused and left as it was", arguments: Damage.allCases)
    func damagedDirectoryIsRefused(damage: Damage) async throws {
        let directory = try await initialisedDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let token = try String(contentsOf: directory.appendingPathComponent("operator-token"), encoding: .utf8)
        try damage.apply(to: directory)
        let before = files(in: directory)

        for _ in 0..<2 {  // systemd restarts a failed service: the second start must refuse as well
            let refusal = try await startRefusal(directory)
            #expect(refusal.contains(damage.expectedPhrase), "\(refusal)")
            #expect(files(in: directory) == before, "the refused start created or removed files")
        }
        #expect(try String(contentsOf: directory.appendingPathComponent("operator-token"), encoding: .utf8) == token)
    }

    @Test func restoredDirectoryServesItsListsAgain() async throws {
        let directory = try await initialisedDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keys = DataDirectory(path: directory.path).keysPath
        let backup = directory.appendingPathComponent("keys-backup").path
        try FileManager.default.moveItem(atPath: keys, toPath: backup)
        _ = try await startRefusal(directory)
        try FileManager.default.moveItem(atPath: backup, toPath: keys)

        let server = try await TestServer.start(directory: directory)
        let lists = try await server.admin(.GET, "/admin/lists")
        #expect(lists.status == 200)
        #expect(lists.text.contains("\"id\""))
        await server.stop()
    }

    @Test func anInterruptedInitialisationIsRefused() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = DataDirectory(path: directory.path)
        // What a first start leaves when it dies after creating the database and keys, before the operator token.
        try data.createPrivateDatabaseFile()
        _ = try SQLiteStore(path: data.databasePath)
        try data.generateSigningKeysIfMissing()
        let refusal = try await startRefusal(directory)
        #expect(refusal.contains("not fully initialised"), "\(refusal)")
        #expect(!FileManager.default.fileExists(atPath: data.operatorTokenPath))
    }

    @Test func aSecondServerOnTheSameDirectoryIsRefusedUntilTheFirstStops() async throws {
        let first = try await TestServer.start()
        defer { try? FileManager.default.removeItem(at: first.directory) }
        do {
            let second = try await TestServer.start(directory: first.directory)
            await second.stop()
            Issue.record("a second server started on the same data directory")
        } catch let error as DataDirectoryError {
            #expect(error.description.contains("another Standing process (PID \(getpid()), standing serve)"), "\(error)")
        }
        #expect(try await first.request(.GET, "/health").status == 200)
        await first.stop()
        let again = try await TestServer.start(directory: first.directory)
        await again.stop()
    }

    @Test func aSecondServeProcessNamesTheFirst() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try await ServerProcess.start(dataDirectory: directory)
        let second = try await runStanding(["serve", "--data-dir", directory.path, "--port", "0"])
        await first.terminate()
        #expect(second.status != 0)
        #expect(second.stderr.contains("another Standing process (PID \(first.process.processIdentifier), standing serve)"), "\(second.stderr)")
        #expect(second.stderr.contains("stop it first"))
    }

    @Test func filesAreOwnerOnlyWhateverTheUmask() async throws {
        let previous = umask(0o022)
        defer { umask(previous) }
        let server = try await TestServer.start()
        defer { try? FileManager.default.removeItem(at: server.directory) }
        let list = try await server.createList()
        _ = try await server.allocate(list)
        let data = DataDirectory(path: server.directory.path)
        #expect(try mode(data.path) == 0o700)
        #expect(try mode(data.keysPath) == 0o700)
        for file in [data.databasePath, data.databasePath + "-wal", data.databasePath + "-shm", data.operatorTokenPath, data.loteCertificatePath]
            + (try FileManager.default.contentsOfDirectory(atPath: data.keysPath)).map({ data.keysPath + "/" + $0 })
        {
            #expect(try mode(file) == 0o600, "\(file)")
        }
        await server.stop()
    }

    @Test func aWiderDirectoryIsNarrowedAndAKeyReadableByOthersIsRefused() async throws {
        let directory = try await initialisedDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = DataDirectory(path: directory.path)
        #expect(chmod(data.path, 0o755) == 0)
        #expect(chmod(data.databasePath, 0o644) == 0)
        let server = try await TestServer.start(directory: directory)
        await server.stop()
        #expect(try mode(data.path) == 0o700)
        #expect(try mode(data.databasePath) == 0o600)

        let key = try #require(try FileManager.default.contentsOfDirectory(atPath: data.keysPath).first)
        #expect(chmod(data.keysPath + "/" + key, 0o644) == 0)
        let refusal = try await startRefusal(directory)
        #expect(refusal.contains("readable by others"), "\(refusal)")
        #expect(refusal.contains("chmod 600"), "\(refusal)")
    }

    @Test func initCreatesAnInstallationOnceAndServeUsesIt() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let created = try await runStanding(["init", "--data-dir", directory.path])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("operator token in \(directory.path)/operator-token"))
        #expect(!created.stdout.contains("stn_"), "the token itself is never printed")

        let again = try await runStanding(["init", "--data-dir", directory.path])
        #expect(again.status != 0)
        #expect(again.stderr.contains("initialised already"), "\(again.stderr)")

        let server = try await TestServer.start(directory: directory)
        #expect(try await server.admin(.GET, "/admin/lists").status == 200)
        await server.stop()
    }

    @Test func initialiseInstallationSaysWhatItMadeWithoutTheToken() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = ServerConfiguration()
        configuration.dataDirectory = directory.path
        let summary = try await initialiseInstallation(configuration: configuration).split(separator: "\n")
        #expect(summary.count == 4 && summary[0] == "initialised \(directory.path)" && summary[1].hasPrefix("service DID  did:"))
        #expect(summary[2].contains("(ES256)") && summary[2].contains("(EdDSA)"), "\(summary)")
        #expect(summary[3] == "operator token in \(directory.path)/operator-token (mode 0600)")
        let token = try String(contentsOfFile: directory.path + "/operator-token", encoding: .utf8)
        #expect(!summary.joined().contains(token.trimmingCharacters(in: .whitespacesAndNewlines)))
        let again = await #expect(throws: DataDirectoryError.self) { try await initialiseInstallation(configuration: configuration) }
        #expect(again?.description.contains("initialised already") == true)
    }

    @Test func aCopiedDatabaseIsReportedTableByTable() {
        let copied = CopiedDatabase(database: "postgres://standing@127.0.0.1:5432/standing", rows: ["tokens": 2, "audit": 5])
        #expect(
            copied.text(from: "/srv/standing").split(separator: "\n") == [
                "copied /srv/standing to postgres://standing@127.0.0.1:5432/standing; checked:", "  audit: 5 rows", "  tokens: 2 rows",
                "serve it with: standing serve --data-dir /srv/standing --database postgres://standing@127.0.0.1:5432/standing",
            ])
    }

    @Test func aLostLoTECertificateCanBeReissuedExplicitly() async throws {
        let directory = try await initialisedDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Damage.loteCertificateRemoved.apply(to: directory)
        _ = try await startRefusal(directory)
        let reissued = try await runStanding(["keys", "lote-certificate", "--data-dir", directory.path])
        #expect(reissued.status == 0, "\(reissued.stderr)")
        #expect(reissued.stdout.contains("tell verifiers that pinned the old one"))
        #expect(try mode(DataDirectory(path: directory.path).loteCertificatePath) == 0o600)
        // The start checks that the new certificate certifies the service's ES256 key.
        let server = try await TestServer.start(directory: directory)
        #expect(try await server.request(.GET, "/health").status == 200)
        await server.stop()
    }

    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? NSNumber).intValue & 0o777
    }
}
