import Dispatch
import Synchronization

/// Running a few pieces of work at once, on the calling thread and libdispatch's workers
/// (`DispatchQueue.concurrentPerform`), and collecting their results in order.
enum Parallel {
    /// `body(0)`, …, `body(count - 1)` at once; their results in that order.
    static func map<Result: Sendable>(_ count: Int, _ body: @Sendable (Int) -> Result) -> [Result] {
        let results = Slots<Result>(count)
        DispatchQueue.concurrentPerform(iterations: count) { i in results.put(body(i), at: i) }
        return results.take()
    }

    /// `first()` and `second()` at once.
    static func pair<A: Sendable, B: Sendable>(_ first: @Sendable () -> A, _ second: @Sendable () -> B) -> (A, B) {
        let a = Slots<A>(1), b = Slots<B>(1)
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            if i == 0 { a.put(first(), at: 0) } else { b.put(second(), at: 0) }
        }
        return (a.take()[0], b.take()[0])
    }
}

/// Results written by several threads, read once all have finished.
private final class Slots<Value: Sendable>: Sendable {
    private let values: Mutex<[Value?]>

    init(_ count: Int) {
        values = Mutex(Array(repeating: nil, count: count))
    }

    func put(_ value: Value, at index: Int) {
        values.withLock { $0[index] = value }
    }

    func take() -> [Value] {
        values.withLock { $0.map { $0! } }
    }
}
