#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Standard output or standard error as the tool writes to it: printing is never worth a crash.
///
/// A reader that went away (a closed pipe: `run shots.yaml | head -1`, a `tee` or log shipper that
/// died, a pager that quit) fails a write with EPIPE; a terminal that hung up (a closed SSH
/// session) with EIO; a full disk under a redirect with ENOSPC. Any of these means "stop printing
/// here": the channel closes, later writes are dropped, and the run goes on to journal every
/// answer and write its report and views. `prepareProcess()` makes that possible: without it a
/// write to a closed pipe kills the process with SIGPIPE.
///
/// Writes are whole: a text is written to the end (short writes and EINTR retried), and one
/// channel writes one text at a time, so lines from concurrent jobs never interleave mid-line.
public final class OutputChannel: Sendable {
    public static let standardOutput = OutputChannel(fd: STDOUT_FILENO)
    public static let standardError = OutputChannel(fd: STDERR_FILENO)

    /// How long a write waits for a non-blocking descriptor that is full before dropping the text.
    static let stalledWriteMilliseconds: Int32 = 10_000

    private let fd: Int32
    /// Set once a write failed for good; held while writing, so texts go out one at a time.
    private let closed = Mutex(false)

    public init(fd: Int32) {
        self.fd = fd
    }

    /// True once a write failed for good (the reader is gone): nothing more is written.
    public var isClosed: Bool { closed.withLock { $0 } }

    /// Writes all of `text`; false when the channel is closed (now or before) and the text was dropped.
    @discardableResult
    public func write(_ text: String) -> Bool {
        closed.withLock { isClosed in
            guard !isClosed else { return false }
            var bytes = text
            let ok = bytes.withUTF8 { writeAll($0) }
            if !ok { isClosed = true }
            return ok
        }
    }

    /// False when the descriptor failed for good (EPIPE, EIO, ENOSPC, EBADF...).
    private func writeAll(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        var done = 0
        while done < buffer.count {
            let n = posixWrite(fd, base + done, buffer.count - done)
            if n > 0 {
                done += n
                continue
            }
            let code = n < 0 ? errno : EIO
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                // A non-blocking descriptor whose reader is slow: wait for room, or drop this text
                // (the reader may come back, so the channel stays open).
                var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ready = poll(&waiting, 1, Self.stalledWriteMilliseconds)
                if ready > 0 && waiting.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 { return false }
                if ready == 0 { return true }
                continue
            }
            return false
        }
        return true
    }

    /// Once, before anything is printed: a write to a closed pipe then fails with EPIPE instead of
    /// killing the process (SIGPIPE ignored), and a standard descriptor the tool was started without
    /// (`>&-`) is opened on /dev/null, so no file the tool opens later (a journal, a clip) takes
    /// descriptor 1 or 2 and receives its printing.
    public static func prepareProcess() {
        signal(SIGPIPE, SIG_IGN)
        for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            // open() takes the lowest free descriptor: this one, as 0-2 below it are open already.
            let opened = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY)
            if opened >= 0 && opened != fd {
                _ = dup2(opened, fd)
                close(opened)
            }
        }
    }
}

/// `write(2)`, by a name no method hides.
private func posixWrite(_ fd: Int32, _ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int {
    write(fd, bytes, count)
}
