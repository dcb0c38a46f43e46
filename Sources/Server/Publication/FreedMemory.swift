#if canImport(Glibc)
import Glibc

/// glibc's `malloc_trim(3)` and `mallopt(3)` (declared in `malloc.h`, which the Glibc module does not import).
@_silgen_name("malloc_trim") private func glibcMallocTrim(_ pad: Int) -> Int32
@_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
/// `M_ARENA_MAX` in `malloc.h`.
private let mallocArenaMax: Int32 = -8
#endif

/// Hands memory the process has freed back to the system.
///
/// glibc keeps freed heap memory in its arenas for reuse; after a burst of short-lived allocations (a registry replay
/// allocates and frees gigabytes of parsed events, a signing builds a body of tens of megabytes) the resident size
/// stays at the burst's peak although the memory is free. Called after such bursts, off the request path.
public enum FreedMemory {
    /// Caps glibc's malloc arenas at one per core (glibc's default is eight per core). Each arena keeps its own free
    /// memory, so the registry's signings and writes, spread over the event loops, the pools and the signing thread, left
    /// that much more resident: 20 writes and their signing at 50,000 accreditations ended at 265 MiB with the default
    /// and at 246 MiB with 2 arenas on 2 cores. Call it first thing in `main`: a thread keeps the arena it was given at
    /// its first allocation, so a later cap leaves the arenas of the threads already running.
    public static func limitArenas(toCores cores: Int) {
        #if canImport(Glibc)
        _ = glibcMallopt(mallocArenaMax, Int32(clamping: max(1, cores)))
        #endif
    }

    /// Returns free pages of every arena to the system (`malloc_trim(0)`); a no-op where glibc is not the allocator.
    static func release() {
        #if canImport(Glibc)
        _ = glibcMallocTrim(0)
        #endif
    }
}
