import Synchronization

// MARK: - Ending exchanges that stall or drag on

/// How long one exchange (one create or poll attempt, one download attempt) may take: `idle` with
/// no byte going either way, `overall` in total. Real time: a server that drips a byte every few
/// seconds never trips `idle`, and `overall` still ends it.
struct TransferLimits: Sendable {
    var idle: Duration
    var overall: Duration
}

/// The moment the job an exchange belongs to must be over (`--job-timeout`), for the exchanges
/// made within `JobDeadline.$current.withValue(deadline) { ... }`: each ends by then whatever its
/// own limits say (a create answered byte by byte, a download trickled for hours). A create
/// cut off this way after its body went out is an ambiguous submission, as with any other limit;
/// a download is not retried (``VideoAPIError/Kind/deadlineExceeded``).
public enum JobDeadline {
    @TaskLocal public static var current: ContinuousClock.Instant? = nil

    /// Whether the current job's deadline has passed.
    static var passed: Bool { current.map { ContinuousClock.now >= $0 } ?? false }
}

/// What one exchange has done so far, written by the code sending and receiving, read by the
/// watchdog (idle time) and by the classification of a failure (what the server may have seen).
final class TransferProgress: Sendable {
    private struct State {
        var lastActivity = ContinuousClock.now
        var bodyStarted = false
        var status: Int?
        var bytesReceived: Int64 = 0
    }

    private let state = Mutex(State())

    /// Whether the request body began to go out (AsyncHTTPClient pulls it only after writing the
    /// request head): from then on, a create may have reached the server.
    var bodyStarted: Bool { state.withLock { $0.bodyStarted } }
    /// The answer's HTTP status, once its head arrived.
    var status: Int? { state.withLock { $0.status } }
    var bytesReceived: Int64 { state.withLock { $0.bytesReceived } }
    var lastActivity: ContinuousClock.Instant { state.withLock { $0.lastActivity } }

    func sendingBody() {
        state.withLock {
            $0.bodyStarted = true
            $0.lastActivity = .now
        }
    }

    func receivedHead(status: Int) {
        state.withLock {
            $0.status = status
            $0.lastActivity = .now
        }
    }

    func received(bytes: Int) {
        state.withLock {
            $0.bytesReceived += Int64(bytes)
            $0.lastActivity = .now
        }
    }
}

/// The watchdog ended an exchange.
struct TransferTimedOut: Error {
    enum Limit { case idle, overall, jobDeadline }
    var limit: Limit
    var duration: Duration

    var reason: String {
        switch limit {
        case .idle: "nothing came for \(DurationText.of(duration))"
        case .overall: "it took longer than \(DurationText.of(duration))"
        case .jobDeadline: "the job's time limit ran out"
        }
    }
}

/// Runs `operation`, ending it (by cancelling it) and throwing ``TransferTimedOut`` when
/// `progress` shows no activity for `limits.idle` or `limits.overall` passes. Cancelling the
/// caller cancels `operation`, whose own error then comes out.
func withTransferLimits<T: Sendable>(
    _ limits: TransferLimits, progress: TransferProgress, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await watch(progress, limits: limits)
            return nil
        }
        defer { group.cancelAll() }
        while let result = try await group.next() {
            if let value = result { return value }
        }
        throw CancellationError()
    }
}

/// Returns when cancelled; throws when a limit or the job's deadline (``JobDeadline``) passes.
private func watch(_ progress: TransferProgress, limits: TransferLimits) async throws {
    let clock = ContinuousClock()
    let overallEnd = clock.now + limits.overall
    let deadline = JobDeadline.current.map { min($0, overallEnd) }
    let end = deadline ?? overallEnd
    while true {
        let idleEnd = progress.lastActivity + limits.idle
        let now = clock.now
        if let deadline, deadline < overallEnd, now >= deadline { throw TransferTimedOut(limit: .jobDeadline, duration: limits.overall) }
        if now >= end { throw TransferTimedOut(limit: .overall, duration: limits.overall) }
        if now >= idleEnd { throw TransferTimedOut(limit: .idle, duration: limits.idle) }
        do {
            try await clock.sleep(until: min(idleEnd, end), tolerance: .milliseconds(10))
        } catch {
            return
        }
    }
}
