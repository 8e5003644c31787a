import Foundation
import Synchronization
import VeoClient
import VeoManifest
import VeoProvider
import VeoSupport
import VeoReport
import VeoMedia

/// Everything one job needs, shared by all jobs of a run. A job goes through the stages below in
/// order; each returns what the next needs, and a failure is thrown as a ``JobFailure``:
///
///     resolveInputs → lookUpCache → submitOrResume → waitForRender → fetchAndVerify → record
struct JobContext: Sendable {
    let options: RunOptions
    let layout: OutputLayout
    let journal: Journal
    let service: any VideoService
    let media: MediaTools
    let onEvent: @Sendable (RunEvent) -> Void
    let limiter: RateLimiter?
    let ledger: SpendingLedger
    /// Told a job's id when the provider reports its render finished: its slot may go on.
    var renderFinished: @Sendable (String) -> Void = { _ in }
    var store: ClipStore { ClipStore(layout: layout) }
    let hashes = FileHashCache()
    let frames = FrameExtractions()
    /// One job at a time per content key: a second job with the same key (an identical shot)
    /// waits for the first and then reuses its clip, instead of paying for it again.
    let keys = KeyedLock<String>()
    /// Whether the run's last lookup in the shared cache missed (see `consultSharedCache`).
    let sharedLookups = LookupTally()

    func execute(_ job: PlannedJob, upstream: [JobOutcome], force: Bool) async -> JobOutcome {
        let started = ContinuousClock.now
        var outcome = await stages(job, upstream: upstream, force: force)
        outcome.wallSeconds = (ContinuousClock.now - started).seconds
        return outcome
    }

    private func stages(_ job: PlannedJob, upstream: [JobOutcome], force: Bool) async -> JobOutcome {
        onEvent(.started(job: job.id))
        let resolved: ResolvedJob
        do {
            resolved = try await resolveInputs(job, upstream: upstream)
        } catch {
            return finished(job, .failed(asFailure(error)), resolved: nil, submission: nil)
        }
        await keys.acquire(resolved.key)
        defer { Task { [keys] in await keys.release(resolved.key) } }
        let state = await journal.state(for: resolved.key)
        if !force, let cached = await lookUpCache(job, resolved: resolved, state: state) {
            return finished(job, .cached(cached, videoID: state.outputVideoID), resolved: resolved, submission: nil)
        }
        var submission: Submission?
        do {
            let coordination = force ? .submit(claimed: false) : try await consultSharedCache(job, resolved: resolved, state: state)
            let submitted: Submitted
            switch coordination {
            case .cached(let output, let videoID):
                return finished(job, .cached(output, videoID: videoID), resolved: resolved, submission: nil)
            case .follow(let videoID):
                submitted = following(videoID, resolved: resolved)
            case .submit(let claimed):
                do {
                    submitted = try await submitOrResume(job, resolved: resolved, upstream: upstream, state: state, force: force)
                } catch where claimed && Self.provablyNeverCreated(error) {
                    // Skipped over budget, or refused before anything was created: the claim goes,
                    // so other runners do not wait for a video that will never exist.
                    await releaseClaim(resolved)
                    throw error
                }
                if claimed { await completeClaim(resolved, videoID: submitted.submission.videoID, claimedAt: submitted.submission.submittedAt) }
            }
            submission = submitted.submission
            let polls = PollTally()
            let video = try await waitForRender(job, key: resolved.key, submission: submitted.submission, outputLost: submitted.outputLost, polls: polls)
            renderFinished(job.id)
            let completedAt = Date()
            let (output, downloadRequests) = try await fetchAndVerify(job, video: video, key: resolved.key)
            let onDiskAt = Date()
            try await record(job, key: resolved.key, video: video, output: output, submittedAt: submitted.submission.submittedAt)
            await share(job, key: resolved.key, videoID: video.id, output: output)
            var outcome = finished(job, .rendered(output, completedAt: completedAt), resolved: resolved, submission: submitted.submission)
            outcome.delivery = JobOutcome.Delivery(
                polls: polls.count, downloadRequests: downloadRequests,
                providerCompletedAt: video.completedAt.map { Date(timeIntervalSince1970: Double($0)) }, onDiskAt: onDiskAt)
            return outcome
        } catch {
            return finished(job, failedOrInterrupted(error, submission: submission), resolved: resolved, submission: submission)
        }
    }

    // MARK: - 1. Resolve inputs

    /// The sha256 of every input file and upstream clip, and from them (with the request) the job's
    /// content key.
    func resolveInputs(_ job: PlannedJob, upstream: [JobOutcome]) async throws -> ResolvedJob {
        var identities: [String] = []
        var inputs: [ResolvedInput] = []
        let fetched = try await fetchURLImages(job)
        for (index, input) in job.request.inputs.enumerated() {
            var sha: String?
            switch input.source {
            case .file(let path, let written):
                do { sha = try await hashes.sha256(path) } catch {
                    throw JobFailure(.inputUnreadable, "cannot read input image '\(written)': \(FileErrorText.reason(error))")
                }
                identities.append(sha!)
            case .url(let url):
                // A fetched image is known by its bytes: a changed image at the same URL renders again.
                sha = fetched[index]?.sha256
                identities.append(sha ?? url)
            case .frame(let upstreamID, _):
                guard let clip = upstream.first(where: { $0.job.id == upstreamID })?.output else {
                    throw JobFailure(.upstreamMissing, "the clip of upstream job '\(upstreamID)' is not available")
                }
                identities.append(clip.sha256)
            }
            inputs.append(ResolvedInput(role: input.role, source: input.source, sha256: sha))
        }
        let key = CacheKey.compute(job.request, identities: identities, variant: job.variant, take: job.take)
        return ResolvedJob(key: key, inputs: inputs, fetched: fetched)
    }

    /// The URL images of a job that also uploads files, fetched into `<out>/inputs/` (revalidated
    /// against the copy an earlier run kept). Jobs whose images are all URLs send them as URLs.
    func fetchURLImages(_ job: PlannedJob) async throws -> [Int: ImageFetcher.Cached] {
        guard job.request.mixesURLsAndUploads else { return [:] }
        guard let fetcher = options.imageFetcher else {
            throw JobFailure(.inputUnreadable, "this job mixes image URLs with files and no image fetcher is set up")
        }
        var fetched: [Int: ImageFetcher.Cached] = [:]
        for (index, input) in job.request.inputs.enumerated() {
            guard case .url(let url) = input.source else { continue }
            let previous = layout.fetchedImage(url)
            do {
                let image = try await fetcher.fetch(url, into: layout.inputsDirectory, previous: previous)
                if image != previous { layout.rememberFetchedImage(image) }
                fetched[index] = image
            } catch {
                throw JobFailure(.inputUnreadable, FileErrorText.describe(error))
            }
        }
        return fetched
    }

    // MARK: - 2. Look up the cache

    /// A verified clip recorded under this key: at its path, at another job's path (copied), or in
    /// the folder's clip store (an earlier version, restored). The job costs no API call.
    func lookUpCache(_ job: PlannedJob, resolved: ResolvedJob, state: KeyState) async -> OutputRecord? {
        guard let record = state.output else { return nil }
        let relativePath = OutputLayout.relativeClipPath(shot: job.shot, variant: job.variant, take: job.take)
        guard let destination = try? layout.absolute(relativePath) else { return nil }
        if let source = try? layout.absolute(record.path), OutputLayout.intact(record, at: source) {
            if record.path == relativePath { return record }
            guard (try? layout.copy(source, to: destination)) != nil else { return nil }
        } else if !store.restore(record, to: destination) {
            return nil
        }
        var copy = record
        copy.path = relativePath
        copy.mtime = OutputLayout.mtime(destination)
        try? await journal.append(JournalEntry(event: .completed, key: resolved.key, job: job.id, videoID: state.outputVideoID, output: copy))
        return copy
    }

    // MARK: - 3. Submit or resume

    struct Submitted {
        var submission: Submission
        /// Fetching again a recorded clip that went missing: if the provider no longer has it, the
        /// failure is `outputLost`.
        var outputLost: Bool
    }

    /// Resumes a job the provider already took (by its recorded video id), or sends the create
    /// request, journaled before and after.
    func submitOrResume(
        _ job: PlannedJob, resolved: ResolvedJob, upstream: [JobOutcome], state: KeyState, force: Bool
    ) async throws -> Submitted {
        // A recorded clip that is missing or damaged (deleted, or lost in a crash before it reached
        // the disk) is fetched again by its video id while the provider still keeps it: not paid twice.
        let redownload = !force && state.pendingVideoID == nil && state.output != nil ? state.outputVideoID : nil
        if let pending = state.pendingVideoID ?? redownload {
            onEvent(.submitted(job: job.id, videoID: pending, resumed: true))
            let submission = Submission(
                videoID: pending, submittedAt: state.pendingSubmittedAt, attempts: state.submissions, resumed: true,
                inputs: resolved.inputs)
            return Submitted(submission: submission, outputLost: redownload != nil)
        }
        if let ambiguous = state.ambiguous, !options.resubmitAmbiguous {
            throw JobFailure(.ambiguousSubmission, """
                \(ambiguous), so the provider may already be rendering it (and billing for it). \
                Not sent again. Check the provider's console for a job with this prompt; to submit \
                it again anyway, run with --resubmit-ambiguous.
                """, attempts: state.submissions)
        }
        let (uploads, inputs) = try await prepareUploads(job, resolved: resolved, upstream: upstream)
        let (usd, seconds) = (SpendEstimate.cost(of: job, prices: options.prices), job.request.seconds.rawValue)
        guard try await ledger.reserve(job: job.id, key: resolved.key, usd: usd, seconds: seconds) else {
            throw OverBudgetSkip(usd: usd)
        }
        let video: VideoObject, attempts: Int
        do {
            (video, attempts) = try await submit(job, key: resolved.key, uploads: uploads, earlierAttempts: state.submissions)
        } catch let failure as JobFailure where failure.code.provablyNotTaken {
            // The provider answered "no" before creating anything: nothing is billed.
            try await ledger.release(job: job.id, key: resolved.key, usd: usd, seconds: seconds)
            throw failure
        }
        let submittedAt = Date()
        try await journal.append(JournalEntry(event: .submitted, key: resolved.key, job: job.id, videoID: video.id, submittedAt: submittedAt))
        onEvent(.submitted(job: job.id, videoID: video.id, resumed: false))
        let submission = Submission(videoID: video.id, submittedAt: submittedAt, attempts: attempts, resumed: false, inputs: inputs)
        return Submitted(submission: submission, outputLost: false)
    }

    /// The files of the request's uploaded inputs (local images as they are, frames of upstream
    /// clips extracted as PNG), and the inputs with the sha256 of each extracted frame.
    func prepareUploads(_ job: PlannedJob, resolved: ResolvedJob, upstream: [JobOutcome]) async throws -> ([ImageUpload], [ResolvedInput]) {
        var uploads: [ImageUpload] = []
        var inputs = resolved.inputs
        for (i, input) in job.request.inputs.enumerated() {
            switch input.source {
            case .url:
                if let image = resolved.fetched[i] { uploads.append(ImageUpload(path: image.path, format: image.format)) }
            case .file(let path, let written):
                guard case .ok(let info) = ImageFileChecker.inspect(path) else {
                    throw JobFailure(.inputUnreadable, "input image '\(written)' is no longer a PNG, JPEG or WebP file it can send")
                }
                uploads.append(ImageUpload(path: path, format: info.format))
            case .frame(let upstreamID, let frame):
                // `resolveInputs` made sure the upstream clip exists.
                let clip = upstream.first { $0.job.id == upstreamID }!.output!
                let png = layout.framePath(job: upstreamID, frame: frame)
                do {
                    // Jobs that take the same frame share one extraction.
                    inputs[i].sha256 = try await frames.extract(frame, of: try layout.absolute(clip.path), sha256: clip.sha256, to: png, with: media)
                } catch {
                    // ffmpeg stopped by the same interrupt is not a failure of the clip.
                    if Task.isCancelled { throw CancellationError() }
                    throw JobFailure(.frameExtractionFailed, FileErrorText.describe(error))
                }
                uploads.append(ImageUpload(path: png, format: .png))
            }
        }
        return (uploads, inputs)
    }

    /// Sends the create request, journaled before and after. A 429 that outlasts the client's own
    /// retries (the provider's concurrency or rate limit: the job was provably not taken) waits and
    /// tries again, with growing pauses, until the job's deadline. Returns the video and the count
    /// of create requests sent for this job.
    func submit(_ job: PlannedJob, key: String, uploads: [ImageUpload], earlierAttempts: Int) async throws -> (VideoObject, Int) {
        let deadline = ContinuousClock.now + options.jobTimeout
        let attempts = AttemptLog(journal: journal, key: key, job: job.id, earlier: earlierAttempts)
        var waits = 0
        while true {
            if let limiter { try await limiter.acquire() }
            try Task.checkCancellation()
            do {
                // Not cancelled by an interrupt: once the request is going out, its answer (the video
                // id) is worth waiting for, so the next run can resume it instead of guessing.
                let (service, request) = (self.service, job.request.sendingFetchedImagesAsFiles)
                let create = Task { try await service.create(request, uploads: uploads, onAttempt: attempts.record) }
                return (try await options.hardStop.value(of: create), attempts.count)
            } catch is HardStop.AbandonedAnswer {
                throw JobFailure(.ambiguousSubmission, """
                    interrupted twice while the create request was waiting for its answer; the provider may \
                    have taken it. The next run reports it and does not send it again unless you pass \
                    --resubmit-ambiguous.
                    """, attempts: attempts.count)
            } catch let error as VideoAPIError where error.kind == .ambiguousSubmission {
                try await journal.append(JournalEntry(event: .ambiguous, key: key, job: job.id, message: error.message))
                throw JobFailure(.ambiguousSubmission, """
                    \(error.message). Not sent again, so you are not billed twice. Check the provider's \
                    console; to submit it again anyway, re-run with --resubmit-ambiguous.
                    """, attempts: attempts.count)
            } catch let error as VideoAPIError where error.kind != .cancelled {
                var failure = JobFailure(error)
                failure.attempts = attempts.count
                try await journal.append(JournalEntry(event: .failed, key: key, job: job.id, failure: failure))
                guard error.kind == .rateLimited, let pause = rateLimitPause(after: waits + 1, error: error, deadline: deadline) else { throw failure }
                waits += 1
                onEvent(.progress(job: job.id, status: "rate limited by the provider, waiting", percent: nil))
                try await Task.sleep(for: pause)
            }
        }
    }

    /// Growing pauses, never shorter than what the server asked for; nil past the deadline.
    private func rateLimitPause(after waits: Int, error: VideoAPIError, deadline: ContinuousClock.Instant) -> Duration? {
        let pause = max(min(Duration.seconds(60), options.pollInterval * (1 << min(waits, 6))), error.retryAfter ?? .zero)
        return ContinuousClock.now + pause < deadline ? pause : nil
    }

    // MARK: - 4. Wait for the render

    /// How long past `--job-timeout` the runner waits for the client to give up on its own.
    static let deadlineGrace = Duration.seconds(30)

    /// Polls until the provider says the video is done; the journal keeps the id, so an interrupt
    /// or a timeout loses nothing.
    func waitForRender(_ job: PlannedJob, key: String, submission: Submission, outputLost: Bool, polls: PollTally) async throws -> VideoObject {
        let (jobID, events, service, options) = (job.id, onEvent, service, options)
        do {
            // The client keeps the deadline itself; this bound also holds when a server answers a
            // poll byte by byte and never finishes.
            return try await withDeadline(options.jobTimeout + Self.deadlineGrace) {
                try await service.waitForCompletion(id: submission.videoID, pollInterval: options.pollInterval, timeout: options.jobTimeout) { update in
                    polls.add()
                    events(.progress(job: jobID, status: update.status.rawValue, percent: update.progress))
                }
            }
        } catch is DeadlineExceeded {
            throw JobFailure(.jobTimeout, "video \(submission.videoID) was not done past --job-timeout (\(options.jobTimeout)) and the server stopped answering in time. The video id is kept: the next run resumes polling it without paying again")
        } catch let error as VideoAPIError where error.kind == .jobFailed || (error.kind == .badRequest && error.httpStatus == 404) {
            let gone = error.kind == .badRequest
            var failure = JobFailure(error, message: gone
                ? "the provider no longer knows video \(submission.videoID): \(error.message); run again to generate it anew"
                : error.message)
            if outputLost {
                failure = JobFailure(.outputLost, "the clip recorded for this job is missing or damaged and the provider no longer has video \(submission.videoID) (\(error.message)); run again to generate it anew", providerCode: error.code)
            }
            try await journal.append(JournalEntry(event: .failed, key: key, job: job.id, videoID: submission.videoID, failure: failure))
            throw failure
        } catch let error as VideoAPIError where error.kind == .deadlineExceeded {
            throw JobFailure(.jobTimeout, "\(error.message); past --job-timeout. The video id is kept: the next run resumes polling it without paying again")
        }
    }

    // MARK: - 5. Fetch and verify

    /// Downloads the clip at once (results expire) beside its final path, checks its size and
    /// length, then moves it into place: a clip that fails its check never replaces a good one.
    func fetchAndVerify(_ job: PlannedJob, video: VideoObject, key: String) async throws -> (OutputRecord, downloadRequests: Int) {
        onEvent(.downloading(job: job.id))
        let relativePath = OutputLayout.relativeClipPath(shot: job.shot, variant: job.variant, take: job.take)
        let clipPath = try layout.absolute(relativePath)
        let incoming = try layout.incomingPath(for: clipPath)
        defer { try? FileManager.default.removeItem(atPath: incoming) }
        let download: DownloadResult
        do {
            download = try await service.download(video, to: incoming, maxBytes: options.maxDownloadBytes ?? Self.largestClip(job.request))
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
    private func verify(_ incoming: String, job: PlannedJob, relativePath: String, key: String, videoID: String) async throws -> MediaTools.ClipInfo {
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
        let size = job.request.size, seconds = Double(job.request.seconds.rawValue)
        if info.width != size.width || info.height != size.height || abs(info.duration - seconds) > max(1.0, seconds * 0.15) {
            let failure = JobFailure(.verificationFailed, "wrong size or duration")
            try await journal.append(JournalEntry(event: .failed, key: key, job: job.id, videoID: videoID, failure: failure))
            try reject(String(format: "the clip is %dx%d, %.2f s, but %@ for %d s was asked", info.width, info.height, info.duration, size.rawValue, job.request.seconds.rawValue))
        }
        return info
    }

    // MARK: - 6. Record

    func record(_ job: PlannedJob, key: String, video: VideoObject, output: OutputRecord, submittedAt: Date?) async throws {
        try await journal.append(JournalEntry(event: .completed, key: key, job: job.id, videoID: video.id, output: output, submittedAt: submittedAt))
        if let clip = try? layout.absolute(output.path) {
            store.keep(clip, output: output, key: key, model: job.request.model.rawValue, videoID: video.id)
        }
    }

    // MARK: - Ending

    /// The outcome, told to the user interface.
    private func finished(_ job: PlannedJob, _ result: JobOutcome.Result, resolved: ResolvedJob?, submission: Submission?) -> JobOutcome {
        switch result {
        case .cached(let output, _):
            onEvent(.cached(job: job.id, path: output.path))
            onEvent(.clipReady(job: job.id, path: output.path, sha256: output.sha256, seconds: job.request.seconds.rawValue))
            return JobOutcome(job: job, result: result, resolved: resolved.map(withFrameHashes), submission: nil)
        case .rendered(let output, let completedAt):
            let seconds = submission?.submittedAt.map { completedAt.timeIntervalSince($0) }
            onEvent(.succeeded(job: job.id, path: output.path, seconds: seconds))
            onEvent(.clipReady(job: job.id, path: output.path, sha256: output.sha256, seconds: job.request.seconds.rawValue))
        case .failed(let failure):
            onEvent(.failed(job: job.id, message: failure.message))
        case .skipped(let skip):
            onEvent(.skipped(job: job.id, reason: skip.reason))
        }
        return JobOutcome(job: job, result: result, resolved: resolved, submission: submission)
    }

    /// The frames a cached job would send were extracted by an earlier run: their hashes, for the report.
    private func withFrameHashes(_ resolved: ResolvedJob) -> ResolvedJob {
        var copy = resolved
        for i in copy.inputs.indices {
            guard case .frame(let job, let frame) = copy.inputs[i].source else { continue }
            copy.inputs[i].sha256 = try? CacheKey.sha256(ofFile: layout.framePath(job: job, frame: frame))
        }
        return copy
    }

    /// A failure, or (when the run was interrupted) a skip that says what the next run does.
    private func failedOrInterrupted(_ error: any Error, submission: Submission?) -> JobOutcome.Result {
        if let failure = error as? JobFailure { return .failed(failure) }
        if let over = error as? OverBudgetSkip {
            return .skipped(Skip(cause: .overBudget, reason: String(format: "over budget: its estimated %.2f USD did not fit what the budget had left", over.usd)))
        }
        guard Task.isCancelled || error is CancellationError || (error as? VideoAPIError)?.kind == .cancelled else {
            return .failed(asFailure(error))
        }
        let reason = submission.map { "interrupted while rendering; the next run resumes video \($0.videoID) without submitting again" }
            ?? "interrupted before it was submitted; the next run starts it"
        return .skipped(Skip(cause: .interrupted, reason: reason))
    }

    private func asFailure(_ error: any Error) -> JobFailure {
        if let failure = error as? JobFailure { return failure }
        if let error = error as? VideoAPIError { return JobFailure(error) }
        if let error = error as? OutputFolderError { return JobFailure(.writeFailed, error.description) }
        return JobFailure(.writeFailed, FileErrorText.describe(error))
    }
}
