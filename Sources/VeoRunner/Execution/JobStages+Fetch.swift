import Foundation
import VeoClient
import VeoManifest
import VeoProvider
import VeoSupport

// MARK: - 5. Fetch and verify

extension JobContext {
    /// Downloads the clip at once (results expire) beside its final path, checks its size and
    /// length, then moves it into place: a clip that fails its check never replaces a good one.
    /// The download ends within `--job-timeout` of its start, however slowly the server sends.
    func fetchAndVerify(_ job: PlannedJob, video: VideoObject, key: String) async throws -> (OutputRecord, downloadRequests: Int) {
        onEvent(.downloading(job: job.id))
        let relativePath = OutputLayout.relativeClipPath(shot: job.shot, variant: job.variant, take: job.take)
        let clipPath = try layout.absolute(relativePath)
        let incoming = try layout.incomingPath(for: clipPath)
        defer { try? FileManager.default.removeItem(atPath: incoming) }
        let download: DownloadResult
        let (service, maxBytes, deadline) = (self.service, options.maxDownloadBytes ?? Self.largestClip(job.request), ContinuousClock.now + options.jobTimeout)
        do {
            download = try await JobDeadline.$current.withValue(deadline) {
                try await service.download(video, to: incoming, maxBytes: maxBytes)
            }
        } catch let error as VideoAPIError where error.kind == .deadlineExceeded {
            throw JobFailure(.jobTimeout, "\(error.message), past --job-timeout (\(options.jobTimeout)). The video id is kept: the next run downloads it again without a new generation")
        } catch let error as VideoAPIError where error.kind != .cancelled {
            throw JobFailure(.downloadFailed, "download failed: \(error.description). The video id is kept: the next run downloads it again without a new generation", providerCode: error.code)
        }
        let info = try await verify(incoming, job: job, relativePath: relativePath, key: key, videoID: video.id)
        do {
            try AtomicFile.move(incoming, to: clipPath)
        } catch {
            throw JobFailure(.writeFailed, "cannot move the clip into \(relativePath): \(error.reason). The video id is kept: the next run downloads it again")
        }
        let output = OutputRecord(
            path: relativePath, bytes: download.bytes, sha256: download.sha256, width: info.width, height: info.height,
            duration: info.duration, mtime: OutputLayout.mtime(clipPath))
        return (output, download.requests)
    }

    /// Bytes a clip of this request can reasonably be: a generous 25 MB per second at 1080p (real
    /// clips are well under 2 MB per second), 12.5 MB at 720p; at least 64 MB.
    static func largestClip(_ request: GenerationRequest) -> Int64 {
        let perSecond: Int64 = request.size.is1080p ? 25_000_000 : 12_500_000
        return max(64_000_000, perSecond * Int64(request.seconds.rawValue))
    }

    /// The clip's size and length, or a failure that keeps the file as `<clip>.rejected.mp4`.
    fileprivate func verify(_ incoming: String, job: PlannedJob, relativePath: String, key: String, videoID: String) async throws -> MediaTools.ClipInfo {
        let rejected = try layout.absolute(relativePath) + ".rejected.mp4"
        func reject(_ message: String) throws -> Never {
            try? FileManager.default.removeItem(atPath: rejected)
            try? FileManager.default.moveItem(atPath: incoming, toPath: rejected)
            throw JobFailure(.verificationFailed, "\(message); kept as \(relativePath).rejected.mp4")
        }
        let info: MediaTools.ClipInfo
        do {
            info = try await media.probe(incoming)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            try reject("the downloaded clip is not a readable video (\(FileErrorText.describe(error)))")
        }
        if !OutputRecord.fits(width: info.width, height: info.height, duration: info.duration, request: job.request) {
            let failure = JobFailure(.verificationFailed, "wrong size or duration")
            try await journal.append(JournalEntry(event: .failed, key: key, job: job.id, videoID: videoID, failure: failure))
            try reject(String(format: "the clip is %dx%d, %.2f s, but %@ for %d s was asked", info.width, info.height, info.duration, job.request.size.rawValue, job.request.seconds.rawValue))
        }
        return info
    }
}
