import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

extension CacheTransport {
    /// What a download got: the object written into the file, or another answer with its body.
    enum Downloaded: Sendable {
        case object(DownloadedObject)
        case answer(status: Int, body: Data)
    }

    /// GETs an object into `file` (created, or truncated for each attempt), hashing it as it
    /// arrives. Each part of the body is hashed and written on the event loop that received it,
    /// from the buffer it arrived in: no task switch and no copy per part (a restore of 1,000 clips
    /// gets some 30,000 parts). Retried as `perform` retries, all attempts within one deadline
    /// (`limits.timeout`, else 30 minutes); a body past `limits.maxBytes` is refused at once.
    func download(_ url: URLComponents, payloadHash: String, to file: String, limits: DownloadLimits) async throws -> Downloaded {
        let timeout = limits.timeout ?? .seconds(30 * 60)
        let deadline = NIODeadline.now() + Self.timeAmount(timeout)
        var attempt = 0
        while true {
            attempt += 1
            let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw CacheError(.configuration, cache: name, "cannot write \(file) (\(String(cString: strerror(errno))))") }
            defer { close(fd) }
            do {
                let (address, headers) = try prepared(.GET, url, headers: [], body: .none, payloadHash: payloadHash)
                let request = try HTTPClient.Request(url: address, method: .GET, headers: headers)
                let sink = FileSink(fd: fd, maxBytes: limits.maxBytes, progress: limits.progress)
                let task = client.execute(request: request, delegate: sink, deadline: deadline)
                let result = try await withTaskCancellationHandler { try await task.futureResult.get() } onCancel: { task.cancel() }
                if case .answer(let status, _) = result, status >= 500 || status == 429, attempt < attempts, NIODeadline.now() < deadline {
                    try await Task.sleep(for: Self.pause(attempt))
                    continue
                }
                return result
            } catch let failure as FileSink.WriteFailed {
                throw CacheError(.configuration, cache: name, "cannot write \(file) (\(String(cString: strerror(failure.errno))))")
            } catch let tooLarge as FileSink.TooLarge {
                throw CacheError(.corrupted, cache: name, "\(url.path.split(separator: "/").suffix(2).joined(separator: "/")) is larger than its record says (more than \(tooLarge.limit) bytes); not used")
            } catch let error as CacheError {
                throw error
            } catch {
                if Task.isCancelled || error is CancellationError { throw CancellationError() }
                if NIODeadline.now() >= deadline {
                    throw CacheError(.unreachable, cache: name, "the download did not finish within \(Self.seconds(timeout)) s (the job's --job-timeout); given up")
                }
                if attempt < attempts {
                    try await Task.sleep(for: Self.pause(attempt))
                    continue
                }
                throw CacheError(.unreachable, cache: name, "cannot reach it (\(Self.describe(error)))")
            }
        }
    }

    /// A duration as NIO's, at most a week (`--job-timeout`'s own limit), to the millisecond.
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let bounded = min(max(duration, .zero), .seconds(7 * 24 * 3600))
        return .milliseconds(bounded.components.seconds * 1000 + bounded.components.attoseconds / 1_000_000_000_000_000)
    }

    /// Whole seconds of a duration, for messages.
    static func seconds(_ duration: Duration) -> Int64 { duration.components.seconds }
}

/// Writes a 200 answer's body into a file as it arrives, hashing it; keeps another answer's body
/// (up to 64 KiB) for its error. AsyncHTTPClient calls a delegate on the request's event loop, one
/// call at a time, so its state needs no lock.
final class FileSink: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = CacheTransport.Downloaded

    struct WriteFailed: Error {
        var errno: Int32
    }

    /// The body went past the size its record gave.
    struct TooLarge: Error {
        var limit: Int64
    }

    private let fd: Int32
    private let maxBytes: Int64?
    private let progress: (@Sendable (Int64) -> Void)?
    private var lastProgress = NIODeadline.now()
    private var status = 0
    private var hasher = SHA256()
    private var bytes: Int64 = 0
    private var other = ByteBuffer()
    private var writeErrno: Int32 = 0

    init(fd: Int32, maxBytes: Int64? = nil, progress: (@Sendable (Int64) -> Void)? = nil) {
        (self.fd, self.maxBytes, self.progress) = (fd, maxBytes, progress)
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        status = Int(head.status.code)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        if status == 200 {
            guard writeErrno == 0 else { return task.eventLoop.makeSucceededVoidFuture() }
            if let maxBytes, bytes + Int64(buffer.readableBytes) > maxBytes {
                return task.eventLoop.makeFailedFuture(TooLarge(limit: maxBytes))
            }
            buffer.withUnsafeReadableBytes { raw in
                hasher.update(bufferPointer: raw)
                writeErrno = Self.write(fd, raw)
            }
            bytes += Int64(buffer.readableBytes)
            if let progress, NIODeadline.now() - lastProgress >= .seconds(1) {
                lastProgress = NIODeadline.now()
                progress(bytes)
            }
        } else if other.readableBytes < 64 << 10 {
            var part = buffer
            other.writeBuffer(&part)
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        if writeErrno != 0 { throw WriteFailed(errno: writeErrno) }
        guard status == 200 else { return .answer(status: status, body: Data(buffer: other)) }
        return .object(DownloadedObject(bytes: bytes, sha256: CacheTransport.hex(hasher.finalize())))
    }

    /// Writes all of `bytes`; 0, or the errno that stopped it.
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return written < 0 ? errno : EIO }
            offset += written
        }
        return 0
    }
}
