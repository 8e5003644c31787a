// MARK: - Waiting for a job to finish

extension VideoAPIClient {
    /// Polls the job until it completes, fails or the deadline passes.
    ///
    /// - ``VideoAPIClientConfiguration/pollPlanning`` picks the plan: `.plain` polls at once;
    ///   `.learned` starts a job this client created from its create's answer and what the jobs
    ///   like it taught so far (``RenderHistory``).
    /// - When to poll is ``PollSchedule``'s call: never sooner than `pollInterval` after the last
    ///   poll (or the server's `openai-poll-after-ms` hint when it sent one), at that floor while
    ///   the job reports no progress, else just after its predicted completion, never later than
    ///   ``VideoAPIClientConfiguration/maximumPollInterval``; plus up to `pollJitter` of the floor.
    ///   Never less than ``VideoAPIClientConfiguration/minimumPollInterval``.
    /// - Every poll takes a token from the client's run-wide ``PollPacer`` first (jobs predicted to
    ///   complete soonest first).
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
        let begun = sinceStart()
        let elapsed = { self.sinceStart() - begun }
        let floor = max(pollInterval, configuration.minimumPollInterval)
        var schedule = PollSchedule(floor: floor, ceiling: configuration.maximumPollInterval, jitter: configuration.pollJitter)
        // `.learned`: a job this client just created starts with its create's answer, not a poll.
        let creation = configuration.pollPlanning == .learned ? renderHistory.creation(of: id) : nil
        var wait = Duration.zero
        if let creation {
            schedule.created(at: creation.at - begun, expectedRender: renderHistory.expectedRender(of: creation.kind, floor: floor))
            wait = schedule.delay(after: elapsed(), hint: nil, random: configuration.random())
        }
        var polls = 0
        while true {
            if wait > .zero { try await sleep(for: min(wait, max(timeout - elapsed(), .zero))) }
            if Task.isCancelled { throw VideoAPIError(kind: .cancelled, message: "cancelled while waiting for job \(id)") }
            try await pace(remaining: schedule.predictedCompletion.map { $0 - elapsed() }, id: id)
            let sentAt = elapsed()
            let (video, hint) = try await retrieve(id: id)
            polls += 1
            await onUpdate(video)
            let now = elapsed()
            // The server read its progress between the request and the answer: the midpoint.
            let answeredAt = sentAt + (now - sentAt) / 2
            do {
                if try finished(video, id: id) {
                    renderHistory.completed(id, at: begun + answeredAt, estimate: schedule.completionEstimate(seenAt: answeredAt).map { begun + $0 })
                    return video
                }
            } catch {
                renderHistory.forget(id)
                throw error
            }
            schedule.record(progress: video.progress, at: answeredAt, age: age(of: video).map { $0 - (now - answeredAt) },
                latency: now - sentAt)
            if timeout - now <= .zero {
                throw VideoAPIError(
                    kind: .deadlineExceeded,
                    message: "job \(id) still \(video.status.rawValue) after \(timeout) (\(polls) polls); it was not resubmitted"
                )
            }
            wait = schedule.delay(after: now, hint: hint.map { max($0, configuration.minimumPollInterval) }, random: configuration.random())
            logger.debug("poll", metadata: ["id": "\(id)", "status": "\(video.status.rawValue)", "next": "\(wait)"])
        }
    }

    /// True when completed; throws `.jobFailed` for `failed` and `expired`.
    private func finished(_ video: VideoObject, id: String) throws -> Bool {
        switch video.status {
        case .completed:
            return true
        case .failed, .expired:
            throw VideoAPIError(
                kind: .jobFailed, code: video.error?.code ?? video.status.rawValue,
                message: "job \(id) \(video.status.rawValue)" + (video.error?.message.map { ": \($0)" } ?? "")
            )
        case .queued, .inProgress, .unknown:
            return false
        }
    }

    /// Waits for the run-wide pacer's token.
    private func pace(remaining: Duration?, id: String) async throws {
        do {
            try await pollPacer.acquire(remaining: remaining)
        } catch {
            throw VideoAPIError(kind: .cancelled, message: "cancelled while waiting for job \(id)")
        }
    }

    static func stopwatch<C: Clock>(_ clock: C) -> @Sendable () -> Duration where C.Duration == Duration {
        let start = clock.now
        return { start.duration(to: clock.now) }
    }
}
