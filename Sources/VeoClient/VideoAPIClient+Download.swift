import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Downloading a finished video

extension VideoAPIClient {
    /// Downloads `GET /v1/videos/{id}/content` (following redirects) into `destinationPath`.
    ///
    /// The body is streamed into a temporary file beside the destination while its sha256 is
    /// computed; the byte count is checked against `Content-Length` and the file must carry the MP4
    /// signature (`ftyp` at offset 4). Only then is it renamed into place, atomically. On any failure
    /// the temporary file is removed: the destination is either the complete verified file or untouched.
    ///
    /// Retried within the download scope (429, 5xx, transport errors, truncated or non-MP4 bodies);
    /// never re-runs the generation. A redirect loop, a refused answer (4xx) or a local write failure
    /// is not retried.
    public func download(_ video: VideoObject, to destinationPath: String) async throws -> DownloadResult {
        let url = configuration.root + "/v1/videos/" + Self.pathComponent(video.id) + "/content"
        return try await withRetries(configuration.downloadRetry, scope: "download") { attempt in
            try await self.downloadOnce(from: url, to: destinationPath, attempt: attempt)
        }
    }

    private func downloadOnce(from startURL: String, to destinationPath: String, attempt: Int) async throws -> DownloadResult {
        var url = startURL
        var visited: Set<String> = [url]
        for _ in 0...max(0, configuration.maxRedirects) {
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            request.headers.add(name: "User-Agent", value: "veo-pipeline")
            // The key goes only to the API's own origin, never to a storage host it redirects to.
            if Self.sameOrigin(url, configuration.root) {
                request.headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey.value)")
            }
            logger.debug("request", metadata: ["method": "GET", "url": "\(url)", "attempt": "\(attempt)"])
            let response: HTTPClientResponse
            do {
                response = try await httpClient.execute(request, timeout: Self.timeAmount(configuration.downloadTimeout))
            } catch let error as HTTPClientError where error == .redirectCycleDetected || error == .redirectLimitReached {
                throw VideoAPIError(kind: .download, message: "download of \(startURL) hit a redirect loop")
            } catch {
                throw classify(TransportFailure(underlying: error, bodyStarted: false), submission: false, url: url)
            }
            let status = Int(response.status.code)
            logger.debug("answer", metadata: ["method": "GET", "url": "\(url)", "status": "\(status)"])
            if [301, 302, 303, 307, 308].contains(status), let location = response.headers.first(name: "location") {
                _ = try? await response.body.collect(upTo: 1 << 20)
                guard let next = URL(string: location, relativeTo: URL(string: url))?.absoluteURL.absoluteString else {
                    throw VideoAPIError(kind: .download, httpStatus: status, message: "redirect to an invalid location")
                }
                if visited.contains(next) {
                    throw VideoAPIError(
                        kind: .download, httpStatus: status,
                        message: "download of \(startURL) hit a redirect loop (back to \(redact(next)))"
                    )
                }
                visited.insert(next)
                url = next
                continue
            }
            guard (200..<300).contains(status) else {
                let body = (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
                throw classify(Answer(status: status, headers: response.headers, body: body), submission: false)
            }
            return try await store(response, to: destinationPath)
        }
        throw VideoAPIError(
            kind: .download, message: "download of \(startURL) followed more than \(configuration.maxRedirects) redirects (a redirect loop?)"
        )
    }

    /// Streams the body into a temporary file beside the destination, verifies it and renames it into place.
    private func store(_ response: HTTPClientResponse, to destinationPath: String) async throws -> DownloadResult {
        let destination = URL(fileURLWithPath: destinationPath)
        let directory = destination.deletingLastPathComponent().path
        let tempPath = directory + "/." + destination.lastPathComponent + "." + UUID().uuidString.prefix(8) + ".part"
        let fd = open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw VideoAPIError(
                kind: .download, message: "cannot create a temporary file in \(directory) for \(destinationPath): \(reason)"
            )
        }
        var open = true
        var renamed = false
        defer {
            if open { _ = close(fd) }
            if !renamed { _ = unlink(tempPath) }
        }

        // The sha256 runs on another core, behind the writes, so hashing overlaps the download. Each
        // batch's task waits for the one before it (the digest needs the bytes in order); the loop
        // waits only when `maxHashBatchesInFlight` batches are queued, so memory stays bounded.
        let hasher = ChunkHasher()
        var hashing: [Task<Void, Never>] = []
        var batch: [ByteBuffer] = []
        var batchBytes = 0
        var count: Int64 = 0
        var signature: [UInt8] = []
        do {
            for try await chunk in response.body {
                try Task.checkCancellation()
                try chunk.withUnsafeReadableBytes { raw in
                    try writeAll(fd, raw)
                }
                batch.append(chunk)
                batchBytes += chunk.readableBytes
                if batchBytes >= Self.hashBatchBytes {
                    if hashing.count >= Self.maxHashBatchesInFlight { await hashing.removeFirst().value }
                    let ready = batch
                    let previous = hashing.last
                    hashing.append(Task.detached {
                        await previous?.value
                        hasher.update(ready)
                    })
                    batch.removeAll(keepingCapacity: true)
                    batchBytes = 0
                }
                if signature.count < 8 {
                    signature += chunk.readableBytesView.prefix(8 - signature.count)
                }
                count += Int64(chunk.readableBytes)
            }
        } catch let failure as WriteFailure {
            throw VideoAPIError(
                kind: .download,
                message: "cannot write the download to \(directory) (\(String(cString: strerror(failure.errno)))); nothing was written to \(destinationPath)"
            )
        } catch {
            if Task.isCancelled || error is CancellationError {
                throw VideoAPIError(kind: .cancelled, message: "download cancelled; nothing was written to \(destinationPath)")
            }
            throw RetryableFailure(
                error: VideoAPIError(
                    kind: .download,
                    message: "download truncated: the connection ended after \(count) bytes (\(redact(Self.describe(error))))"
                ),
                retryAfter: nil
            )
        }

        if let expected = response.headers.first(name: "content-length").flatMap({ Int64($0.trimmingCharacters(in: .whitespaces)) }),
            expected != count
        {
            throw RetryableFailure(
                error: VideoAPIError(
                    kind: .download, httpStatus: Int(response.status.code),
                    message: "download truncated: received \(count) of \(expected) bytes (Content-Length)"
                ),
                retryAfter: nil
            )
        }
        await hashing.last?.value
        hasher.update(batch)
        guard signature.count == 8, Array(signature[4..<8]) == Array("ftyp".utf8) else {
            throw RetryableFailure(
                error: VideoAPIError(
                    kind: .download, httpStatus: Int(response.status.code),
                    message: "the download (\(count) bytes) is not an MP4 file: no 'ftyp' box at offset 4"
                ),
                retryAfter: nil
            )
        }
        open = false
        if close(fd) != 0 {
            throw VideoAPIError(
                kind: .download, message: "cannot finish writing the download in \(directory): \(String(cString: strerror(errno)))"
            )
        }
        guard rename(tempPath, destinationPath) == 0 else {
            throw VideoAPIError(
                kind: .download, message: "cannot move the download into \(destinationPath): \(String(cString: strerror(errno)))"
            )
        }
        renamed = true
        let digest = hasher.finalize().map { byte in
            let hex = Array("0123456789abcdef".utf8)
            return String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
        }.joined()
        logger.debug("downloaded", metadata: ["path": "\(destinationPath)", "bytes": "\(count)"])
        return DownloadResult(path: destinationPath, bytes: count, sha256: digest)
    }

    /// Bytes handed to a hashing task at a time: few task switches, little memory.
    static let hashBatchBytes = 2 << 20
    /// Batches queued for hashing before the download loop waits (bounds memory to about 12 MiB).
    static let maxHashBatchesInFlight = 3

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

    private struct WriteFailure: Error {
        var errno: Int32
    }

    private func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
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

    static let posixWrite: @Sendable (Int32, UnsafeRawBufferPointer) -> Int = { fd, bytes in
        let written = write(fd, bytes.baseAddress, bytes.count)
        return written < 0 ? -Int(errno) : written
    }

    static func sameOrigin(_ a: String, _ b: String) -> Bool {
        guard let a = URLComponents(string: a), let b = URLComponents(string: b) else { return false }
        func port(_ c: URLComponents) -> Int? { c.port ?? (c.scheme?.lowercased() == "https" ? 443 : c.scheme?.lowercased() == "http" ? 80 : nil) }
        return a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased() && port(a) == port(b)
    }
}
