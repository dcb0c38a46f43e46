import Foundation
import NIOHTTP1
import StatusList
import Testing

@testable import Server
import StandingTestSupport

/// The disk-full scenario of issue 16 (item 2) on a real filesystem: a small tmpfs holds the data directory, a filler
/// file takes the free space, and revocations go on. Whatever SQLite manages to commit and acknowledge must end up in
/// every published form once space is freed; while publication fails, `/ready` says so and writes are refused.
///
/// Needs root and `mount -t tmpfs` (CI runs as root); skipped, saying so, where mounting is not allowed.
@Suite(.serialized) struct DiskFullTests {
    /// Runs a command quietly; its exit status.
    @discardableResult
    static func run(_ arguments: [String]) -> Int32 {
        (try? ChildProcess.runBlocking(URL(fileURLWithPath: "/usr/bin/env"), arguments: arguments).status) ?? -1
    }

    /// A fresh tmpfs of `megabytes` at a new temporary directory, or nil when mounting is not allowed here.
    static func mountTmpfs(megabytes: Int) -> URL? {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("standing-tmpfs-\(UUID().uuidString)")
        guard (try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)) != nil else { return nil }
        guard getuid() == 0, run(["mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", directory.path]) == 0 else {
            try? FileManager.default.removeItem(at: directory)
            return nil
        }
        return directory
    }

    static func unmount(_ directory: URL) {
        // Lazy: the stopped test server may still hold the database open until it is deallocated.
        run(["umount", "-l", directory.path])
        try? FileManager.default.removeItem(at: directory)
    }

    /// Whether this machine lets the tests mount a tmpfs (root, and mounting allowed in this container), and has python3
    /// (its sqlite3 module truncates the WAL).
    static let tmpfsAvailable: Bool = {
        guard run(["python3", "-c", "import sqlite3"]) == 0, let probe = mountTmpfs(megabytes: 1) else { return false }
        unmount(probe)
        return true
    }()

    /// Writes to `file` until the filesystem is full.
    static func fill(_ file: URL) {
        guard let handle = try? FileHandle(forWritingTo: file) else { return }
        defer { try? handle.close() }
        let chunk = Data(repeating: 0xA5, count: 64 * 1024)
        while (try? handle.write(contentsOf: chunk)) != nil {}
        try? handle.synchronize()
    }

    /// Gives `bytes` of the filler's space back to the filesystem.
    static func release(_ bytes: Int, of file: URL) throws {
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        try handle.truncate(atOffset: size > UInt64(bytes) ? size - UInt64(bytes) : 0)
    }

    @Test(
        "on a full disk, acknowledged revocations are published once space is freed; meanwhile /ready fails and writes are refused",
        .enabled(if: DiskFullTests.tmpfsAvailable, "needs root, `mount -t tmpfs -o size=...` (CI runs as root) and python3; not available here")
    )
    func fullDiskLosesNoAcknowledgedRevocation() async throws {
        let mount = try #require(Self.mountTmpfs(megabytes: 24))
        let server: TestServer
        do {
            server = try await TestServer.start(directory: mount.appendingPathComponent("data"))
        } catch {
            Self.unmount(mount)
            throw error
        }
        do {
            try await Self.scenario(server, mount)
        } catch {
            Issue.record(error)
        }
        await server.stop()
        Self.unmount(mount)
    }

    static func scenario(_ server: TestServer, _ mount: URL) async throws {
        // A list whose publications are large (half its entries revoked at random: about 16 KiB compressed per form), so
        // recording a publication needs far more space than committing one revocation.
        let list = try await server.createList(["purpose": "revocation"])
        var indices: [Int] = []
        while indices.count < Bitstring.w3cMinimumEntries {
            indices += try await server.allocate(list, count: min(10_000, Bitstring.w3cMinimumEntries - indices.count))
        }
        indices.shuffle()
        let half = indices.count / 2
        let batch = indices[..<half].map { ["index": $0, "value": 1] }
        let revoked = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["changes": batch])
        try #require(revoked.status == 200, "\(revoked.text)")
        var acknowledged = Array(indices[..<half])
        var remaining = Array(indices[half...])

        // Setting up wrote megabytes of WAL, which SQLite reuses without asking the filesystem for space; truncate it, so
        // that what comes next needs new space (python3's sqlite3 module; the server keeps running).
        let database = mount.appendingPathComponent("data/standing.sqlite").path
        let checkpoint =
            "import sqlite3, sys; busy = sqlite3.connect(sys.argv[1]).execute('PRAGMA wal_checkpoint(TRUNCATE)').fetchone()[0]; sys.exit(busy)"
        try #require(Self.run(["python3", "-c", checkpoint, database]) == 0, "could not truncate the WAL of \(database)")

        let filler = mount.appendingPathComponent("filler")
        _ = FileManager.default.createFile(atPath: filler.path, contents: nil)
        Self.fill(filler)

        // Revoke one entry at a time until publication fails. When a commit fails instead (503, nothing acknowledged),
        // give back a sliver of space: enough for a commit (a few pages), not for a publication (about 100 KiB).
        var sawFailure = false
        var answers: [Int: Int] = [:]
        var refused: (status: Int, type: String?, detail: String)?
        var readyDetail = ""
        for _ in 0..<200 where !sawFailure {
            let index = remaining.removeLast()
            let response = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": index, "value": 1])
            if response.status == 200 { acknowledged.append(index) }
            answers[response.status, default: 0] += 1
            #expect([200, 503].contains(response.status), "\(response.status) \(response.text)")
            let ready = try await server.request(.GET, "/ready")
            if ready.status == 503, let detail = ready.json["detail"] as? String, detail.contains("publication is failing") {
                sawFailure = true
                readyDetail = detail
                let next = try await server.admin(.POST, "/admin/lists/\(list)/status", json: ["index": remaining.removeLast(), "value": 1])
                refused = (next.status, next.header("Content-Type"), next.json["detail"] as? String ?? "")
            } else if response.status == 503 {
                try Self.release(32 * 1024, of: filler)
            }
        }
        #expect(sawFailure, "publication never failed on the full disk; the scenario did not happen (answers: \(answers))")
        #expect(readyDetail.contains("full"), "/ready detail: \(readyDetail)")
        if let refused {
            #expect(refused.status == 503, "a write while publication fails: \(refused)")
            #expect(refused.type == "application/problem+json")
            #expect(refused.detail.contains("refused until publication recovers"), "\(refused.detail)")
        }

        // Space comes back: the publisher's retry publishes everything that was acknowledged.
        try FileManager.default.removeItem(at: filler)
        let recovered = try await eventually(timeout: .seconds(90)) { try await server.request(.GET, "/ready").status == 200 }
        #expect(recovered, "/ready did not recover after space was freed")
        // Publication is asynchronous: wait until the last acknowledged change is out, then look at every one.
        var values: [StatusMediaType: [UInt8]] = [:]
        _ = try await eventually(timeout: .seconds(30)) {
            values = try await PublicationFailureTests.publishedValues(server, list, acknowledged)
            return values.values.allSatisfy { $0.allSatisfy { $0 == 1 } }
        }
        for (mediaType, published) in values {
            let missing = zip(acknowledged, published).filter { $0.1 != 1 }.map(\.0)
            #expect(missing.isEmpty, "\(mediaType.rawValue): \(missing.count) of \(acknowledged.count) acknowledged revocations missing")
        }
    }
}
