#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
public import VeoProvider
import VeoSupport
import Synchronization

/// Checks local image files once each (a manifest may name the same file many times), by their
/// content: PNG, JPEG or WebP, a regular file, within the provider's size limit.
public final class ImageFileChecker: Sendable {
    public enum Outcome: Sendable, Hashable {
        case ok(ImageInfo)
        case missing
        case directory
        /// A FIFO, socket or device: never opened for reading (a FIFO would block).
        case notRegularFile
        case unreadable(String)
        case notAnImage
        /// Larger than ``ProviderLimits/maxImageBytes`` (the size in bytes).
        case tooLarge(Int)
    }

    private let cache = Mutex<[String: Outcome]>([:])

    public init() {}

    public func check(_ path: String) -> Outcome {
        if let cached = cache.withLock({ $0[path] }) { return cached }
        let outcome = Self.inspect(path)
        cache.withLock { $0[path] = outcome }
        return outcome
    }

    /// Looks at the file without blocking: `O_NONBLOCK` and `fstat` before any read.
    public static func inspect(_ path: String) -> Outcome {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT, ENOTDIR: return .missing
            case EISDIR: return .directory
            default: return .unreadable(FileError.reason(errno: errno))
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .unreadable(FileError.reason(errno: errno)) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return .directory
        default: return .notRegularFile
        }
        if Int(info.st_size) > ProviderLimits.maxImageBytes { return .tooLarge(Int(info.st_size)) }
        let wanted = min(ImageInfo.headerBytes, Int(info.st_size))
        var head = [UInt8](repeating: 0, count: wanted)
        var filled = 0
        while filled < wanted {
            let n = head.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, wanted - filled) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return .unreadable(FileError.reason(errno: errno)) }
            if n == 0 { break }
            filled += n
        }
        guard let image = ImageInfo.sniff(head[..<filled]) else { return .notAnImage }
        return .ok(image)
    }
}
