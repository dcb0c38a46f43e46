import NIOCore
import NIOPosix
import Synchronization

/// The answer to a GET of one large body (``PreparedResponse/wholeAnswerFile(second:tail:)``) as one file per second:
/// the head, that second's `Date`/`Server` tail and the body, made on NIO's blocking pool the first time a second asks.
final class WholeAnswerFiles: Sendable {
    private struct Made: Sendable {
        var second = Int.min
        var file: BodyFile?
        var building = false
    }

    private let directory: String?
    private let made = Mutex(Made())

    /// - Parameter directory: Where the files go (as for ``BodyFile``).
    init(directory: String?) {
        self.directory = directory
    }

    /// The file holding `head`, `tail` and `body` for `second`, or nil while it is being made (the first call of a
    /// second starts that). A second whose file could not be made stays without one; the next second tries again.
    func file(second: Int, head: ByteBuffer, tail: ByteBuffer, body: ByteBuffer) -> BodyFile? {
        let ready: BodyFile?? = made.withLock { made in
            if made.second == second { return .some(made.file) }
            guard !made.building else { return .some(nil) }
            made.building = true
            return .none
        }
        if let ready { return ready }
        let directory = self.directory
        NIOThreadPool.singleton.submit { [self] _ in
            var whole = ByteBuffer()
            whole.reserveCapacity(head.readableBytes + tail.readableBytes + body.readableBytes)
            whole.writeImmutableBuffer(head)
            whole.writeImmutableBuffer(tail)
            whole.writeImmutableBuffer(body)
            let file = BodyFile(whole, directory: directory)
            self.made.withLock { $0 = Made(second: second, file: file, building: false) }
        }
        return nil
    }
}
