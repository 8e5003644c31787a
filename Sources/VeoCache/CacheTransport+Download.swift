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
    /// gets some 30,000 parts). Retried as `perform` retries.
    func download(_ url: URLComponents, payloadHash: String, to file: String) async throws -> Downloaded {
        var attempt = 0
        while true {
            attempt += 1
            let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw CacheError(.configuration, cache: name, "cannot write \(file) (\(String(cString: strerror(errno))))") }
            defer { close(fd) }
            do {
                let (address, headers) = try prepared(.GET, url, headers: [], body: .none, payloadHash: payloadHash)
                let request = try HTTPClient.Request(url: address, method: .GET, headers: headers)
                let task = client.execute(request: request, delegate: FileSink(fd: fd), deadline: .now() + .minutes(30))
                let result = try await withTaskCancellationHandler { try await task.futureResult.get() } onCancel: { task.cancel() }
                if case .answer(let status, _) = result, status >= 500 || status == 429, attempt < attempts {
                    try await Task.sleep(for: Self.pause(attempt))
                    continue
                }
                return result
            } catch let failure as FileSink.WriteFailed {
                throw CacheError(.configuration, cache: name, "cannot write \(file) (\(String(cString: strerror(failure.errno))))")
            } catch let error as CacheError {
                throw error
            } catch {
                if Task.isCancelled || error is CancellationError { throw CancellationError() }
                if attempt < attempts {
                    try await Task.sleep(for: Self.pause(attempt))
                    continue
                }
                throw CacheError(.unreachable, cache: name, "cannot reach it (\(Self.describe(error)))")
            }
        }
    }
}

/// Writes a 200 answer's body into a file as it arrives, hashing it; keeps another answer's body
/// (up to 64 KiB) for its error. AsyncHTTPClient calls a delegate on the request's event loop, one
/// call at a time, so its state needs no lock.
final class FileSink: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = CacheTransport.Downloaded

    struct WriteFailed: Error {
        var errno: Int32
    }

    private let fd: Int32
    private var status = 0
    private var hasher = SHA256()
    private var bytes: Int64 = 0
    private var other = ByteBuffer()
    private var writeErrno: Int32 = 0

    init(fd: Int32) {
        self.fd = fd
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        status = Int(head.status.code)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        if status == 200 {
            guard writeErrno == 0 else { return task.eventLoop.makeSucceededVoidFuture() }
            buffer.withUnsafeReadableBytes { raw in
                hasher.update(bufferPointer: raw)
                writeErrno = Self.write(fd, raw)
            }
            bytes += Int64(buffer.readableBytes)
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
