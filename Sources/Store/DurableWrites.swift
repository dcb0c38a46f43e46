import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The two system-call loops every durable file of the service needs (the data directory's secrets, registry checkpoints,
/// published LoTE files, the publish directory, the fast path's body files), written once.
public enum DurableWrites {
    /// Writes all of `bytes` to `descriptor`, continuing after short writes and `EINTR`.
    /// - Returns: nil when every byte was written, else the `errno` of the failure (`EIO` for a write of nothing).
    public static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if written == 0 { return EIO }
            offset += written
        }
        return nil
    }

    /// Makes the entries of `directory` durable (after a file was created in it or renamed into it).
    /// - Returns: nil when done, else the `errno` of the failure.
    @discardableResult
    public static func syncDirectory(_ directory: String) -> Int32? {
        let descriptor = open(directory, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return errno }
        defer { close(descriptor) }
        return fsync(descriptor) == 0 ? nil : errno
    }

    /// The text of an `errno` value.
    public static func message(_ code: Int32) -> String { String(cString: strerror(code)) }
}
