import Foundation
import VeoSupport

/// Where completed jobs' clips come from.
enum ClipSource: Sendable {
    /// Each job's own clip, rendered with ffmpeg.
    case render(ClipRenderer)
    /// This one file for every job (``EmulatorConfiguration/serveFile``).
    case serve(file: String)
}

/// A completed job's clip on disk.
struct ClipFile: Sendable {
    var path: String
    var size: Int
}

/// The jobs: creating them, rendering their clips, keeping them in the job store, and what a
/// client sees of them.
actor JobBook {
    enum CreateOutcome: Sendable {
        case created(VideoObject)
        /// ``FaultPlan/maxConcurrentJobs`` unfinished jobs exist already.
        case concurrencyLimit(Int)
    }

    private var jobs: [String: VideoJob] = [:]
    private var renders: [String: Task<Void, Never>] = [:]
    private let clips: ClipSource
    private let store: JobStore
    private let timing: RenderTiming
    /// The seeded generator render times are drawn from; nil: the system's. (Video ids are
    /// always drawn from the system's, so that emulators with the same seed make distinct ids.)
    private var seeded: SeededRandom?

    /// `seed` fixes the render times drawn; nil draws them from the system's generator.
    init(clips: ClipSource, store: JobStore, timing: RenderTiming, seed: UInt64?) {
        self.clips = clips
        self.store = store
        self.timing = timing
        self.seeded = seed.map { SeededRandom(seed: $0) }
    }

    /// Takes up the jobs of the store: the ended ones as they are; those still rendering when
    /// their emulator stopped, and completed ones whose clip is gone, are rendered (again). Each
    /// ends at its due time, or as soon as its clip exists if that time has passed.
    func resume() throws {
        for var job in try store.loadAll() {
            if case .rendered(let clip, _) = job.outcome, !FileManager.default.fileExists(atPath: clip) {
                job.outcome = .rendering
            }
            jobs[job.id] = job
            startRender(job)
        }
    }

    /// Creates and stores a job for a validated request, unless the plan's concurrency limit is
    /// reached; a prompt the plan fails makes a job that ends `failed` at its due time.
    func create(_ request: CreateRequest, plan: FaultPlan) throws(APIError) -> CreateOutcome {
        let now = Date()
        if let limit = plan.maxConcurrentJobs {
            let unfinished = jobs.values.count { !$0.object(at: now, inProgressName: nil).status.isTerminal }
            if unfinished >= limit { return .concurrencyLimit(limit) }
        }
        let failure = plan.failPromptsContaining.first { !$0.isEmpty && request.prompt.contains($0) }.map {
            JobError(code: plan.failCode, message: "Generation failed: the prompt was rejected (matched '\($0)').")
        }
        let job = VideoJob(
            id: newID(), model: request.model, prompt: request.prompt, seconds: request.seconds, size: request.size,
            createdAt: now, renderSeconds: drawRenderTime(), outcome: failure.map { .failed($0) } ?? .rendering)
        do {
            try store.save(job)
        } catch {
            throw .storageFailed("\(error)")
        }
        jobs[job.id] = job
        startRender(job)
        return .created(job.object(at: now, inProgressName: nil))
    }

    /// The job as a client sees it now, and the poll hint for it; nil for an unknown id.
    func snapshot(id: String, inProgressName: String?) -> (object: VideoObject, pollAfterMilliseconds: Int)? {
        guard let job = jobs[id] else { return nil }
        return (job.object(at: Date(), inProgressName: inProgressName), job.pollAfterMilliseconds)
    }

    /// The clip of a completed job; nil while it is not completed or when its file is gone.
    func clip(id: String) -> ClipFile? {
        guard let job = jobs[id], case .rendered(let path, _) = job.outcome,
            job.object(at: Date(), inProgressName: nil).status == .completed,
            let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = (attributes[.size] as? NSNumber)?.intValue
        else { return nil }
        return ClipFile(path: path, size: size)
    }

    /// Drops the renders not yet started and waits for those in flight.
    func stopRenders() async {
        let running = renders.values
        renders = [:]
        for task in running { task.cancel() }
        for task in running { await task.value }
    }

    // MARK: - Rendering

    private func startRender(_ job: VideoJob) {
        guard case .rendering = job.outcome else { return }
        switch clips {
        case .serve(let file):
            finish(job.id, .rendered(clip: file, at: Date()))
        case .render(let renderer):
            renders[job.id] = Task {
                let outcome = await renderer.outcome(id: job.id, prompt: job.prompt, seconds: job.seconds, size: job.size)
                self.finish(job.id, outcome)
            }
        }
    }

    /// Records a render's outcome; a render dropped because the emulator stopped leaves its job
    /// rendering. When the store cannot be written, the stored job stays `in_progress` and is
    /// rendered again by the next emulator that takes the store up.
    private func finish(_ id: String, _ outcome: VideoJob.Outcome?) {
        renders[id] = nil
        guard let outcome, var job = jobs[id] else { return }
        job.outcome = outcome
        jobs[id] = job
        try? store.save(job)
    }

    private func drawRenderTime() -> Double {
        guard var random = seeded else {
            var system = SystemRandomNumberGenerator()
            return timing.draw(using: &system)
        }
        defer { seeded = random }
        return timing.draw(using: &random)
    }

    /// `video_` and 24 random hex digits, not yet taken.
    private func newID() -> String {
        var id: String
        repeat {
            var random = SystemRandomNumberGenerator()
            id = "video_" + Hex.encode((0..<12).map { _ in UInt8.random(in: 0...255, using: &random) })
        } while jobs[id] != nil
        return id
    }
}
