import Crypto
import Foundation

/// The sha256 of files: clips, cuts and input images are known by their content.
public enum FileHash {
    /// sha256 of a regular file, streamed. Opened without blocking and checked before reading: a
    /// FIFO or device named as an input never hangs the run.
    public static func sha256(ofFile path: String) throws(FileError) -> String {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, action: "read", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileError(path: path, action: "read", errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw FileError(path: path, action: "read", reason: "it is not a regular file")
        }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw FileError(path: path, action: "read", errno: errno) }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<n])) }
        }
        return Hex.encode(hasher.finalize())
    }
}
