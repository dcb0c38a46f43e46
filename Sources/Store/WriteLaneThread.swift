#if canImport(Glibc)
import Glibc
#endif

/// Marks the threads on which a database write may block the thread instead of hopping to the database's own queue.
///
/// The server runs every administrative request on one low-priority thread (its write lane) so that writes yield the
/// CPU to status reads. A write transaction that hopped to GRDB's writer queue would run on a Dispatch thread at normal
/// (or higher) priority and take the CPU back; on a marked thread ``SQLiteStore`` runs the transaction right there,
/// synchronously. Only a thread that does nothing but such work may be marked: it is blocked while the transaction
/// waits for the write lock and for `fsync`.
public enum WriteLaneThread {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "no thread-specific key for the write lane")
        return key
    }()

    /// Marks the calling thread, for good.
    public static func markCurrent() {
        _ = pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1))
    }

    /// Whether the calling thread was marked.
    public static var isCurrent: Bool {
        pthread_getspecific(key) != nil
    }
}
