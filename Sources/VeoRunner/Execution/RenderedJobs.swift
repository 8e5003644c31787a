import Synchronization

/// Hands the ids of jobs whose render finished at the provider from the jobs to the run's
/// scheduling loop, so the loop can give the slot to the next job while the clip downloads.
///
/// The loop keeps at most one task waiting in ``next()``; ``wake()`` ends that wait with nil
/// (when no job is left rendering, so no id can come), also when it is called before the wait
/// began.
final class RenderedJobs: Sendable {
    private struct State {
        var ready: [String] = []
        var waiter: CheckedContinuation<String?, Never>?
        var woken = false
    }

    private let state = Mutex(State())

    /// A job's render finished: its slot may go to the next job.
    func post(_ id: String) {
        let waiter = state.withLock { state -> CheckedContinuation<String?, Never>? in
            guard let waiter = state.waiter else {
                state.ready.append(id)
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: id)
    }

    /// The next id posted (in order), or nil once ``wake()`` was called or the task is cancelled.
    func next() async -> String? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                let answer = state.withLock { state -> String?? in
                    if !state.ready.isEmpty { return .some(state.ready.removeFirst()) }
                    if state.woken || Task.isCancelled {
                        state.woken = false
                        return .some(nil)
                    }
                    state.waiter = continuation
                    return .none
                }
                if case .some(let id) = answer { continuation.resume(returning: id) }
            }
        } onCancel: {
            wake()
        }
    }

    /// Ends the current (or the next) wait in ``next()`` with nil.
    func wake() {
        let waiter = state.withLock { state -> CheckedContinuation<String?, Never>? in
            guard let waiter = state.waiter else {
                state.woken = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: nil)
    }
}

/// The run's `--concurrency` slots: a started job takes one and gives it back once, when its
/// render finished or when it ended, whichever the scheduling loop hears of first (the job's
/// task and the task waiting in ``RenderedJobs/next()`` may end in either order).
struct RenderSlots {
    /// Slots held: jobs started whose render has not finished and that have not ended.
    private(set) var taken = 0
    private var released: Set<String> = []
    private var ended: Set<String> = []

    /// A job started.
    mutating func take() { taken += 1 }

    mutating func renderFinished(_ id: String) {
        guard ended.remove(id) == nil else { return }
        released.insert(id)
        taken -= 1
    }

    mutating func jobEnded(_ id: String) {
        guard released.remove(id) == nil else { return }
        ended.insert(id)
        taken -= 1
    }
}
