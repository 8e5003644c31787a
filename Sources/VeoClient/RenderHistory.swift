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
/// the client's stopwatch, and its kind: model, seconds, size). Per kind it keeps two things:
/// - **estimates**: for a job whose polls bracket its completion (one found it running with two
///   reports of progress behind it, the next found it done), when it completed as the line
///   through its reports says, kept between those two polls (the most recent 100);
/// - **seen**: for every completed job, the time from its creation to the poll that found it
///   done (a moment by which it was done, not when: it carries that poll's lateness).
///
/// What a new job of that kind is told to expect (``expectedRender(of:floor:)``): from the
/// estimates when there are any, the moment with the least expected cost over them (a poll after
/// a job is done costs the time since; a poll before it costs a floor, at least, before the next
/// may go); else the tenth percentile of the seen times (a job as fast as those is done then, and
/// one very fast job cannot pull it down for all the others). Jobs first polled at that moment
/// and found done add a seen time but no estimate, so the estimate does not drift later with
/// each poll's lateness; a job found still running there is timed by its reports, and adds one.
final class RenderHistory: Sendable {
    /// A created job the history waits to see completed.
    struct Creation: Sendable, Equatable {
        /// On the client's stopwatch.
        var at: Duration
        var kind: String
    }

    /// Estimates kept per kind: the most recent, so a provider that slows down is followed.
    static let keptEstimates = 100

    private struct Kind {
        var seen: [Duration] = []
        var estimates: [Duration] = []
    }

    private struct State {
        var created: [String: Creation] = [:]
        var kinds: [String: Kind] = [:]
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
    /// description) when polls may come no closer than `floor`; nil while nothing is known.
    func expectedRender(of kind: String, floor: Duration) -> Duration? {
        state.withLock { state in
            guard let known = state.kinds[kind] else { return nil }
            // At most 100 estimates: the least-cost moment is 10,000 steps, once per job created.
            if !known.estimates.isEmpty { return Self.leastCostMoment(known.estimates, floor: floor) }
            guard !known.seen.isEmpty else { return nil }
            return known.seen[(known.seen.count - 1) / 10]
        }
    }

    /// Notes that a poll at `at` (the client's stopwatch) found `id` completed; `estimate` is when
    /// it completed by its progress, kept between its last poll that found it running and this one
    /// (nil when no two reports of progress came before). Jobs this client did not create are
    /// ignored.
    func completed(_ id: String, at: Duration, estimate: Duration? = nil) {
        state.withLock { state in
            guard let creation = state.created.removeValue(forKey: id) else { return }
            var known = state.kinds[creation.kind] ?? Kind()
            let render = max(at - creation.at, .zero)
            known.seen.insert(render, at: known.seen.partitioningIndex { $0 > render })
            if let estimate {
                known.estimates.append(min(max(estimate - creation.at, .zero), render))
                if known.estimates.count > Self.keptEstimates { known.estimates.removeFirst() }
            }
            state.kinds[creation.kind] = known
        }
    }

    /// Forgets `id` (a job that failed or was given up).
    func forget(_ id: String) {
        _ = state.withLock { $0.created.removeValue(forKey: id) }
    }

    /// Of the given render times, the one at which a first poll costs least on average over them:
    /// a job done by then waits the difference; a job not done is found running and polled again
    /// no sooner than `floor` later, or, when it has longer to go, near its completion as its
    /// progress predicts (a twentieth late, the schedule's margin). Ties go to the earlier moment.
    static func leastCostMoment(_ renders: [Duration], floor: Duration) -> Duration {
        let times = renders.map(\.seconds).sorted()
        let gap = floor.seconds
        var best = (cost: Double.infinity, at: times.last ?? 0)
        for candidate in Set(times).sorted() {
            var cost = 0.0
            for render in times {
                cost += render <= candidate ? candidate - render : max(candidate + gap - render, (render - candidate) / 20)
            }
            if cost < best.cost - 1e-12 { best = (cost, candidate) }
        }
        return .seconds(best.at)
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
