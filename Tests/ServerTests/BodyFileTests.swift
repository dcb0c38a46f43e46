import Foundation
import NIOCore
import NIOEmbedded
import Testing

@testable import Server

#if os(Linux)
import Glibc

/// ``BodyFile``: where its file is made, and that it holds the body.
@Suite struct BodyFileTests {
    private static func body(_ count: Int) -> ByteBuffer {
        ByteBuffer(bytes: (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) })
    }

    /// The file's bytes, read through its handle.
    private static func contents(of file: BodyFile) throws -> [UInt8] {
        let handle = file.handle(on: EmbeddedEventLoop())
        return try handle.withUnsafeFileDescriptor { descriptor in
            var bytes = [UInt8](repeating: 0, count: file.length + 1)
            let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
            return Array(bytes.prefix(max(0, read)))
        }
    }

    private static func entries(of directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
    }

    @Test func aBodyUnderTheThresholdGetsNoFile() {
        #expect(BodyFile(Self.body(BodyFile.threshold - 1), directory: nil) == nil)
    }

    /// At most the budget's number of files exist at once; a file that goes gives its place back, and so does one
    /// that could not be made.
    @Test func filesStayWithinTheirBudget() throws {
        let budget = BodyFileBudget(maximum: 2)
        let body = Self.body(BodyFile.threshold)
        var first: BodyFile? = try #require(BodyFile(body, directory: nil, budget: budget))
        let second = try #require(BodyFile(body, directory: nil, budget: budget))
        #expect(budget.open == 2 && first != nil)
        #expect(BodyFile(body, directory: nil, budget: budget) == nil)
        first = nil
        #expect(budget.open == 1)
        let third = try #require(BodyFile(body, directory: nil, budget: budget))
        #expect(budget.open == 2)
        budget.maximum = 0
        #expect(BodyFile(body, directory: nil, budget: budget) == nil)
        withExtendedLifetime((second, third)) {}
    }

    /// In the given directory, and unnamed there: nothing is left behind, not even after a crash.
    @Test(arguments: [BodyFile.threshold, 3 * BodyFile.threshold + 5])
    func theFileIsInTheDirectoryWithoutAName(size: Int) throws {
        let directory = NSTemporaryDirectory() + "bodyfile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let body = Self.body(size)
        let file = try #require(BodyFile(body, directory: directory))
        #expect(file.length == size)
        #expect(try Self.contents(of: file) == Array(body.readableBytesView))
        #expect(try Self.entries(of: directory).isEmpty)
        let descriptor = try file.handle(on: EmbeddedEventLoop()).withUnsafeFileDescriptor { $0 }
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)")
        #expect(target.hasPrefix(directory + "/"), "\(target)")
    }

    /// The answer to a GET of a large body, as one file per second: made off the caller once asked for, exactly
    /// the head, that second's tail and the body, and never used for another second.
    @Test func theWholeAnswerOfASecondIsOneFile() async throws {
        let body = Self.body(BodyFile.threshold * 2 + 3)
        let response = PreparedResponse(
            body: body, fingerprint: "fp", contentType: "application/statuslist+jwt", negotiated: true, lastModified: nil,
            cacheControl: "max-age=60", file: try #require(BodyFile(body, directory: nil)))
        func expected(_ tail: ByteBuffer) -> [UInt8] {
            Array(response.okHead.readableBytesView) + Array(tail.readableBytesView) + Array(body.readableBytesView)
        }
        func whole(_ second: Int, _ tail: ByteBuffer) async throws -> BodyFile {
            for _ in 0..<2000 {
                if let file = response.wholeAnswerFile(second: second, tail: tail) { return file }
                try await Task.sleep(for: .milliseconds(5))
            }
            throw CancellationError()
        }
        let tail = ByteBuffer(string: "Date: Thu, 03 Dec 2026 10:00:00 GMT\r\nServer: standing\r\n\r\n")
        let nextTail = ByteBuffer(string: "Date: Thu, 03 Dec 2026 10:00:01 GMT\r\nServer: standing\r\n\r\n")
        #expect(response.wholeAnswerFile(second: 100, tail: tail) == nil, "made on the blocking pool, not by the caller")
        let first = try await whole(100, tail)
        #expect(try Self.contents(of: first) == expected(tail))
        #expect(response.wholeAnswerFile(second: 100, tail: tail) === first)
        #expect(response.wholeAnswerFile(second: 101, tail: nextTail) == nil)
        let next = try await whole(101, nextTail)
        #expect(next !== first)
        #expect(try Self.contents(of: next) == expected(nextTail))
        #expect(response.wholeAnswerFile(second: 100, tail: tail) == nil, "a past second's answer is never sent again")

        let small = PreparedResponse(
            body: ByteBuffer(string: "small"), fingerprint: "fp", contentType: "application/statuslist+jwt", negotiated: false,
            lastModified: nil, cacheControl: "max-age=60")
        #expect(small.wholeAnswerFile(second: 100, tail: tail) == nil)
    }

    /// A directory that cannot hold the file (gone) falls back to memory or the temporary directory.
    @Test func aMissingDirectoryFallsBack() throws {
        let body = Self.body(BodyFile.threshold * 2)
        let file = try #require(BodyFile(body, directory: "/nonexistent-\(UUID().uuidString)"))
        #expect(try Self.contents(of: file) == Array(body.readableBytesView))
    }
}
#endif
