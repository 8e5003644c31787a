import Dispatch
import Foundation
import Synchronization

/// SIGINT and SIGTERM cancel the work (which then writes its journal and report); a second signal
/// exits at once with 130 (everything submitted is already in the journal).
enum Interrupts {
    static func cancelOnSignal<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        let queue = DispatchQueue(label: "veo.signals")
        var sources: [any DispatchSourceSignal] = []
        let count = Atomic<Int>(0)
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                if count.add(1, ordering: .relaxed).newValue > 1 { exit(130) }
                Terminal.writeStderr("\nInterrupted: no new submissions; writing the journal and report (again to quit now)\n")
                task.cancel()
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
}
