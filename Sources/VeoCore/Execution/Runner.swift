import Foundation

/// Executes a plan: each job as soon as its dependencies are done, at most `concurrency` at a time.
///
/// A job: resolve its images (files, URLs, frames of upstream clips), compute its content key, reuse a
/// verified output with that key, or resume a submitted job by its video id, or submit (recording the
/// video id in the journal before polling), poll, download, verify with ffprobe, record.
public struct Runner: Sendable {
    public var plan: Plan
    public var options: RunOptions
    public var service: any VideoService
    public var media: MediaTools
    public var onEvent: @Sendable (RunEvent) -> Void

    public init(plan: Plan, options: RunOptions, service: any VideoService, media: MediaTools = MediaTools(),
                onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in })
    {
        self.plan = plan
        self.options = options
        self.service = service
        self.media = media
        self.onEvent = onEvent
    }

    /// Runs to the end, or until the task is cancelled (then the result's status is `interrupted`).
    /// Throws only when the output folder or journal cannot be set up.
    public func run() async throws -> RunResult {
        let startedAt = Date()
        let layout = OutputLayout(root: options.outDirectory)
        try FileManager.default.createDirectory(atPath: layout.root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: layout.framesDirectory, withIntermediateDirectories: true)
        // One run per output folder: two would both submit every job and fight over the journal.
        let lock = try OutputLock(layout: layout)
        defer { lock.release() }
        layout.removeLeftovers()
        let journal = try Journal(path: layout.journalPath, origin: options.origin)
        let context = JobContext(
            options: options, layout: layout, journal: journal, service: service, media: media, onEvent: onEvent,
            hashes: FileHashCache(), limiter: options.requestsPerMinute.map { RateLimiter(perMinute: $0) })

        let (selected, forced) = selection()
        var outcomes: [String: JobOutcome] = [:]
        var waitingOn: [String: Int] = [:]
        var dependents: [String: [String]] = [:]
        for job in plan.jobs where selected.contains(job.id) {
            let deps = job.dependencies.filter { selected.contains($0) }
            waitingOn[job.id] = deps.count
            for d in deps { dependents[d, default: []].append(job.id) }
        }
        for job in plan.jobs where !selected.contains(job.id) {
            outcomes[job.id] = .skipped(job, because: "not selected by --only", cause: .notSelected)
        }
        var ready = plan.jobs.filter { selected.contains($0.id) && waitingOn[$0.id] == 0 }.map(\.id)
        var nextReady = 0
        var stopReason: String?
        var stopCause = JobOutcome.SkipCause.notRun

        await withTaskGroup(of: JobOutcome.self) { group in
            var running = 0
            while true {
                if Task.isCancelled && stopReason == nil {
                    stopReason = "interrupted before it started; the next run starts it"
                    stopCause = .interrupted
                }
                while stopReason == nil, running < max(1, options.concurrency), nextReady < ready.count {
                    let id = ready[nextReady]
                    nextReady += 1
                    guard let job = plan.job(id) else { continue }
                    let upstream = job.dependencies.compactMap { outcomes[$0] }
                    let force = forced.contains(id)
                    group.addTask { await context.execute(job, upstream: upstream, force: force) }
                    running += 1
                }
                guard let outcome = await group.next() else { break }
                running -= 1
                outcomes[outcome.job.id] = outcome
                if outcome.status == .succeeded {
                    for d in dependents[outcome.job.id] ?? [] {
                        waitingOn[d, default: 0] -= 1
                        if waitingOn[d] == 0, outcomes[d] == nil { ready.append(d) }
                    }
                } else {
                    let interrupted = outcome.skip == .interrupted
                    let why = interrupted
                        ? "interrupted before it started; the next run starts it"
                        : "upstream job '\(outcome.job.id)' \(outcome.status == .failed ? "failed" : "was skipped")"
                    skipDependents(of: outcome.job.id, because: why, cause: interrupted ? .interrupted : .notRun,
                                   dependents: dependents, outcomes: &outcomes)
                    if outcome.status == .failed, outcome.stopsRun, stopReason == nil {
                        stopReason = "not started: the server refused the API key (check VEO_API_KEY)"
                    }
                    if outcome.status == .failed, options.failFast, stopReason == nil {
                        stopReason = "not started: --fail-fast stopped the run after '\(outcome.job.id)' failed"
                    }
                }
            }
        }
        // Whatever never started (fail-fast or interrupt) is skipped with the reason.
        for job in plan.jobs where outcomes[job.id] == nil {
            let reason = stopReason ?? "not started"
            outcomes[job.id] = .skipped(job, because: reason, cause: stopCause)
            onEvent(.skipped(job: job.id, reason: reason))
        }
        await journal.close()
        let ordered = plan.jobs.compactMap { outcomes[$0.id] }
        let interrupted = Task.isCancelled || ordered.contains { $0.skip == .interrupted }
        let failed = ordered.contains { $0.status == .failed || ($0.status == .skipped && $0.skip != .notSelected) }
        return RunResult(
            status: interrupted ? .interrupted : failed ? .failed : .succeeded,
            outcomes: ordered, startedAt: startedAt, finishedAt: Date())
    }

    /// Jobs to run (selected by --only, plus the upstream jobs they take frames from) and jobs to force.
    func selection() -> (selected: Set<String>, forced: Set<String>) {
        guard !options.only.isEmpty else {
            let all = Set(plan.jobs.map(\.id))
            return (all, options.force ? all : [])
        }
        let wanted = Set(options.only)
        let chosen = Set(plan.jobs.filter { wanted.contains($0.id) || wanted.contains($0.shot) }.map(\.id))
        var selected = chosen
        var stack = Array(chosen)
        while let id = stack.popLast() {
            guard let job = plan.job(id) else { continue }
            for input in job.inputs {
                if case .frame(let upstream, _) = input.source, selected.insert(upstream).inserted { stack.append(upstream) }
            }
        }
        return (selected, options.force ? chosen : [])
    }

    private func skipDependents(
        of id: String, because reason: String, cause: JobOutcome.SkipCause, dependents: [String: [String]],
        outcomes: inout [String: JobOutcome]
    ) {
        var stack = dependents[id] ?? []
        while let d = stack.popLast() {
            guard outcomes[d] == nil, let job = plan.job(d) else { continue }
            outcomes[d] = .skipped(job, because: reason, cause: cause)
            onEvent(.skipped(job: d, reason: reason))
            stack += dependents[d] ?? []
        }
    }
}

// MARK: - One job

struct JobContext: Sendable {
    let options: RunOptions
    let layout: OutputLayout
    let journal: Journal
    let service: any VideoService
    let media: MediaTools
    let onEvent: @Sendable (RunEvent) -> Void
    let hashes: FileHashCache
    let limiter: RateLimiter?
    let frames = FrameExtractions()
    let keys = KeyLocks()

    /// A job's failure, with the code the report shows.
    struct JobFailure: Error {
        var code: String
        var message: String
        var stopsRun = false
    }

    func execute(_ job: PlannedJob, upstream: [JobOutcome], force: Bool) async -> JobOutcome {
        var outcome = JobOutcome(job: job, status: .failed)
        onEvent(.started(job: job.id))
        do {
            try await run(job, upstream: upstream, force: force, outcome: &outcome)
            outcome.status = .succeeded
            if outcome.cached {
                onEvent(.cached(job: job.id, path: outcome.output?.path ?? ""))
            } else {
                let seconds = outcome.completedAt.flatMap { end in outcome.submittedAt.map { end.timeIntervalSince($0) } }
                onEvent(.succeeded(job: job.id, path: outcome.output?.path ?? "", seconds: seconds))
            }
        } catch let error as JobFailure {
            outcome.errorCode = error.code
            outcome.errorMessage = error.message
            outcome.stopsRun = error.stopsRun
            onEvent(.failed(job: job.id, message: error.message))
        } catch let error as VideoAPIError where error.kind == .cancelled {
            interrupted(&outcome)
        } catch is CancellationError {
            interrupted(&outcome)
        } catch {
            if Task.isCancelled {
                interrupted(&outcome)
            } else {
                outcome.errorCode = (error as? VideoAPIError).map { $0.code ?? $0.kind.rawValue } ?? "error"
                outcome.errorMessage = "\(error)"
                onEvent(.failed(job: job.id, message: "\(error)"))
            }
        }
        return outcome
    }

    private func interrupted(_ outcome: inout JobOutcome) {
        outcome.status = .skipped
        outcome.skip = .interrupted
        outcome.skippedBecause = outcome.videoID != nil
            ? "interrupted while rendering; the next run resumes video \(outcome.videoID!) without submitting again"
            : "interrupted before it was submitted; the next run starts it"
        onEvent(.skipped(job: outcome.job.id, reason: outcome.skippedBecause!))
    }

    private func run(_ job: PlannedJob, upstream: [JobOutcome], force: Bool, outcome: inout JobOutcome) async throws {
        let relativePath = OutputLayout.relativeClipPath(shot: job.shot, variant: job.variant, take: job.take)
        let clipPath = try layout.absolute(relativePath)

        // 1. The content key, from the request and the identity of every input.
        var fileSHA: [String: String] = [:]
        var clipSHA: [String: String] = [:]
        var resolved: [ResolvedInput] = []
        for input in job.inputs {
            var sha: String?
            switch input.source {
            case .file(let path, let written):
                do { sha = try await hashes.sha256(path) } catch {
                    throw JobFailure(code: "input_unreadable", message: "cannot read input image '\(written)': \(error)")
                }
                fileSHA[path] = sha
            case .url:
                break
            case .frame(let upstreamID, _):
                guard let up = upstream.first(where: { $0.job.id == upstreamID }), let output = up.output else {
                    throw JobFailure(code: "upstream_missing", message: "the clip of upstream job '\(upstreamID)' is not available")
                }
                clipSHA[upstreamID] = output.sha256
            }
            resolved.append(ResolvedInput(role: input.role, source: input.source, sha256: sha))
        }
        // Every file and upstream clip is known at this point, so the key always exists.
        let key = CacheKey.forJob(job, fileSHA: fileSHA, clipSHA: clipSHA)!
        outcome.cacheKey = key
        outcome.inputs = resolved
        await keys.acquire(key)
        defer { Task { await keys.release(key) } }
        let state = await journal.state(for: key)
        outcome.attempts = state.submissions

        // 2. A verified output with this key: no API call.
        if !force, let record = state.output, let verified = await verifiedCopy(record, at: relativePath, key: key, job: job, videoID: state.outputVideoID) {
            outcome.cached = true
            outcome.output = verified
            outcome.videoID = state.outputVideoID
            outcome.inputs = resolved.map { fillFrameHash($0) }
            return
        }

        // A recorded clip that is missing or damaged (deleted, or lost in a crash before it reached
        // the disk) is fetched again by its video id while the provider still keeps it: not paid twice.
        let redownload = !force && state.pendingVideoID == nil && state.output != nil ? state.outputVideoID : nil
        let lostCode = redownload != nil ? "output_lost" : nil

        // 3. Submit, or resume a job the provider already took.
        var video: VideoObject
        if let pending = state.pendingVideoID ?? redownload {
            video = VideoObject(id: pending, status: .queued)
            outcome.videoID = pending
            outcome.submittedAt = state.pendingSubmittedAt
            onEvent(.submitted(job: job.id, videoID: pending, resumed: true))
        } else {
            if let ambiguous = state.ambiguous, !options.resubmitAmbiguous {
                throw JobFailure(code: "ambiguous_submission", message: """
                    \(ambiguous), so the provider may already be rendering it (and billing for it). \
                    Not sent again. Check the provider's console for a job with this prompt; to submit \
                    it again anyway, run with --resubmit-ambiguous.
                    """)
            }
            var images: [ImageInput] = []
            for (i, input) in job.inputs.enumerated() {
                switch input.source {
                case .file(let path, _):
                    images.append(.file(path: path, contentType: Self.contentType(path)))
                case .url(let url):
                    images.append(.url(url))
                case .frame(let upstreamID, let frame):
                    let up = upstream.first { $0.job.id == upstreamID }!
                    let png = layout.framePath(job: upstreamID, frame: frame)
                    do {
                        // Jobs that take the same frame share one extraction.
                        let clip = try layout.absolute(up.output!.path)
                        resolved[i].sha256 = try await frames.extract(frame, of: clip, sha256: up.output!.sha256, to: png, with: media)
                    } catch {
                        throw JobFailure(code: "frame_extraction_failed", message: "\(error)")
                    }
                    images.append(.file(path: png, contentType: "image/png"))
                }
            }
            outcome.inputs = resolved
            let request = VideoCreateRequest(model: job.model.rawValue, prompt: job.prompt, seconds: job.seconds, size: job.size.rawValue, inputs: images)
            video = try await submit(request, job: job, key: key, outcome: &outcome)
            outcome.videoID = video.id
            outcome.submittedAt = Date()
            try await journal.append(JournalEntry(event: .submitted, key: key, job: job.id, videoID: video.id, submittedAt: outcome.submittedAt))
            onEvent(.submitted(job: job.id, videoID: video.id, resumed: false))
        }

        // 4. Poll until done; the journal keeps the id, so an interrupt or timeout loses nothing.
        let jobID = job.id
        let events = onEvent
        do {
            video = try await service.waitForCompletion(id: video.id, pollInterval: options.pollInterval, timeout: options.jobTimeout) { update in
                events(.progress(job: jobID, status: update.status.rawValue, percent: update.progress))
            }
        } catch let error as VideoAPIError where error.kind == .jobFailed {
            try await journal.append(JournalEntry(event: .failed, key: key, job: job.id, videoID: video.id, code: lostCode ?? error.code, message: error.message))
            throw JobFailure(code: lostCode ?? error.code ?? "job_failed", message: lostCode == nil ? error.message
                             : "the clip recorded for this job is missing or damaged and the provider no longer has video \(video.id) (\(error.message)); run again to generate it anew")
        } catch let error as VideoAPIError where error.kind == .unauthorized {
            throw JobFailure(code: error.code ?? "unauthorized", message: error.description, stopsRun: true)
        } catch let error as VideoAPIError where error.kind == .deadlineExceeded {
            throw JobFailure(code: "job_timeout", message: "\(error.message); past --job-timeout. The video id is kept: the next run resumes polling it without paying again")
        } catch let error as VideoAPIError where error.kind == .badRequest && error.httpStatus == 404 {
            try await journal.append(JournalEntry(event: .failed, key: key, job: job.id, videoID: video.id, code: lostCode ?? "not_found", message: error.message))
            throw JobFailure(code: lostCode ?? "not_found", message: "the provider no longer knows video \(video.id): \(error.message); run again to generate it anew")
        }
        outcome.completedAt = Date()

        // 5. Download at once (results expire) beside the clip's path, verify, then move it into
        // place: a clip that fails its check never replaces a good one.
        onEvent(.downloading(job: job.id))
        try FileManager.default.createDirectory(atPath: (clipPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let incoming = (clipPath as NSString).deletingLastPathComponent + "/." + (clipPath as NSString).lastPathComponent + ".incoming.mp4"
        defer { try? FileManager.default.removeItem(atPath: incoming) }
        let download: DownloadResult
        do {
            download = try await service.download(video, to: incoming)
        } catch let error as VideoAPIError where error.kind != .cancelled {
            throw JobFailure(code: error.code ?? "download_failed", message: "download failed: \(error.description). The video id is kept: the next run downloads it again without a new generation")
        }
        let rejected = clipPath + ".rejected.mp4"
        let info: MediaTools.ClipInfo
        do {
            info = try await media.probe(incoming)
        } catch {
            try? FileManager.default.removeItem(atPath: rejected)
            try? FileManager.default.moveItem(atPath: incoming, toPath: rejected)
            throw JobFailure(code: "verification_failed", message: "the downloaded clip is not a readable video (\(error)); kept as \(relativePath).rejected.mp4")
        }
        if info.width != job.size.width || info.height != job.size.height || abs(info.duration - Double(job.seconds)) > max(1.0, Double(job.seconds) * 0.15) {
            try? FileManager.default.removeItem(atPath: rejected)
            try? FileManager.default.moveItem(atPath: incoming, toPath: rejected)
            try await journal.append(JournalEntry(event: .failed, key: key, job: job.id, videoID: video.id, code: "verification_failed", message: "wrong size or duration"))
            throw JobFailure(code: "verification_failed", message: String(format: "the clip is %dx%d, %.2f s, but %@ for %d s was asked; kept as %@.rejected.mp4",
                                                                        info.width, info.height, info.duration, job.size.rawValue, job.seconds, relativePath))
        }
        guard rename(incoming, clipPath) == 0 else {
            throw JobFailure(code: "write_failed", message: "cannot move the clip into \(relativePath): \(String(cString: strerror(errno))). The video id is kept: the next run downloads it again")
        }
        let record = OutputRecord(
            path: relativePath, bytes: download.bytes, sha256: download.sha256, width: info.width, height: info.height,
            duration: info.duration, mtime: Self.mtime(clipPath))
        try await journal.append(JournalEntry(event: .completed, key: key, job: job.id, videoID: video.id, output: record, submittedAt: outcome.submittedAt))
        outcome.output = record
    }

    /// Sends the create request, journaled before and after. A 429 that outlasts the client's own
    /// retries (the provider's concurrency or rate limit: the job was provably not taken) waits and
    /// tries again, with growing pauses, until the job's deadline.
    private func submit(_ request: VideoCreateRequest, job: PlannedJob, key: String, outcome: inout JobOutcome) async throws -> VideoObject {
        let deadline = ContinuousClock.now + options.jobTimeout
        var waits = 0
        while true {
            if let limiter { try await limiter.acquire() }
            try Task.checkCancellation()
            try await journal.append(JournalEntry(event: .submitting, key: key, job: job.id))
            outcome.attempts += 1
            do {
                // Not cancelled by an interrupt: once the request is going out, its answer (the video
                // id) is worth waiting for, so the next run can resume it instead of guessing.
                let service = self.service
                return try await Task { try await service.create(request) }.value
            } catch let error as VideoAPIError {
                if error.kind == .ambiguousSubmission || error.kind == .cancelled {
                    try await journal.append(JournalEntry(event: .ambiguous, key: key, job: job.id, message: "the create request for '\(job.id)' was sent and no answer came (\(error.message))"))
                    throw JobFailure(code: "ambiguous_submission", message: """
                        the create request was sent and no answer came (\(error.message)); the provider may \
                        have taken it. Not sent again, so you are not billed twice. Check the provider's \
                        console; to submit it again anyway, re-run with --resubmit-ambiguous.
                        """)
                }
                try await journal.append(JournalEntry(event: .failed, key: key, job: job.id, code: error.code ?? error.kind.rawValue, message: error.message))
                if error.kind == .rateLimited {
                    waits += 1
                    // Growing pauses, never shorter than what the server asked for.
                    let pause = max(min(Duration.seconds(60), options.pollInterval * (1 << min(waits, 6))), error.retryAfter ?? .zero)
                    if ContinuousClock.now + pause < deadline {
                        onEvent(.progress(job: job.id, status: "rate limited by the provider, waiting", percent: nil))
                        try await Task.sleep(for: pause)
                        continue
                    }
                }
                throw JobFailure(code: error.code ?? error.kind.rawValue, message: error.description, stopsRun: error.kind == .unauthorized)
            }
        }
    }

    /// The recorded output if its file is still intact, copied to this job's path if it lives elsewhere.
    private func verifiedCopy(_ record: OutputRecord, at relativePath: String, key: String, job: PlannedJob, videoID: String?) async -> OutputRecord? {
        guard let source = try? layout.absolute(record.path), Self.intact(record, at: source) else { return nil }
        if record.path == relativePath { return record }
        guard let destination = try? layout.absolute(relativePath) else { return nil }
        do {
            try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let temp = destination + ".part"
            try? FileManager.default.removeItem(atPath: temp)
            try FileManager.default.copyItem(atPath: source, toPath: temp)
            if rename(temp, destination) != 0 { return nil }
            var copy = record
            copy.path = relativePath
            copy.mtime = Self.mtime(destination)
            try await journal.append(JournalEntry(event: .completed, key: key, job: job.id, videoID: videoID, output: copy))
            return copy
        } catch {
            return nil
        }
    }

    /// Size and mtime match, or else the sha256 does.
    static func intact(_ record: OutputRecord, at path: String) -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = (attributes[.size] as? NSNumber)?.int64Value, size == record.bytes
        else { return false }
        if let recorded = record.mtime, let now = mtime(path), abs(recorded - now) < 0.000_5 { return true }
        return (try? CacheKey.sha256(ofFile: path)) == record.sha256
    }

    static func mtime(_ path: String) -> Double? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date)?.timeIntervalSince1970
    }

    private func fillFrameHash(_ input: ResolvedInput) -> ResolvedInput {
        guard case .frame(let job, let frame) = input.source else { return input }
        var copy = input
        copy.sha256 = try? CacheKey.sha256(ofFile: layout.framePath(job: job, frame: frame))
        return copy
    }

    static func contentType(_ path: String) -> String {
        if case .ok(let info) = ImageFileChecker.inspect(path) { return info.format.mimeType }
        return "application/octet-stream"
    }
}

extension JobOutcome {
    static func skipped(_ job: PlannedJob, because reason: String, cause: SkipCause) -> JobOutcome {
        var outcome = JobOutcome(job: job, status: .skipped)
        outcome.skippedBecause = reason
        outcome.skip = cause
        return outcome
    }
}

/// Frames of upstream clips, each extracted once per run however many jobs take it.
actor FrameExtractions {
    private var tasks: [String: Task<String, any Error>] = [:]

    /// The PNG's sha256. Keyed by destination and the clip's sha256, so a re-rendered upstream
    /// clip is extracted again.
    func extract(_ frame: FramePosition, of clip: String, sha256: String, to png: String, with media: MediaTools) async throws -> String {
        let key = png + "@" + sha256
        if let task = tasks[key] { return try await task.value }
        let task = Task {
            try await media.extractFrame(frame, of: clip, to: png)
            return try CacheKey.sha256(ofFile: png)
        }
        tasks[key] = task
        return try await task.value
    }
}

/// One job at a time per content key: a second job with the same key (an identical shot) waits
/// for the first and then reuses its clip, instead of paying for it again or misreading the first
/// one's submission as ambiguous.
actor KeyLocks {
    private var held: Set<String> = []
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    func acquire(_ key: String) async {
        if held.insert(key).inserted { return }
        await withCheckedContinuation { waiters[key, default: []].append($0) }
    }

    func release(_ key: String) {
        if var queue = waiters[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiters[key] = queue.isEmpty ? nil : queue
            next.resume()  // the key stays held, handed to the next job
        } else {
            held.remove(key)
        }
    }
}

/// sha256 of input files, computed once per path per run.
actor FileHashCache {
    private var hashes: [String: String] = [:]

    func sha256(_ path: String) throws -> String {
        if let known = hashes[path] { return known }
        let sha = try CacheKey.sha256(ofFile: path)
        hashes[path] = sha
        return sha
    }
}

/// Spaces create requests to at most N per minute.
actor RateLimiter {
    private let interval: Duration
    private var next: ContinuousClock.Instant?

    init(perMinute: Int) {
        interval = .milliseconds(60_000 / max(1, perMinute))
    }

    func acquire() async throws {
        let now = ContinuousClock.now
        let slot = max(now, next ?? now)
        next = slot + interval
        if slot > now { try await Task.sleep(until: slot, clock: .continuous) }
    }
}
