import Dispatch
import Foundation
import Synchronization
import VeoRunner

/// SIGINT and SIGTERM while a run works:
/// 1. the first cancels the run: no new submissions; polls and downloads stop; the journal and the
///    report (status `interrupted`) are written and the tool exits 130;
/// 2. signals within `sameInterrupt` of the first are the same interrupt (`timeout` and a terminal's
///    Ctrl-C can deliver one signal to the process and again to its group);
/// 3. the next one fires the run's `HardStop`: answers to create requests in flight are no longer
///    awaited (the journal and report are still written);
/// 4. one more exits at once with 130 (every submission is already in the journal).
enum Interrupts {
    static let sameInterrupt = Duration.seconds(1)

    static func handle<T: Sendable>(hardStop: HardStop, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        let queue = DispatchQueue(label: "veo.signals")
        let counter = Mutex<(count: Int, first: ContinuousClock.Instant?)>((0, nil))
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                let count = counter.withLock { state -> Int in
                    let now = ContinuousClock.now
                    if let first = state.first, state.count == 1, now - first < sameInterrupt { return 0 }
                    state.count += 1
                    state.first = state.first ?? now
                    return state.count
                }
                react(to: count, task: task, hardStop: hardStop)
            }
            source.resume()
            sources.append(source)
        }
        defer {
            for source in sources { source.cancel() }
            for sig in [SIGINT, SIGTERM] { signal(sig, SIG_DFL) }
        }
        return try await task.value
    }

    private static func react<T>(to count: Int, task: Task<T, any Error>, hardStop: HardStop) {
        switch count {
        case 0:
            break  // the same interrupt, delivered twice
        case 1:
            Terminal.writeStderr("\nInterrupted: no new submissions; writing the journal and report (again to stop waiting for answers)\n")
            task.cancel()
        case 2:
            Terminal.writeStderr("\nInterrupted again: not waiting for answers to create requests in flight (the next run reports them as ambiguous); writing the journal and report (again to quit now)\n")
            hardStop.fire()
        default:
            exit(130)
        }
    }
}
