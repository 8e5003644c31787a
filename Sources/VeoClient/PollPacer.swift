// MARK: - One pace for the whole run's status requests

/// A token bucket shared by every job a client waits for: at most `burst` status requests at
/// once, then `perSecond` a second, so a run with hundreds of jobs in flight never floods the
/// provider. When requests queue, the one whose job is predicted to complete soonest goes first
/// (jobs without an estimate after those, in arrival order; a queued job without one is asked
/// again at each turn, since jobs like it may have taught one meanwhile). A request that turns
/// out not to be needed after all gives its token back. All waiting uses the injected clock.
actor PollPacer {
    private struct Waiter {
        var id: Int
        /// Pacer clock offset at which the job is expected to complete; lower goes first.
        var due: Duration
        /// Asked for how long until the job completes while `due` is unknown.
        var estimate: (@Sendable () -> Duration?)?
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
    /// to complete (nil when unknown); when it is unknown, `estimate` is asked at each turn the
    /// request waits. Throws `CancellationError` when the task is cancelled.
    func acquire(remaining: Duration?, estimate: (@Sendable () -> Duration?)? = nil) async throws {
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
                waiters.append(Waiter(id: id, due: due, estimate: remaining == nil ? estimate : nil, continuation: continuation))
                startDraining()
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    /// Gives back the token of a request that was not sent.
    func refund() {
        guard !isUnlimited else { return }
        refill()
        tokens = min(burst, tokens + 1)
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

    /// Asks the queued requests without an estimate whether there is one now.
    private func reestimate() {
        let now = elapsed()
        for index in waiters.indices {
            if let remaining = waiters[index].estimate?() {
                waiters[index].due = now + min(max(remaining, .zero), Self.unknownDue)
                waiters[index].estimate = nil
            }
        }
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
                reestimate()
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
