import Foundation
import Synchronization

// MARK: - A clock the test moves

/// A clock that moves only when the test says: a sleep waits until ``advance(by:)`` passes its
/// deadline, or, once ``runFreely()`` was called, returns at once and moves the clock to its
/// deadline. Every sleep's duration is recorded. Nothing in it waits in real time.
final class TestClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        var id: Int
        var deadline: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Duration.zero
        var free = false
        var nextID = 0
        var sleepers: [Sleeper] = []
        var sleeps: [Duration] = []
    }

    private let state = Mutex(State())
    /// How many sleeps are waiting (set under the clock's lock), for tests that wait until something sleeps.
    let sleeping = Watched(0)

    var now: Instant { Instant(offset: state.withLock { $0.now }) }
    var minimumResolution: Duration { .nanoseconds(1) }
    /// Every sleep asked for, in order.
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state -> Int? in
            state.sleeps.append(max(.zero, deadline.offset - state.now))
            guard !state.free, deadline.offset > state.now else {
                state.now = max(state.now, deadline.offset)
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return await Task.yield() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.free || Task.isCancelled { return true }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline.offset, continuation: continuation))
                    sleeping.update { $0 = state.sleepers.count }
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                defer { sleeping.update { $0 = state.sleepers.count } }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    /// Moves the clock on and wakes every sleep whose deadline it passed.
    func advance(by duration: Duration) {
        let due = state.withLock { state -> [Sleeper] in
            state.now += duration
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            sleeping.update { $0 = state.sleepers.count }
            return due
        }
        wake(due)
    }

    /// From now on sleeps end at once (the clock jumps to their deadline); sleeps waiting end now.
    func runFreely() {
        let all = state.withLock { state -> [Sleeper] in
            state.free = true
            if let last = state.sleepers.map(\.deadline).max() { state.now = max(state.now, last) }
            defer {
                state.sleepers = []
                sleeping.update { $0 = 0 }
            }
            return state.sleepers
        }
        wake(all)
    }

    private func wake(_ sleepers: [Sleeper]) {
        for sleeper in sleepers { sleeper.continuation.resume() }
    }
}

// MARK: - Waiting for a condition without polling

/// A value tests wait on: ``wait(until:)`` returns as soon as an ``update(_:)`` makes the condition
/// true (or at once if it already is). No sleeps, no polling; a test that never sees it hangs
/// until its time limit (`.timeLimit`).
final class Watched<Value: Sendable>: Sendable {
    private struct Waiter {
        var condition: @Sendable (Value) -> Bool
        var continuation: CheckedContinuation<Value, Never>
    }

    private let state: Mutex<(value: Value, waiters: [Waiter])>

    init(_ value: Value) { state = Mutex((value, [])) }

    var value: Value { state.withLock { $0.value } }

    func update(_ change: (inout Value) -> Void) {
        let (ready, value) = state.withLock { state -> ([Waiter], Value) in
            change(&state.value)
            let value = state.value
            let ready = state.waiters.filter { $0.condition(value) }
            state.waiters.removeAll { $0.condition(value) }
            return (ready, value)
        }
        for waiter in ready { waiter.continuation.resume(returning: value) }
    }

    /// The first value for which `condition` holds.
    @discardableResult
    func wait(until condition: @escaping @Sendable (Value) -> Bool) async -> Value {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Value? in
                if condition(state.value) { return state.value }
                state.waiters.append(Waiter(condition: condition, continuation: continuation))
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
    }
}
