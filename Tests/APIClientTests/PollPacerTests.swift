import Synchronization
import Testing

@testable import VeoClient

// MARK: - One pace for the whole run

@Suite struct PollPacerTests {
    @Test func twoHundredJobsNeverPassThePace() async throws {
        let clock = InstantClock()
        let pacer = PollPacer(perSecond: 20, burst: 5, clock: clock)
        let grants = Recorder<Duration>()
        await withThrowingTaskGroup(of: Void.self) { group in
            for job in 0..<200 {
                group.addTask {
                    for _ in 0..<3 {
                        try await pacer.acquire(remaining: .seconds(Double(job % 7)))
                        grants.append(clock.now.offset)
                    }
                }
            }
        }
        let times = grants.items.sorted()
        #expect(times.count == 600)
        // In any one second: at most the burst plus 20.
        var worst = 0
        for (i, start) in times.enumerated() {
            let inWindow = times[i...].prefix { $0 < start + .seconds(1) }.count
            worst = max(worst, inWindow)
        }
        #expect(worst <= 25, "\(worst) status requests within one second")
        // 600 requests at 20 a second after a burst of 5 take about 30 s.
        #expect(times.last! >= .seconds(29), "\(times.last!)")
    }

    @Test func theJobDueSoonestGoesFirst() async throws {
        let clock = GateClock()
        let pacer = PollPacer(perSecond: 1, burst: 1, clock: clock)
        try await pacer.acquire(remaining: nil)  // uses the only token
        let order = Recorder<String>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, remaining) in [("unknown", nil), ("late", Duration.seconds(300)), ("soon", .seconds(5)), ("middle", .seconds(60))] {
                group.addTask {
                    try await pacer.acquire(remaining: remaining)
                    order.append(name)
                }
            }
            // All four queue while the bucket is empty (the pacer's refill waits on the gate).
            while await pacer.queued < 4 { try await Task.sleep(for: .milliseconds(1)) }
            while order.items.count < 4 {
                if !clock.wakeOne() { try await Task.sleep(for: .milliseconds(1)) }
            }
            try await group.waitForAll()
        }
        #expect(order.items == ["soon", "middle", "late", "unknown"])
        #expect(clock.now.offset >= .seconds(4))
    }

    @Test func noLimitMeansNoWait() async throws {
        let clock = InstantClock()
        let pacer = PollPacer(perSecond: 0, burst: 1, clock: clock)
        for _ in 0..<100 { try await pacer.acquire(remaining: nil) }
        #expect(clock.sleeps.isEmpty)
    }

    @Test func aCancelledWaiterLeavesTheQueue() async throws {
        let clock = InstantClock()
        let pacer = PollPacer(perSecond: 0.001, burst: 1, clock: clock)
        try await pacer.acquire(remaining: nil)
        let task = Task { try await pacer.acquire(remaining: nil) }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}

/// A clock whose sleeps wait until the test wakes them (the earliest first, time moving to its deadline).
final class GateClock: Clock, Sendable {
    typealias Instant = InstantClock.Instant
    private struct State {
        var now: Duration = .zero
        var sleepers: [(deadline: Duration, continuation: CheckedContinuation<Void, any Error>)] = []
    }

    private let state = Mutex(State())

    var now: Instant { Instant(offset: state.withLock { $0.now }) }
    var minimumResolution: Duration { .nanoseconds(1) }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try await withCheckedThrowingContinuation { continuation in
            state.withLock { $0.sleepers.append((deadline.offset, continuation)) }
        }
    }

    /// Wakes the earliest sleeper; false when none sleeps.
    func wakeOne() -> Bool {
        let woken: CheckedContinuation<Void, any Error>? = state.withLock { state in
            guard let index = state.sleepers.indices.min(by: { state.sleepers[$0].deadline < state.sleepers[$1].deadline }) else { return nil }
            let sleeper = state.sleepers.remove(at: index)
            state.now = max(state.now, sleeper.deadline)
            return sleeper.continuation
        }
        woken?.resume()
        return woken != nil
    }
}

/// Items appended from many tasks.
final class Recorder<T: Sendable>: Sendable {
    private let state = Mutex<[T]>([])
    func append(_ item: T) { state.withLock { $0.append(item) } }
    var items: [T] { state.withLock { $0 } }
}
