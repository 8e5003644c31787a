/// `operation`'s result, or `DeadlineExceeded` once `limit` has passed, whatever the operation is
/// doing (it is cancelled then). A bound that holds even when a transport or a child process
/// stops making progress without failing.
public func withDeadline<T: Sendable>(
    _ limit: Duration, clock: any Clock<Duration> = ContinuousClock(), _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await clock.sleep(for: limit)
            throw DeadlineExceeded(limit: limit)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

public struct DeadlineExceeded: Error, Sendable, CustomStringConvertible {
    public var limit: Duration
    public var description: String { "no result within \(limit)" }
}
