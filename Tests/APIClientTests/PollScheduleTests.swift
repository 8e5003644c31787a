import Foundation
import Synchronization
import Testing

@testable import VeoClient

// MARK: - When jobs are polled

@Suite struct PollScheduleTests {
    /// `created_at` of the scripted job; the wall clock reads it plus `age` plus the test clock's time.
    static let created = 1_800_000_000

    /// Waits for a scripted job whose polls answer `answers[n]` (then `completed`), and returns
    /// the sleeps between polls. The job is `age` seconds old when the wait begins.
    func sleeps(
        answers: [(progress: Int, hint: Int?)], age: Double = 10, pollInterval: Duration = .seconds(2),
        adjust: @escaping (inout VideoAPIClientConfiguration) -> Void = { _ in }
    ) async throws -> [Duration] {
        let clock = InstantClock()
        let created = Self.created
        try await withScriptedClient(
            script: { n in
                guard n <= answers.count else {
                    return httpResponse("200 OK", body: #"{"id":"video_1","status":"completed","progress":100,"created_at":\#(created)}"#)
                }
                let (progress, hint) = answers[n - 1]
                return httpResponse(
                    "200 OK", headers: hint.map { ["openai-poll-after-ms: \($0)"] } ?? [],
                    body: #"{"id":"video_1","status":"in_progress","progress":\#(progress),"created_at":\#(created)}"#)
            },
            clock: clock,
            adjust: {
                $0.minimumPollInterval = .milliseconds(100)
                $0.pollJitter = 0
                $0.maximumPollInterval = .seconds(60)
                $0.wallClock = { Date(timeIntervalSince1970: Double(created) + age + clock.now.offset.seconds) }
                adjust(&$0)
            }
        ) { _, client in
            _ = try await client.waitForCompletion(id: "video_1", pollInterval: pollInterval, timeout: .seconds(3600)) { _ in }
        }
        return clock.sleeps
    }

    @Test func aJobHalfDoneAfterTenSecondsIsNextPolledNearTwentySeconds() async throws {
        let sleeps = try await sleeps(answers: [(50, nil)], age: 10)
        let next = try #require(sleeps.first)
        #expect(next >= .seconds(9.5) && next <= .seconds(11), "next poll \(next) after the 10 s mark")
        #expect(sleeps.count == 1)
    }

    @Test func theFirstEstimateReachesNoFurtherThanTheJobsAgeThenSamplesRefineIt() async throws {
        // 10 % after 10 s would predict 90 s more, but the job may have sat queued: the next poll
        // comes about 10 s later (its age again). There it reports 30 %: 2 % a second from the
        // first report, so 35 s more (and 5 % of it as margin).
        let sleeps = try await sleeps(answers: [(10, nil), (30, nil)], age: 10)
        #expect(sleeps.count == 2)
        #expect(sleeps[0] > .seconds(9) && sleeps[0] < .seconds(11), "\(sleeps)")
        #expect(sleeps[1] > .seconds(35) && sleeps[1] < .seconds(42), "\(sleeps)")
    }

    @Test func neverBeforeTheFloor() async throws {
        // 99 % after 100 s predicts 1 s more: the 8 s floor wins.
        let sleeps = try await sleeps(answers: [(99, nil)], age: 100, pollInterval: .seconds(8))
        #expect(sleeps == [.seconds(8)])
    }

    @Test func neverAfterTheCeiling() async throws {
        // 1 % after 10 s: the first estimate (about 10 s) is cut to the 5 s ceiling; so is the
        // second (1 % more in 5 s).
        let sleeps = try await sleeps(answers: [(1, nil), (2, nil)], age: 10) { $0.maximumPollInterval = .seconds(5) }
        #expect(sleeps == [.seconds(5), .seconds(5)])
    }

    @Test func withoutProgressThePollIntervalHolds() async throws {
        let sleeps = try await sleeps(answers: [(0, nil), (0, nil), (0, nil)], pollInterval: .seconds(8))
        #expect(sleeps == [.seconds(8), .seconds(8), .seconds(8)])
    }

    @Test func theServersHintComesFirst() async throws {
        // Progress predicts completion in 1 s, but the server asks for 15 s, then 5 ms (raised
        // to the client's minimum of 100 ms, not the poll interval: the server paces).
        let sleeps = try await sleeps(answers: [(90, 15_000), (0, 5)], age: 9, pollInterval: .seconds(8))
        #expect(sleeps.first == .seconds(15))
        #expect(sleeps.count == 2 && sleeps[1] >= .milliseconds(100) && sleeps[1] < .seconds(8), "\(sleeps)")
    }

    @Test func jitterSpreadsJobsStartedTogether() async throws {
        let low = try await sleeps(answers: [(50, nil)], age: 10) { $0.pollJitter = 0.5; $0.random = { 0 } }
        let high = try await sleeps(answers: [(50, nil)], age: 10) { $0.pollJitter = 0.5; $0.random = { 0.99 } }
        #expect(low != high)
        #expect(high.first! - low.first! > .milliseconds(900), "\(low) \(high)")
    }

    @Test func thePredictionIsAPureFunctionOfTheSamples() {
        var schedule = PollSchedule(floor: .seconds(1), ceiling: .seconds(600), jitter: 0)
        #expect(schedule.predictedCompletion == nil)
        schedule.record(progress: 0, at: .seconds(5), age: .seconds(5))
        #expect(schedule.predictedCompletion == nil)
        schedule.record(progress: 25, at: .seconds(10), age: nil)
        schedule.record(progress: 50, at: .seconds(20), age: nil)
        // 25 % per 10 s from the first report: done at 40 s.
        #expect(schedule.predictedCompletion == .seconds(40))
        #expect(schedule.delay(after: .seconds(20), hint: nil, random: 0) == .seconds(21))  // 5 % past it
    }
    @Test func aCreatedJobIsFirstPolledWhenJobsLikeItWereSeenDone() {
        var schedule = PollSchedule(floor: .seconds(1), ceiling: .seconds(60), jitter: 0)
        schedule.created(at: .zero, expectedRender: .seconds(12))
        #expect(schedule.predictedCompletion == .seconds(12))
        // No margin: the 12 s are when earlier jobs were seen done.
        let first = schedule.delay(after: .milliseconds(10), hint: nil, random: 0)
        #expect(abs((first - .seconds(11.99)).seconds) < 1e-9, "\(first)")
        // Never before the floor, never after the ceiling.
        var fast = PollSchedule(floor: .seconds(1), ceiling: .seconds(60), jitter: 0)
        fast.created(at: .zero, expectedRender: .milliseconds(200))
        #expect(fast.delay(after: .zero, hint: nil, random: 0) == .seconds(1))
        var slow = PollSchedule(floor: .seconds(1), ceiling: .seconds(60), jitter: 0)
        slow.created(at: .zero, expectedRender: .seconds(600))
        #expect(slow.delay(after: .zero, hint: nil, random: 0) == .seconds(60))
    }

    @Test func aJobNotDoneWhenExpectedFallsBackToTheFloorOrItsProgress() {
        var queued = PollSchedule(floor: .seconds(1), ceiling: .seconds(60), jitter: 0)
        queued.created(at: .zero, expectedRender: .seconds(12))
        queued.record(progress: 0, at: .seconds(12), age: nil)
        #expect(queued.expected == nil)
        #expect(queued.delay(after: .seconds(12), hint: nil, random: 0) == .seconds(1))
        var running = PollSchedule(floor: .seconds(1), ceiling: .seconds(60), jitter: 0)
        running.created(at: .zero, expectedRender: .seconds(12))
        // 60 % at 12 s, anchored at the creation, says 20 s; but the job is slower than those
        // before it and sat queued for an unknown time: a second report a floor later.
        running.record(progress: 60, at: .seconds(12), age: nil)
        #expect(running.predictedCompletion == .seconds(13))
        running.record(progress: 70, at: .seconds(13), age: nil)
        #expect(running.predictedCompletion == .seconds(16))
        // A poll the ceiling brought before the expected moment leaves the expectation.
        var early = PollSchedule(floor: .seconds(1), ceiling: .seconds(5), jitter: 0)
        early.created(at: .zero, expectedRender: .seconds(12))
        early.record(progress: 0, at: .seconds(5), age: nil)
        #expect(early.expected == .seconds(12))
    }

    @Test func theEstimateOfACompletionLiesBetweenItsLastRunningAndItsDonePoll() {
        var schedule = PollSchedule(floor: .seconds(1), ceiling: .seconds(60), jitter: 0)
        schedule.created(at: .zero, expectedRender: nil)
        schedule.record(progress: 25, at: .seconds(10), age: nil)
        // One report: a line through the creation counts queued time as rendering; no estimate.
        #expect(schedule.completionEstimate(seenAt: .seconds(45)) == nil)
        schedule.record(progress: 50, at: .seconds(20), age: nil)
        #expect(schedule.twoReportPrediction == .seconds(40))
        #expect(schedule.completionEstimate(seenAt: .seconds(45)) == .seconds(40))
        // Never later than the poll that found it done, never before the one that found it running.
        #expect(schedule.completionEstimate(seenAt: .seconds(33)) == .seconds(33))
        schedule.record(progress: 99, at: .seconds(41), age: nil)
        #expect(schedule.completionEstimate(seenAt: .seconds(50))! >= .seconds(41))
    }

    @Test func theLastReportOfNoProgressAnchorsTheFirstEstimate() {
        // Queued at 8 s, 50 % at 10 s: done near 12 s (the job's creation as the anchor said 20 s).
        var schedule = PollSchedule(floor: .seconds(1), ceiling: .seconds(600), jitter: 0)
        schedule.created(at: .zero, expectedRender: nil)
        schedule.record(progress: 0, at: .seconds(8), age: nil)
        schedule.record(progress: 50, at: .seconds(10), age: nil)
        #expect(schedule.predictedCompletion == .seconds(12))
        var unanchored = PollSchedule(floor: .seconds(1), ceiling: .seconds(600), jitter: 0)
        unanchored.created(at: .zero, expectedRender: nil)
        unanchored.record(progress: 50, at: .seconds(10), age: nil)
        #expect(unanchored.predictedCompletion == .seconds(20))
    }
}

