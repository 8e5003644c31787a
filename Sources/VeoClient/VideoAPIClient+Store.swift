import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import VeoSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Writing a download: temporary file, hashing, checks, rename

extension VideoAPIClient {
    /// Streams `body` into a temporary file beside the destination, verifies it and renames it into place.
    func store(
        _ body: HTTPClientResponse.Body, announced: Int64?, status: Int, to destinationPath: String, limit: Int64,
        progress: TransferProgress
    ) async throws -> DownloadResult {
        let file = try TemporaryDownload(beside: destinationPath)
        let received = try await receive(body, into: file, limit: limit, announced: announced, progress: progress)
        try received.check(announced: announced, status: status)
        let digest = await received.hashing.finish()
        try file.moveIntoPlace()
        logger.debug("downloaded", metadata: ["path": "\(destinationPath)", "bytes": "\(received.count)"])
        return DownloadResult(path: destinationPath, bytes: received.count, sha256: digest)
    }

    /// Writes every chunk of `body` to `file` and hashes it; stops at `limit` bytes.
    private func receive(
        _ body: HTTPClientResponse.Body, into file: TemporaryDownload, limit: Int64, announced: Int64?,
        progress: TransferProgress
    ) async throws -> ReceivedBody {
        var received = ReceivedBody()
        do {
            for try await chunk in body {
                try Task.checkCancellation()
                progress.received(bytes: chunk.readableBytes)
                guard received.count + Int64(chunk.readableBytes) <= limit else {
                    throw VideoAPIError(
                        kind: .download,
                        message: "the download passed the \(limit)-byte limit (more than \(received.count + Int64(chunk.readableBytes)) "
                            + "bytes without a Content-Length); stopped, nothing was written to \(file.destination)"
                    )
                }
                try chunk.withUnsafeReadableBytes { try file.write($0, using: writeBytes) }
                await received.add(chunk)
            }
        } catch let error as VideoAPIError {
            throw error
        } catch let failure as TemporaryDownload.WriteFailure {
            throw VideoAPIError(
                kind: .download,
                message: "cannot write the download to \(file.directory) (\(String(cString: strerror(failure.errno)))); "
                    + "nothing was written to \(file.destination)"
            )
        } catch {
            if Task.isCancelled || error is CancellationError {
                throw VideoAPIError(kind: .cancelled, message: "download cancelled; nothing was written to \(file.destination)")
            }
            let reason = TransportProblem.of(error, connectTimeout: configuration.connectTimeout).reason
            throw RetryableFailure(
                error: VideoAPIError(
                    kind: .download, message: "download truncated: the connection ended after \(received.count) bytes (\(reason))"
                ),
                retryAfter: nil
            )
        }
        return received
    }

    /// What a download attempt received: its size, its first bytes and its running hash.
    struct ReceivedBody {
        var count: Int64 = 0
        var signature: [UInt8] = []
        var hashing = HashPipeline()

        mutating func add(_ chunk: ByteBuffer) async {
            if signature.count < 8 {
                signature += chunk.readableBytesView.prefix(8 - signature.count)
            }
            count += Int64(chunk.readableBytes)
            await hashing.add(chunk)
        }

        /// Retryable failures: a body shorter or longer than announced, or not an MP4.
        func check(announced: Int64?, status: Int) throws {
            if let announced, announced != count {
                throw RetryableFailure(
                    error: VideoAPIError(
                        kind: .download, httpStatus: status,
                        message: "download truncated: received \(count) of \(announced) bytes (Content-Length)"
                    ),
                    retryAfter: nil
                )
            }
            guard signature.count == 8, Array(signature[4..<8]) == Array("ftyp".utf8) else {
                throw RetryableFailure(
                    error: VideoAPIError(
                        kind: .download, httpStatus: status,
                        message: "the download (\(count) bytes) is not an MP4 file: no 'ftyp' box at offset 4"
                    ),
                    retryAfter: nil
                )
            }
        }
    }

    static let posixWrite: @Sendable (Int32, UnsafeRawBufferPointer) -> Int = { fd, bytes in
        let written = write(fd, bytes.baseAddress, bytes.count)
        return written < 0 ? -Int(errno) : written
    }
}

// MARK: - The sha256 of a download, computed behind the writes

/// The sha256 runs on another core, behind the writes, so hashing overlaps the download. Each
/// batch's task waits for the one before it (the digest needs the bytes in order); `add` waits only
/// when `maxBatchesInFlight` batches are queued, so memory stays bounded (about 12 MiB).
struct HashPipeline {
    /// Bytes handed to a hashing task at a time: few task switches, little memory.
    static let batchBytes = 2 << 20
    static let maxBatchesInFlight = 3

    private let hasher = ChunkHasher()
    private var inFlight: [Task<Void, Never>] = []
    private var batch: [ByteBuffer] = []
    private var batchBytes = 0

    mutating func add(_ chunk: ByteBuffer) async {
        batch.append(chunk)
        batchBytes += chunk.readableBytes
        guard batchBytes >= Self.batchBytes else { return }
        if inFlight.count >= Self.maxBatchesInFlight { await inFlight.removeFirst().value }
        let (ready, previous, hasher) = (batch, inFlight.last, hasher)
        inFlight.append(Task.detached {
            await previous?.value
            hasher.update(ready)
        })
        batch.removeAll(keepingCapacity: true)
        batchBytes = 0
    }

    /// The hex digest of every byte added.
    func finish() async -> String {
        await inFlight.last?.value
        hasher.update(batch)
        return Hex.encode(hasher.finalize())
    }

    /// A SHA256 fed from one task at a time (each batch's task awaits the previous one's).
    final class ChunkHasher: @unchecked Sendable {
        private var hasher = SHA256()

        func update(_ chunks: [ByteBuffer]) {
            for chunk in chunks {
                chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            }
        }

        func finalize() -> SHA256.Digest {
            hasher.finalize()
        }
    }
}

// MARK: - The temporary file

/// A new file beside the destination (`.NAME.XXXXXXXX.part`) that becomes the destination only
/// through `moveIntoPlace`; otherwise it is closed and removed when this object goes away.
final class TemporaryDownload {
    struct WriteFailure: Error {
        var errno: Int32
    }

    let destination: String
    let directory: String
    let path: String
    private let fd: Int32
    private var isOpen = true
    private var isMoved = false

    init(beside destination: String) throws {
        let url = URL(fileURLWithPath: destination)
        self.destination = destination
        self.directory = url.deletingLastPathComponent().path
        self.path = directory + "/." + url.lastPathComponent + "." + UUID().uuidString.prefix(8) + ".part"
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw VideoAPIError(
                kind: .download,
                message: "cannot create a temporary file in \(directory) for \(destination): \(FileErrorText.reason(errno: errno))"
            )
        }
    }

    deinit {
        if isOpen { _ = close(fd) }
        if !isMoved { _ = unlink(path) }
    }

    /// Writes all of `bytes` with `writeBytes` (`write(2)`, or a test's stand-in returning `-errno`).
    func write(_ bytes: UnsafeRawBufferPointer, using writeBytes: (Int32, UnsafeRawBufferPointer) -> Int) throws {
        var offset = 0
        while offset < bytes.count {
            let written = writeBytes(fd, UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            if written < 0 {
                if written == -Int(EINTR) { continue }
                throw WriteFailure(errno: Int32(-written))
            }
            if written == 0 { throw WriteFailure(errno: ENOSPC) }
            offset += written
        }
    }

    /// Closes the file and renames it to the destination.
    func moveIntoPlace() throws {
        isOpen = false
        if close(fd) != 0 {
            throw VideoAPIError(kind: .download, message: "cannot finish writing the download in \(directory): \(FileErrorText.reason(errno: errno))")
        }
        guard rename(path, destination) == 0 else {
            throw VideoAPIError(kind: .download, message: "cannot move the download into \(destination): \(FileErrorText.reason(errno: errno))")
        }
        isMoved = true
    }
}
