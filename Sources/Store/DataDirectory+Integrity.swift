import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a data directory cannot be used, in the operator's words: what is wrong and what to do about it.
///
/// A trust service must never answer from the wrong state: a missing database, missing keys or a second process on
/// the same files are refused at start rather than repaired silently (the way PostgreSQL refuses to start without
/// its control file).
public struct DataDirectoryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was found.
    public let problem: String
    /// What the operator can do.
    public let remedy: String

    /// Creates an error.
    public init(problem: String, remedy: String) {
        self.problem = problem
        self.remedy = remedy
    }

    public var description: String { "\(problem); \(remedy)" }
}

/// What a data directory holds, read before anything in it is opened or created.
public struct DataDirectorySurvey: Sendable, Hashable {
    /// The size of `standing.sqlite`, or nil when there is no such file.
    public var databaseBytes: Int?
    /// The `keys/*.jwk` file names and `keys/*.pkcs11.json` references to keys in a token.
    public var keyFiles: [String]
    /// Whether `operator-token` exists.
    public var hasOperatorToken: Bool
    /// Whether `lote-certificate.pem` exists.
    public var hasLoTECertificate: Bool

    /// True when nothing of an installation is there: the only state in which the service initialises.
    public var isEmpty: Bool { databaseBytes == nil && keyFiles.isEmpty && !hasOperatorToken && !hasLoTECertificate }

    /// The parts present, for messages ("keys/ (2 key files), operator-token").
    public var presentParts: [String] {
        var parts: [String] = []
        if let databaseBytes { parts.append("\(DataDirectory.databaseFileName) (\(databaseBytes) bytes)") }
        if !keyFiles.isEmpty { parts.append("\(DataDirectory.keysFolderName)/ (\(keyFiles.count) key files)") }
        if hasOperatorToken { parts.append(DataDirectory.operatorTokenFileName) }
        if hasLoTECertificate { parts.append(DataDirectory.loteCertificateFileName) }
        return parts
    }
}

/// An exclusive lock on a data directory, held for the life of the process that serves from it (or of the command
/// that changes it). Released by ``release()`` or when the object is freed; the kernel releases it if the process dies.
public final class DataDirectoryLock: Sendable {
    private let descriptor: Mutex<Int32?>
    /// The lock file.
    public let path: String

    fileprivate init(descriptor: Int32, path: String) {
        self.descriptor = Mutex(descriptor)
        self.path = path
    }

    /// Releases the lock; later calls do nothing.
    public func release() {
        descriptor.withLock { descriptor in
            if let open = descriptor {
                // Closing the only descriptor of the open file description releases the flock.
                close(open)
                descriptor = nil
            }
        }
    }

    deinit { release() }
}

extension DataDirectory {
    /// The name of the lock file a running service holds.
    public static let lockFileName = "standing.lock"
    /// The name of the LoTE signing certificate chain (PEM, leaf first).
    public static let loteCertificateFileName = "lote-certificate.pem"

    /// `<path>/operator-token`.
    public var operatorTokenPath: String { path + "/" + Self.operatorTokenFileName }
    /// `<path>/lote-certificate.pem`.
    public var loteCertificatePath: String { path + "/" + Self.loteCertificateFileName }

    /// Takes the directory's exclusive lock (creating the directory, mode 0700, when missing) and writes this
    /// process's id into the lock file.
    /// - Parameter purpose: What the lock is for, named in the refusal another process gets ("serve").
    /// - Returns: The held lock.
    /// - Throws: ``DataDirectoryError`` naming the other process when the lock is held;
    ///   ``StoreError/Code/unavailable`` when the lock file cannot be created.
    public func lock(for purpose: String = "serve") throws -> DataDirectoryLock {
        try Self.createDirectoryIfMissing(path)
        let file = path + "/" + Self.lockFileName
        let descriptor = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(.unavailable, "cannot open the lock file \(file): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.readHolder(descriptor)
            close(descriptor)
            throw DataDirectoryError(
                problem: "another Standing process\(holder.map { " (\($0))" } ?? "") is using the data directory \(path)",
                remedy: "stop it first, or give this one another --data-dir")
        }
        let holder = "PID \(getpid()), \(purpose)\n"
        _ = ftruncate(descriptor, 0)
        _ = holder.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return DataDirectoryLock(descriptor: descriptor, path: file)
    }

    private static func readHolder(_ descriptor: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// Reads what the directory holds without opening or creating anything.
    /// - Returns: The survey; an empty one when the directory does not exist.
    public func survey() -> DataDirectorySurvey {
        let fileManager = FileManager.default
        let databaseBytes = (try? fileManager.attributesOfItem(atPath: databasePath)[.size] as? NSNumber)?.intValue
        let keyFiles = ((try? fileManager.contentsOfDirectory(atPath: keysPath)) ?? [])
            .filter { ($0.hasSuffix(".jwk") || $0.hasSuffix(Self.keyReferenceSuffix)) && !$0.hasPrefix(".") }.sorted()
        return DataDirectorySurvey(
            databaseBytes: databaseBytes,
            keyFiles: keyFiles,
            hasOperatorToken: fileManager.fileExists(atPath: operatorTokenPath),
            hasLoTECertificate: fileManager.fileExists(atPath: loteCertificatePath))
    }

    /// Checks that an initialised directory still has its database, before the database is opened (opening creates
    /// a missing file, and SQLite reads an empty file as an empty database).
    /// - Parameter survey: What ``survey()`` found; it must not be empty.
    /// - Throws: ``DataDirectoryError`` when the database is missing or empty.
    public func requireDatabase(_ survey: DataDirectorySurvey) throws {
        let found = survey.presentParts.joined(separator: ", ")
        guard let bytes = survey.databaseBytes else {
            throw DataDirectoryError(
                problem: "the data directory \(path) holds \(found) but no database (\(Self.databaseFileName)): it was removed, "
                    + "or this is not the directory the service was initialised in",
                remedy: "restore \(Self.databaseFileName) from a backup or point --data-dir at the right directory; "
                    + "Standing does not start an empty service over existing keys and tokens")
        }
        guard bytes > 0 else {
            throw DataDirectoryError(
                problem: "the database \(databasePath) is empty (0 bytes): it was truncated",
                remedy: "restore it from a backup; Standing does not start an empty service over existing keys and tokens")
        }
    }

    /// Narrows the modes of the directory and its non-key files to the owner, and refuses key files that others can
    /// read.
    ///
    /// Files Standing creates are 0600 and folders 0700 whatever the umask; this also repairs what was created wider
    /// by hand or by an earlier version (for example a data directory made 0755 by systemd's `StateDirectory=`).
    /// - Returns: One line per repaired path, for the log.
    /// - Throws: ``DataDirectoryError`` for a private key file that group or others may read: its secret may
    ///   already have leaked, which the operator must judge.
    public func enforcePrivateModes() throws -> [String] {
        var repaired: [String] = []
        for folder in [path, keysPath] {
            if let mode = Self.mode(of: folder), mode & 0o077 != 0, chmod(folder, 0o700) == 0 {
                repaired.append("\(folder) was mode \(String(mode, radix: 8)); narrowed to 700")
            }
        }
        // References to token keys hold no secret.
        for name in survey().keyFiles where name.hasSuffix(".jwk") {
            let file = keysPath + "/" + name
            if let mode = Self.mode(of: file), mode & 0o077 != 0 {
                throw DataDirectoryError(
                    problem: "the private key file \(file) is readable by others (mode \(String(mode, radix: 8)))",
                    remedy: "run `chmod 600 \(keysPath)/*.jwk` and consider the key exposed if others could log in here")
            }
        }
        let files = [databasePath, databasePath + "-wal", databasePath + "-shm", operatorTokenPath, loteCertificatePath, registryCheckpointPath]
        for file in files {
            if let mode = Self.mode(of: file), mode & 0o077 != 0, chmod(file, 0o600) == 0 {
                repaired.append("\(file) was mode \(String(mode, radix: 8)); narrowed to 600")
            }
        }
        return repaired
    }

    /// Creates the empty database file with mode 0600, so SQLite (which gives its `-wal` and `-shm` files the
    /// database's mode) never creates any of them readable by others, whatever the umask.
    /// - Throws: ``StoreError/Code/conflict`` when the file exists; ``StoreError/Code/unavailable`` otherwise.
    public func createPrivateDatabaseFile() throws {
        try prepare()
        let descriptor = open(databasePath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw StoreError(.conflict, "\(databasePath) exists already") }
            throw StoreError(.unavailable, "cannot create \(databasePath): \(String(cString: strerror(errno)))")
        }
        _ = fchmod(descriptor, 0o600)
        close(descriptor)
    }

    /// Writes a public file (such as a certificate) with mode 0600, replacing it atomically.
    /// - Parameters:
    ///   - file: The path.
    ///   - contents: The text.
    /// - Throws: ``StoreError/Code/unavailable`` when it cannot be written.
    public func writePrivateFile(at file: String, contents: String) throws {
        let temporary = file + ".tmp-" + UUID().uuidString
        try Self.createFileOnce(at: temporary, contents: Data(contents.utf8))
        guard rename(temporary, file) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw StoreError(.unavailable, "cannot write \(file): \(reason)")
        }
    }

    static func mode(of path: String) -> Int? {
        var information = stat()
        guard stat(path, &information) == 0 else { return nil }
        return Int(information.st_mode) & 0o777
    }
}
