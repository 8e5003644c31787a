#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Files that appear whole or not at all: written beside their final name, flushed, then renamed
/// over it (a reader, or a run after a crash, never sees half a file under the final name).
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically. `sync` also flushes the data to the disk before the
    /// rename (for records that must survive a power cut, not only a killed process).
    public static func write<Bytes: Sequence>(_ bytes: Bytes, to path: String, sync: Bool = false) throws(FileError)
    where Bytes.Element == UInt8 {
        let temp = temporaryPath(for: path)
        // A fresh file, never one planted under the temporary name (nor a link it names).
        unlink(temp)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(path: path, action: "write", errno: errno) }
        let data = Array(bytes)
        var written = 0
        while written < data.count {
            let n = data.withUnsafeBytes { raw in
                systemWrite(fd, raw.baseAddress! + written, data.count - written)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let code = errno
                close(fd)
                unlink(temp)
                throw FileError(path: path, action: "write", errno: code)
            }
            written += n
        }
        if sync, fsync(fd) != 0 {
            let code = errno
            close(fd)
            unlink(temp)
            throw FileError(path: path, action: "write", errno: code)
        }
        close(fd)
        try move(temp, to: path)
    }

    /// Renames `source` over `destination` (same file system), replacing it.
    public static func move(_ source: String, to destination: String) throws(FileError) {
        guard rename(source, destination) == 0 else {
            let code = errno
            unlink(source)
            throw FileError(path: destination, action: "write", errno: code)
        }
    }

    /// The name a file is written under before it takes its final name; `removeLeftovers` style
    /// clean-ups recognise it by the `.part` suffix.
    public static func temporaryPath(for path: String) -> String {
        path + ".part"
    }

    private static func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, buffer, count)
        #elseif canImport(Musl)
        Musl.write(fd, buffer, count)
        #else
        Darwin.write(fd, buffer, count)
        #endif
    }
}

/// A file could not be read or written: which file, what was being done, and why, in words.
public struct FileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var action: String
    public var reason: String

    public init(path: String, action: String, reason: String) {
        self.path = path
        self.action = action
        self.reason = reason
    }

    public init(path: String, action: String, errno code: Int32) {
        self.init(path: path, action: action, reason: FileError.reason(errno: code))
    }

    public var description: String { "cannot \(action) \(path): \(reason)" }

    /// The system's text for an errno value, lowercased ("no space left on device").
    public static func reason(errno code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
