import Synchronization

// MARK: - How polling is planned

/// How ``VideoAPIClient/waitForCompletion(id:pollInterval:timeout:onUpdate:)`` times its polls.
///
/// `.plain` is the reference, and the one to read first: it polls at once, then as
/// ``PollSchedule`` decides from the job's own answers (the server's hint, the floor, the
/// progress samples, the ceiling).
///
/// `.learned` (the default) adds what this client saw itself, nothing else:
/// - a job it has just created is not polled at once: the create's answer (`queued`, progress 0)
///   is its first status, so the first poll waits for the floor like every later one;
/// - once jobs of the same model, length and size have completed in this run, a new one is
///   first polled when they were seen completed, measured from their create answers
///   (``RenderHistory``), instead of at the floor while it is queued. A job not done by then
///   falls back to `.plain`'s rules (its progress, else the floor).
///
/// Both see the same answers and return the same video object; `PollScheduleTests` and
/// `RenderHistoryTests` hold `.learned` to `.plain` on the jobs they script.
public enum PollPlanning: String, Sendable, Hashable, CaseIterable {
    case plain
    case learned
}

/// The render times this client has seen in this run, shared by every job it waits for.
///
/// A job is noted when its create is answered with a status that is not final (its creation, on
/// the client's stopwatch, and its kind: model, seconds, size); when a poll finds it completed,
/// the time from its creation to that poll is kept under its kind. What the next job of that kind
/// is told to expect is a low quantile (the tenth percentile; the least while fewer than ten are
/// known) of those times: each one is a moment by which a job was seen done, so a job as fast
/// as those is done then, and a slower one reports progress at that poll and is timed from it.
/// One very fast job cannot pull the estimate down for all the others.
final class RenderHistory: Sendable {
    /// A created job the history waits to see completed.
    struct Creation: Sendable, Equatable {
        /// On the client's stopwatch.
        var at: Duration
        var kind: String
    }

    private struct State {
        var created: [String: Creation] = [:]
        /// Per kind, the seen render times, sorted.
        var seen: [String: [Duration]] = [:]
    }

    private let state = Mutex(State())

    /// The kind of job whose render times are compared: same model, seconds and size.
    static func kind(of video: VideoObject) -> String {
        "\(video.model ?? "?")|\(video.seconds.map(String.init) ?? "?")|\(video.size ?? "?")"
    }

    /// Notes a create's answer, seen at `at` on the client's stopwatch. Only a job that has not
    /// begun (no progress, not ended) is noted: a server that answers a create with a finished
    /// or advanced video has its wait start with a poll, as `.plain` does.
    func created(_ video: VideoObject, at: Duration) {
        guard !video.status.isTerminal, (video.progress ?? 0) <= 0 else { return }
        state.withLock { $0.created[video.id] = Creation(at: at, kind: Self.kind(of: video)) }
    }

    /// When this client created `id`, nil when it did not (a job resumed from an earlier run).
    func creation(of id: String) -> Creation? {
        state.withLock { $0.created[id] }
    }

    /// How long after its creation a job of `kind` is expected to be done (see the type's
    /// description); nil before any job of that kind completed.
    func expectedRender(of kind: String) -> Duration? {
        state.withLock { state in
            guard let seen = state.seen[kind], !seen.isEmpty else { return nil }
            return seen[(seen.count - 1) / 10]
        }
    }

    /// Notes that a poll at `at` (the client's stopwatch) found `id` completed. Jobs this client
    /// did not create are ignored.
    func completed(_ id: String, at: Duration) {
        state.withLock { state in
            guard let creation = state.created.removeValue(forKey: id) else { return }
            let render = max(at - creation.at, .zero)
            var seen = state.seen[creation.kind] ?? []
            let index = seen.partitioningIndex { $0 > render }
            seen.insert(render, at: index)
            state.seen[creation.kind] = seen
        }
    }

    /// Forgets `id` (a job that failed or was given up).
    func forget(_ id: String) {
        _ = state.withLock { $0.created.removeValue(forKey: id) }
    }
}

extension Array {
    /// The first index whose element satisfies `belongsInSecondPartition` (which must be false
    /// for a prefix and true for the rest), by binary search.
    fileprivate func partitioningIndex(where belongsInSecondPartition: (Element) -> Bool) -> Int {
        var (low, high) = (startIndex, endIndex)
        while low < high {
            let middle = low + (high - low) / 2
            if belongsInSecondPartition(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
