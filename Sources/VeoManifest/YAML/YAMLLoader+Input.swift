import VeoSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a manifest file, and what libyaml is never given: errors for files that are missing,
/// directories, too large, UTF-16, or binary (NUL bytes). libyaml itself reports invalid UTF-8.
extension YAMLLoader {
    /// Largest file accepted (node ids and text offsets are 32-bit).
    static let maxFileBytes = 512 << 20
    /// The first read buffer of a file whose size is not known (a pipe); it doubles as it fills.
    private static let smallestReadBuffer = 4096

    /// The bytes of a file, or an error that says why it cannot be read.
    public static func read(file path: String) throws(YAMLError) -> [UInt8] {
        try read(file: path, beforeFilling: { _ in })
    }

    /// The same; `beforeFilling` sees each buffer's room just before `read` fills it (the
    /// accelerated strategy maps its pages there in one call).
    static func read(file path: String, beforeFilling: (UnsafeMutableRawBufferPointer) -> Void) throws(YAMLError) -> [UInt8] {
        let fd = try openFile(path)
        defer { close(fd) }
        // Read to the end whatever the reported size (a pipe or /proc file reports 0).
        var capacity = max(try size(of: fd, path: path) + 1, Self.smallestReadBuffer)
        var bytes: [UInt8] = []
        while true {
            var outcome = ReadOutcome.full
            bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
                // Read into uninitialised room: no zero-filling of a buffer about to be overwritten.
                let base = buffer.baseAddress!
                bytes.withUnsafeBufferPointer { old in base.update(from: old.baseAddress!, count: old.count) }
                beforeFilling(UnsafeMutableRawBufferPointer(start: base + bytes.count, count: capacity - bytes.count))
                (count, outcome) = fill(fd, base, from: bytes.count, to: capacity)
            }
            switch outcome {
            case .end: return bytes
            case .full: capacity *= 2
            case .failed(let code): throw YAMLError("cannot read \(path): \(FileErrorText.reason(errno: code))", at: nil)
            }
        }
    }

    private enum ReadOutcome {
        case end
        case full
        case failed(Int32)
    }

    /// Reads into `buffer[from..<to]` until it is full, the file ends, or a read fails; returns how
    /// many bytes the buffer then holds.
    private static func fill(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, from: Int, to capacity: Int) -> (Int, ReadOutcome) {
        var filled = from
        while filled < capacity {
            let n = systemRead(fd, buffer + filled, capacity - filled)
            if n == 0 { return (filled, .end) }
            if n < 0 {
                if errno == EINTR { continue }
                return (filled, .failed(errno))
            }
            filled += n
        }
        return (filled, .full)
    }

    private static func openFile(_ path: String) throws(YAMLError) -> Int32 {
        let fd = systemOpen(path, O_RDONLY | O_CLOEXEC)
        guard fd < 0 else { return fd }
        let code = errno
        if code == ENOENT || code == ENOTDIR { throw YAMLError("no such file: \(path)", at: nil) }
        throw YAMLError("cannot read \(path): \(FileErrorText.reason(errno: code))", at: nil)
    }

    /// The size the file reports (0 for pipes); a directory is an error.
    private static func size(of fd: Int32, path: String) throws(YAMLError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw YAMLError("cannot read \(path): \(FileErrorText.reason(errno: errno))", at: nil)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw YAMLError("\(path) is a directory, not a YAML file", at: nil)
        }
        return Int(info.st_size)
    }

    /// What libyaml is never given: UTF-16 (it would read it, but positions and the manifest's
    /// rules assume UTF-8), NUL bytes, files over `maxFileBytes`.
    static func checkInput(_ bytes: [UInt8], file: String) throws(YAMLError) {
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
            throw YAMLError("the file is UTF-16 encoded; save it as UTF-8", at: SourceLocation(file: file, line: 1, column: 1))
        }
        if let offset = bytes.withUnsafeBufferPointer({ b in
            b.isEmpty ? nil : memchr(b.baseAddress!, 0, b.count).map { UnsafeRawPointer($0) - UnsafeRawPointer(b.baseAddress!) }
        }) {
            throw YAMLError("the file contains a NUL byte; is it a binary file?", at: location(ofOffset: offset, in: bytes, file: file))
        }
        if bytes.count > maxFileBytes {
            throw YAMLError(
                "the file is \(bytes.count / (1 << 20)) MiB; manifests larger than \(maxFileBytes / (1 << 20)) MiB are not supported",
                at: nil)
        }
    }

    /// Line and column (in characters) of a byte offset.
    static func location(ofOffset offset: Int, in bytes: [UInt8], file: String) -> SourceLocation {
        let offset = min(max(0, offset), bytes.count)
        var line = 1
        var lineStart = 0
        for i in 0..<offset where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        // Count characters (UTF-8 lead bytes) between the line start and the offset.
        var column = 1
        for i in lineStart..<offset where bytes[i] & 0xC0 != 0x80 {
            column += 1
        }
        return SourceLocation(file: file, line: line, column: column)
    }
}

#if canImport(Glibc)
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int { Glibc.read(fd, buffer, count) }
private func systemOpen(_ path: String, _ flags: Int32) -> Int32 { Glibc.open(path, flags) }
#elseif canImport(Musl)
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int { Musl.read(fd, buffer, count) }
private func systemOpen(_ path: String, _ flags: Int32) -> Int32 { Musl.open(path, flags) }
#elseif canImport(Darwin)
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int { Darwin.read(fd, buffer, count) }
private func systemOpen(_ path: String, _ flags: Int32) -> Int32 { Darwin.open(path, flags) }
#endif
