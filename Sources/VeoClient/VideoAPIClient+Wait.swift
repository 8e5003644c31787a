// MARK: - Waiting for a job to finish

extension VideoAPIClient {
    /// Polls the job until it completes, fails or the deadline passes.
    ///
    /// - The interval is the server's `openai-poll-after-ms` hint when it sent one, else `pollInterval`
    ///   plus up to `pollJitter` of it; never less than ``VideoAPIClientConfiguration/minimumPollInterval``.
    /// - `timeout` is the overall deadline for this job, measured with the injected clock; when it
    ///   passes the call throws `.deadlineExceeded` (the last poll happens at the deadline).
    /// - `failed` and `expired` throw `.jobFailed` with the server's code and message; unknown statuses
    ///   are not finished.
    /// - `onUpdate` sees every video object polled, in order.
    /// - Cancelling the task stops at once with `.cancelled`.
    public func waitForCompletion(
        id: String, pollInterval: Duration, timeout: Duration,
        onUpdate: @Sendable (VideoObject) async -> Void
    ) async throws -> VideoObject {
        let elapsed = Self.stopwatch(clock)
        var polls = 0
        while true {
            if Task.isCancelled { throw VideoAPIError(kind: .cancelled, message: "cancelled while waiting for job \(id)") }
            let (video, hint) = try await retrieve(id: id)
            polls += 1
            await onUpdate(video)
            switch video.status {
            case .completed:
                return video
            case .failed, .expired:
                throw VideoAPIError(
                    kind: .jobFailed, code: video.error?.code ?? video.status.rawValue,
                    message: "job \(id) \(video.status.rawValue)" + (video.error?.message.map { ": \($0)" } ?? "")
                )
            case .queued, .inProgress, .unknown:
                break
            }
            let remaining = timeout - elapsed()
            if remaining <= .zero {
                throw VideoAPIError(
                    kind: .deadlineExceeded,
                    message: "job \(id) still \(video.status.rawValue) after \(timeout) (\(polls) polls); it was not resubmitted"
                )
            }
            let wait = nextPollDelay(requested: pollInterval, hint: hint)
            logger.debug("poll", metadata: ["id": "\(id)", "status": "\(video.status.rawValue)", "next": "\(wait)"])
            try await sleep(for: min(wait, remaining))
        }
    }

    /// The server's hint when it sent one (it paces its clients itself), else the requested
    /// interval plus up to `pollJitter` of it (so jobs started together do not poll together);
    /// never less than `minimumPollInterval`.
    func nextPollDelay(requested: Duration, hint: Duration?) -> Duration {
        if let hint { return max(hint, configuration.minimumPollInterval) }
        let base = max(requested, configuration.minimumPollInterval)
        let jitter = min(max(configuration.pollJitter, 0), 1) * min(max(configuration.random(), 0), 1)
        return base + base * jitter
    }

    static func stopwatch<C: Clock>(_ clock: C) -> @Sendable () -> Duration where C.Duration == Duration {
        let start = clock.now
        return { start.duration(to: clock.now) }
    }
}
