import Foundation
import HTTPTypes
import NIOCore

/// The end of every head the fast path writes: `Date` for the current second, `Server` when configured, and the blank
/// line; the router's heads end the same way (Hummingbird appends both fields after the handler's).
///
/// One per connection. It also keeps the last head it joined with its tail: a connection repeats its request (a
/// verifier revalidating, a wallet polling), so the answer's head is usually one buffer already made, written with one
/// `write` rather than two.
struct ResponseHeadTail {
    private let serverLine: String
    /// The second (Unix time) of the last tail made.
    private(set) var second = Int.min
    private var bytes = ByteBuffer()
    /// The last head followed by the tail of `joinedSecond`.
    private var joined = ByteBuffer()
    private var joinedHeadLength = -1
    private var joinedSecond = Int.min

    /// - Parameter serverName: The `Server` header value, nil for none (as the application's `serverName`).
    init(serverName: String?) {
        serverLine = serverName.map { HTTPField.Name.server.rawName + ": " + $0 + "\r\n" } ?? ""
    }

    /// The second (Unix time) `date` falls in, as a tail's ``second``.
    static func second(of date: Date) -> Int {
        Int(date.timeIntervalSince1970.rounded(.down))
    }

    /// The tail for `now`, rebuilt only when the second changes.
    mutating func current(now: Date = Date()) -> ByteBuffer {
        let seconds = Self.second(of: now)
        if seconds != second {
            second = seconds
            bytes = ByteBuffer(string: HTTPField.Name.date.rawName + ": " + HTTPDate.format(now) + "\r\n" + serverLine + "\r\n")
        }
        return bytes
    }

    /// `head` followed by the tail for `now`, in one buffer; the same buffer again while the head's bytes and the
    /// second stay the same. The head is compared by its bytes (a few hundred), not by the object it came from, so
    /// that keeping it never keeps a replaced publication alive.
    mutating func joined(_ head: ByteBuffer, now: Date = Date()) -> ByteBuffer {
        let tail = current(now: now)
        if joinedSecond == second, joinedHeadLength == head.readableBytes,
            joined.withUnsafeReadableBytes({ earlier in
                head.withUnsafeReadableBytes { UnsafeRawBufferPointer(rebasing: earlier[..<$0.count]).hasSameBytes(as: $0) }
            })
        {
            return joined
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(head.readableBytes + tail.readableBytes)
        buffer.writeImmutableBuffer(head)
        buffer.writeImmutableBuffer(tail)
        joined = buffer
        joinedHeadLength = head.readableBytes
        joinedSecond = second
        return buffer
    }
}
