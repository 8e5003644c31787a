import Foundation
import VeoCache
import VeoClient
import VeoManifest
import VeoProvider
import VeoSupport

// MARK: - 2b. Look up the shared cache

extension JobContext {
    /// The clip the shared cache holds for this job. Nothing in the cache is trusted: the record is
    /// checked against the request before anything is fetched (``ClipStore/Record/problem(for:maxBytes:)``),
    /// the object is streamed beside the clip's path (at most the record's size, within the job's
    /// `--job-timeout`), its sha256 checked, then verified like a provider download (an MP4, of the
    /// size and length asked for) before it is moved into place, journaled and kept like a local
    /// cache hit. No API call.
    func lookUpSharedCache(_ job: PlannedJob, resolved: ResolvedJob) async throws -> (OutputRecord, String?)? {
        guard let shared = options.sharedCache else { return nil }
        let cache = shared.cache
        do {
            let recordPath = CachePaths.record(SharedCacheOptions.remoteKey(resolved.key, origin: options.origin))
            guard let data = try await cache.read(recordPath) else { return nil }
            guard let record = ClipStore.Record.decoded(data) else {
                throw CacheError(.corrupted, cache: cache.name, "the record \(recordPath) is not a clip record; not used")
            }
            if let problem = record.problem(for: job.request, maxBytes: options.maxDownloadBytes ?? Self.largestClip(job.request)) {
                throw CacheError(.corrupted, cache: cache.name, "the record \(recordPath) cannot be this job's: \(problem); not used")
            }
            let relativePath = OutputLayout.relativeClipPath(shot: job.shot, variant: job.variant, take: job.take)
            let clipPath = try layout.absolute(relativePath)
            let incoming = try layout.incomingPath(for: clipPath)
            defer { try? FileManager.default.removeItem(atPath: incoming) }
            guard let info = try await restore(record, job: job, into: incoming, from: cache) else { return nil }
            try AtomicFile.move(incoming, to: clipPath)
            let output = OutputRecord(
                path: relativePath, bytes: record.bytes, sha256: record.sha256, width: info.width, height: info.height,
                duration: info.duration, mtime: OutputLayout.mtime(clipPath))
            try await journal.append(JournalEntry(event: .completed, key: resolved.key, job: job.id, videoID: record.videoID, output: output))
            store.keep(clipPath, output: output, key: resolved.key, model: record.model, videoID: record.videoID)
            return (output, record.videoID)
        } catch let error as CacheError {
            guard shared.optional else { throw JobFailure(.cacheFailed, error.description) }
            onEvent(.warning("\(error.description); going on without it (--cache-optional)"))
            return nil
        }
    }

    /// Downloads a record's object into `incoming` and verifies it: nil when the cache has no such
    /// object, a ``CacheError`` (`corrupted`) when it is not this job's clip.
    private func restore(_ record: ClipStore.Record, job: PlannedJob, into incoming: String, from cache: any RemoteCache) async throws -> MediaTools.ClipInfo? {
        let object = CachePaths.object(record.sha256)
        onEvent(.downloading(job: job.id))
        let (jobID, events, total) = (job.id, onEvent, Double(record.bytes))
        let limits = DownloadLimits(maxBytes: record.bytes, timeout: options.jobTimeout) { bytes in
            events(.progress(job: jobID, status: "downloading from the shared cache", percent: min(100, Double(bytes) / total * 100)))
        }
        guard let got = try await cache.download(object, to: incoming, limits: limits) else { return nil }
        guard got.sha256 == record.sha256, got.bytes == record.bytes else {
            throw CacheError(.corrupted, cache: cache.name, "the object \(object) is corrupted (\(got.bytes) bytes hashing to \(got.sha256)); not used")
        }
        func notAClip(_ why: String) -> CacheError {
            CacheError(.corrupted, cache: cache.name, "the object \(object) is not a clip of this job (\(why)); not used")
        }
        guard Self.hasMP4Signature(incoming) else { throw notAClip("not an MP4 file: no 'ftyp' box at offset 4") }
        let info: MediaTools.ClipInfo
        do {
            info = try await media.probe(incoming)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw notAClip("not a readable video: \(FileErrorText.describe(error))")
        }
        let size = job.request.size
        guard info.width == size.width, info.height == size.height, job.request.accepts(duration: info.duration) else {
            throw notAClip(String(format: "%dx%d, %.2f s, but %@ for %d s was asked", info.width, info.height, info.duration, size.rawValue, job.request.seconds.rawValue))
        }
        return info
    }

    /// Whether a file starts like an MP4 (an `ftyp` box at offset 4), as a provider download must.
    static func hasMP4Signature(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 8), head.count == 8 else { return false }
        return Array(head[4..<8]) == Array("ftyp".utf8)
    }
}

extension GenerationRequest {
    /// Whether a clip of `duration` seconds is one of this request: within 15 % of the seconds
    /// asked for, and at least 1 s either way. A provider download and a shared-cache record are
    /// held to the same rule.
    func accepts(duration: Double) -> Bool {
        let asked = Double(seconds.rawValue)
        return duration.isFinite && abs(duration - asked) <= max(1.0, asked * 0.15)
    }
}

extension ClipStore.Record {
    /// A record read from the shared cache, or nil when it is not one.
    static func decoded(_ data: Data) -> ClipStore.Record? {
        try? JSONDecoder().decode(ClipStore.Record.self, from: data)
    }

    /// Why a record from the shared cache cannot stand for a clip of `request` (nil when it can):
    /// its sha256 goes into a URL, its size bounds the download, its video id reaches the journal
    /// and the report, its size and length the cut. Nothing of the record is echoed.
    func problem(for request: GenerationRequest, maxBytes: Int64) -> String? {
        guard CachePaths.isSHA256(sha256) else { return "its sha256 is not 64 lowercase hex digits" }
        guard bytes > 0, bytes <= maxBytes else { return "its size (\(bytes) bytes) is not from 1 byte to the download limit of \(maxBytes)" }
        guard request.accepts(duration: duration) else {
            return duration.isFinite
                ? String(format: "its length (%.4g s) is not the %d s asked for", duration, request.seconds.rawValue)
                : "its length is not a finite number"
        }
        guard width == request.size.width, height == request.size.height else {
            return "its size (\(width)x\(height)) is not the \(request.size.rawValue) asked for"
        }
        if let videoID, !VideoID.isValid(videoID) { return "its video id is not one a provider gives (1 to 200 of A-Z a-z 0-9 . _ -)" }
        return nil
    }
}
