import Foundation

/// One generation job: what was asked, when, how long its render takes, and how it ended.
struct VideoJob: Sendable {
    /// Where the job's render has got.
    enum Outcome: Sendable {
        /// The clip is not rendered yet.
        case rendering
        /// The clip is the file at `clip`, ready since `at`.
        case rendered(clip: String, at: Date)
        /// The job fails (shown from its due time on).
        case failed(JobError)
    }

    let id: String
    let model: String
    let prompt: String
    let seconds: Int
    let size: String
    let createdAt: Date
    /// How long this job takes from `queued` to its end.
    let renderSeconds: Double
    var outcome: Outcome

    /// The share of the render time a job spends `queued`.
    static let queuedShare = 0.25
    /// How long the provider keeps a completed clip.
    static let keptFor: TimeInterval = 2 * 24 * 3600

    /// When the render time is up: the job ends then, or once its outcome is known if that is later.
    var dueAt: Date { createdAt.addingTimeInterval(renderSeconds) }

    /// The `openai-poll-after-ms` hint for this job: a quarter of its render time, at least 100 ms.
    var pollAfterMilliseconds: Int { max(100, Int(renderSeconds * 250)) }

    /// The job as a client sees it at `now`: `queued` for the first quarter of its render time,
    /// then `in_progress`, then `completed` or `failed` once the time is up and the outcome known.
    func object(at now: Date, inProgressName: String?) -> VideoObject {
        var object = VideoObject(
            id: id, createdAt: Int(createdAt.timeIntervalSince1970), status: .queued,
            inProgressName: inProgressName, model: model, prompt: prompt, progress: 0, seconds: seconds, size: size)
        let elapsed = now.timeIntervalSince(createdAt)
        if elapsed < renderSeconds * Self.queuedShare { return object }
        switch outcome {
        case .failed(let error) where now >= dueAt:
            object.status = .failed
            object.error = error
            object.completedAt = Int(dueAt.timeIntervalSince1970)
        case .rendered(_, let at) where now >= dueAt:
            let completed = max(at, dueAt).timeIntervalSince1970
            object.status = .completed
            object.progress = 100
            object.completedAt = Int(completed)
            object.expiresAt = Int(completed) + Int(Self.keptFor)
        default:
            object.status = .inProgress
            object.progress = Self.progress(elapsed: elapsed, renderSeconds: renderSeconds)
        }
        return object
    }

    /// The `progress` of an `in_progress` job: rises linearly with the time elapsed since it left
    /// the queue, reaching 100 at the due time; shown as 1 to 99 (0 is `queued`, 100 `completed`).
    static func progress(elapsed: Double, renderSeconds: Double) -> Int {
        let queuedFor = renderSeconds * queuedShare
        let span = max(renderSeconds - queuedFor, 0.001)
        let fraction = (elapsed - queuedFor) / span
        return min(99, max(1, Int(min(fraction, 1) * 100)))
    }
}
