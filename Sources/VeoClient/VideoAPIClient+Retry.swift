// MARK: - Retry loop and sleeping

extension VideoAPIClient {
    /// Runs `operation` (given the 1-based attempt number) until it returns, throws something
    /// other than a `RetryableFailure`, or the policy gives up (then the last failure's error).
    func withRetries<T>(
        _ policy: RetryPolicy, scope: String, _ operation: (Int) async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await operation(attempt)
            } catch let failure as RetryableFailure {
                try await retryOrThrow(failure, policy: policy, scope: scope, attempt: attempt)
            }
            attempt += 1
        }
    }

    private func retryOrThrow(_ failure: RetryableFailure, policy: RetryPolicy, scope: String, attempt: Int) async throws {
        if Task.isCancelled { throw VideoAPIError(kind: .cancelled, message: "cancelled") }
        guard attempt < policy.maxAttempts else {
            var error = failure.error
            error.retryAfter = failure.retryAfter
            if attempt > 1 { error.message += " (gave up after \(attempt) attempts)" }
            throw error
        }
        guard let delay = policy.delay(beforeRetry: attempt, retryAfter: failure.retryAfter, random: configuration.random()) else {
            var error = failure.error
            error.retryAfter = failure.retryAfter
            error.message += " (the server asked to wait longer than the \(scope) retry policy's maximum delay)"
            throw error
        }
        logger.debug(
            "retrying",
            metadata: ["scope": "\(scope)", "attempt": "\(attempt)", "delay": "\(delay)", "reason": "\(failure.error.message)"]
        )
        try await sleep(for: delay)
    }

    func sleep(for duration: Duration) async throws {
        do {
            try await clock.sleep(for: duration)
        } catch {
            throw VideoAPIError(kind: .cancelled, message: "cancelled")
        }
    }
}
