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
    /// Freed memory kept for reuse instead of handed back to the kernel.
    static let trimThreshold: Int32 = 64 << 20
    /// How much a heap grows at a time.
    static let topPad: Int32 = 16 << 20
    /// Blocks of this size and more get their own mapping.
    static let mmapThreshold: Int32 = 4 << 20

    static func apply() {
        #if canImport(Glibc)
        // mallopt is in glibc but not in Swift's Glibc module (no <malloc.h>): looked up by name,
        // with its parameters' numbers from <malloc.h>.
        typealias Mallopt = @convention(c) (_ parameter: Int32, _ value: Int32) -> Int32
        let M_TRIM_THRESHOLD: Int32 = -1, M_TOP_PAD: Int32 = -2, M_MMAP_THRESHOLD: Int32 = -3
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        _ = mallopt(M_TRIM_THRESHOLD, trimThreshold)
        _ = mallopt(M_TOP_PAD, topPad)
        _ = mallopt(M_MMAP_THRESHOLD, mmapThreshold)
        #endif
    }
}
