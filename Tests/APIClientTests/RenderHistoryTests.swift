import Foundation
import Synchronization
import Testing
import VeoProvider

@testable import VeoClient

// MARK: - A provider on the test clock

/// Jobs that live on an ``InstantClock``: each is `queued` for the first quarter of its render
/// time, then `in_progress` with `progress` rising linearly, then `completed`. Records every poll
/// and when each job was first seen completed.
final class ClockedJobs: Sendable {
    static let epoch = 1_800_000_000
    let clock: InstantClock
    /// A job's render time from its index (0-based, in creation order) and its model.
    let render: @Sendable (Int, String) -> Duration
    private struct Job {
        var created: Duration
        var render: Duration
        var model: String
        var polls = 0
        var firstPoll: Duration?
        var seenDone: Duration?
    }
    private let jobs = Mutex<[String: Job]>([:])
    private let order = Mutex<[String]>([])

    init(clock: InstantClock, render: @escaping @Sendable (Int, String) -> Duration) {
        self.clock = clock
        self.render = render
    }

    func reply(_ number: Int, _ text: String) -> ScriptedReply {
        let now = clock.now.offset
        let head = String(text.prefix { $0 != "\r" })
        if head.hasPrefix("POST /v1/videos ") {
            let model = text.contains("\"veo-3.1-generate-preview\"") ? "veo-3.1-generate-preview" : "veo-3.1-fast-generate-preview"
            let id = "video_\(number)"
            let index = order.withLock { $0.append(id); return $0.count - 1 }
            let job = Job(created: now, render: render(index, model), model: model)
            jobs.withLock { $0[id] = job }
            return .raw(httpResponse("200 OK", body: Self.object(id, job, now: now)))
        }
        guard head.hasPrefix("GET /v1/videos/"), let id = head.split(separator: " ").dropFirst().first?.split(separator: "/").last
        else { return .close }
        let answer: Job? = jobs.withLock { jobs in
            guard var job = jobs[String(id)] else { return nil }
            job.polls += 1
            if job.firstPoll == nil { job.firstPoll = now - job.created }
            if now >= job.created + job.render, job.seenDone == nil { job.seenDone = now }
            jobs[String(id)] = job
            return job
        }
        guard let answer else { return .raw(httpResponse("404 Not Found", body: #"{"error":{"message":"no such video"}}"#)) }
        return .raw(httpResponse("200 OK", body: Self.object(String(id), answer, now: now)))
    }

    private static func object(_ id: String, _ job: Job, now: Duration) -> String {
        let elapsed = now - job.created
        let queued = job.render / 4
        let (status, progress): (String, Int) =
            elapsed >= job.render ? ("completed", 100)
            : elapsed < queued ? ("queued", 0)
            : ("in_progress", max(1, Int((elapsed - queued) / (job.render - queued) * 100)))
        let created = epoch + Int(job.created.seconds)
        return #"{"id":"\#(id)","object":"video","status":"\#(status)","progress":\#(progress),"created_at":\#(created),"model":"\#(job.model)","seconds":6,"size":"1280x720"}"#
    }

    /// Per job, in creation order: its polls, when the first came after its creation, and how
    /// long after its completion it was seen done.
    var seen: [Seen] {
        let ids = order.withLock { $0 }
        return jobs.withLock { jobs in
            ids.map { id in
                let job = jobs[id]!
                return Seen(polls: job.polls, firstPoll: job.firstPoll, late: job.seenDone.map { $0 - (job.created + job.render) })
            }
        }
    }

    struct Seen: Sendable {
        var polls: Int
        var firstPoll: Duration?
        var late: Duration?
    }
}

/// Runs `count` jobs one after the other (create, wait) against ``ClockedJobs`` with `planning`;
/// returns what the provider saw of each.
func runOneAfterAnother(
    _ count: Int, planning: PollPlanning, models: @escaping @Sendable (Int) -> VideoModel = { _ in .fast },
    render: @escaping @Sendable (Int, String) -> Duration
) async throws -> [ClockedJobs.Seen] {
    let clock = InstantClock()
    let jobs = ClockedJobs(clock: clock, render: render)
    try await withScriptedClient(
        replies: { number, text in jobs.reply(number, text) }, clock: clock,
        adjust: {
            $0.pollPlanning = planning
            $0.minimumPollInterval = .milliseconds(100)
            $0.pollJitter = 0
            $0.wallClock = { Date(timeIntervalSince1970: Double(ClockedJobs.epoch) + clock.now.offset.seconds) }
        }
    ) { _, client in
        for index in 0..<count {
            let request = GenerationRequest(model: models(index), prompt: "shot \(index)", seconds: .six, size: .landscape720)
            let video = try await client.create(request, uploads: [])
            let done = try await client.waitForCompletion(id: video.id, pollInterval: .seconds(1), timeout: .seconds(600)) { _ in }
            #expect(done.status == .completed)
        }
    }
    return jobs.seen
}

// MARK: - Render times seen in the run

@Suite struct RenderHistoryTests {
    static func video(_ id: String, _ status: VideoStatus = .queued, progress: Double? = 0, model: String = "m") -> VideoObject {
        VideoObject(id: id, status: status, progress: progress, model: model, seconds: 6, size: "1280x720")
    }

    /// Equal within a microsecond (the least-cost moment is computed in seconds as Double).
    static func near(_ value: Duration?, _ expected: Duration) -> Bool {
        value.map { abs(($0 - expected).seconds) < 1e-6 } ?? false
    }

    @Test func theExpectationIsALowQuantileOfTheTimesSeenPerKind() {
        let history = RenderHistory()
        let kind = RenderHistory.kind(of: Self.video("a"))
        #expect(history.expectedRender(of: kind, floor: .seconds(1)) == nil)
        for n in 1...20 {
            history.created(Self.video("v\(n)"), at: .seconds(100))
            history.completed("v\(n)", at: .seconds(100 + 21 - n))  // seen 20 s, 19 s, … 1 s after creation
        }
        // The tenth percentile: the second least of twenty, not the one fastest job.
        #expect(history.expectedRender(of: kind, floor: .seconds(1)) == .seconds(2))
        #expect(history.expectedRender(of: RenderHistory.kind(of: Self.video("b", model: "other")), floor: .seconds(1)) == nil)
    }

    @Test func anEstimateBetweenTwoPollsCountsBeforeTheMomentAJobWasSeenDone() {
        let history = RenderHistory()
        let kind = RenderHistory.kind(of: Self.video("a"))
        // Seen done 10.4 s after its creation, but its progress said 10.05 s: that is what is expected.
        history.created(Self.video("v1"), at: .seconds(100))
        history.completed("v1", at: .seconds(110.4), estimate: .seconds(110.05))
        #expect(Self.near(history.expectedRender(of: kind, floor: .seconds(1)), .seconds(10.05)), "\(String(describing: history.expectedRender(of: kind, floor: .seconds(1))))")
        // An estimate is never later than the moment the job was seen done.
        history.created(Self.video("v2"), at: .seconds(200))
        history.completed("v2", at: .seconds(210.1), estimate: .seconds(230))
        #expect(Self.near(history.expectedRender(of: kind, floor: .seconds(1)), .seconds(10.1)), "\(String(describing: history.expectedRender(of: kind, floor: .seconds(1))))")
    }

    @Test func theLeastCostMomentWeighsAPollTooEarlyAgainstOneTooLate() {
        // Close together (well within a floor): the latest, so no job is polled before it is done.
        let close: [Duration] = [.seconds(10), .seconds(10.02), .seconds(10.05), .seconds(10.01)]
        #expect(Self.near(RenderHistory.leastCostMoment(close, floor: .seconds(1)), .seconds(10.05)))
        // One job far slower than the rest is not waited for: it is found running and timed by its progress.
        let outlier = close + [.seconds(30)]
        #expect(Self.near(RenderHistory.leastCostMoment(outlier, floor: .seconds(1)), .seconds(10.05)))
        // Spread over many floors: an early moment; the later jobs are then timed by their progress.
        let wide = (0..<20).map { Duration.seconds(60 + 3 * $0) }
        let moment = RenderHistory.leastCostMoment(wide, floor: .seconds(1))
        #expect(moment < .seconds(80), "\(moment)")
    }

    @Test func onlyJobsNotBegunAreNotedAndEndedOnesAreForgotten() {
        let history = RenderHistory()
        history.created(Self.video("done", .completed, progress: 100), at: .zero)
        history.created(Self.video("advanced", .inProgress, progress: 30), at: .zero)
        history.created(Self.video("fresh"), at: .seconds(3))
        #expect(history.creation(of: "done") == nil)
        #expect(history.creation(of: "advanced") == nil)
        #expect(history.creation(of: "fresh")?.at == .seconds(3))
        history.forget("fresh")
        history.completed("fresh", at: .seconds(9))
        #expect(history.expectedRender(of: RenderHistory.kind(of: Self.video("x")), floor: .seconds(1)) == nil)
    }

    @Test func learnedPollsFewerAndSeesJobsDoneNoLaterThanPlain() async throws {
        let render: @Sendable (Int, String) -> Duration = { _, _ in .seconds(10) }
        let plain = try await runOneAfterAnother(6, planning: .plain, render: render)
        let learned = try await runOneAfterAnother(6, planning: .learned, render: render)
        let (plainPolls, learnedPolls) = (plain.map(\.polls).reduce(0, +), learned.map(\.polls).reduce(0, +))
        // The first job: no poll right after the create. The others: one poll each, when the first was seen done.
        #expect(learned.dropFirst().allSatisfy { $0.polls == 1 }, "\(learned)")
        #expect(learned[0].polls == plain[0].polls - 1, "\(plain) \(learned)")
        #expect(learnedPolls <= plainPolls - 5 * (plain[1].polls - 1), "\(plainPolls) vs \(learnedPolls)")
        let worstPlain = plain.compactMap(\.late).max()!
        let worstLearned = learned.compactMap(\.late).max()!
        #expect(worstLearned <= worstPlain + .milliseconds(1), "\(plain) \(learned)")
    }

    @Test func laterJobsArePolledWhenTheFirstOnesProgressSaidItWasDone() async throws {
        // The first job's last poll came a twentieth of its remaining time past its predicted end;
        // the next ones are polled when its progress said it was done, not when it was seen done.
        let seen = try await runOneAfterAnother(6, planning: .learned, render: { _, _ in .seconds(10) })
        #expect(seen[0].late! > .milliseconds(150), "\(seen)")
        for later in seen.dropFirst() {
            #expect(later.polls == 1, "\(seen)")
            #expect(later.late! < .milliseconds(100), "\(seen)")
        }
    }

    @Test func aJobOfAnotherKindIsNotTimedByThisOne() async throws {
        // Two fast jobs (2 s), then a standard one (20 s): it is polled at the 1 s floor while
        // queued, not first at 2 s as if it were a fast one.
        let seen = try await runOneAfterAnother(
            3, planning: .learned, models: { $0 < 2 ? .fast : .standard },
            render: { _, model in model.contains("fast") ? .seconds(2) : .seconds(20) })
        #expect(seen[1].polls == 1)
        #expect(seen[1].firstPoll! > .seconds(2) && seen[1].firstPoll! < .seconds(2.2), "\(seen)")
        #expect(seen[2].firstPoll == .seconds(1), "\(seen)")
        #expect(seen[2].polls > 5, "\(seen)")
    }

    @Test func aJobSlowerThanTheOnesBeforeIsTimedFromASecondReport() async throws {
        // 10 s, then 16 s: the second is polled at about 10 s (running, 50 %), again a floor (1 s)
        // later, then near its completion as those two reports predict.
        let seen = try await runOneAfterAnother(2, planning: .learned, render: { index, _ in .seconds(index == 0 ? 10 : 16) })
        #expect(seen[1].firstPoll! > .seconds(10) && seen[1].firstPoll! < .seconds(10.5), "\(seen)")
        #expect(seen[1].polls == 3, "\(seen)")
        #expect(seen[1].late! < .seconds(1), "\(seen)")
    }
}
