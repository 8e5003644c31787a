#if canImport(Glibc)
import Glibc
#endif

/// glibc malloc settings for a process that streams large files and builds large plans.
///
/// By default glibc serves blocks of 128 KiB and more with their own `mmap` and hands freed memory
/// back to the kernel as soon as 128 KiB sit unused at the top of a heap. A download moves 500 MiB
/// through network buffers of up to 512 KiB: with the defaults every buffer is mapped, faulted in
/// page by page (tens of thousands of page faults) and unmapped again. With these settings freed
/// buffers are reused, and a heap grows in 16 MiB steps instead of page by page. Peak memory is
/// unchanged: it is set by how much is in flight, not by these thresholds.
enum MallocTuning {
    static func apply() {
        #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        // mallopt is in glibc but not in Swift's Glibc module (no <malloc.h>).
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        _ = mallopt(-1, 64 << 20)  // M_TRIM_THRESHOLD: keep up to 64 MiB of freed memory for reuse
        _ = mallopt(-2, 16 << 20)  // M_TOP_PAD: grow a heap 16 MiB at a time
        _ = mallopt(-3, 4 << 20)  // M_MMAP_THRESHOLD: map only blocks of 4 MiB and more on their own
        #endif
    }
}
