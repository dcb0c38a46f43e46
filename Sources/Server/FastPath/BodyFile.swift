#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Metrics
import NIOCore
import Store
import Synchronization

/// A published body, also kept in an unlinked file, so that the fast path sends it with `sendfile(2)`: the kernel then
/// hands the file's pages to the socket instead of copying them from the process, which halved the server CPU of a
/// 250 KB answer (nginx's `sendfile on` against `off` on the same file: 35 against 66 µs per request). With the whole
/// answer in one file (``WholeAnswerFiles``) a GET is a single `sendfile`, which also beats a head and body written
/// from memory at 15-27 KB (the 1,048,576-entry lists), hence ``threshold``.
///
/// Where the file lives matters as much: the data directory's file system first, memory (`/dev/shm`) only when that
/// fails. A disk file system's page cache holds a file in large folios, `tmpfs` in 4 KiB pages, and the socket takes a
/// reference per page: nginx sending the same 250 KB from `/dev/shm` cost 39-40 µs a request against 30-32 µs from
/// the root file system (ext4) on the benchmark machine. The file is made with `O_TMPFILE` (never named, so a crash
/// leaves nothing behind), or named and unlinked at once where that flag is not supported; it is replaced long
/// before the kernel would write it back, so it costs no disk writes in practice.
///
/// Each event loop gets its own `NIOFileHandle` over the one descriptor, because a handle may be used by one thread at
/// a time; the handles never close it (they give it back, and this object closes it once). The file lives as long as
/// this object, and every write of it holds this object until the write completed, so a publication replaced while a
/// slow client still reads the old bytes does not pull the file from under it.
///
/// Each file holds a descriptor for as long as it lives, so their number is bounded (``BodyFileBudget``): past it a
/// body is written from memory, which is slower but the same answer, and counted.
final class BodyFile: Sendable {
    /// Bodies from this size on are sent from a file. Measured on the benchmark machine (server and load generator on
    /// their own cores): at 64 KiB, a 26 KB list written from memory cost 15.5-16.2 µs of server CPU a request, at
    /// 16 KiB (one `sendfile`) 13.9-15.4; a 15 KB one 11.5-14.6 against 10.3-12.3 µs at 8 KiB.
    static let threshold = 8 * 1024

    /// The metric counting bodies from ``threshold`` on that got no file, labelled `reason` (`budget`: the
    /// ``BodyFileBudget`` was used up; `error`: no file could be made).
    static let unavailableMetric = "standing_body_files_unavailable_total"

    /// The body's length.
    let length: Int
    /// The directory the file was asked for (nil for the default places), for files made from this one.
    let directory: String?
    private let descriptor: CInt
    private let handles = Mutex<[ObjectIdentifier: NIOFileHandle]>([:])
    private let budget: BodyFileBudget

    /// Writes `body` to a new unlinked file in `directory` (or, when none can be made there, in `/dev/shm` or the
    /// temporary directory); nil for bodies under ``threshold``, when `budget` is used up, or when no file can be made
    /// anywhere (the bytes are then written from memory).
    init?(_ body: ByteBuffer, directory: String?, budget: BodyFileBudget = .process) {
        #if os(Linux)
        guard body.readableBytes >= Self.threshold else { return nil }
        guard budget.reserve() else {
            Counter(label: Self.unavailableMetric, dimensions: [("reason", "budget")]).increment()
            return nil
        }
        let candidates = (directory.map { [$0] } ?? []) + ["/dev/shm", NSTemporaryDirectory()]
        let descriptor = candidates.lazy.compactMap(Self.makeUnlinkedFile(in:)).first
        guard let descriptor, body.withUnsafeReadableBytes({ DurableWrites.writeAll($0, to: descriptor) == nil }) else {
            if let descriptor { close(descriptor) }
            budget.release()
            Counter(label: Self.unavailableMetric, dimensions: [("reason", "error")]).increment()
            return nil
        }
        self.descriptor = descriptor
        self.length = body.readableBytes
        self.directory = directory
        self.budget = budget
        #else
        return nil
        #endif
    }

    #if os(Linux)
    /// A new file in `directory` that has no name, open for reading and writing (close-on-exec); nil when none can be
    /// made there.
    private static func makeUnlinkedFile(in directory: String) -> CInt? {
        // O_TMPFILE is `__O_TMPFILE | O_DIRECTORY`; Glibc's module does not import the macro.
        let temporaryFile: CInt = 0o20000000 | O_DIRECTORY
        let unnamed = open(directory, temporaryFile | O_RDWR | O_CLOEXEC, 0o600)
        if unnamed >= 0 { return unnamed }
        var template = Array((directory.hasSuffix("/") ? directory : directory + "/").utf8CString.dropLast()) + Array("standing-body-XXXXXX".utf8CString)
        let named = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard named >= 0 else { return nil }
        _ = fcntl(named, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return named
    }
    #endif

    /// The file for writes on `eventLoop` (one handle per event loop).
    func handle(on eventLoop: any EventLoop) -> NIOFileHandle {
        let key = ObjectIdentifier(eventLoop as AnyObject)
        return handles.withLock { handles in
            if let handle = handles[key] { return handle }
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: descriptor)
            handles[key] = handle
            return handle
        }
    }

    /// Writes the whole file to `context`'s channel, keeping the file open until the write completed.
    /// - Returns: True (the signature lets a caller fall back to the bytes).
    func write(to context: ChannelHandlerContext) -> Bool {
        let handle = handle(on: context.eventLoop)
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in withExtendedLifetime(self) {} }
        context.write(NIOAny(IOData.fileRegion(FileRegion(fileHandle: handle, readerIndex: 0, endIndex: length))), promise: promise)
        return true
    }

    deinit {
        // Every write holds this object until it completed, so no handle is in use here.
        for handle in handles.withLock({ Array($0.values) }) { _ = try? handle.takeDescriptorOwnership() }
        close(descriptor)
        budget.release()
    }
}

/// How many ``BodyFile``s (each an open descriptor) may exist at once. A list of 1,048,576 entries or more has a file
/// per format, and a list being read a whole-answer file per URL and second besides; without a bound, enough lists
/// would use up the open-file limit and `accept` would start failing. ``ConnectionCap/fitToOpenFileLimit(_:bodyFiles:logger:)``
/// sizes the process's budget at start to what the limit leaves after the connections.
final class BodyFileBudget: Sendable {
    /// The process's budget.
    static let process = BodyFileBudget()
    /// The budget when the open-file limit has room for it.
    static let preferredMaximum = 1024
    /// The metric with the number of body files open.
    static let openMetric = "standing_body_files_open"

    private let limit: Atomic<Int>
    private let count = Atomic<Int>(0)

    init(maximum: Int = BodyFileBudget.preferredMaximum) {
        limit = Atomic(maximum)
    }

    /// Files at most.
    var maximum: Int {
        get { limit.load(ordering: .relaxed) }
        set { limit.store(max(0, newValue), ordering: .relaxed) }
    }

    /// The files that exist now.
    var open: Int { count.load(ordering: .relaxed) }

    /// Takes one file from the budget; false when none is left.
    func reserve() -> Bool {
        var current = count.load(ordering: .relaxed)
        while current < maximum {
            let (exchanged, original) = count.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged {
                record(current + 1)
                return true
            }
            current = original
        }
        return false
    }

    /// Gives a file back.
    func release() {
        record(count.subtract(1, ordering: .relaxed).newValue)
    }

    private func record(_ open: Int) {
        if self === Self.process { Gauge(label: Self.openMetric).record(open) }
    }
}
