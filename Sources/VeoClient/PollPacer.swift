// MARK: - One pace for the whole run's status requests

/// A token bucket shared by every job a client waits for: at most `burst` status requests at
/// once, then `perSecond` a second, so a run with hundreds of jobs in flight never floods the
/// provider. When requests queue, the one whose job is predicted to complete soonest goes first
/// (jobs without an estimate after those, in arrival order). All waiting uses the injected clock.
actor PollPacer {
    private struct Waiter {
        var id: Int
        /// Pacer clock offset at which the job is expected to complete; lower goes first.
        var due: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    /// Predicted completions further away than this count as unknown.
    static let unknownDue = Duration.seconds(24 * 3600)

    let perSecond: Double
    let burst: Double
    private let clock: any Clock<Duration>
    private let elapsed: @Sendable () -> Duration
    private var tokens: Double
    private var refilledAt: Duration = .zero
    private var waiters: [Waiter] = []
    private var cancelled: Set<Int> = []
    private var nextID = 0
    private var draining = false

    /// `perSecond` of zero or less (or not finite) means no limit.
    init(perSecond: Double, burst: Int, clock: any Clock<Duration>) {
        self.perSecond = perSecond
        self.burst = Double(max(1, burst))
        self.clock = clock
        self.elapsed = VideoAPIClient.stopwatch(clock)
        self.tokens = Double(max(1, burst))
    }

    var isUnlimited: Bool { !(perSecond > 0) || !perSecond.isFinite }

    /// Requests waiting for a token.
    var queued: Int { waiters.count }

    /// The pacer's own clock offset (the common time base for `due`).
    var now: Duration { elapsed() }

    /// Returns when this request may go out. `remaining` is how long until the job is predicted
    /// to complete (nil when unknown). Throws `CancellationError` when the task is cancelled.
    func acquire(remaining: Duration?) async throws {
        if isUnlimited { return }
        refill()
        if waiters.isEmpty, tokens >= 1 {
            tokens -= 1
            return
        }
        let id = nextID
        nextID += 1
        let due = elapsed() + min(remaining.map { max($0, .zero) } ?? Self.unknownDue, Self.unknownDue)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled || cancelled.remove(id) != nil {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                waiters.append(Waiter(id: id, due: due, continuation: continuation))
                startDraining()
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    private func cancel(_ id: Int) {
        if let index = waiters.firstIndex(where: { $0.id == id }) {
            waiters.remove(at: index).continuation.resume(throwing: CancellationError())
        } else {
            cancelled.insert(id)
        }
    }

    private func refill() {
        let now = elapsed()
        tokens = min(burst, tokens + (now - refilledAt).seconds * perSecond)
        refilledAt = now
    }

    private func startDraining() {
        guard !draining else { return }
        draining = true
        Task { await drain() }
    }

    /// Hands out tokens to the queued requests, soonest-due first, as they refill.
    private func drain() async {
        while !waiters.isEmpty {
            refill()
            if tokens >= 1 {
                tokens -= 1
                let index = waiters.indices.min { (waiters[$0].due, waiters[$0].id) < (waiters[$1].due, waiters[$1].id) }!
                waiters.remove(at: index).continuation.resume()
                continue
            }
            let wait = Duration.seconds((1 - tokens) / perSecond)
            do {
                try await clock.sleep(for: max(wait, .microseconds(1)))
            } catch {
                break
            }
        }
        draining = false
        if !waiters.isEmpty { startDraining() }
    }
}
