import Synchronization

/// The user's second request to stop. The first one cancels the run: no new job starts, polls and
/// downloads stop, but a create request already on its way is still awaited, because its answer
/// (the video id) lets the next run resume the job instead of guessing. The second one abandons
/// those answers too: their journal entries stay open, so the next run reports them as ambiguous
/// (never submitted again without `--resubmit-ambiguous`), and the run ends at once, still writing
/// its journal and report.
public final class HardStop: Sendable {
    private struct State {
        var fired = false
        var handlers: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    public init() {}

    public var fired: Bool { state.withLock { $0.fired } }

    public func fire() {
        let handlers = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.fired else { return [] }
            state.fired = true
            defer { state.handlers = [] }
            return state.handlers
        }
        for handler in handlers { handler() }
    }

    /// Calls `handler` when the stop fires (at once if it already has).
    func onFire(_ handler: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.fired { return true }
            state.handlers.append(handler)
            return false
        }
        if now { handler() }
    }

    /// The value of `task`, or `AbandonedAnswer` as soon as the stop fires (the task goes on,
    /// unawaited, until the process exits).
    func value<T: Sendable>(of task: Task<T, any Error>) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let once = Mutex<CheckedContinuation<T, any Error>?>(continuation)
            @Sendable func resume(_ result: Result<T, any Error>) {
                once.withLock { $0.take() }?.resume(with: result)
            }
            Task {
                do { resume(.success(try await task.value)) } catch { resume(.failure(error)) }
            }
            onFire { resume(.failure(AbandonedAnswer())) }
        }
    }

    struct AbandonedAnswer: Error {}
}
