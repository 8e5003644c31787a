import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

// MARK: - Downloading a finished video

extension VideoAPIClient {
    /// Downloads the video into `destinationPath`, following http and https redirects: the first
    /// attempt from its `video_url` when the completed video object carries one (the key goes with
    /// it only when it points at the API's own origin), every other from
    /// `GET /v1/videos/{id}/content`. A link that is refused (an error answer, a bad redirect) falls
    /// back to `/content` at once; a stalled or broken transfer counts as the first attempt.
    ///
    /// The body is streamed into a temporary file beside the destination while its sha256 is
    /// computed; the byte count is checked against `Content-Length` and the file must carry the MP4
    /// signature (`ftyp` at offset 4). Only then is it renamed into place, atomically. On any failure
    /// the temporary file is removed: the destination is either the complete verified file or untouched.
    ///
    /// `maxBytes` lowers ``VideoAPIClientConfiguration/maxDownloadBytes`` for this call: a larger
    /// `Content-Length` is refused before anything is written, a body without one is cut off as
    /// soon as it passes the limit.
    ///
    /// Retried within the download scope (429, 5xx, transport errors, stalled, truncated or non-MP4
    /// bodies); never re-runs the generation. Within a ``JobDeadline``, every attempt ends by it
    /// and none starts after it (`.deadlineExceeded`, not retried). A redirect loop or a redirect to another scheme than
    /// http(s), a body over the size limit, a refused answer (4xx) or a local write failure is not retried.
    public func download(_ video: VideoObject, to destinationPath: String, maxBytes: Int64? = nil) async throws -> DownloadResult {
        try checkRequestedID(video.id)
        let url = videoURL(video.id) + "/content"
        let limit = min(configuration.maxDownloadBytes, maxBytes ?? .max)
        let direct = directURL(of: video)
        let requests = RequestTally()
        var result = try await withRetries(configuration.downloadRetry, scope: "download") { attempt in
            if JobDeadline.passed {
                throw VideoAPIError(kind: .deadlineExceeded, message: "the job's time limit ran out before download attempt \(attempt)")
            }
            if attempt == 1, let direct {
                do {
                    return try await self.downloadOnce(from: direct, to: destinationPath, limit: limit, attempt: attempt, requests: requests)
                } catch let error as VideoAPIError where error.kind != .cancelled && !(200..<300).contains(error.httpStatus ?? 200) {
                    // The link was refused (expired, forbidden, a bad redirect): /content at once.
                    self.logger.debug("video_url refused, downloading /content", metadata: ["id": "\(video.id)", "reason": "\(error.message)"])
                }
            }
            return try await self.downloadOnce(from: url, to: destinationPath, limit: limit, attempt: attempt, requests: requests)
        }
        result.requests = requests.count
        return result
    }

    /// ``download(_:to:maxBytes:)`` with the configuration's size limit (the form `VideoService` names).
    public func download(_ video: VideoObject, to destinationPath: String) async throws -> DownloadResult {
        try await download(video, to: destinationPath, maxBytes: nil)
    }

    /// The video object's `video_url` when it is an absolute http(s) URL with a host.
    func directURL(of video: VideoObject) -> String? {
        guard let text = video.videoURL, let url = URL(string: text), ServerOrigin.isFetchable(scheme: url.scheme),
            let host = url.host, !host.isEmpty
        else { return nil }
        return url.absoluteString
    }

    /// One attempt, redirects included, within `configuration.downloadLimits`.
    private func downloadOnce(
        from startURL: String, to destinationPath: String, limit: Int64, attempt: Int, requests: RequestTally
    ) async throws -> DownloadResult {
        let progress = TransferProgress()
        do {
            return try await withTransferLimits(configuration.downloadLimits, progress: progress) {
                try await self.followAndStore(
                    from: startURL, to: destinationPath, limit: limit, progress: progress, attempt: attempt, requests: requests)
            }
        } catch let timedOut as TransferTimedOut where timedOut.limit == .jobDeadline {
            throw VideoAPIError(
                kind: .deadlineExceeded,
                message: "the download did not finish in the job's time limit (\(progress.bytesReceived) bytes received); nothing was written to \(destinationPath)")
        } catch let timedOut as TransferTimedOut {
            throw RetryableFailure(
                error: VideoAPIError(
                    kind: .download,
                    message: "the download stopped: \(timedOut.reason) (\(progress.bytesReceived) bytes received); nothing was written to \(destinationPath)"
                ),
                retryAfter: nil
            )
        }
    }

    private func followAndStore(
        from startURL: String, to destinationPath: String, limit: Int64, progress: TransferProgress, attempt: Int,
        requests: RequestTally
    ) async throws -> DownloadResult {
        var url = startURL
        var visited: Set<String> = [url]
        for _ in 0...max(0, configuration.maxRedirects) {
            requests.add()
            let response = try await requestContent(url, progress: progress, attempt: attempt)
            if let next = try await redirectTarget(of: response, from: url, visited: &visited) {
                url = next
                continue
            }
            let status = Int(response.status.code)
            guard (200..<300).contains(status) else {
                let (body, truncated) = try await Self.collect(response.body, upTo: Self.maxAnswerBytes, progress: progress)
                throw classify(Answer(status: status, headers: response.headers, body: body, truncated: truncated), submission: false)
            }
            let announced = try announcedLength(of: response, limit: limit)
            return try await store(response.body, announced: announced, status: status, to: destinationPath, limit: limit, progress: progress)
        }
        throw VideoAPIError(
            kind: .download, message: "the download followed more than \(configuration.maxRedirects) redirects (a redirect loop?)"
        )
    }

    /// The answer head for `url`. The key goes only to the API's own origin, never to a storage
    /// host it redirects to.
    private func requestContent(_ url: String, progress: TransferProgress, attempt: Int) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: "veo-pipeline")
        if ServerOrigin.same(url, configuration.root) {
            request.headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey.value)")
        }
        logger.debug("request", metadata: ["method": "GET", "url": "\(fromServer(url))", "attempt": "\(attempt)"])
        do {
            let response = try await httpClient.execute(request, timeout: Self.timeAmount(configuration.downloadTimeout))
            progress.receivedHead(status: Int(response.status.code))
            logger.debug("answer", metadata: ["method": "GET", "url": "\(fromServer(url))", "status": "\(response.status.code)"])
            return response
        } catch {
            throw classify(transportFailure(error, progress: progress), submission: false, url: url)
        }
    }

    /// The absolute URL a redirect answer points at, nil when `response` is not a redirect.
    /// Refuses (not retried) a location that is not an http(s) URL with a host, and a loop.
    private func redirectTarget(of response: HTTPClientResponse, from url: String, visited: inout Set<String>) async throws -> String? {
        let status = Int(response.status.code)
        guard [301, 302, 303, 307, 308].contains(status), let location = response.headers.first(name: "location") else {
            return nil
        }
        // Read what little body a redirect has, so the connection can serve the next request.
        _ = try? await Self.collect(response.body, upTo: 64 << 10, progress: TransferProgress())
        let shown = fromServer(location, limit: 200)
        guard let next = URL(string: location, relativeTo: URL(string: url))?.absoluteURL else {
            throw VideoAPIError(kind: .download, httpStatus: status, message: "the download was redirected to an invalid location (\"\(shown)\")")
        }
        guard ServerOrigin.isFetchable(scheme: next.scheme) else {
            let scheme = fromServer(next.scheme ?? "", limit: 20)
            throw VideoAPIError(
                kind: .download, httpStatus: status,
                message: "the download was redirected to a \(scheme): URL (\"\(shown)\"); only http and https redirects are followed"
            )
        }
        guard let host = next.host, !host.isEmpty else {
            throw VideoAPIError(kind: .download, httpStatus: status, message: "the download was redirected to a URL without a host (\"\(shown)\")")
        }
        let target = next.absoluteString
        guard visited.insert(target).inserted else {
            throw VideoAPIError(kind: .download, httpStatus: status, message: "the download hit a redirect loop (back to \"\(shown)\")")
        }
        return target
    }

    /// The answer's `Content-Length`, when it sent a valid one; refuses one over `limit` (not retried).
    private func announcedLength(of response: HTTPClientResponse, limit: Int64) throws -> Int64? {
        guard let value = response.headers.first(name: "content-length"),
            let length = Int64(value.trimmingCharacters(in: .whitespaces)), length >= 0
        else { return nil }
        guard length <= limit else {
            throw VideoAPIError(
                kind: .download, httpStatus: Int(response.status.code),
                message: "the server announced a download of \(length) bytes (Content-Length), more than the "
                    + "\(limit)-byte limit; nothing was downloaded"
            )
        }
        return length
    }
}

/// Counts the HTTP requests of one download, across its attempts.
final class RequestTally: Sendable {
    private let value = Mutex(0)
    func add() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}
