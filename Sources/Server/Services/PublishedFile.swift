import Crypto
import Foundation
import NIOCore
import NIOPosix
import Store

#if canImport(Glibc)
import Glibc
#endif

/// A large signed artefact kept in a file instead of on the heap, and read by offset for each response.
///
/// The registry's LoTE at 10,000 issuers is a JAdES of about 100 MB: held as a string it was a third of the server's
/// resident memory, and a checkpoint carried a second copy. Here it lives in a file (in the data directory, or an
/// unlinked temporary file without one); the process keeps only an open descriptor, so the bytes sit in the page
/// cache, which the kernel may reclaim, and a later version replacing the file never changes what an open
/// `PublishedFile` reads.
final class PublishedFile: Sendable {
    /// The file's length in bytes.
    let byteCount: Int
    /// The SHA-256 of its bytes, lowercase hex (how a checkpoint names the version it carries).
    let sha256: String
    private let descriptor: CInt

    private init(descriptor: CInt, byteCount: Int, sha256: String) {
        self.descriptor = descriptor
        self.byteCount = byteCount
        self.sha256 = sha256
    }

    deinit { close(descriptor) }

    /// Writes `text` to `path` durably (a temporary file, fsync, rename, fsync of the folder) and opens it; without a
    /// path, to an unlinked temporary file.
    static func publish(_ text: String, at path: String?) throws -> PublishedFile {
        var text = text
        return try text.withUTF8 { bytes in
            let digest = SHA256.hash(data: bytes).lowercaseHex
            guard let path else {
                let descriptor = try temporaryDescriptor()
                do { try writeAll(UnsafeRawBufferPointer(bytes), to: descriptor, path: "a temporary file") } catch {
                    close(descriptor)
                    throw error
                }
                return PublishedFile(descriptor: descriptor, byteCount: bytes.count, sha256: digest)
            }
            let directory = (path as NSString).deletingLastPathComponent
            let temporary = directory + "/." + (path as NSString).lastPathComponent + ".tmp-" + UUID().uuidString
            let descriptor = Glibc.open(temporary, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw PublishedFileError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
            do {
                try writeAll(UnsafeRawBufferPointer(bytes), to: descriptor, path: temporary)
                guard fsync(descriptor) == 0 else { throw PublishedFileError("cannot fsync \(temporary): \(String(cString: strerror(errno)))") }
                guard rename(temporary, path) == 0 else {
                    throw PublishedFileError("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
                }
            } catch {
                close(descriptor)
                unlink(temporary)
                throw error
            }
            DurableWrites.syncDirectory(directory)
            return PublishedFile(descriptor: descriptor, byteCount: bytes.count, sha256: digest)
        }
    }

    /// Opens the file at `path` when it has `byteCount` bytes with SHA-256 `sha256`; nil when it is missing or
    /// differs (the caller then signs the artefact again).
    static func open(path: String, byteCount: Int, sha256: String) -> PublishedFile? {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        let file = PublishedFile(descriptor: descriptor, byteCount: byteCount, sha256: sha256)
        var hasher = SHA256()
        var offset = 0
        do {
            while offset < byteCount {
                let chunk = try file.readBlocking(offset: offset, count: min(1 << 20, byteCount - offset))
                chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                offset += chunk.readableBytes
            }
        } catch {
            return nil
        }
        var probe: UInt8 = 0
        guard pread(descriptor, &probe, 1, off_t(byteCount)) == 0, hasher.finalize().lowercaseHex == sha256 else { return nil }
        return file
    }

    /// `count` bytes from `offset`, read on NIO's blocking-I/O thread pool, off the event loops and the concurrency pool.
    func read(offset: Int, count: Int) async throws -> ByteBuffer {
        try await NIOThreadPool.singleton.runIfActive { try self.readBlocking(offset: offset, count: count) }
    }

    /// `count` bytes from `offset`, blocking the calling thread.
    func readBlocking(offset: Int, count: Int) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        let read = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { target -> Int in
            var done = 0
            while done < count {
                let result = pread(descriptor, target.baseAddress! + done, count - done, off_t(offset + done))
                if result < 0 {
                    if errno == EINTR { continue }
                    throw PublishedFileError("cannot read a published file: \(String(cString: strerror(errno)))")
                }
                if result == 0 { throw PublishedFileError("a published file is shorter than recorded") }
                done += result
            }
            return done
        }
        precondition(read == count)
        return buffer
    }

    private static func temporaryDescriptor() throws -> CInt {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("standing-published-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw PublishedFileError("cannot create a temporary file: \(String(cString: strerror(errno)))") }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return descriptor
    }

    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: CInt, path: String) throws {
        if let failure = DurableWrites.writeAll(bytes, to: descriptor) {
            throw PublishedFileError("cannot write \(path): \(DurableWrites.message(failure))")
        }
    }
}

/// A published file could not be written or read.
struct PublishedFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
