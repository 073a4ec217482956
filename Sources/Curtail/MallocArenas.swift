#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// Caps glibc malloc's arenas for the long-running commands (`serve`, `sim`); see docs/ARCHITECTURE.md, "Memory".
///
/// glibc gives a thread that finds the arenas busy a new one, up to 8 per core, and keeps what is freed in an arena
/// for that arena's later use, returning little to the kernel. Dispatch runs Curtail's connections, database
/// connections and timers on many threads, so in the soak (`scripts/soak`) each `serve` process's resident memory kept
/// climbing as threads landed on fresh arenas.
enum MallocArenas {
    static let limit: Int32 = 2

    /// Sets the cap unless the environment already chose one (`MALLOC_ARENA_MAX`, which glibc reads itself).
    static func bound() {
        #if canImport(Glibc)
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        _ = mallopt(CURTAIL_M_ARENA_MAX, limit)
        #endif
    }
}
