#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum Memory {
    /// Maps the pages of a large buffer about to be filled, in one call (Linux's
    /// MADV_POPULATE_WRITE), instead of taking a page fault per 4 KiB while it is written: about
    /// half the kernel time. Only whole pages inside the buffer are touched, and their contents are
    /// kept. A no-op for buffers under 1 MiB, off Linux, and on kernels older than 5.14 (the call
    /// fails there and the pages fault in as usual).
    static func prefault(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        guard buffer.count >= 1 << 20, let base = buffer.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: base) + page - 1) / page * page
        let end = (Int(bitPattern: base) + buffer.count) / page * page
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(pointer, end - start, 23)  // MADV_POPULATE_WRITE
        #endif
    }
}
