import Foundation
import VeoSupport

// MARK: - When to poll a job next

/// Decides when one job is polled next, from the progress it reported.
///
/// Times are offsets on the waiting loop's clock (the injected one). The rules, in order:
/// 1. the floor: never sooner than `floor` after the last poll (`--poll-interval`, or the server's
///    `openai-poll-after-ms` hint when it sent one: the server paces its clients first);
/// 2. while the job reports no progress (0 or none), poll at the floor, unless earlier jobs like
///    it say when it should be done (`expected`, ``PollPlanning/learned`` only, from
///    ``RenderHistory``): then at that moment, once;
/// 3. once it reports progress, estimate when it completes (a straight line through the progress
///    samples; for the first one, through the last report of no progress, or the job's creation
///    when there was none) and poll just after that;
/// 4. never later than `ceiling` after the last poll.
///
/// A jitter of up to `jitter` times the floor is added (not to a bare server hint), so jobs
/// started together do not poll together.
struct PollSchedule: Sendable {
    /// A progress report: when (clock offset) and how far (0-100).
    struct Sample: Sendable, Equatable {
        var at: Duration
        var progress: Double
    }

    var floor: Duration
    var ceiling: Duration
    var jitter: Double
    /// The job's creation (progress 0) on this clock, when known.
    private(set) var origin: Sample?
    /// The latest report of no progress before the first report of some (the job was still queued
    /// then, so its progress began later): a later anchor than the creation, when there is one.
    private(set) var lastZero: Sample?
    /// The first and the latest progress reports above 0.
    private(set) var first: Sample?
    private(set) var latest: Sample?
    /// The longest a poll's answer has taken: how far off a sample's time may be.
    private(set) var latency: Duration = .zero
    /// When the job should be done by the render times of earlier jobs like it, until a poll at
    /// or after that moment finds it still running.
    private(set) var expected: Duration?
    /// A poll at or after `expected` found the job still running: it is slower than those.
    private(set) var overdue = false

    init(floor: Duration, ceiling: Duration, jitter: Double) {
        self.floor = floor
        self.ceiling = max(ceiling, floor)
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The job was created at `at` (its create's answer: not begun), and jobs like it were seen
    /// done `expectedRender` after their creation (nil: none seen yet).
    mutating func created(at: Duration, expectedRender: Duration?) {
        origin = Sample(at: at, progress: 0)
        lastZero = origin
        expected = expectedRender.map { at + $0 }
    }

    /// Records a poll's answer at `now` (offset since the wait began). `age` is how old the job
    /// was then by the server's `created_at` (nil when unknown). `created_at` is in whole seconds,
    /// so the age is taken half a second younger, but never younger than the wait itself.
    mutating func record(progress: Double?, at now: Duration, age: Duration?, latency: Duration = .zero) {
        self.latency = max(self.latency, latency)
        // The poll the earlier jobs' render times asked for found this one still running.
        if let expected, now >= expected { (self.expected, overdue) = (nil, true) }
        guard let progress, progress > 0 else {
            if first == nil { lastZero = Sample(at: now, progress: 0) }
            return
        }
        let sample = Sample(at: now, progress: min(progress, 100))
        if first == nil {
            first = sample
            if origin == nil {
                origin = age.map { Sample(at: now - max($0 - .milliseconds(500), now), progress: 0) }
            }
        }
        latest = sample
    }

    /// When two progress reports (above 0, at different times) say the job completes: the line
    /// through them, with no cap.
    var twoReportPrediction: Duration? {
        guard let first, let latest, latest.at > first.at, latest.progress > first.progress else { return nil }
        return Self.completion(from: first, to: latest)
    }

    /// Where the straight line from `start` through `latest` reaches 100 (`latest` later and further).
    private static func completion(from start: Sample, to latest: Sample) -> Duration {
        let rate = (latest.progress - start.progress) / (latest.at - start.at).seconds
        return latest.at + .seconds((100 - latest.progress) / rate)
    }

    /// When the job completed, for a poll at `seenAt` that found it done: what the line through its
    /// first and latest reports of progress says, kept between that latest report and `seenAt`.
    /// Nil without two such reports before (a line through one report and the creation counts
    /// the time the job sat queued as rendering and runs late), and then only `seenAt` is known:
    /// it was done by then. Progress comes in whole percents, rounded down, so the line runs late
    /// by up to a percent: an estimate errs towards later.
    func completionEstimate(seenAt: Duration) -> Duration? {
        guard let latest, latest.at < seenAt, let predicted = twoReportPrediction else { return nil }
        return min(max(predicted, latest.at), seenAt)
    }

    /// The clock offset at which the job should complete: from its progress when that allows an
    /// estimate (``progressPrediction``), else the moment earlier jobs like it were done by.
    var predictedCompletion: Duration? { progressPrediction ?? expected }

    /// The completion the progress samples predict: the line through the first and latest
    /// progress reports, or through the last report of no progress (else the job's creation) and
    /// the only report so far. That first estimate runs late when the job sat queued after that
    /// anchor (time that counts as rendering on this line), so it reaches no further than the
    /// time since the anchor again: a poll too early costs one request, a poll too late delays
    /// the clip. When that only report came at the moment earlier jobs were done by (`overdue`:
    /// the job is slower than those, and it was not polled while queued), the next poll comes a
    /// floor later, for a second report.
    var progressPrediction: Duration? {
        guard let latest else { return nil }
        let candidates = [first, lastZero, origin].compactMap { $0 }
        guard let start = candidates.first(where: { latest.progress > $0.progress && latest.at > $0.at }) else { return nil }
        let predicted = Self.completion(from: start, to: latest)
        guard start.progress == 0 else { return predicted }
        return min(predicted, latest.at + (overdue ? floor : latest.at - start.at))
    }

    /// How long after a poll (or the job's creation) at `now` the next poll goes out. `hint` is
    /// the server's `openai-poll-after-ms`; `random` a value in `0..<1`.
    func delay(after now: Duration, hint: Duration?, random: Double) -> Duration {
        let floor = hint.map { max($0, .zero) } ?? self.floor
        let ceiling = max(self.ceiling, floor)
        let spread = self.floor * (jitter * min(max(random, 0), 1))
        if let predicted = progressPrediction {
            // A little past the predicted moment (a twentieth of the wait, plus the slowest answer
            // seen: the samples' times are that uncertain): a poll just before completion is a
            // wasted request, and the next cannot come before the floor.
            let margin = (predicted - now) / 20 + latency
            let wanted = predicted - now + max(margin, .zero) + spread
            return min(max(wanted, floor), ceiling)
        }
        // Earlier jobs were seen done by then, their own polls' margins included: no margin added.
        if let expected { return min(max(expected - now + spread, floor), ceiling) }
        // The server's hint is its own pacing: taken as it is, without jitter.
        return hint == nil ? min(floor + spread, ceiling) : floor
    }
}

extension VideoAPIClient {
    /// How old the job is by its `created_at` and the wall clock (nil without one, or when the
    /// clocks disagree so much that it would lie in the future).
    func age(of video: VideoObject) -> Duration? {
        guard let created = video.createdAt else { return nil }
        let seconds = configuration.wallClock().timeIntervalSince1970 - Double(created)
        return seconds >= 0 ? .milliseconds(Int64(Int(rounding: seconds * 1000, within: 0...Int(Int64.max / 2)) ?? 0)) : nil
    }
}
