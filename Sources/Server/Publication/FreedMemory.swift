#if canImport(Glibc)
import Glibc

/// glibc's `malloc_trim(3)` (declared in `malloc.h`, which the Glibc module does not import).
@_silgen_name("malloc_trim") private func glibcMallocTrim(_ pad: Int) -> Int32
#endif

/// Hands memory the process has freed back to the system.
///
/// glibc keeps freed heap memory in its arenas for reuse; after a burst of short-lived allocations (a registry replay
/// allocates and frees gigabytes of parsed events, a signing builds a body of tens of megabytes) the resident size
/// stays at the burst's peak although the memory is free. Called after such bursts, off the request path.
enum FreedMemory {
    /// Returns free pages of every arena to the system (`malloc_trim(0)`); a no-op where glibc is not the allocator.
    static func release() {
        #if canImport(Glibc)
        _ = glibcMallocTrim(0)
        #endif
    }
}
