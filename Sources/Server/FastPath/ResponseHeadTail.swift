import Foundation
import HTTPTypes
import NIOCore

/// The end of every head the fast path writes: `Date` for the current second, `Server` when configured, and the blank
/// line; the router's heads end the same way (Hummingbird appends both fields after the handler's).
struct ResponseHeadTail {
    private let serverLine: String
    private var second = Int.min
    private var bytes = ByteBuffer()

    /// - Parameter serverName: The `Server` header value, nil for none (as the application's `serverName`).
    init(serverName: String?) {
        serverLine = serverName.map { HTTPField.Name.server.rawName + ": " + $0 + "\r\n" } ?? ""
    }

    /// The tail for `now`, rebuilt only when the second changes.
    mutating func current(now: Date = Date()) -> ByteBuffer {
        let seconds = Int(now.timeIntervalSince1970.rounded(.down))
        if seconds != second {
            second = seconds
            bytes = ByteBuffer(string: HTTPField.Name.date.rawName + ": " + HTTPDate.format(now) + "\r\n" + serverLine + "\r\n")
        }
        return bytes
    }
}
